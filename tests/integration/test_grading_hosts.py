"""The grader's own work on the hosts: a clean state with the exercise's workloads before a
run (lab-reset), and the results read back after it (the probe), over SSH as in grading."""

import time

from asynclab.grading import host_state
from asynclab.grading.host_state import Workload


def test_prepare_clears_old_results_and_sets_the_exercises_workloads(clean_lab):
    clean_lab.exec("web1", "mkdir -p /var/lib/lab/results && echo old > /var/lib/lab/results/backup.done")
    host_state.prepare(
        {"web1": [Workload("/opt/backup.sh", 1.5), Workload("/opt/risky_operation.sh", 0.5, fail=3)]},
        hosts=("web1", "web2"),
    )
    rc, out = clean_lab.exec("web1", "ls /var/lib/lab/results")
    assert rc == 0 and not out.strip(), out
    rc, out = clean_lab.exec("web1", "/opt/backup.sh")
    assert rc == 0 and "for 1.5s" in out
    rc, out = clean_lab.exec("web1", "/opt/risky_operation.sh")
    assert rc == 3 and "for 0.5s" in out
    rc, out = clean_lab.exec("web2", "ls /etc/lab/workload.d 2>&1")
    assert rc != 0 or not out.strip()  # web2 has no workload settings for this exercise


def test_lab_reset_refuses_a_malformed_workload_and_changes_nothing(clean_lab):
    clean_lab.exec("web1", "mkdir -p /var/lib/lab/results && touch /var/lib/lab/results/keep.done")
    rc, out = clean_lab.exec("web1", "/usr/local/sbin/lab-reset backup=8:0:0 'x=1;reboot'")
    assert rc == 64 and "is not NAME=SECONDS:FAIL:HANG" in out
    rc, out = clean_lab.exec("web1", "ls /var/lib/lab/results")
    assert "keep.done" in out


def test_probe_waits_on_the_host_for_a_job_still_running(clean_lab):
    # 20 s: longer than a probe takes on a loaded machine, so the first probe sees it running.
    clean_lab.exec("web1", "LAB_SECONDS=20 setsid nohup /opt/backup.sh >/dev/null 2>&1 &")
    now = host_state.probe(["web1"])
    assert now["web1"].result("backup") is None  # not finished yet: nothing waited for it
    started = time.monotonic()
    later = host_state.probe(["web1"], {"web1": ["backup"]}, timeout=120)
    record = later["web1"].result("backup")
    assert record and record["outcome"] == "done"
    assert time.monotonic() - started < 100  # it came back when the job was done, not at the limit


def test_probe_gives_up_waiting_at_its_timeout(clean_lab):
    started = time.monotonic()
    found = host_state.probe(["app1"], {"app1": ["never_started"]}, timeout=2)
    assert found["app1"].result("never_started") is None
    assert time.monotonic() - started < 20


def test_probe_reads_the_database_version_on_db1(clean_lab):
    found = host_state.probe(["db1", "web3"])
    assert found["db1"].schema_version == 3
    assert found["web3"].schema_version is None


# In the lab (where graded answers run), the reset covers the hosts a run can touch.
TOUCHES = """
import contextlib, io
from asynclab.grading import run_exercise
with contextlib.redirect_stdout(io.StringIO()):
    run_exercise("size_async", '''
- hosts: db1,web2
  gather_facts: false
  tasks:
    - command: /opt/scripts/backup_db.sh
      async: 12
      poll: 2
''', progress="none")
print("RAN")
"""


def test_an_answer_resets_the_hosts_its_run_can_touch_and_no_others(clean_lab, lab_exec):
    for host in ("db1", "web2", "web3"):
        clean_lab.exec(host, "mkdir -p /var/lib/lab/results && echo old > /var/lib/lab/results/old.done")
    rc, out = lab_exec(f"python - <<'PY'\n{TOUCHES}\nPY")
    assert rc == 0 and "RAN" in out, out
    for host, kept in (("db1", False), ("web2", False), ("web3", True)):  # the exercise's, the play's, neither
        rc, _ = clean_lab.exec(host, "test -e /var/lib/lab/results/old.done")
        assert (rc == 0) is kept, host


def test_an_exercises_workloads_go_with_its_run_once_its_jobs_have_read_them(clean_lab):
    """The hang that detect_a_timeout sets on web2 reaches the job the answer launched, and
    no later run: after the restore, web2's operation.sh ends in the lab's default time."""
    host_state.prepare({"web2": [Workload("/opt/operation.sh", 3, hang=True)]}, hosts=("web2",))
    clean_lab.exec("web2", "setsid nohup /opt/operation.sh >/dev/null 2>&1 &")
    host_state.restore_defaults({"web2": [Workload("/opt/operation.sh", 3, hang=True)]}, "command: /opt/operation.sh")
    rc, out = clean_lab.exec(
        "web2", "ls -A /etc/lab/workload.d 2>/dev/null; grep -c 'told to hang' /var/log/lab/operation.log"
    )
    assert out.split() == ["1"], out  # no settings left; the answer's own job did hang
    rc, out = clean_lab.exec("web2", "timeout 60 /opt/operation.sh >/dev/null; echo rc=$?")
    assert "rc=0" in out, out


def test_a_learner_resets_their_own_hosts_from_the_lab(clean_lab):
    clean_lab.exec("web3", "LAB_HANG=1 setsid nohup /opt/backup.sh >/dev/null 2>&1 &")
    said = host_state.reset_hosts()
    assert said == [f"reset {h}" for h in ("web1", "web2", "web3", "db1", "app1")], said
    rc, out = clean_lab.exec("web3", "pgrep -f '[/]opt/backup[.]sh' || echo none")  # not this shell itself
    assert out.strip() == "none", out
