"""What Ansible really does with async and poll, observed on the five lab hosts."""

import time

from asynclab import run_playbook
from asynclab.stack.waiting import wait_until

HOSTS = ["app1", "db1", "web1", "web2", "web3"]


def results_present(lab, name):
    return [h for h in HOSTS if lab.exec(h, f"test -e /var/lib/lab/results/{name}.done")[0] == 0]


def test_fire_and_forget_returns_before_the_job_ends_and_the_job_completes(clean_lab):
    # 40 s: on a loaded 2-core machine launching it on five hosts once took 20 s.
    job_seconds = 40
    run = run_playbook(
        f"""
- hosts: servers
  gather_facts: false
  tasks:
    - name: Start the long task and do not wait
      command: /opt/long_task.sh
      environment: {{LAB_SECONDS: "{job_seconds}"}}
      async: 120
      poll: 0
      register: long_task
""",
        progress="none",
    )
    assert run.ok, run.summary()
    # The play is over while the jobs still run: wide margin, the job takes 40 s.
    assert run.wall_time < job_seconds - 5, run.wall_time
    assert results_present(clean_lab, "long_task") == []
    for task in run.tasks:
        res = task.res
        assert res["ansible_job_id"].startswith("j") and res["results_file"].endswith(res["ansible_job_id"])
        assert res["started"] is True and res["finished"] is False and res["changed"] is True
    assert sorted(j.host for j in run.jobs) == HOSTS and not any(j.finished for j in run.jobs)
    # ...and every job then finishes on its host, with no controller watching.
    wait_until(
        lambda: results_present(clean_lab, "long_task") == HOSTS,
        timeout=120,
        interval=2,
        what="long_task results on all five hosts",
    )
    rc, out = clean_lab.exec("web2", "cat /var/lib/lab/results/long_task.done")
    assert rc == 0 and f"seconds={job_seconds}" in out


def test_async_status_waits_until_every_job_is_finished(clean_lab):
    # The job lasts 8 s: longer than launching it on five hosts takes on a loaded machine,
    # so that the first check always finds it running (with 4 s it once had finished).
    run = run_playbook(
        """
- hosts: all
  gather_facts: false
  tasks:
    - name: Launch
      command: /opt/backup.sh --seconds 8
      async: 60
      poll: 0
      register: backup_job
    - name: Wait for it
      async_status:
        jid: "{{ backup_job.ansible_job_id }}"
      register: backup_result
      until: backup_result is finished
      retries: 30
      delay: 1
""",
        progress="none",
    )
    assert run.ok, run.summary()
    for host in HOSTS:
        (wait,) = run.task("Wait for it", host)
        (job,) = run.jobs_on(host)
        assert wait.attempts > 1, "async_status retried while the job ran"
        assert wait.res["finished"] is True and wait.res["rc"] == 0
        assert "finished: result in /var/lib/lab/results/backup.done" in wait.res["stdout"]
        assert job.status == "ok" and 7.5 < job.duration < 16
        assert wait.end >= job.end
    assert results_present(clean_lab, "backup") == HOSTS


def test_poll_then_async_status_could_not_find_job(clean_lab):
    run = run_playbook(
        """
- hosts: webservers
  gather_facts: false
  tasks:
    - name: Launch with polling
      command: /opt/task.sh --seconds 1
      async: 30
      poll: 1
      register: job
    - name: Check it later
      async_status:
        jid: "{{ job.ansible_job_id }}"
      register: result
""",
        progress="none",
    )
    assert run.status == "failed" and run.rc == 2
    for host in ("web1", "web2", "web3"):
        (check,) = run.task("Check it later", host)
        assert check.status == "failed"
        assert "could not find job" in check.res["msg"]
    assert run.unreachable_hosts == []


def test_timeout_when_the_controller_gives_up(clean_lab):
    run = run_playbook(
        """
- hosts: web1
  gather_facts: false
  tasks:
    - name: Hangs
      command: /opt/operation.sh --hang
      async: 6
      poll: 6
      register: operation
""",
        progress="none",
    )
    (task,) = run.tasks
    assert task.status == "failed"
    (job,) = run.jobs
    assert job.status == "timeout"
    # Two parties race (notebook 08, "The two shapes of a timeout"). The controller gives up
    # after its one check, 6 s after the launch plus the check's own time; the target's
    # async_wrapper looks every 5 s and kills the job at its second look, 10 s after the start,
    # writing "Timeout exceeded" a second later. One check (poll = async) leaves the controller
    # about 4 s ahead; on a very loaded machine the check can still come later than that, and
    # then it reads the target's verdict: shape (b), which the lesson teaches as well.
    if "finished" in task.res:
        assert task.res["finished"] == 1 and task.res["msg"] == "Timeout exceeded", task.res
        return
    # Shape (a). ansible-core 2.21's message for it (2.19 and 2.22 say "async task did not
    # complete within the requested time - 6s"): the lesson quotes it, this pins it.
    assert task.res["msg"] == "async task produced unparsable results"
    assert task.res["async_result"]["finished"] is False
    # The job file is left behind on the host.
    assert clean_lab.exec("web1", f"test -e /root/.ansible_async/{job.jid}")[0] == 0


def test_timeout_when_the_target_kills_the_job(clean_lab):
    run = run_playbook(
        """
- hosts: web1
  gather_facts: false
  tasks:
    - name: Hangs
      command: /opt/operation.sh --hang
      async: 3
      poll: 0
      register: operation
    - name: Check
      async_status:
        jid: "{{ operation.ansible_job_id }}"
      register: status
      until: status is finished
      retries: 20
      delay: 1
      ignore_errors: true
    - name: Show the registered result
      debug:
        msg: "{{ {'finished': status.finished, 'failed': status.failed, 'msg': status.msg} }}"
""",
        progress="none",
    )
    (check,) = run.task("Check", "web1")
    assert check.status == "failed" and check.res["finished"] is True
    assert check.res["msg"] == "Timeout exceeded"
    (shown,) = run.task("Show the registered result", "web1")
    assert shown.res["msg"] == {"finished": True, "failed": True, "msg": "Timeout exceeded"}
    assert run.jobs[0].status == "timeout"
    # The job's processes were killed on the target. async_wrapper kills the job's process group,
    # writes "Timeout exceeded" a second later and only then exits: until it does, the killed
    # job is a zombie that pgrep still lists (seen once on a loaded machine).
    wait_until(
        lambda: clean_lab.exec("web1", "pgrep -f operation.sh")[0] == 1,
        timeout=30,
        interval=0.5,
        what="the timed-out job's processes to be gone from web1",
    )


def test_a_failing_job_makes_async_status_fail(clean_lab):
    run = run_playbook(
        """
- hosts: app1
  gather_facts: false
  tasks:
    - command: /opt/risky_operation.sh --seconds 1 --fail 3
      async: 30
      poll: 0
      register: risky
    - name: Check
      async_status: {jid: "{{ risky.ansible_job_id }}"}
      register: s
      until: s is finished
      retries: 10
      delay: 1
""",
        progress="none",
    )
    (check,) = run.task("Check", "app1")
    assert check.status == "failed" and check.res["rc"] == 3
    assert "FAILED (told to fail with rc 3)" in check.res["stderr"]
    # ansible-core 2.21's wording, as notebook 08 quotes it (2.19: "non-zero return code").
    assert check.res["msg"] == "The command exited with a non-zero return code."
    assert run.jobs[0].status == "failed"


def test_a_wait_whose_retries_run_out_fails_without_a_message(clean_lab):
    """Notebook 04: on ansible-core 2.21 the task fails with no `msg` at all (2.19 said
    "Action failed: Unknown error."); the job had not finished and goes on."""
    run = run_playbook(
        """
- hosts: web2
  gather_facts: false
  tasks:
    - command: /opt/long_task.sh --seconds 8
      async: 30
      poll: 0
      register: long_job
    - name: Wait
      async_status: {jid: "{{ long_job.ansible_job_id }}"}
      register: s
      until: s is finished
      retries: 1
      delay: 1
""",
        progress="none",
    )
    (wait,) = run.task("Wait", "web2")
    assert wait.status == "failed" and wait.res["failed"] is True
    assert wait.res["finished"] is False and "msg" not in wait.res


def test_poll_positive_jobs_on_several_hosts_run_together(clean_lab):
    start = time.monotonic()
    run = run_playbook(
        """
- hosts: webservers
  gather_facts: false
  tasks:
    - command: sleep 3
      async: 30
      poll: 1
""",
        progress="none",
    )
    assert run.ok
    assert len(run.jobs) == 3 and all(j.poll == ">0" and j.status == "ok" for j in run.jobs)
    from asynclab.view.timeline import overlapping_jobs

    assert overlapping_jobs(run) == 3  # forks=5: the three hosts polled at once
    assert time.monotonic() - start >= 3
