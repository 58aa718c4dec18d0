"""Live progress: what it shows, and that it never floods the output."""

import io

from asynclab.run.folding import load_events
from asynclab.run.result import EventFolder
from asynclab.view.progress import ProgressView, host_rows
from tests.helpers.paths import EVENTS


def half_way(name="fire_and_wait"):
    events = load_events(EVENTS / f"{name}.jsonl")
    folder = EventFolder()
    # up to the first retry: jobs launched, the play waiting on them
    for event in events:
        folder.feed(event)
        if event["event"] == "runner_retry":
            break
    return folder, events


def test_rows_show_task_waiting_and_running_jobs():
    folder, _ = half_way()
    rows = {r["host"]: r for r in host_rows(folder)}
    waiting = [r for r in rows.values() if r["waiting"]]
    assert waiting and waiting[0]["waiting"].startswith("attempt 1,")
    assert all(len(r["jobs"]) == 1 for r in rows.values())


def test_html_names_hosts_tasks_and_jobs():
    folder, _ = half_way()
    html = ProgressView("html").render_html(folder, 3.2, "running")
    for host in ("web1", "web2", "web3", "db1", "app1"):
        assert f">{host}<" in html
    assert "Wait" in html and "async jobs still running" in html
    assert folder.result.jobs[0].jid in html


def test_text_prints_each_finished_task_once():
    events = load_events(EVENTS / "fire_and_wait.jsonl")
    out = io.StringIO()
    view = ProgressView("text", min_interval=0, stream=out)
    folder = EventFolder()
    for event in events:
        folder.feed(event)
        view.update(folder, started=0)
    view.update(folder, started=0, final=True, status="successful")
    lines = out.getvalue().splitlines()
    finished = [line for line in lines if " changed " in line or " ok " in line]
    assert len(finished) == 10  # 2 tasks x 5 hosts, each once
    assert lines[-1].endswith("run successful")
    # waiting lines are throttled: at most one per host in this short run
    assert sum("waiting" in line for line in lines) <= 5


def test_drawing_is_throttled():
    events = load_events(EVENTS / "fire_and_wait.jsonl")
    view = ProgressView("text", min_interval=60, stream=io.StringIO())
    folder = EventFolder()
    for event in events:
        folder.feed(event)
        view.update(folder, started=0)
    assert view.draws == 1  # everything inside one interval: one draw
    view.update(folder, started=0, final=True)
    assert view.draws == 2  # the final state is always drawn


def test_none_mode_draws_nothing():
    view = ProgressView("none")
    folder, _ = half_way()
    view.update(folder, started=0, final=True)
    assert view.draws == 0


def until_first(name: str, event_name: str) -> EventFolder:
    folder = EventFolder()
    for event in load_events(EVENTS / f"{name}.jsonl"):
        folder.feed(event)
        if event["event"] == event_name:
            return folder
    raise AssertionError(f"no {event_name} in {name}")


def test_a_running_tasks_elapsed_time_ticks():
    """runner_on_start has no start time of its own: a running task once showed 0.0 s."""
    from datetime import timedelta

    folder = until_first("poll_positive", "runner_on_start")
    (task,) = [t for t in folder.result.tasks if t.status == "running"]
    assert task.start is not None
    seen = [{r["host"]: r for r in host_rows(folder, task.start + timedelta(seconds=s))} for s in (2, 9.9)]
    assert seen[0][task.host]["elapsed"] == 2.0 and seen[1][task.host]["elapsed"] == 9.9


def test_a_polled_jobs_age_ticks_while_the_task_waits_on_it():
    from datetime import timedelta

    folder = until_first("poll_positive", "runner_on_async_poll")
    job = next(j for j in folder.result.jobs if not j.finished)
    begin = job.start or job.launched
    assert begin is not None
    ages = [
        {jid: age for row in host_rows(folder, begin + timedelta(seconds=s)) for jid, age in row["jobs"]}
        for s in (1, 3)
    ]
    assert ages[0][job.jid] == 1.0 and ages[1][job.jid] == 3.0


def test_after_the_run_no_job_is_said_to_be_still_running():
    """Jobs the play launched and never waited for are left in the background: the final
    table says so, instead of "still running" with an age that no longer ticks."""
    folder = EventFolder()
    for event in load_events(EVENTS / "fire_and_wait.jsonl"):
        if event["event"] == "runner_retry":
            break  # jobs launched, none checked nor seen finishing yet
        folder.feed(event)
    live = ProgressView("html").render_html(folder, 3.2, "running")
    final = ProgressView("html").render_html(folder, 3.2, "successful", final=True)
    jid = folder.result.jobs[0].jid
    assert "async jobs still running" in live and f"{jid} (" in live
    assert "still running" not in final and f"{jid} (not awaited)" in final


def test_a_run_that_ansible_rejected_shows_no_empty_table_and_no_empty_play():
    folder = EventFolder()
    shown = ProgressView("html").render_html(folder, 0.4, "failed", final=True)
    assert "<table" not in shown and "play:" not in shown and "failed" in shown
