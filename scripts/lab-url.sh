#!/usr/bin/env bash
# lab-url.sh: print JupyterLab's address with its token (environment first, then .env).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
bind=$(setting LAB_BIND 127.0.0.1)
port=$(setting LAB_PORT 8888)
token=$(setting JUPYTER_TOKEN)
host=$bind; [ "$host" = 0.0.0.0 ] && host=$(hostname -f 2>/dev/null || echo localhost)
echo
if [ -n "$token" ]; then
  echo "The lab is up: http://$host:$port/lab?token=$token"
else
  echo "The lab is up: http://$host:$port/lab (log in with the token printed by: docker compose logs lab)"
fi
