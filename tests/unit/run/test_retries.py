"""A wait that ran out of retries is said in the lesson's terms, and only then."""

from asynclab.run.records import TaskRun
from asynclab.run.retries import gave_up_waiting

PLAYBOOK = """
- hosts: web1
  tasks:
    - name: Monitor
      async_status: {jid: "{{ job.ansible_job_id }}"}
      register: st
      until: st is finished
      retries: 15
      delay: 1
      failed_when: st.rc != 0
"""


def wait(attempts: int, **res) -> TaskRun:
    return TaskRun("web1", "Monitor", "ansible.builtin.async_status", "u1", status="failed", attempts=attempts, res=res)


def test_a_wait_whose_condition_held_but_that_failed_otherwise_is_not_said_to_give_up():
    # the job was killed at its async limit (finished) on the 4th check, and failed_when failed it
    task = wait(4, finished=True, msg="Timeout exceeded", ansible_job_id="j1")
    assert gave_up_waiting(task, PLAYBOOK) is None


def test_all_retries_used_on_a_job_still_running_names_checks_budget_and_job():
    said = gave_up_waiting(wait(16, finished=False, started=True, ansible_job_id="j1"), PLAYBOOK)
    assert said.startswith("gave up after 16 checks (retries 15 × delay 1 s = 15 s) while job j1 was still running")


def test_retries_from_a_template_count_only_with_a_job_still_running():
    templated = PLAYBOOK.replace("retries: 15", 'retries: "{{ n }}"')
    assert gave_up_waiting(wait(3, finished=True, ansible_job_id="j1"), templated) is None
    said = gave_up_waiting(wait(3, finished=False, ansible_job_id="j1"), templated)
    assert said.startswith("gave up after 3 checks (retries 2 × delay 1 s = 2 s)")


def test_a_task_without_delay_waits_ansibles_default_five_seconds():
    said = gave_up_waiting(wait(16, finished=False, ansible_job_id="j1"), PLAYBOOK.replace("      delay: 1\n", ""))
    assert "(retries 15 × delay 5 s = 75 s)" in said
