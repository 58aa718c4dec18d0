"""Integration tests run against the real stack (`make lab`): five SSH targets and the lab
container. Every run goes through ansible-runner over SSH, as the notebooks' runs do."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from asynclab.errors import LabNotRunning
from asynclab.hosts import Lab

ROOT = Path(__file__).resolve().parents[2]


def compose_command() -> list[str]:
    if os.environ.get("COMPOSE"):
        return os.environ["COMPOSE"].split()
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("neither `docker compose` nor docker-compose is installed")


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
