"""Unit tests: no stack needed. Those marked ``needs_ansible`` read or run Ansible itself,
which only the lab image has (the host's Python may be older than ansible-core allows):
`make test-unit` runs them there, in a container of that image, and deselects them here."""
import importlib.util


def pytest_collection_modifyitems(config, items):
    if importlib.util.find_spec("ansible") is not None:
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("needs_ansible") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept

