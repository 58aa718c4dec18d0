"""Ansible's own words when it rejects a playbook before running it, with the line: read
from what ansible-core 2.21 prints (in the lab image, from a real ansible-playbook:
tests/by_image/lab/units/run/test_ansible_errors.py)."""

from asynclab.errors import PlaybookRejected
from asynclab.run.ansible_errors import rejection
from asynclab.run.result import RunResult

PRINTED = """[ERROR]: 'async' is not a valid attribute for a Play
Origin: /runner/project/playbook.yml:4:3

2 - hosts: all
3   gather_facts: false
4   async: 10
    ^ column 3

"""


def test_the_message_and_its_line_are_read_from_what_ansible_prints():
    found = rejection(PRINTED)
    assert (found.message, found.line, found.column) == ("'async' is not a valid attribute for a Play", 4, 3)


def test_a_failure_of_a_task_that_ran_is_no_rejection():
    printed = (
        "PLAY [web1] ***\n\nTASK [x] ***\n[ERROR]: Task failed: Module failed: boom\nOrigin: /p/playbook.yml:4:7\n"
    )
    assert rejection(printed) is None


def test_an_origin_in_another_file_is_named_not_numbered():
    found = rejection("[ERROR]: bad thing\nOrigin: /work/roles/x/tasks/main.yml:2:3\n")
    assert found.line is None and found.where() == " (in main.yml)"


def test_the_cell_says_ansibles_words_at_the_cells_line():
    result = RunResult(status="failed", rc=4, stdout=PRINTED)
    assert (
        result.problems()[0] == "Ansible rejected the playbook: 'async' is not a valid attribute for a Play "
        "(line 4, column 3): async and poll belong on a task, next to its module"
    )
    error = PlaybookRejected(result, line_offset=1, name="the cell")
    assert error.message == (
        "Ansible rejected the cell: 'async' is not a valid attribute for a Play (line 5, column 3): "
        "async and poll belong on a task, next to its module"
    )


def test_async_status_after_a_polled_launch_is_explained():
    from asynclab.run.result import EventFolder

    folder = EventFolder(RunResult(status="failed"))
    for name, action, res in (
        ("Launch", "command", {"ansible_job_id": "j1", "finished": 1, "started": 1, "changed": True, "rc": 0}),
        ("Check", "async_status", {"ansible_job_id": "j1", "failed": True, "msg": "could not find job"}),
    ):
        data = {"host": "web1", "task": name, "task_uuid": name, "resolved_action": f"ansible.builtin.{action}"}
        folder.feed({"event": "runner_on_start", "event_data": data, "created": "2026-12-01T10:00:00+00:00"})
        event = "runner_on_failed" if res.get("failed") else "runner_on_ok"
        folder.feed({"event": event, "event_data": {**data, "res": res}, "created": "2026-12-01T10:00:01+00:00"})
    (problem,) = folder.result.problems()
    assert "could not find job. async_status found no such job: the task that launched it had poll > 0" in problem
