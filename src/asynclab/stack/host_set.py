"""A set of five targets (with its releases stand-in and, when asked, its lab container) as
a compose project of its own, started from the repository's docker-compose.yml with the
cgroup settings `make config` wrote.

Every set of hosts the project runs is one of these: the suite's workers (``<suite>-gw0``,
``<suite>-gw1``...), the grading workers (``<project>-grade<N>``, with
docker-compose.grading.yml on top), bench's stack, and the hub's learner sets, which take
their targets' settings from the same compose file (deploy/jupyterhub/learner_lab.py).

Host side: it drives the compose CLI and the Docker SDK, never Ansible.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from ..errors import LabError
from ..inventory import LAB_HOSTS as TARGETS
from .cgroup_settings import EngineUnsupported, clean, stack_env, stack_files, target_image
from .containers import Stack
from .waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 300
INOTIFY_HINT = (
    "a host stuck in 'systemd: initializing' often means the machine ran out of inotify instances: "
    "raise fs.inotify.max_user_instances, or run fewer host sets at once"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def compose_command() -> list[str]:
    """The compose CLI: $COMPOSE, else Compose v2, else docker-compose 1.29."""
    if os.environ.get("COMPOSE"):
        return os.environ["COMPOSE"].split()
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"]


class HostSetError(RuntimeError):
    """A host set could not be started or stopped; the message has compose's own words or
    what each host that was not ready said."""


class HostSet:
    """One compose project of the lab: start, wait until ready, reset, exec, stop, remove."""

    def __init__(
        self,
        project: str,
        root: Path = ROOT,
        port: int | None = None,
        compose: list[str] | None = None,
        files: tuple[Path, ...] = (),
    ):
        self.project, self.root = project, root
        self.port = port or free_port()
        extra = [arg for path in files for arg in ("-f", str(path))]
        self.compose = [*(compose or compose_command()), *stack_files(root), *extra, "-p", project]
        self.env = dict(os.environ, COMPOSE_PROJECT_NAME=project, LAB_PORT=str(self.port), **stack_env(project, root))
        self.env.pop("COMPOSE_FILE", None)  # the files are given with -f
        self._lab: Stack | None = None
        self.not_ready: dict[str, str] = {}

    def __str__(self) -> str:
        return self.project

    @property
    def lab(self) -> Stack:
        """The running set through the Docker SDK (status, exec, reset, start/stop one host)."""
        if self._lab is None:
            self._lab = Stack(self.project)
        return self._lab

    def compose_run(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        """Run a compose subcommand on this project; with check, a failure raises HostSetError."""
        done = subprocess.run(
            [*self.compose, *args], cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and done.returncode != 0:
            said = (done.stderr or done.stdout).strip()[-2000:] or f"exit {done.returncode}"
            raise HostSetError(f"`compose {' '.join(args[:4])}` on {self.project} failed: {said}")
        return done

    def start(
        self, services: tuple[str, ...] = (), ready: tuple[str, ...] | None = None, timeout: float = START_TIMEOUT
    ) -> Stack:
        """Start the set from its images (no build), all services or the ones named, and wait
        until every part in ``ready`` is (Stack.not_ready: its own health check, run now).
        ``ready`` defaults to the five targets, the releases stand-in and the lab."""
        self.compose_run("up", "-d", "--no-build", *services, timeout=timeout)
        self.wait_ready(ready if ready is not None else (*TARGETS, "releases", "lab"), timeout)
        return self.lab

    def wait_ready(self, parts: tuple[str, ...], timeout: float = START_TIMEOUT) -> None:
        try:
            wait_until(lambda: self._ready(parts), timeout, 1.0, what=f"{self.project}: {', '.join(parts)}")
        except TimeoutError:
            said = "; ".join(f"{part}: {why}{self._log_tail(part)}" for part, why in self.not_ready.items())
            raise HostSetError(
                f"{self.project} did not become ready in {timeout:.0f} s: {said} ({INOTIFY_HINT})"
            ) from None

    def _log_tail(self, part: str, lines: int = 3) -> str:
        try:
            tail = self.lab.container(part).logs(tail=lines).decode(errors="replace").strip()
        except Exception:  # gone, or never made: its state says so already
            return ""
        return f" (its log ends: {' | '.join(tail.splitlines())})" if tail else ""

    def _ready(self, parts) -> bool:
        self.not_ready = self.lab.not_ready(parts)
        return not self.not_ready

    def reset(self, hosts=None) -> dict[str, str]:
        """Bring the targets back to a clean state (Lab.reset)."""
        return self.lab.reset(hosts)

    def exec(self, host: str, command, user: str = "root", timeout: float | None = None) -> tuple[int, str]:
        """Run a command on one of its containers through Docker; return (exit code, output)."""
        try:
            return self.lab.exec(host, command, user=user, timeout=timeout)
        except LabError as exc:
            raise HostSetError(f"{self.project}: {exc}") from None

    def stop(self) -> None:
        """Stop its containers (they keep their state: a start from here is a warm one)."""
        self.compose_run("stop")

    def remove(self) -> list[str]:
        """Remove its containers, network and volumes, then the cgroup parents its targets
        left; return the parents removed."""
        self.compose_run("down", "--volumes", "--remove-orphans", "--timeout", "5", check=False)
        self._lab = None
        try:
            return clean(self.project, target_image(self.root))
        except EngineUnsupported:
            return []
