"""The lab's runner on the real stack: limits, cancelling, faults and the magic."""

import json
import shlex
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from asynclab import run_playbook
from asynclab.errors import LabNotRunning, UnknownHostPattern
from asynclab.run.runner import runs_dir
from asynclab.stack.containers import Stack
from asynclab.stack.waiting import wait_until
from tests.helpers.paths import PLAYBOOKS
from tests.helpers.trace_format import spans as trace_spans, validate as validate_trace

LONG_POLL = """
- hosts: web1
  gather_facts: false
  tasks:
    - name: Long polled job
      command: sleep 60
      async: 120
      poll: 2
"""


def test_a_run_is_bounded_by_its_timeout(clean_lab):
    started = time.monotonic()
    run = run_playbook(LONG_POLL, timeout=6, progress="none")
    assert run.status == "timeout"
    assert time.monotonic() - started < 40  # far below the 60 s job
    assert any("time limit of 6 s" in p for p in run.problems())


def test_interrupting_cancels_the_run_cleanly(clean_lab, tmp_path):
    script = tmp_path / "interrupted.py"
    script.write_text(
        textwrap.dedent(f"""
        from asynclab import run_playbook, RunCancelled
        try:
            run_playbook({LONG_POLL!r}, progress="text")
        except RunCancelled as exc:
            print("CANCELLED", exc.result.status, flush=True)
    """)
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Interrupt once the job runs on web1: the run is then connected and polling.
    wait_until(lambda: clean_lab.exec("web1", "pgrep -f 'sleep 60'")[0] == 0, 60, 0.5, what="the job on web1")
    started = time.monotonic()
    # A learner who presses interrupt again and again: every press lands at some other point of
    # the progress loop, and none may leave the run hanging.
    for _ in range(10):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.02)
    out, _ = proc.communicate(timeout=60)
    assert "CANCELLED canceled" in out, out
    assert time.monotonic() - started < 30
    # Cancelling the controller does not stop the job on the host.
    rc, _ = clean_lab.exec("web1", "pgrep -f 'sleep 60'")
    assert rc == 0


def test_a_stopped_host_is_reported_as_unreachable(clean_lab):
    clean_lab.stop("web3")
    try:
        run = run_playbook("- hosts: webservers\n  gather_facts: false\n  tasks:\n    - ping:\n", progress="none")
    finally:
        clean_lab.start("web3")
    assert run.unreachable_hosts == ["web3"]
    assert run.rc == 4 and run.status == "failed"
    assert run.recap["web1"]["ok"] == 1 and run.recap["web2"]["ok"] == 1
    text = run.summary()
    assert "web3 could not be reached" in text and "problem of the lab environment" in text


def test_unknown_group_is_refused_before_running(lab):
    before = len(list(runs_dir().iterdir())) if runs_dir().exists() else 0
    with pytest.raises(UnknownHostPattern, match="'databases'"):
        run_playbook("- hosts: databases\n  tasks:\n    - ping:\n", progress="none")
    after = len(list(runs_dir().iterdir())) if runs_dir().exists() else 0
    assert after == before  # nothing ran


def test_a_lab_that_is_not_running_says_make_lab(lab):
    with pytest.raises(LabNotRunning, match="start it with `make lab`"):
        Stack.find("no-such-lab")


def test_each_run_has_a_fresh_private_data_dir_and_old_ones_are_rotated(lab, lab_exec):
    """The runner's data dirs live where Ansible runs: in the lab container."""
    script = textwrap.dedent("""
        import os, tempfile
        from asynclab import run_playbook
        runs = tempfile.mkdtemp()
        os.environ["ASYNCLAB_RUNS_DIR"] = runs
        os.environ["ASYNCLAB_KEEP_RUNS"] = "3"  # read at each run
        dirs = []
        for _ in range(5):
            run = run_playbook("- hosts: db1\\n  gather_facts: false\\n  tasks:\\n    - ping:\\n", progress="none")
            assert run.ok, run.status
            dirs.append(run.artifact_dir)
        assert len(set(dirs)) == 5, dirs
        assert len(os.listdir(runs)) == 3, os.listdir(runs)
        assert os.path.isdir(dirs[-1])
        print("rotated")
    """)
    rc, out = lab_exec(f"python -c {shlex.quote(script)}")
    assert rc == 0 and "rotated" in out, out


def test_a_run_from_the_host_goes_to_the_lab_container(lab, no_ansible_here):
    """This machine has no Ansible: run_playbook runs the play in the lab and folds its events here."""
    run = run_playbook("- hosts: db1\n  gather_facts: false\n  tasks:\n    - ping:\n", progress="none")
    assert run.ok and run.artifact_dir.startswith("/home/jovyan/")
    assert [t.host for t in run.tasks] == ["db1"] and run.recap["db1"]["ok"] == 1


def test_playbook_magic_runs_and_keeps_the_result(lab, capsys, ipython_shell):
    ip = ipython_shell
    cell = (
        "%%playbook --quiet --name demo -e secs=2\n"
        "- hosts: appservers\n  gather_facts: false\n  tasks:\n"
        "    - command: sleep {{ secs }}\n      async: 10\n      poll: 0\n      register: j\n"
        "    - async_status: {jid: '{{ j.ansible_job_id }}'}\n"
        "      register: s\n      until: s is finished\n      retries: 10\n      delay: 1\n"
    )
    result = ip.run_cell(cell)
    shown = capsys.readouterr().out
    assert result.success
    run = ip.user_ns["demo"]
    assert run.ok and len(run.jobs) == 1 and run.jobs[0].finished
    assert "successful (rc 0)" in shown and "async jobs: 1 launched, 1 seen finished" in shown


def test_a_trace_of_two_jobs_per_host_on_five_hosts_has_ten_async_spans_within_the_run(
    clean_lab, capsys, ipython_shell, tmp_path
):
    path = tmp_path / "two_jobs.json"
    cell = (
        f"%%playbook --quiet --no-timeline --name traced --trace {path}\n"
        + (PLAYBOOKS / "record" / "two_jobs_per_host.yml").read_text()
    )
    result = ipython_shell.run_cell(cell)
    shown = capsys.readouterr().out
    assert result.success, shown
    assert f"trace: {path}" in shown
    events = validate_trace(json.loads(path.read_text()))
    jobs = trace_spans(events)
    assert len(jobs) == 10
    run = ipython_shell.user_ns["traced"]
    assert sorted(jobs) == sorted(j.jid for j in run.jobs)
    tasks = [e for e in events if e["ph"] == "X"]
    first, last = min(e["ts"] for e in tasks), max(e["ts"] + e["dur"] for e in tasks)
    for begin, end in jobs.values():
        assert first <= begin["ts"] <= end["ts"] <= last  # within the run: its tasks' span
        assert end["args"]["status"] == "ok" and end["args"]["rc"] == 0


def test_a_trace_that_cannot_be_written_is_said_in_one_line(clean_lab, capsys, ipython_shell):
    cell = (
        "%%playbook --quiet --no-timeline --trace /nonexistent/folder/run.json\n- hosts: web1\n  tasks:\n    - ping:\n"
    )
    result = ipython_shell.run_cell(cell)
    shown = capsys.readouterr()
    assert not result.success
    assert "--trace could not write /nonexistent/folder/run.json" in shown.out + shown.err
    assert "Traceback" not in shown.out + shown.err
