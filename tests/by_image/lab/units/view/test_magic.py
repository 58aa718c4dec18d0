"""The %%playbook magic's errors that Ansible itself finds, seen as a learner sees them in
IPython (no lab needed: each of these stops before anything runs). Those found before Ansible
is asked are tested on the host: tests/unit/view/test_magic.py."""

import pytest

from tests.helpers.ipython import run_cell


@pytest.fixture
def ip(ipython_shell):
    return ipython_shell


@pytest.mark.needs_ansible
def test_unknown_group_is_named(ip, capsys, monkeypatch):
    monkeypatch.setenv("ASYNCLAB_INVENTORY", str(__import__("asynclab.inventory").inventory.GROUPS_FILE))
    result, shown = run_cell(ip, "%%playbook\n- hosts: webserver\n  tasks:\n    - ping:\n", capsys)
    assert not result.success
    assert "no host or group called 'webserver'" in shown
    assert "Traceback" not in shown


@pytest.mark.needs_ansible
def test_a_play_level_async_shows_ansibles_own_words_at_the_cells_line(ip, capsys, monkeypatch):
    from asynclab.inventory import GROUPS_FILE

    monkeypatch.setenv("ASYNCLAB_INVENTORY", str(GROUPS_FILE))
    cell = "%%playbook --no-timeline --quiet\n- hosts: all\n  gather_facts: false\n  async: 10\n  tasks:\n    - ping:\n"
    ip.user_ns["last_run"] = "an earlier run"
    result, shown = run_cell(ip, cell, capsys)
    assert not result.success
    expected = (
        "PlaybookRejected: Ansible rejected the cell: 'async' is not a valid attribute for a Play (line 4, column 3)"
    )
    assert expected in shown, shown
    assert "async and poll belong on a task" in shown
    assert shown.count("not a valid attribute") == 1 and "Traceback" not in shown
    assert "last_run" not in ip.user_ns  # nothing ran: no run for the next cell to read
