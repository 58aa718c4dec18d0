#!/usr/bin/env bash
# bundle.sh [DIR]: write everything a machine with no internet needs to run the lab into DIR
# (default bundle/): the images, a wheelhouse for the host virtualenv, the lab's files, a
# MANIFEST (sha256 of every file, the image ids) and LOAD.txt. scripts/load.sh DIR brings
# the lab up from it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. scripts/lib.sh
compose=$(compose_command)
py=${PYTHON:-python3}
out=${1:-bundle}
say() { printf '%s\n' "bundle: $*"; }
fail() { printf '%s\n' "bundle: $*" >&2; exit 1; }
took() { echo "$((SECONDS - $1)) s"; }

# ---- checks before writing anything ----------------------------------------------------
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || fail "$root is not a git checkout: the bundle copies the files git knows"
docker info >/dev/null 2>&1 || fail "the Docker engine cannot be reached (is dockerd running, may this user use it?)"
"$py" -m pip --version >/dev/null 2>&1 || fail "$py has no pip (install python3-pip, or set PYTHON=.venv/bin/python)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -n "$(ls -A "$out")" ] && [ ! -f "$out/MANIFEST" ]; then
  fail "$out is not empty and holds no bundle (no MANIFEST): choose a new or empty folder"
fi
case "$root/" in "$out"/*) fail "$out contains the repository itself: choose another folder" ;; esac

# The images are the ones the compose file names, with LAB_VERSION from the environment or .env.
mapfile -t images < <($compose config | sed -n 's/^ *image: *//p' | sort -u)
[ ${#images[@]} -gt 0 ] || fail "$compose config names no images"
version=${images[0]##*:}
if ! docker image inspect "${images[@]}" >/dev/null 2>&1; then
  say "images missing, building them with make images"
  make --no-print-directory images
fi

# A bundle is valid only once its MANIFEST is written, last.
rm -rf "$out/MANIFEST" "$out/LOAD.txt" "$out/asynclab" "$out/wheels" "$out"/images.tar*

# ---- the lab's files: what git tracks or would add, as they are in the work tree ----------
start=$SECONDS
rel=$(realpath --relative-to="$root" "$out")
mkdir -p "$out/asynclab"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] || continue                      # tracked, deleted here
  case "$f" in "$rel"/*) continue ;; esac      # the bundle itself, when it lies in the tree
  printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -C "$out/asynclab" -xf -
say "lab files: $(find "$out/asynclab" -type f | wc -l) files in asynclab/ ($(took $start))"

# ---- wheelhouse for the host virtualenv: .[dev] and the build requirements, for this Python --
start=$SECONDS
mapfile -t build_requires < <("$py" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))')
"$py" -m pip wheel --disable-pip-version-check -q -w "$out/wheels" ".[dev]" "${build_requires[@]}" pip
rm -f "$out"/wheels/asynclab-*.whl             # `make setup` installs the lab's package from its files
python_tag=$("$py" -c 'import platform; print(platform.python_implementation(), platform.python_version(), platform.system(), platform.machine())')
say "wheels: $(ls "$out"/wheels/*.whl | wc -l) for $python_tag, $(du -sh "$out/wheels" | cut -f1) ($(took $start))"

# ---- images: one archive, so the layers they share are stored once ----------------------
start=$SECONDS
case ${BUNDLE_COMPRESS:-$(command -v zstd >/dev/null && echo zstd || echo gzip)} in
  zstd) archive=images.tar.zst; compress=(zstd -q -T0 -3) ;;
  gzip) archive=images.tar.gz; compress=(gzip -1) ;;
  *) fail "BUNDLE_COMPRESS must be zstd or gzip" ;;
esac
image_id() { docker image inspect -f '{{.Id}}' "$1"; }
ids=(); for image in "${images[@]}"; do ids+=("$(image_id "$image")"); done
docker save "${images[@]}" | "${compress[@]}" >"$out/$archive.partial"
for i in "${!images[@]}"; do
  [ "$(image_id "${images[i]}")" = "${ids[i]}" ] || fail "${images[i]} changed while it was saved (rebuilt?): run make bundle again"
done
mv "$out/$archive.partial" "$out/$archive"
say "images: ${images[*]} in $archive, $(du -sh "$out/$archive" | cut -f1) ($(took $start))"

# ---- LOAD.txt and MANIFEST ----------------------------------------------------------------
cat >"$out/LOAD.txt" <<EOF
The Ansible async lab $version, ready for a machine with no internet.

Needs: Docker with Compose v2 or docker-compose 1.29, GNU make, bash, python3$([ "$archive" = images.tar.zst ] && echo ", zstd").

1. Copy this whole folder to the machine.
2. In it, run:    cd asynclab && make load BUNDLE=..
   This checks every file against MANIFEST, loads the images, checks their ids, writes
   asynclab/.env with a new JupyterLab token if there is none, starts the lab (no build,
   no download) and prints its URL.
3. For learners on other machines, set LAB_BIND (and LAB_PORT) in asynclab/.env, then
   run make up in asynclab/. Day to day, in asynclab/: make status, make down, make up,
   make reset (README.md tells the rest).

Host virtualenv for the tests and host-side tools ($python_tag):
   cd asynclab && make setup WHEELS=../wheels
EOF
{
  echo "# Offline bundle of the Ansible async lab, made by make bundle; make load checks it."
  echo "lab-version: $version"
  echo "source: $(git describe --always --dirty)"
  echo "made: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "wheels-for: $python_tag"
  echo "images: $archive"
  for i in "${!images[@]}"; do echo "image: ${images[i]} ${ids[i]}"; done
  echo "# sha256 of every other file of the bundle, as sha256sum prints them:"
  (cd "$out" && find . -type f ! -name 'MANIFEST*' -printf '%P\0' | sort -z | xargs -0 sha256sum)
} >"$out/MANIFEST.partial"
mv "$out/MANIFEST.partial" "$out/MANIFEST"
say "done: $out, $(du -sh "$out" | cut -f1); on the offline machine see LOAD.txt"
