#!/usr/bin/env bash
# check-port.sh: before `up`, make sure JupyterLab's address is free, or already ours.
# Settings come from the environment first, then .env, then the compose defaults.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
compose=$(compose_command)
bind=$(setting LAB_BIND 127.0.0.1)
port=$(setting LAB_PORT 8888)
# Our own lab already holds the port: `up` leaves it as it is.
if [ -n "$($compose ps -q lab 2>/dev/null)" ] &&
   [ "$(docker inspect -f '{{.State.Running}}' "$($compose ps -q lab)" 2>/dev/null)" = true ]; then
  exit 0
fi
if port_free "$bind" "$port"; then exit 0; fi
echo "Port $port on $bind is already in use (another lab stack or another program)." >&2
echo "Stop it, or publish this lab elsewhere: set LAB_PORT=<free port> in .env or the environment." >&2
docker ps --filter "publish=$port" --format '  held by container {{.Names}}' 2>/dev/null >&2 || true
exit 1
