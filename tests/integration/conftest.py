"""Integration tests run against the real stack: five SSH targets and the lab container.
Every run goes through ansible-runner over SSH, as the notebooks' runs do.

Which stack: with ASYNCLAB_SUITE set (`make test` sets it), each test worker starts a host
set of its own, ``<suite>-gw0``, ``<suite>-gw1``... (pytest-xdist's worker names), runs its
tests there and removes it at the end: the workers run side by side, and the developer's
own lab is never touched. Without it, the tests use the running stack that
ASYNCLAB_PROJECT names (`make test-integration`), and start nothing.

Files whose tests share a module-scoped fixture run on one worker; the others' tests are
spread one by one (tests/helpers/scheduling.py)."""

import os
import subprocess
import uuid
import warnings

import pytest

from asynclab.errors import LabNotRunning
from asynclab.stack.containers import Stack
from asynclab.stack.host_set import HostSet, HostSetError, free_port
from asynclab.stack.waiting import wait_until
from tests.helpers.paths import ROOT

SUITE = os.environ.get("ASYNCLAB_SUITE")
APT_STAND_IN = "https://releases.example.com/debian"  # images/lab/apt_stand_in.py


def pytest_configure(config):
    if SUITE:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
        os.environ["ASYNCLAB_PROJECT"] = f"{SUITE}-{worker}"
        # make targets a test runs on its host set start its lab on this port, not .env's.
        os.environ["LAB_PORT"] = str(free_port())
        # No test depends on Debian's mirror: the targets' apt asks the releases stand-in.
        os.environ.setdefault("LAB_APT_MIRROR", APT_STAND_IN)


@pytest.fixture(scope="session")
def host_set():
    """This worker's own host set (ASYNCLAB_SUITE), or None: the running stack is used."""
    if not SUITE:
        yield None
        return
    hosts = HostSet(os.environ["ASYNCLAB_PROJECT"], ROOT, port=int(os.environ["LAB_PORT"]))
    try:
        try:
            hosts.start()
        except HostSetError as exc:
            # All the workers' sets boot at once, on a machine that may be slow: one that did
            # not come up gets one more start from nothing, said in the summary, rather than
            # failing every test of its worker.
            warnings.warn(f"{hosts}: started again from nothing after: {exc}", stacklevel=1)
            hosts.remove()
            hosts.start()
        yield hosts
    finally:
        hosts.remove()


def make(target: str, project: str, timeout: float = 300, **env) -> subprocess.CompletedProcess:
    """Run a make target of the repository against this stack's compose project."""
    environ = dict(os.environ, COMPOSE_PROJECT_NAME=project, **env)
    return subprocess.run(["make", target], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def lab(host_set) -> Stack:
    try:
        lab = Stack.find()
    except LabNotRunning as exc:
        pytest.fail(f"{exc} (the integration tests need the stack)")
    lab.wait_healthy(timeout=180)
    return lab


@pytest.fixture
def clean_lab(lab) -> Stack:
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


@pytest.fixture
def instructor_lab(lab):
    """A JupyterLab of the lab image started as an instructor's (LAB_ROLE=instructor), on a
    new work volume (tmpfs) and a free port on 127.0.0.1; yields (base URL, token,
    container). It has no targets: it is for the instructor's tools, not for runs."""
    token = uuid.uuid4().hex
    container = lab.client.containers.run(
        lab.container("lab").image.tags[0],
        detach=True,
        environment={"LAB_ROLE": "instructor", "JUPYTER_TOKEN": token},
        ports={"8888/tcp": ("127.0.0.1", None)},
        tmpfs={"/home/jovyan/work": "uid=1000,gid=1000"},
        labels={"asynclab.test": "instructor-lab"},
    )
    try:

        def answers() -> bool:
            container.reload()
            return container.attrs["State"].get("Health", {}).get("Status") == "healthy"

        wait_until(answers, timeout=120, interval=1, what="the instructor's JupyterLab to answer")
        port = container.attrs["NetworkSettings"]["Ports"]["8888/tcp"][0]["HostPort"]
        yield f"http://127.0.0.1:{port}", token, container
    finally:
        container.remove(force=True)
