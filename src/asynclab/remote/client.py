"""Host side: run a playbook in the lab container, because the host has no Ansible.

ansible-core 2.21 needs Python >= 3.12 on the controller, and the host's Python may be
older; Ansible is installed in the lab image only. ``run_playbook`` called on the host
comes here: the playbook goes to ``python -m asynclab.remote.server`` in the running lab
container (``docker exec -i``, as the learner), its events come back as they happen and are
folded into a RunResult here, with the same live progress as in a notebook. The run uses
the lab's own inventory, key and runs folder (``artifact_dir`` is a path in the lab).
Interrupting cancels the run in the lab. Host side only: needs the Docker CLI.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time

from ..errors import LabError, LabNotRunning, RunCancelled
from ..run.follow import follow
from ..run.result import EventFolder, RunResult
from ..view.progress import ProgressView
from .protocol import FIELDS, decode_error


def _lab_container(project: str | None = None) -> str:
    from ..stack.containers import Stack  # the Docker SDK: host side only

    lab = Stack.find(project)
    container = lab.container("lab")
    if container.status != "running":
        raise LabNotRunning(f"its lab container is {container.status}")
    return container.id


def run_in_lab(playbook, config, project: str | None = None) -> RunResult:
    """Run ``playbook`` (a parsed asynclab.run.playbook_input.Playbook) in the lab container of
    ``project`` (default: the lab asynclab.stack.containers.Stack.find() finds)."""
    container = _lab_container(project)
    request = {"text": playbook.text, "config": {k: getattr(config, k) for k in FIELDS}}
    process = subprocess.Popen(
        ["docker", "exec", "-i", "-u", "jovyan", container, "python", "-m", "asynclab.remote.server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    process.stdin.write(json.dumps(request) + "\n")
    process.stdin.flush()

    result = RunResult(playbook_text=playbook.text, timeout=config.timeout)
    folder = EventFolder(result)
    events: queue.Queue = queue.Queue()
    cancel = threading.Event()
    view = ProgressView(config.progress)
    started = time.monotonic()

    def work() -> tuple[str, dict]:
        for line in process.stdout:
            message = json.loads(line)
            if "event" in message:
                events.put(message["event"])
                if config.on_event is not None:
                    config.on_event(message["event"])
                continue
            ((kind, value),) = message.items()
            process.wait()
            return kind, value
        process.wait()
        said = process.stderr.read().strip().splitlines()
        raise LabError(f"the lab container ended the run without an answer: {said[-1] if said else process.returncode}")

    def tell_cancel():
        try:
            process.stdin.write("cancel\n")
            process.stdin.flush()
        except OSError:
            pass

    try:
        kind, value = follow(work, folder, events, view, cancel, started, tell_cancel)
    finally:
        if process.poll() is None:
            process.kill()
    if kind == "error":
        raise decode_error(value)
    result.status = value["status"]
    result.rc = value["rc"]
    result.wall_time = value["wall_time"]
    result.artifact_dir = value["artifact_dir"]
    result.stdout = value["stdout"]
    view.update(folder, started, final=True, status=result.status)
    if kind == "cancelled":
        raise RunCancelled(result)
    return result
