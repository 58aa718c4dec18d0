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
# The course's sources (solutions, hidden tests) only for an instructor's lab (LAB_ROLE):
# a learner's tree holds the notebooks, the labs and the course's settings.
if [ "${LAB_ROLE:-learner}" = instructor ]; then
  cp -rn /opt/lab/course/. "$work"/
else
  tar -C /opt/lab/course --exclude=./grader/source -cf - . | tar -C "$work" --skip-old-files -xf -
fi
# The first visit opens START.md (rendered) beside the file browser, not an empty Launcher.
if ! ls "$HOME"/.jupyter/lab/workspaces/*.jupyterlab-workspace >/dev/null 2>&1; then
  jupyter lab workspaces import /usr/local/lib/lab/start-workspace.json >/dev/null 2>&1 \
    || echo "could not preset the start page (JupyterLab opens on its Launcher)" >&2
fi

if [ "$#" -gt 0 ]; then exec "$@"; fi

args=(--ServerApp.ip=0.0.0.0 --ServerApp.port=8888 --ServerApp.open_browser=False
      --ServerApp.root_dir="$work" --ServerApp.allow_remote_access=True
      --LabApp.default_url=/lab/tree/START.md)
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
