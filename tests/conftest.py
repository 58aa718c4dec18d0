import importlib.util
import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("ASYNCLAB_KEEP_RUNS", "30")

import pytest

from .scheduling import SharedFixtureScheduling


def pytest_xdist_make_scheduler(config, log):
    """`pytest -n N`: the tests that share a module fixture stay on one worker (tests/scheduling.py)."""
    return SharedFixtureScheduling(config, log)


@pytest.fixture(scope="session")
def ipython_shell():
    """One IPython shell for the whole session, with the asynclab extension loaded."""
    from IPython.testing.globalipapp import get_ipython, start_ipython

    shell = start_ipython() or get_ipython()
    shell.run_line_magic("load_ext", "asynclab")
    return shell


@pytest.fixture
def no_ansible_here():
    if importlib.util.find_spec("ansible") is not None:
        pytest.skip("this checks the host side, where Ansible is not installed")
