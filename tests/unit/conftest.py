"""Unit tests of the host: no stack needed, and no Ansible (the host's Python may be older
than ansible-core allows). The unit tests that read or run Ansible itself live in
tests/by_image/lab/units/, which `make test-unit` runs in a container of the lab image: a
test marked ``needs_ansible`` here is in the wrong folder, and fails saying so."""

import subprocess
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.path.is_relative_to(HERE) and item.get_closest_marker("needs_ansible"):
        pytest.fail(
            "this test needs Ansible: move it to tests/by_image/lab/units/ (the lab image runs it)", pytrace=False
        )


@pytest.fixture(scope="session")
def compose_cli() -> list[str]:
    """Compose v2's CLI: the plugin `make setup` installs in the virtualenv, or the machine's."""
    for candidate in sorted((ROOT / ".venv").glob("lib/python*/site-packages/compose/docker-compose")):
        return [str(candidate)]
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    pytest.skip("no Compose v2 here (make setup installs it)")
