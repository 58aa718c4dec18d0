#!/usr/bin/env bash
# Build the prebuilt JupyterLab extension and write it to OUTDIR (its package.json and
# static/remoteEntry.*.js): what JupyterLab loads from share/jupyter/labextensions/<name>/.
# Needs Node.js (^20.19 or >= 22.12, for rspack) and npm with the npm registry in reach; no
# Python or jupyterlab: the core metadata comes from the npm package @jupyterlab/core-meta.
# The build runs in a temporary folder, so node_modules never lands in the source tree.
# OUTDIR/SOURCES.sha256 lists the sources it was built from: an OUTDIR built from the same
# sources is kept as it is; any other is removed first, so a failed build leaves none, never
# a stale one.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "$1")
name=asynclab-playbook-highlight

# An earlier build from the same sources is kept (remove OUTDIR to build anew).
if (cd "$src" && sha256sum --check --quiet "$out/SOURCES.sha256") >/dev/null 2>&1; then
  echo "$name: up to date in $out"
  exit 0
fi
# Replace only an earlier output of this script (or an empty or missing folder).
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ] \
   && ! grep -qs "\"name\": \"$name\"" "$out/package.json"; then
  echo "$0: $out is not an earlier build of $name: not replacing it" >&2
  exit 1
fi
rm -rf "$out"

command -v npm >/dev/null || { echo "$0: npm not found (needs Node.js and npm)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/package.json" "$src/package-lock.json" "$src/tsconfig.json" "$src/src" "$work/"
cd "$work"
# Exact versions from package-lock.json; no install scripts are needed.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
npm run --silent build

mkdir -p "$(dirname "$out")"
cp -r "$work/labextension" "$out"
# What it was built from: the image's build stage takes a prebuilt extension only if the
# sources still match (`sha256sum --check`, run in this folder).
sha256sum package.json package-lock.json tsconfig.json $(find src -type f | sort) >"$out/SOURCES.sha256"
echo "built $name into $out"
