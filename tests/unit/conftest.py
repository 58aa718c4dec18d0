"""Unit tests: no stack needed. Those marked ``needs_ansible`` read or run Ansible itself,
which only the lab image has (the host's Python may be older than ansible-core allows):
`make test-unit` runs them there, in a container of that image, and deselects them here."""

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    if importlib.util.find_spec("ansible") is not None:
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("needs_ansible") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def compose_cli() -> list[str]:
    """Compose v2's CLI: the plugin `make setup` installs in the virtualenv, or the machine's."""
    for candidate in sorted((ROOT / ".venv").glob("lib/python*/site-packages/compose/docker-compose")):
        return [str(candidate)]
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    pytest.skip("no Compose v2 here (make setup installs it)")
