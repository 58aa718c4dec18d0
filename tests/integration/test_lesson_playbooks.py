"""Every complete playbook of the lesson, run as written with ansible-playbook in the lab.

Where the lesson is wrong about Ansible the run fails with Ansible's own words, and the
test expects exactly that. The workloads are set to finish quickly (on the hosts, not in
the playbooks) so that the lesson's long `poll`/`delay` values are the only waits.
"""

import pytest

from tests.helpers.paths import ROOT

from .test_labs import copy_tree

LESSON = ROOT / "labs" / "lesson"

EXPECTED = {
    "01-basic-async.yml": (0, ["changed=1"]),
    "02-fire-and-forget.yml": (0, ["Backup started in background with job ID: j"]),
    "03-async-with-polling.yml": (0, ["Backup completed successfully!"]),
    "04-launch-and-check-later.yml": (0, ["Backup finished with return code: 0"]),
    "05-parallel-execution.yml": (2, ["This action (unarchive) does not support async."]),
    "06-system-updates.yml --limit web1": (0, ["Updates completed on web1"]),
    "07-multiple-async-tasks.yml": (0, ["Task: backup_database", "Task: generate_reports", "Status: Success"]),
    "08-database-migration.yml": (0, ["Migration completed!", "Database now at version: 4"]),
    "09-sequential-backup.yml": (0, ["changed=1"]),
    "10-parallel-backup.yml": (0, ["changed=1"]),
    "11-error-handling.yml": (0, ["Continuing with other tasks..."]),
}


@pytest.fixture
def lesson(lab, lab_exec, clean_lab):
    copy_tree(lab.container("lab"), LESSON, "/tmp/lesson")
    for name in ("run_migration", "risky_operation", "backup_db", "optimize_images", "generate_reports"):
        clean_lab.configure_workload(name, seconds=0)

    def play(args, timeout=400):
        return lab_exec(f"cd /tmp/lesson && ansible-playbook {args}", timeout=timeout)

    return play


def test_every_complete_playbook_of_the_lesson_is_here():
    assert sorted(p.name for p in LESSON.glob("*.yml")) == sorted(k.split()[0] for k in EXPECTED)


@pytest.mark.parametrize("args", list(EXPECTED), ids=lambda a: a.split(".")[0])
def test_lesson_playbook_as_written(lesson, args):
    rc_expected, texts = EXPECTED[args]
    rc, out = lesson(args)
    assert rc == rc_expected, out[-3000:]
    for text in texts:
        assert text in out, (text, out[-3000:])
