"""How ansible-core 2.21 shapes a failed result, run for real on localhost in the lab image."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import PLAYBOOKS

pytestmark = pytest.mark.needs_ansible
PLAYBOOK = PLAYBOOKS / "rc_only" / "site.yml"


@pytest.fixture(scope="module")
def shown(tmp_path_factory):
    playbook = Path(sys.executable).parent / "ansible-playbook"
    done = subprocess.run(
        [str(playbook), "-i", "localhost,", str(PLAYBOOK)],
        capture_output=True,
        text=True,
        cwd=PLAYBOOK.parent,
        timeout=120,
        env=dict(
            os.environ,
            HOME=str(tmp_path_factory.mktemp("home")),
            ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
            ANSIBLE_LOCALHOST_WARNING="0",
        ),
    )
    out = json.loads(done.stdout)
    (task,) = [t for t in out["plays"][0]["tasks"] if t["task"]["name"] == "Show"]
    return json.loads(task["hosts"]["localhost"]["msg"]), out, done.stderr


def test_a_non_zero_rc_without_failed_is_still_a_failure(shown):
    """Notebook 04: a job's non-zero rc fails async_status; on 2.21 an rc alone still fails
    a task (its deprecation has not begun to warn), with a message of Ansible's own."""
    results, _, stderr = shown
    assert results["rc_only"]["failed"] is True and results["rc_only"]["rc"] == 3
    assert results["rc_only"]["msg"] == "Task failed: Module failed: Unknown error."
    assert "deprecat" not in stderr.lower() and "deprecations" not in results["rc_only"], stderr


def test_a_module_that_fails_says_so_itself(shown):
    results, _, _ = shown
    assert results["command"]["failed"] is True and results["command"]["rc"] == 1
    assert results["command"]["msg"] == "The command exited with a non-zero return code."
    assert "invocation" not in results["command"]  # gone from results in 2.21


def test_a_registered_loop_marks_only_its_skipped_items(shown):
    """2.21: an item that ran carries no `skipped: false` any more; a skipped one still says
    `skipped: true`, with the condition that was false."""
    ran, skipped = shown[0]["looped"]["results"]
    assert "skipped" not in ran and ran["rc"] == 0
    assert skipped["skipped"] is True and skipped["false_condition"] == "item == 1"
