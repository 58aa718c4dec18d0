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
# LAB_ROLE: an instructor's lab gets the course's grader folder (solutions, hidden tests,
# settings) and nbgrader's instructor tools; a learner's tree holds the notebooks and the
# labs, and nbgrader shows the Assignments tab and Validate only (images/lab/roles/).
role=${LAB_ROLE:-learner}
case "$role" in
  instructor) cp -rn /opt/lab/course/. "$work"/ ;;
  learner) tar -C /opt/lab/course --exclude=./grader -cf - . | tar -C "$work" --skip-old-files -xf - ;;
  *) echo "ERROR: LAB_ROLE is '$role'; it is learner or instructor." >&2; exit 1 ;;
esac
export JUPYTER_CONFIG_PATH=/usr/local/lib/lab/roles/$role${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}
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
