"""Graded exercises run on the real hosts: a runaway answer is cut off at the exercise's
limit, a host that went away is reported as the lab's fault, and the clean state before
each run removes what an earlier run left."""

import time

import pytest

from asynclab.errors import LabEnvironmentError
from asynclab.grading import ANSWERS, EXERCISES, check, run_exercise
from tests.helpers.paths import PLAYBOOKS

RUNAWAY = """
- hosts: web2
  gather_facts: false
  tasks:
    - command: /opt/operation.sh
      async: 99999
      poll: 0
      register: op
    - async_status:
        jid: "{{ op.ansible_job_id }}"
      register: st
      until: st is finished
      retries: 1000
      delay: 1
"""

RIGHT = """
- hosts: web2
  gather_facts: false
  tasks:
    - command: /opt/operation.sh
      async: 5
      poll: 0
      register: op
    - async_status:
        jid: "{{ op.ansible_job_id }}"
      register: st
      until: st is finished
      retries: 10
      delay: 2
      ignore_errors: true
    - shell: echo timed out >> /var/log/operation_failure.log
      when: st is failed
"""


def test_a_runaway_answer_is_cut_off_at_the_exercise_limit(lab, capsys):
    spec = EXERCISES["detect_a_timeout"]
    started = time.monotonic()
    answer = run_exercise("detect_a_timeout", RUNAWAY, progress="none")
    took = time.monotonic() - started
    assert answer.cut_off and answer.result.status == "timeout"
    assert took < spec.time_limit + 60  # the limit, plus the reset before the run
    score = check("detect_a_timeout")
    out = capsys.readouterr().out
    assert f"time limit ({spec.time_limit:.0f} s)" in out
    assert score < spec.points


def test_the_clean_state_removes_what_an_earlier_run_left(lab, capsys):
    # The runaway above (or any earlier run) left a hanging job and maybe a log; a right
    # answer run afterwards must be graded on its own work only.
    lab.exec("web2", "echo stale >> /var/log/operation_failure.log")
    run_exercise("detect_a_timeout", RIGHT, progress="none")
    assert check("detect_a_timeout") == EXERCISES["detect_a_timeout"].points
    rc, out = lab.exec("web2", "cat /var/log/operation_failure.log")
    assert "stale" not in out and "timed out" in out


def test_a_host_that_went_away_is_the_labs_fault_not_the_learners(lab, capsys):
    lab.stop("web2")
    try:
        with pytest.raises(LabEnvironmentError) as raised:
            run_exercise("detect_a_timeout", RIGHT, progress="none")
        assert "The lab failed, not your answer" in str(raised.value)
        assert "web2" in str(raised.value)
        assert ANSWERS["detect_a_timeout"].status == "lab-failed"
        with pytest.raises(LabEnvironmentError):
            check("detect_a_timeout")
    finally:
        lab.start("web2")


def test_an_unanswered_exercise_says_so_and_runs_nothing(lab, capsys):
    from asynclab.grading.answers import STUB

    # Today's stub (a comment) and the Python one of older releases.
    for stub in (STUB, "# YOUR CODE HERE\nraise NotImplementedError()"):
        answer = run_exercise("fire_and_forget", stub, progress="none")
        assert answer.result is None and answer.status == "unanswered"
        assert check("fire_and_forget") == 0
        assert "Not answered yet" in capsys.readouterr().out


POLL_2 = (PLAYBOOKS / "answers" / "fire_and_forget_poll_2.yml").read_text()
SCRATCH_BACKUP = PLAYBOOKS / "scratch_backup.yml"


def test_a_check_gives_the_workers_verdict_also_after_other_runs_in_the_learners_kernel(lab, capsys):
    """Exercise 1 answered with poll: 2 is wrong (the launch waited for its job). In a grading
    worker its check runs right after the answer; a learner may run other cells first, and
    a later job's result on the hosts then made the check say the launch had returned in time."""
    from asynclab import run_playbook
    from asynclab.stack.waiting import wait_until

    run_exercise("fire_and_forget", POLL_2, progress="none")
    as_a_worker = check("fire_and_forget")
    worker_said = capsys.readouterr().out
    assert as_a_worker < EXERCISES["fire_and_forget"].points and "✘" in worker_said

    def finished_on_web1() -> str:
        return lab.exec("web1", "cat /var/lib/lab/results/backup.done 2>/dev/null")[1]

    first = finished_on_web1()
    run_playbook(SCRATCH_BACKUP, progress="none")
    wait_until(lambda: finished_on_web1() not in ("", first), timeout=60, interval=1, what="the scratch backup")
    later = check("fire_and_forget")
    learner_said = capsys.readouterr().out
    assert later == as_a_worker, learner_said
    assert "was run again on clean hosts" in learner_said

    def marks(said: str) -> list[str]:  # each check's verdict, in order (their words hold times)
        return [line.strip()[0] for line in said.splitlines() if line.strip().startswith(("✔", "✘"))]

    assert marks(learner_said) == marks(worker_said), (worker_said, learner_said)
