#!/usr/bin/env bash
# Build the wheelhouse the lab and hub images install from when containers cannot reach
# PyPI. Wheels are resolved for the image's interpreter (Debian trixie: CPython 3.13 on
# glibc 2.41), not for the host's, from the pins in pyproject.toml.
set -euo pipefail
out=${1:-wheelhouse}
py=${PYTHON:-python3}
mkdir -p "$out"
if [ -f "$out/.complete" ] && [ "$out/.complete" -nt pyproject.toml ] && grep -qx cp313 "$out/.complete"; then
  echo "wheelhouse: up to date ($(ls "$out"/*.whl | wc -l) wheels)"
  exit 0
fi
rm -f "$out"/*.whl
req=$(mktemp)
trap 'rm -f "$req"' EXIT
{ "$py" "$(dirname "$0")/lab-requirements.py" pyproject.toml; "$py" "$(dirname "$0")/lab-requirements.py" pyproject.toml --hub; } >"$req"
arch=$(uname -m)
platforms=()
for glibc in 2_41 2_39 2_38 2_36 2_35 2_34 2_31 2_28 2_17; do platforms+=(--platform "manylinux_${glibc}_$arch"); done
# Pure-Python packages with no wheel on PyPI: built here, then found by the download below.
"$py" "$(dirname "$0")/lab-requirements.py" pyproject.toml --wheelhouse-builds \
  | xargs -r "$py" -m pip wheel --disable-pip-version-check -q --no-deps -w "$out"
"$py" -m pip download --disable-pip-version-check -q -d "$out" --find-links "$out" \
  --python-version 3.13 --implementation cp --abi cp313 --abi abi3 --abi none --only-binary=:all: \
  "${platforms[@]}" --platform "manylinux2014_$arch" --platform "linux_$arch" --platform any \
  -r "$req"
echo cp313 >"$out/.complete"
echo "wheelhouse: $(ls "$out"/*.whl | wc -l) wheels, $(du -sh "$out" | cut -f1) in $out"
