#!/usr/bin/env bash
# `make config`: the targets' cgroup settings for the Docker engine at hand, and .env.
# Asks the daemon (not this machine's /sys: the engine may be Docker Desktop's or a remote
# one), writes docker-compose.cgroup.yml, and points .env's COMPOSE_FILE at it, so that a
# bare `docker compose up` uses the same settings. Prints one line: what it chose.
set -euo pipefail
cd "$(dirname "$0")/.."
compose=${COMPOSE:-docker compose}
flavour=v2
[ "$compose" = docker-compose ] && flavour=v1
probe=debian:bookworm-slim
if ! docker image inspect "$probe" >/dev/null 2>&1; then
  probe="asynclab/target:$(sed -n 's/^LAB_VERSION=//p' .env 2>/dev/null | grep . || echo 0.1.0)"
fi
python3 src/asynclab/stack/cgroup_settings.py write --compose "$flavour" --probe-image "$probe" --out docker-compose.cgroup.yml
project=$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' .env | grep . || echo asynclab)
name=$(python3 src/asynclab/stack/cgroup_settings.py name --project "$project")
set_env() {  # set_env KEY VALUE: replace the line, or add it
  if grep -q "^$1=" .env; then
    sed -i "s|^$1=.*|$1=$2|" .env
  else
    printf '%s=%s\n' "$1" "$2" >>.env
  fi
}
set_env COMPOSE_FILE docker-compose.yml:docker-compose.cgroup.yml
set_env LAB_CGROUP_NAME "$name"
