import importlib.util
import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("ASYNCLAB_KEEP_RUNS", "30")

import pytest

from .helpers.scheduling import SchedulerPlugin

pytest.register_assert_rewrite("tests.helpers.trace_format")  # a helper module full of asserts


def pytest_configure(config):
    # `pytest -n N` (pytest-xdist, on the host): the tests that share a module fixture stay
    # on one worker. The lab image, where the unit tests that need Ansible run, has no xdist.
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(SchedulerPlugin(), "asynclab-scheduling")


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
