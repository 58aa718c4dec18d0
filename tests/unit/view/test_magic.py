"""The %%playbook magic's errors, seen as a learner sees them in IPython (no lab needed:
each of these stops before anything runs). Those that Ansible itself finds are tested in the
lab image: tests/by_image/lab/units/view/test_magic.py."""

import pytest

from tests.helpers.ipython import run_cell


@pytest.fixture
def ip(ipython_shell):
    return ipython_shell


def test_yaml_error_is_one_clear_line(ip, capsys):
    cell = "%%playbook\n- hosts: all\n  tasks:\n    - command: /opt/task.sh\n      async:300\n"
    result, shown = run_cell(ip, cell, capsys)
    assert not result.success
    assert "PlaybookSyntaxError" in shown and "line 5, column 7" in shown
    assert "Traceback" not in shown and "site-packages" not in shown


def test_bad_extra_var_is_explained(ip, capsys):
    result, shown = run_cell(ip, "%%playbook -e novalue\n- hosts: all\n  tasks: []\n", capsys)
    assert not result.success
    assert "-e takes key=value" in shown


def test_help_is_there_as_a_line_magic_and_on_the_cells_line(ip, capsys):
    for cell in ("%playbook --help", "%%playbook --help\n- hosts: all\n  tasks: []\n"):
        result, shown = run_cell(ip, cell, capsys)
        assert result.success, shown
        assert "%%playbook [--timeout TIMEOUT]" in shown and "--exercise EXERCISE" in shown, shown
        assert "UsageError" not in shown and "unrecognized arguments" not in shown
