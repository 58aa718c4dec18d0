"""Recorded runs folded into RunResults: tasks, async jobs and the two timeout shapes."""

import pytest

from asynclab.run.folding import load_events
from asynclab.run.result import EventFolder, RunResult, result_from_events
from tests.helpers.paths import EVENTS, PLAYBOOKS


def recorded(name) -> RunResult:
    return result_from_events(load_events(EVENTS / f"{name}.jsonl"))


def test_fire_and_wait_has_one_job_per_host_launched_before_it_ended():
    r = recorded("fire_and_wait")
    assert r.status == "successful"
    assert sorted(j.host for j in r.jobs) == ["app1", "db1", "web1", "web2", "web3"]
    for job in r.jobs:
        launch = r.task("Launch", job.host)[0]
        wait = r.task("Wait", job.host)[0]
        assert job.poll == "0" and job.finished and job.status == "ok"
        assert job.jid == launch.res["ansible_job_id"]
        assert launch.end < job.end  # the launch returned while the job ran
        assert 3.5 < job.duration < 6  # `sleep 4`, timed on the target
        assert wait.attempts > 1 and wait.waited
        assert wait.end >= job.end


def test_recap_counts_per_host():
    r = recorded("fire_and_wait")
    assert set(r.recap) == {"app1", "db1", "web1", "web2", "web3"}
    assert all(c["ok"] == 2 and c["failures"] == 0 and c["unreachable"] == 0 for c in r.recap.values())


def test_poll_positive_jobs_are_followed_by_their_own_task():
    r = recorded("poll_positive")
    assert len(r.jobs) == 3 and all(j.poll == ">0" and j.status == "ok" for j in r.jobs)
    # the internal polls are not tasks of their own
    assert {t.task for t in r.tasks} == {"Poll it"}
    assert all(t.polled and t.waited for t in r.tasks)


def test_timeout_when_the_controller_gives_up_first():
    r = recorded("timeout_controller")
    (job,) = r.jobs
    (task,) = r.tasks
    assert task.status == "failed"
    assert "did not complete within the requested time" in task.res["msg"]
    assert "finished" not in task.res  # no top-level finished in this shape
    assert task.res["async_result"]["finished"] is False
    assert job.status == "timeout" and not job.finished
    assert r.failed_hosts == ["web1"]


def test_timeout_reported_by_async_status():
    r = recorded("timeout_status")
    (job,) = r.jobs
    wait = r.task("Wait", "web1")[0]
    assert wait.status == "failed" and wait.ignored
    assert wait.res["finished"] is True and wait.res["msg"] == "Timeout exceeded"
    assert job.status == "timeout" and job.finished
    assert r.status == "successful"  # ignore_errors kept the run going
    assert r.failures() == []


def test_loop_jobs_are_one_per_item():
    r = recorded("loop_jobs")
    assert sorted(j.item for j in r.jobs) == [1, 2, 3]
    assert [round(j.duration) for j in sorted(r.jobs, key=lambda j: j.item)] == [1, 2, 3]
    assert all(j.finished and j.status == "ok" for j in r.jobs)


def test_unreachable_is_the_labs_fault():
    r = recorded("unreachable")
    assert r.unreachable_hosts == ["web2"]
    problems = " ".join(r.problems())
    assert "web2 could not be reached" in problems
    assert "problem of the lab environment, not of your playbook" in problems
    assert "make reset" in problems


def test_folding_is_incremental():
    events = load_events(EVENTS / "fire_and_wait.jsonl")
    folder = EventFolder()
    for event in events[: len(events) // 2]:
        folder.feed(event)
    running = [j for j in folder.result.jobs if not j.finished]
    assert running, "half way through, some jobs are still running"
    for event in events[len(events) // 2 :]:
        folder.feed(event)
    assert all(j.finished for j in folder.result.jobs)


def test_from_artifacts_reads_job_events(tmp_path):
    events = load_events(EVENTS / "loop_jobs.jsonl")
    (tmp_path / "job_events").mkdir()
    import json

    for i, e in enumerate(events, start=1):
        (tmp_path / "job_events" / f"{i}-{e['event']}.json").write_text(json.dumps(e))
    r = RunResult.from_artifacts(tmp_path)
    assert len(r.jobs) == 3 and r.status == "successful"


RECORDED = ["fire_and_wait", "poll_positive", "timeout_controller", "timeout_status", "loop_jobs", "unreachable"]


@pytest.mark.parametrize("name", RECORDED)
def test_summary_mentions_status_and_jobs(name):
    r = recorded(name)
    text = r.summary()
    assert r.status in text
    if r.jobs:
        assert f"async jobs: {len(r.jobs)} launched" in text


def test_failed_results_carry_failed_like_the_registered_variable():
    r = recorded("timeout_status")
    wait = r.task("Wait", "web1")[0]
    assert wait.res["failed"] is True


def test_a_failed_async_status_marks_its_job_failed_even_without_rc():
    folder = EventFolder()
    base = {
        "host": "web1",
        "task_uuid": "u1",
        "task": "Launch",
        "task_action": "command",
        "start": "2026-01-01T00:00:00",
        "end": "2026-01-01T00:00:01",
    }
    launched = {"ansible_job_id": "j1.1", "started": True, "finished": False}
    folder.feed({"event": "runner_on_ok", "event_data": dict(base, res=launched)})
    check = dict(base, task_uuid="u2", task="Check", task_action="async_status", end="2026-01-01T00:00:03")
    failed = {"ansible_job_id": "j1.1", "finished": True, "rc": None, "msg": "Unable to change directory"}
    folder.feed({"event": "runner_on_failed", "event_data": dict(check, res=failed)})
    (job,) = folder.result.jobs
    assert job.status == "failed" and job.finished


def test_every_recorded_run_has_its_playbook_and_shows_its_tasks():
    """The event fixtures are re-recorded from tests/fixtures/playbooks/record/ (events/record.py):
    each one's playbook is there, and every task it names is in the recording."""
    import yaml

    folder = PLAYBOOKS / "record"
    recorded = sorted(p.stem for p in EVENTS.glob("*.jsonl"))
    assert recorded == sorted(p.stem for p in folder.glob("*.yml"))
    for name in recorded:
        plays = yaml.safe_load((folder / f"{name}.yml").read_text())
        named = {task["name"] for play in plays for task in play["tasks"] if "name" in task}
        seen = {e["event_data"].get("task") for e in load_events(EVENTS / f"{name}.jsonl")}
        assert named <= seen, f"{name}: {named - seen} not in the recording"


def test_the_summarys_recap_puts_hosts_with_the_same_counts_on_one_short_line():
    r = recorded("unreachable")
    recap = [line for line in r.summary().splitlines() if line.startswith("  ")]
    for host in r.recap:
        assert sum(host in line.split(":")[0] for line in recap) == 1  # each host once
    assert all(len(line) < 80 for line in recap), recap  # nothing to wrap
    assert any("UNREACHABLE" in line for line in recap)


def test_hosts_with_other_counts_get_lines_of_their_own():
    r = recorded("two_jobs_per_host")
    lines = [line for line in r.summary().splitlines() if line.startswith("  ")]
    counts = {line.split(": ", 1)[1] for line in lines}
    assert len(lines) == len(counts)  # one line for each set of counts


def test_retries_that_run_out_say_checks_budget_and_the_job_still_running():
    """The most common async_status mistake: a wait shorter than the job. The run says how
    many checks, retries × delay, and that the job was still running; the job is awaited."""
    r = recorded("retries_run_out")
    r.playbook_text = (PLAYBOOKS / "record" / "retries_run_out.yml").read_text()
    problems = r.problems()
    single = next(p for p in problems if p.startswith("web2:"))
    assert "gave up after 6 checks (retries 5 × delay 2 s = 10 s)" in single, single
    assert "was still running" in single and "raise retries or delay" in single
    looped = next(p for p in problems if p.startswith("app1:"))
    assert "gave up after 4 checks (retries 3 × delay 1 s = 3 s)" in looped and "still running" in looped, looped
    assert all(j.awaited for j in r.jobs)


def test_a_job_nobody_waited_for_is_said_to_be_not_awaited_and_an_awaited_one_awaited():
    from asynclab.view.progress import ProgressView

    folder = EventFolder()
    for event in load_events(EVENTS / "retries_run_out.jsonl"):
        folder.feed(event)
    shown = ProgressView("none").render_html(folder, 12.0, "failed", final=True)
    assert "awaited, unfinished when its wait ended" in shown and "(not awaited)" not in shown
