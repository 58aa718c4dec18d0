#!/usr/bin/env bash
# load.sh [DIR]: bring the lab up from a bundle made by scripts/bundle.sh (default bundle/),
# on a machine with no internet. Every file is checked against the MANIFEST before anything
# is loaded; then the images are loaded, their ids checked, and the stack is started from
# this repository's files with no build and no pull.
set -euo pipefail
dir=${1:-bundle}
[ -d "$dir" ] && dir=$(cd "$dir" && pwd)
cd "$(dirname "$0")/.."
. scripts/lib.sh
COMPOSE=$(compose_command)
export COMPOSE
say() { printf '%s\n' "load: $*"; }
fail() { printf '%s\n' "load: $*" >&2; exit 1; }
took() { echo "$((SECONDS - $1)) s"; }

manifest=$dir/MANIFEST
hint=""; [ -f ../MANIFEST ] && hint=" (in a bundle's asynclab/ folder: make load BUNDLE=..)"
[ -d "$dir" ] || fail "$dir does not exist: name the bundle's folder$hint"
[ -f "$manifest" ] || fail "no bundle in $dir/: it has no MANIFEST (make one with make bundle)$hint"
field() { sed -n "s/^$1: //p" "$manifest" | head -n 1; }
version=$(field lab-version)
archive=$(field images)
mapfile -t images < <(sed -n 's/^image: //p' "$manifest")
sums=$(grep -E '^[0-9a-f]{64}  ' "$manifest" || true)
if [ -z "$version" ] || [ -z "$archive" ] || [ ${#images[@]} -eq 0 ] || ! grep -qF "  $archive" <<<"$sums"; then
  fail "$manifest is incomplete (no lab-version, images, image or checksum lines): make the bundle again"
fi

# ---- every file as it was made, before anything is loaded ----------------------------------
start=$SECONDS
bad=$(cd "$dir" && sha256sum -c --quiet <<<"$sums" 2>/dev/null) || true
if [ -n "$bad" ]; then
  {
    echo "load: the bundle in $dir is damaged; nothing was loaded:"
    sed -e 's/: FAILED open or read$/: missing or unreadable/' -e 's/: FAILED$/: its content differs from MANIFEST/' \
        -e 's/^/  /' <<<"$bad"
    echo "Copy the bundle again from the machine that made it (or make it again: make bundle)."
  } >&2
  exit 1
fi
say "$(wc -l <<<"$sums") files match MANIFEST ($(took $start))"

# ---- the images ---------------------------------------------------------------------------
docker info >/dev/null 2>&1 || fail "the Docker engine cannot be reached (is dockerd running, may this user use it?)"
start=$SECONDS
case $archive in
  *.zst)
    command -v zstd >/dev/null || fail "$archive needs zstd to unpack: install zstd, or make the bundle with BUNDLE_COMPRESS=gzip"
    zstd -dc "$dir/$archive" | docker load ;;
  *) docker load -i "$dir/$archive" ;;
esac
for line in "${images[@]}"; do
  read -r image id <<<"$line"
  loaded=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || echo "no such image")
  [ "$loaded" = "$id" ] || fail "after loading, $image is $loaded, but MANIFEST says $id"
done
say "images loaded, ids as in MANIFEST ($(took $start))"

# ---- settings and start ---------------------------------------------------------------------
export LAB_VERSION=$version
if [ ! -f .env ]; then
  make --no-print-directory .env
  sed -i "s/^LAB_VERSION=.*/LAB_VERSION=$version/" .env
fi
env_version=$(env_file_value LAB_VERSION)
if [ "$env_version" != "$version" ]; then
  say "note: .env selects LAB_VERSION=${env_version:-(none)}, this bundle holds $version: set LAB_VERSION=$version in .env so that make up uses it"
fi
start=$SECONDS
scripts/check-port.sh
scripts/config.sh  # the targets' cgroup settings for this engine
$COMPOSE up -d --no-build
scripts/wait-healthy.sh "${LOAD_WAIT:-300}"
say "stack started and healthy ($(took $start))"
scripts/lab-url.sh
