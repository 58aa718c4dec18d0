"""Lab side of a run asked for from the host: ``python -m asynclab.remote.server``.

The host has no Ansible (asynclab.remote.client), so it sends the playbook here over
``docker exec -i``. One JSON line comes in on stdin:

    {"text": "<the playbook>", "config": {"timeout": 60, "extravars": {...}, ...}}

and JSON lines go out on stdout: ``{"event": {...}}`` for each ansible-runner event as it
arrives, then one last line, ``{"done": {...}}`` (status, rc, wall_time, artifact_dir,
stdout), ``{"cancelled": {...}}`` or ``{"error": {...}}`` (the exception's type, message and
attributes, raised again on the host). A line ``cancel`` on stdin, or stdin closing,
cancels the run as an interrupt in a notebook does.

Lab side only: it runs the playbook with the lab's own runner, inventory and key.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

from .protocol import FIELDS, encode_error


def _outcome(result) -> dict:
    return {
        "status": result.status,
        "rc": result.rc,
        "wall_time": result.wall_time,
        "artifact_dir": result.artifact_dir,
        "stdout": result.stdout,
    }


def serve(stdin=sys.stdin, stdout=sys.stdout) -> int:
    from ..errors import RunCancelled
    from ..run.runner import RunConfig, run_playbook

    lock = threading.Lock()

    def send(kind: str, value) -> None:
        line = json.dumps({kind: value}, default=str)
        with lock:
            stdout.write(line + "\n")
            stdout.flush()

    request = json.loads(stdin.readline())
    config = RunConfig(
        progress="none",
        on_event=lambda event: send("event", event),
        **{k: v for k, v in request.get("config", {}).items() if k in FIELDS},
    )

    def watch_stdin():
        for line in stdin:  # until "cancel" or the host goes away
            if line.strip() == "cancel":
                break
        os.kill(os.getpid(), signal.SIGINT)  # the runner's own interrupt handler cancels

    threading.Thread(target=watch_stdin, name="asynclab-cancel", daemon=True).start()
    try:
        result = run_playbook(request["text"], config=config)
    except RunCancelled as cancelled:
        send("cancelled", _outcome(cancelled.result))
        return 0
    except Exception as exc:  # noqa: BLE001 - every error goes back to the host
        send("error", encode_error(exc))
        return 0
    send("done", _outcome(result))
    return 0


if __name__ == "__main__":
    sys.exit(serve())
