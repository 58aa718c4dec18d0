#!/usr/bin/env bash
# Build the wheelhouse the lab image installs from when containers cannot reach PyPI.
# Wheels are resolved for the image's interpreter (Debian bookworm: CPython 3.11.2 on
# glibc 2.36), not for the host's, from the pins in pyproject.toml.
set -euo pipefail
out=${1:-wheelhouse}
py=${PYTHON:-python3}
mkdir -p "$out"
if [ -f "$out/.complete" ] && [ "$out/.complete" -nt pyproject.toml ]; then
  echo "wheelhouse: up to date ($(ls "$out"/*.whl | wc -l) wheels)"
  exit 0
fi
req=$(mktemp)
trap 'rm -f "$req"' EXIT
"$py" "$(dirname "$0")/lab-requirements.py" pyproject.toml >"$req"
arch=$(uname -m)
"$py" -m pip download --disable-pip-version-check -q -d "$out" \
  --python-version 3.11.2 --implementation cp --abi cp311 --only-binary=:all: \
  --platform manylinux_2_36_$arch --platform manylinux_2_34_$arch --platform manylinux_2_28_$arch \
  --platform manylinux_2_17_$arch --platform manylinux2014_$arch --platform linux_$arch --platform any \
  -r "$req"
touch "$out/.complete"
echo "wheelhouse: $(ls "$out"/*.whl | wc -l) wheels, $(du -sh "$out" | cut -f1) in $out"
