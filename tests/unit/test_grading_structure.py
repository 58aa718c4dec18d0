"""The structure checks read playbooks as Ansible would: blocks, inherited become, loops,
and the job id wired from a launch to async_status. No hosts needed."""

from pathlib import Path

import pytest
import yaml

from asynclab.grading import checks as c
from asynclab.grading.exercises import EXERCISES, poll_chosen, timeout_handling_sound
from asynclab.grading.structure import tasks_of, waits_for

MISTAKES = Path(__file__).resolve().parents[1] / "integration" / "grading_cases" / "mistakes.yml"
CASES = yaml.safe_load(MISTAKES.read_text())


class FakeAnswer:
    def __init__(self, text):
        self.plays = yaml.safe_load(text)
        self.result = None


def ctx(text, exercise="fire_and_forget"):
    return c.Context(EXERCISES[exercise], FakeAnswer(text))


LOOP = """
- hosts: web1
  become: true
  become_user: postgres
  tasks:
    - name: launch
      command: "/opt/scripts/{{ item }}.sh"
      loop: [a, b]
      async: 30
      poll: 0
      register: jobs
    - block:
        - name: wait
          async_status:
            jid: "{{ item.ansible_job_id }}"
          loop: "{{ jobs.results }}"
          become: false
      rescue:
        - command: /opt/cleanup.sh
"""


def test_tasks_follow_blocks_and_inherit_become():
    launch, wait, cleanup = tasks_of(yaml.safe_load(LOOP))
    assert launch.become_user == "postgres" and wait.become_user == "root"
    assert wait.in_rescuable_block and cleanup.section == "rescue"
    assert waits_for(wait, launch) == "loop"
    assert launch.command == "/opt/scripts/{{ item }}.sh"


def test_a_free_form_launch_with_a_loop_of_paths_is_found():
    text = """
- hosts: web1
  tasks:
    - command: "{{ item }}"
      with_items: [/opt/scripts/backup_db.sh]
      async: 30
      poll: 0
      register: j
"""
    assert ctx(text).launch("/opt/scripts/") is not None


@pytest.mark.parametrize(
    "jid,how",
    [
        ("{{ job.ansible_job_id }}", "direct"),
        ("{{ job['ansible_job_id'] }}", "direct"),
        ("{{ job.results[0].ansible_job_id }}", "first"),
        ("{{ other.ansible_job_id }}", None),
    ],
)
def test_job_id_wiring(jid, how):
    plays = [
        {
            "hosts": "web1",
            "tasks": [
                {"command": "/opt/task.sh", "async": 9, "poll": 0, "register": "job"},
                {"async_status": {"jid": jid}},
            ],
        }
    ]
    launch, status = tasks_of(plays)
    assert waits_for(status, launch) == how


@pytest.mark.parametrize(
    "poll,ok,words",
    [
        (None, False, "15 s"),
        (0, False, "does not wait"),
        (2, True, "poll: 2"),
        (10, False, "10 s late"),
    ],
)
def test_choosing_poll(poll, ok, words):
    task = {"command": "/opt/long_task.sh", "async": 30}
    if poll is not None:
        task["poll"] = poll
    verdict = poll_chosen(ctx(yaml.safe_dump([{"hosts": "app1", "tasks": [task]}])))
    assert verdict.ok is ok and words in verdict.message


def test_poll_five_on_a_fire_and_forget_launch_is_named_in_the_feedback():
    text = "- hosts: webservers\n  tasks:\n    - command: /opt/backup.sh\n      async: 30\n      poll: 5\n"
    verdict = c.launched_in_background(ctx(text), "/opt/backup.sh", 8)
    assert not verdict.ok and "poll: 5" in verdict.message and "poll: 0" in verdict.message


@pytest.mark.parametrize(
    "name",
    [
        "fire_and_forget",
        "wait_with_async_status",
        "all_hosts_at_once",
        "loop_of_jobs",
        "wait_as_the_same_user",
        "detect_a_timeout",
        "size_async",
    ],
)
def test_each_typical_mistake_fails_a_structure_check_with_its_message(name):
    case = CASES[name]
    context = ctx(case["answer"], name)
    structural = {
        "fire_and_forget": lambda x: c.launched_in_background(x, "/opt/backup.sh", 8),
        "wait_with_async_status": lambda x: c.wait_sized(x, "/opt/scripts/generate_reports.sh", delay=3),
        "all_hosts_at_once": lambda x: c.status_wired(x, "/opt/task.sh"),
        "loop_of_jobs": lambda x: c.status_wired(x, "/opt/scripts/", loop=True),
        "wait_as_the_same_user": lambda x: c.same_become(x, "/opt/migrations/run_migration.sh"),
        "detect_a_timeout": timeout_handling_sound,
        "size_async": EXERCISES["size_async"].checks[0][1],
    }[name]
    verdict = structural(context)
    assert not verdict.ok
    assert case["says"] in verdict.message


def test_a_guarded_failed_when_is_not_flagged():
    text = """
- hosts: web2
  tasks:
    - command: /opt/operation.sh
      async: 5
      poll: 0
      register: op
    - async_status: {jid: "{{ op.ansible_job_id }}"}
      register: st
      until: st is finished
      failed_when: st is finished and (st.rc | default(-1)) != 0
      ignore_errors: true
    - shell: echo x >> /var/log/operation_failure.log
      when: st is failed
"""
    assert timeout_handling_sound(ctx(text, "detect_a_timeout")).ok


@pytest.mark.parametrize(
    "name,value,ok",
    [
        ("retries_needed", 9, True),
        ("retries_needed", "9", True),
        ("retries_needed", 10, False),
        ("retries_needed", "nine", False),
        ("poll_zero_means", "b", True),
        ("poll_zero_means", " (B) ", True),
        ("poll_zero_means", "a", False),
        ("poll_zero_means", "e", False),
        ("could_not_find_job", "c", True),
    ],
)
def test_value_answers(name, value, ok):
    verdict = EXERCISES[name].accept(value)
    assert verdict.ok is ok and verdict.message


def test_an_unset_value_is_not_answered_yet(capsys):
    from asynclab.grading.grade import _grade_value

    score, lines = _grade_value(EXERCISES["retries_needed"], {})
    assert score == 0 and "Not answered yet" in lines[0][1]


def test_an_answer_that_cannot_run_is_recorded_as_such_not_as_unanswered():
    from asynclab.errors import PlaybookSyntaxError
    from asynclab.grading import ANSWERS, run_exercise
    from asynclab.grading.grade import _grade_playbook

    with pytest.raises(PlaybookSyntaxError):
        run_exercise("fire_and_forget", "- hosts: web1\n  tasks: [\n")
    assert ANSWERS["fire_and_forget"].status == "invalid"
    score, lines = _grade_playbook(EXERCISES["fire_and_forget"])
    assert score == 0 and "could not be read" in lines[0][1] and "line" in lines[0][1]
