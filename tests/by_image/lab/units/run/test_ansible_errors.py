"""Ansible's own words when it rejects a playbook before running it, with the line: read
from what a real ansible-playbook (ansible-core 2.21) prints. The reading itself, on what it
prints, is tested on the host: tests/unit/run/test_ansible_errors.py."""

import subprocess

import pytest

from asynclab.run.ansible_errors import rejection
from tests.helpers.paths import PLAYBOOKS

REJECTED = PLAYBOOKS / "rejected"
# What each playbook makes ansible-core 2.21 say, and where (the file's line and column).
EXPECTED = {
    "play_level_async": ("'async' is not a valid attribute for a Play", 4, 3),
    "unknown_module": ("couldn't resolve module/action 'no_such_module'", 5, 7),
    "misspelled_keyword": ("conflicting action statements: command, asynk", 5, 7),
}


@pytest.mark.needs_ansible
@pytest.mark.parametrize("name", EXPECTED)
def test_what_ansible_playbook_itself_prints_is_read(name, tmp_path):
    done = subprocess.run(
        ["ansible-playbook", "-i", "web1,", str(REJECTED / f"{name}.yml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 4, done.stdout + done.stderr
    found = rejection(done.stdout + done.stderr, playbook_path=str(REJECTED / f"{name}.yml"))
    message, line, column = EXPECTED[name]
    assert found is not None and found.message.startswith(message), done.stderr
    assert (found.line, found.column) == (line, column)
