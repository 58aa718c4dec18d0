#!/usr/bin/env bash
# check-port.sh: before `up`, make sure JupyterLab's address is free, or already ours.
# Settings come from the environment first, then .env, then the compose defaults.
set -euo pipefail
compose=${COMPOSE:-$(docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)}
from_env_file() { sed -n "s/^$1=//p" .env 2>/dev/null | tail -n 1; }
bind=${LAB_BIND:-$(from_env_file LAB_BIND)}; bind=${bind:-127.0.0.1}
port=${LAB_PORT:-$(from_env_file LAB_PORT)}; port=${port:-8888}
# Our own lab already holds the port: `up` leaves it as it is.
if [ -n "$($compose ps -q lab 2>/dev/null)" ] &&
   [ "$(docker inspect -f '{{.State.Running}}' "$($compose ps -q lab)" 2>/dev/null)" = true ]; then
  exit 0
fi
if python3 - "$bind" "$port" <<'PY'
import socket, sys
bind, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("0.0.0.0" if bind in ("", "0.0.0.0") else bind, port))
except OSError:
    sys.exit(1)
PY
then exit 0; fi
echo "Port $port on $bind is already in use (another lab stack or another program)." >&2
echo "Stop it, or publish this lab elsewhere: set LAB_PORT=<free port> in .env or the environment." >&2
docker ps --filter "publish=$port" --format '  held by container {{.Names}}' 2>/dev/null >&2 || true
exit 1
