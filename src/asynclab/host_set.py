"""A set of five targets and its lab container as a compose project of its own, started
from the repository's docker-compose.yml with the cgroup settings `make config` wrote.

Host side: it drives the compose CLI and the Docker SDK, never Ansible. The tests give
each of their workers one (``<suite>-gw0``, ``<suite>-gw1``...), so that they run side by
side and never touch the developer's own lab.
"""
from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from .cgroup_settings import EngineUnsupported, clean, stack_env, stack_files, target_image
from .hosts import Lab
from .inventory import LAB_HOSTS as TARGETS

ROOT = Path(__file__).resolve().parents[2]


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
    """A host set could not be started; the message has compose's own words."""


class HostSet:
    """One compose project of the lab: start, wait until healthy, remove."""

    def __init__(self, project: str, root: Path = ROOT, port: int | None = None, compose: list[str] | None = None):
        self.project, self.root = project, root
        self.port = port or free_port()
        self.compose = [*(compose or compose_command()), *stack_files(root), "-p", project]
        self.env = dict(os.environ, COMPOSE_PROJECT_NAME=project, LAB_PORT=str(self.port), **stack_env(project))
        self.env.pop("COMPOSE_FILE", None)  # the files are given with -f

    def _compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([*self.compose, *args], cwd=self.root, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def start(self, timeout: float = 300) -> Lab:
        """Start the set from its images (no build) and wait until every part is healthy."""
        done = self._compose("up", "-d", "--no-build", timeout=timeout)
        if done.returncode != 0:
            raise HostSetError(f"{self.project} did not start: {done.stderr.strip()[-2000:]}")
        lab = Lab(self.project)
        lab.wait_healthy(hosts=[*TARGETS, "releases", "lab"], timeout=timeout)
        return lab

    def stop(self) -> None:
        """Stop its containers (they keep their state: a start from here is a warm one)."""
        done = self._compose("stop")
        if done.returncode != 0:
            raise HostSetError(f"{self.project} did not stop: {done.stderr.strip()[-2000:]}")

    def remove(self) -> list[str]:
        """Remove its containers, network and volumes, then the cgroup parents its targets left."""
        self._compose("down", "--volumes", "--remove-orphans", "--timeout", "5")
        try:
            return clean(self.project, target_image(self.root))
        except EngineUnsupported:
            return []
