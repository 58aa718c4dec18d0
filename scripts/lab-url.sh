#!/usr/bin/env bash
# lab-url.sh: print JupyterLab's address with its token (environment first, then .env).
set -euo pipefail
from_env_file() { sed -n "s/^$1=//p" .env 2>/dev/null | tail -n 1; }
bind=${LAB_BIND:-$(from_env_file LAB_BIND)}; bind=${bind:-127.0.0.1}
port=${LAB_PORT:-$(from_env_file LAB_PORT)}; port=${port:-8888}
token=${JUPYTER_TOKEN:-$(from_env_file JUPYTER_TOKEN)}
host=$bind; [ "$host" = 0.0.0.0 ] && host=$(hostname -f 2>/dev/null || echo localhost)
echo
if [ -n "$token" ]; then
  echo "The lab is up: http://$host:$port/lab?token=$token"
else
  echo "The lab is up: http://$host:$port/lab (log in with the token printed by: docker compose logs lab)"
fi
