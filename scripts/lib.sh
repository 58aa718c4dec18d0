# shellcheck shell=bash
# scripts/lib.sh: what the Makefile and the scripts share. Source it, then call a function:
#   . scripts/lib.sh && compose_command
# Defines functions and LAB_ROOT only: sourcing it runs nothing, sets no shell option and
# reads no file. A setting comes from the environment first, then .env in the current folder
# (where compose reads it too); when .env names a key twice, the last line wins, as in compose.

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# compose_command: the compose CLI: $COMPOSE, else Compose v2 (`docker compose`) where it
# exists, else docker-compose 1.29.
compose_command() {
  if [ -n "${COMPOSE:-}" ]; then
    echo "$COMPOSE"
  elif docker compose version >/dev/null 2>&1; then
    echo "docker compose"
  else
    echo docker-compose
  fi
}

# env_file_value KEY [FILE]: KEY's value in FILE (default .env); the last line wins; empty
# when the file or the key is missing.
env_file_value() {
  sed -n "s/^$1=//p" "${2:-.env}" 2>/dev/null | tail -n 1
}

# setting KEY [DEFAULT]: $KEY when set and not empty, else .env's KEY, else DEFAULT.
setting() {
  local value=${!1:-}
  [ -n "$value" ] || value=$(env_file_value "$1")
  echo "${value:-${2:-}}"
}

# package_version: the lab's version, declared once: [project]'s version in pyproject.toml.
package_version() {
  sed -n '/^\[project\]/,/^\[/ s/^version *= *"\(.*\)"$/\1/p' "$LAB_ROOT/pyproject.toml"
}

# lab_version: the images' tag: LAB_VERSION (environment, then .env), else package_version.
lab_version() {
  local version
  version=$(setting LAB_VERSION)
  echo "${version:-$(package_version)}"
}

# lab_image NAME: asynclab/NAME:<lab_version> (lab, target, hub).
lab_image() {
  echo "asynclab/$1:$(lab_version)"
}

# lab_project: the compose project: $COMPOSE_PROJECT_NAME, else .env's (empty: compose's own).
lab_project() {
  setting COMPOSE_PROJECT_NAME
}

# cgroup_name PROJECT: the targets' cgroup parents' name for a project (LAB_CGROUP_NAME), by
# src/asynclab/stack/cgroup_settings.py with the system's python3 (standard library only).
cgroup_name() {
  python3 "$LAB_ROOT/src/asynclab/stack/cgroup_settings.py" name --project "$1"
}

# lab_running [SERVICE]: true when the container of SERVICE (default lab) of this compose
# project exists.
lab_running() {
  $(compose_command) ps -q "${1:-lab}" 2>/dev/null | grep -q .
}

# need_lab [SERVICE]: say so and fail when the lab is not running.
need_lab() {
  lab_running "$@" || { echo "The lab is not running: start it with make lab" >&2; return 1; }
}

# port_free BIND PORT: true when PORT can be bound on BIND (empty or 0.0.0.0: every address).
port_free() {
  python3 - "$1" "$2" <<'PY'
import socket, sys
bind, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("0.0.0.0" if bind in ("", "0.0.0.0") else bind, port))
except OSError:
    sys.exit(1)
PY
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
