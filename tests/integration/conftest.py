"""Integration tests run against the real stack (`make lab`): five SSH targets and the lab
container. Every run goes through ansible-runner over SSH, as the notebooks' runs do."""
import os
import subprocess
from pathlib import Path

import pytest

from asynclab.errors import LabNotRunning
from asynclab.hosts import Lab

ROOT = Path(__file__).resolve().parents[2]


def make(target: str, project: str, timeout: float = 300, **env) -> subprocess.CompletedProcess:
    """Run a make target of the repository against this stack's compose project."""
    environ = dict(os.environ, COMPOSE_PROJECT_NAME=project, **env)
    return subprocess.run(["make", target], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def lab() -> Lab:
    try:
        lab = Lab.find()
    except LabNotRunning as exc:
        pytest.fail(f"{exc} (the integration tests need the stack)")
    lab.wait_healthy(timeout=180)
    return lab


@pytest.fixture
def clean_lab(lab) -> Lab:
    """The targets in a known clean state before the test."""
    lab.reset()
    return lab


@pytest.fixture
def lab_exec(lab):
    """Run a command in the `lab` container as the learner; return (rc, output)."""

    def run(command: str, timeout: float = 120):
        container = lab.container("lab")
        rc, out = container.exec_run(["timeout", str(int(timeout)), "bash", "-lc", command], user="jovyan")
        return rc, out.decode(errors="replace")

    return run
