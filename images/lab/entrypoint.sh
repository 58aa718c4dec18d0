#!/bin/bash
# Start JupyterLab for the learner. The course (notebooks, labs, grader) is copied into the
# persistent work volume file by file, never over a file that is already there, so a
# learner's edits survive restarts, `docker compose down`/`up` and image rebuilds.
set -euo pipefail
work=/home/jovyan/work
if [ ! -w "$work" ]; then
  echo "ERROR: $work is not writable by $(id -un); the learner's work cannot be saved." >&2
  echo "Fix the volume's owner once: docker compose run --rm -u root lab chown -R 1000:1000 $work" >&2
  exit 1
fi
cp -rn /opt/lab/course/. "$work"/

if [ "$#" -gt 0 ]; then exec "$@"; fi

args=(--ServerApp.ip=0.0.0.0 --ServerApp.port=8888 --ServerApp.open_browser=False
      --ServerApp.root_dir="$work" --ServerApp.allow_remote_access=True)
if [ -n "${JUPYTER_PASSWORD_HASH:-}" ]; then
  args+=(--PasswordIdentityProvider.hashed_password="$JUPYTER_PASSWORD_HASH")
fi
if [ -z "${JUPYTER_TOKEN:-}" ]; then
  # Never run without a token: make one and say where to find it.
  export JUPYTER_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
  echo "No JUPYTER_TOKEN was set; this start uses a random one:"
  echo "    http://127.0.0.1:8888/lab?token=$JUPYTER_TOKEN"
fi
exec jupyter lab "${args[@]}"
