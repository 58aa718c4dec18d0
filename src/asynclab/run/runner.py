"""Run a playbook through ansible-runner against the lab, with live progress.

    result = run_playbook('''
    - hosts: webservers
      tasks:
        - command: /opt/long_task.sh
          async: 60
          poll: 0
    ''')

Each run gets a fresh private data dir under the runs folder; the oldest are removed so
that artifacts never grow without bound. A run is bounded by ``timeout``; interrupting the
kernel cancels it cleanly (async jobs already launched keep running on the hosts, as they
would with ansible-playbook).

Where Ansible is not installed (the host: its Python may be older than ansible-core
allows), the same call runs the playbook in the running lab container instead
(asynclab.remote.client), with the same live progress and the same RunResult.
"""

from __future__ import annotations

import importlib.util
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import settings
from ..errors import RunCancelled
from ..inventory import Route, in_lab_container
from ..view.progress import ProgressView
from .follow import follow
from .playbook_input import host_patterns, load_playbook
from .reach import lab_route
from .result import EventFolder, RunResult

# A task that prints megabytes must not fill the kernel's memory or the disk: the text of
# one event and the run's whole output are kept up to these many characters.
MAX_EVENT_TEXT = 20_000
MAX_RUN_OUTPUT = 200_000
# A target that stops answering in the middle of a run (frozen, or cut off from the network)
# leaves an open SSH connection that waits for it: keepalives close it within about 15 s, and
# the host is then reported unreachable instead of holding the run until its time limit.
SSH_KEEPALIVE = "-o ServerAliveInterval=5 -o ServerAliveCountMax=3"


def clip(text: str, limit: int, size: int | None = None) -> str:
    """``text`` if short enough, else its head and tail around a note of what was left out."""
    size = len(text) if size is None else size
    if size <= limit:
        return text
    half = limit // 2
    return (
        f"{text[:half]}\n[... {size - 2 * half} characters of output not shown: "
        f"{size / 1e6:.1f} MB in all, too much to keep ...]\n{text[-half:]}"
    )


def _bounded_stdout(artifact_dir: str) -> str:
    """The run's output as ansible-playbook printed it, at most MAX_RUN_OUTPUT characters.

    A longer output file is cut down in place, so old runs stay small on disk too."""
    path = Path(artifact_dir) / "stdout"
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            if size <= MAX_RUN_OUTPUT:
                return f.read().decode(errors="replace")
            head = f.read(MAX_RUN_OUTPUT // 2).decode(errors="replace")
            f.seek(size - MAX_RUN_OUTPUT // 2)
            tail = f.read().decode(errors="replace")
    except OSError:
        return ""
    text = clip(head + tail, MAX_RUN_OUTPUT, size)
    path.write_text(text)
    return text


def runs_dir() -> Path:
    base = settings.RUNS_DIR.get()
    if base:
        return base
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "asynclab" / "runs"


@dataclass
class RunConfig:
    """How to run: limits, variables and the view. Every field has a lab-friendly default."""

    timeout: float = field(default_factory=settings.TIMEOUT.get)  # ASYNCLAB_TIMEOUT when made
    extravars: dict = field(default_factory=dict)
    forks: int | None = None
    limit: str | None = None
    verbosity: int = 0
    progress: str = "auto"  # auto, html, text, none
    envvars: dict = field(default_factory=dict)
    check_hosts: bool = True
    #: Called with each ansible-runner event as it arrives (after the lab's own handling).
    on_event: object = None


def ansible_installed() -> bool:
    """True where this Python can run Ansible itself (the lab image)."""
    return all(importlib.util.find_spec(name) is not None for name in ("ansible", "ansible_runner"))


def configure(config: RunConfig | None, overrides: dict) -> RunConfig:
    config = config or RunConfig()
    for key, value in overrides.items():
        if not hasattr(config, key):
            raise TypeError(f"unknown run option '{key}'")
        setattr(config, key, value)
    return config


def _rotate(folder: Path, keep: int) -> None:
    runs = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in runs[: max(0, len(runs) - keep)]:
        shutil.rmtree(old, ignore_errors=True)


def _prepare_dir(playbook_text: str) -> Path:
    base = runs_dir()
    base.mkdir(parents=True, exist_ok=True)
    _rotate(base, settings.KEEP_RUNS.get() - 1)
    pdd = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=base))
    (pdd / "project").mkdir()
    (pdd / "project" / "playbook.yml").write_text(playbook_text)
    return pdd


#: How many playbooks this process has run on the lab's hosts (the lab's own resets and
#: probes aside, see grading.host_state): a graded answer knows whether anything ran after it.
RUNS = 0


def run_playbook(source, route: Route | None = None, config: RunConfig | None = None, **overrides) -> RunResult:
    """Run a playbook (YAML text, list of plays, path, or a Playbook already loaded) on the lab;
    return a RunResult.

    Keyword overrides are RunConfig fields, e.g. ``timeout=60, extravars={"n": 3}``.
    """
    global RUNS
    RUNS += 1
    config = configure(config, overrides)
    playbook = load_playbook(source)
    if (
        not ansible_installed()
        and not in_lab_container()
        and not settings.INVENTORY.is_set()
        and (route is None or route.where == "host")
    ):
        from ..remote.client import run_in_lab

        return run_in_lab(playbook, config, project=route.project if route else None)

    import ansible_runner

    target = route or lab_route()
    if config.check_hosts:
        target.check_patterns(host_patterns(playbook.plays))

    pdd = _prepare_dir(playbook.text)
    playbook_path = str(playbook.path) if playbook.path else "playbook.yml"
    env = dict(target.env)
    env.update({k: str(v) for k, v in config.envvars.items()})
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    if "ANSIBLE_SSH_EXTRA_ARGS" not in os.environ:
        env.setdefault("ANSIBLE_SSH_EXTRA_ARGS", SSH_KEEPALIVE)
    env.setdefault("ANSIBLE_FORCE_COLOR", "0")
    env.setdefault("ANSIBLE_NOCOLOR", "1")

    events: queue.Queue = queue.Queue()
    cancel = threading.Event()

    def on_event(event):
        if len(event.get("stdout") or "") > MAX_EVENT_TEXT:
            event["stdout"] = clip(event["stdout"], MAX_EVENT_TEXT)
        events.put(event)
        if config.on_event is not None:
            config.on_event(event)
        return True  # keep the event in the artifacts too

    kwargs = dict(
        private_data_dir=str(pdd),
        playbook=playbook_path,
        inventory=list(target.inventory),
        envvars=env,
        extravars=config.extravars or None,
        forks=config.forks,
        limit=config.limit,
        verbosity=config.verbosity or None,
        timeout=int(config.timeout) if config.timeout else None,
        event_handler=on_event,
        cancel_callback=cancel.is_set,
        quiet=True,
        suppress_env_files=True,
        rotate_artifacts=1,
    )
    kwargs = {k: v for k, v in kwargs.items() if v is not None}

    result = RunResult(playbook_text=playbook.text, timeout=config.timeout)
    folder = EventFolder(result)
    view = ProgressView(config.progress)
    started = time.monotonic()
    runner = follow(lambda: ansible_runner.run(**kwargs), folder, events, view, cancel, started)

    result.wall_time = time.monotonic() - started
    result.status = runner.status
    result.rc = runner.rc
    result.artifact_dir = runner.config.artifact_dir
    result.stdout = _bounded_stdout(result.artifact_dir)
    view.update(folder, started, final=True, status=result.status)
    if cancel.is_set():
        raise RunCancelled(result)
    return result
