"""Unit tests that read or run Ansible itself (nbgrader, ansible-core, a kernel of the lab's):
they run in a container of the lab image, which `make test-unit` and `make test` start with
this working tree mounted (UNIT_IN_LAB_IMAGE in the Makefile), never on the host. No stack
is needed. The folder is what sends a test here; each test of it is also marked
``needs_ansible``, so that `-m needs_ansible` and `-m "not needs_ansible"` still choose."""

import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
_deselected = []  # the tests a selection (-k, -m) left out


@pytest.hookimpl(tryfirst=True)  # before -m chooses by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.needs_ansible)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # `pytest tests` on the host collects these too: each fails at once, saying where it runs.
    if item.path.is_relative_to(HERE) and importlib.util.find_spec("ansible") is None:
        pytest.fail(
            "this test needs Ansible, which only the lab image has: make test-unit runs it there", pytrace=False
        )


def pytest_deselected(items):
    _deselected.extend(items)


def pytest_sessionfinish(session, exitstatus):
    # `make test-unit PYTEST_ARGS="-k ..."` runs the host's tests and then these with the same
    # selection: one that picks host tests only deselects all of these, which is no failure.
    # A folder with no tests at all still ends with pytest's "no tests collected" (5).
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and _deselected:
        session.exitstatus = pytest.ExitCode.OK
