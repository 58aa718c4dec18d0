#!/usr/bin/env bash
# `make config`: the targets' cgroup settings for the Docker engine at hand, and .env.
# Asks the daemon (not this machine's /sys: the engine may be Docker Desktop's or a remote
# one), writes docker-compose.cgroup.yml, and points .env's COMPOSE_FILE at it (and gives
# .env the images' tag when it has none), so that a bare `docker compose up` uses the same
# settings. Prints one line: what it chose.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
compose=$(compose_command)
flavour=v2
[ "$compose" = docker-compose ] && flavour=v1
probe=debian:bookworm-slim
if ! docker image inspect "$probe" >/dev/null 2>&1; then
  probe=$(LAB_VERSION='' lab_image target)  # .env's tag, as compose reads it
fi
python3 src/asynclab/stack/cgroup_settings.py write --compose "$flavour" --probe-image "$probe" --out docker-compose.cgroup.yml
# .env's project (not the environment's): .env serves a bare `docker compose` too.
project=$(env_file_value COMPOSE_PROJECT_NAME)
name=$(cgroup_name "${project:-asynclab}")
set_env() {  # set_env KEY VALUE: replace the line, or add it
  if grep -q "^$1=" .env; then
    sed -i "s|^$1=.*|$1=$2|" .env
  else
    printf '%s=%s\n' "$1" "$2" >>.env
  fi
}
set_env COMPOSE_FILE docker-compose.yml:docker-compose.cgroup.yml
set_env LAB_CGROUP_NAME "$name"
# The images' tag, for a bare `docker compose` (docker-compose.yml has no default): the lab's
# version (pyproject.toml) when .env names none; a tag set there stays.
[ -n "$(env_file_value LAB_VERSION)" ] || set_env LAB_VERSION "$(package_version)"
