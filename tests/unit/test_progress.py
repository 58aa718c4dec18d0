"""Live progress: what it shows, and that it never floods the output."""

import io
from pathlib import Path

from asynclab.events import EventFolder, load_events
from asynclab.progress import ProgressView, host_rows

FIXTURES = Path(__file__).parent / "fixtures"


def half_way(name="fire_and_wait"):
    events = load_events(FIXTURES / f"{name}.jsonl")
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
    events = load_events(FIXTURES / "fire_and_wait.jsonl")
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
    events = load_events(FIXTURES / "fire_and_wait.jsonl")
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
