"""A run as a Chrome trace (asynclab.view.trace), built from recorded runs: is the JSON what the
Trace Event format asks (phases, required fields, async spans whose b and e match), one
track per host, each task a complete event, each async job one span from its start on the
host to its end, with its status, rc and a timeout marked?"""

import json

import pytest

from asynclab.run.folding import load_events
from asynclab.run.records import job_begin
from asynclab.run.result import result_from_events
from asynclab.view.trace import JOB_CATEGORY, trace_events
from tests.helpers.paths import EVENTS
from tests.helpers.trace_format import spans, validate


def recorded(name):
    return result_from_events(load_events(EVENTS / f"{name}.jsonl"))


@pytest.mark.parametrize("name", ["fire_and_wait", "loop_jobs", "timeout_status", "timeout_controller"])
def test_the_trace_of_a_recorded_run_follows_the_formats_rules(name):
    validate(trace_events(recorded(name)))


@pytest.mark.parametrize("name", ["fire_and_wait", "loop_jobs", "two_jobs_per_host"])
def test_one_track_per_host_a_complete_event_per_task_and_one_span_per_job(name):
    result = recorded(name)
    events = validate(trace_events(result))
    tracks = {e["args"]["name"]: e["pid"] for e in events if e["name"] == "process_name"}
    assert sorted(tracks) == sorted(result.hosts.keys() | {j.host for j in result.jobs})
    tasks = [e for e in events if e["ph"] == "X"]
    assert len(tasks) == sum(t.start is not None for t in result.tasks)
    assert all(tracks[e["args"]["host"]] == e["pid"] for e in tasks)
    found = spans(events)
    assert sorted(found) == sorted(j.jid for j in result.jobs)
    for job in result.jobs:
        begin, end = found[job.jid]
        assert begin["cat"] == JOB_CATEGORY and begin["pid"] == tracks[job.host]
        assert end["args"]["status"] == job.status and end["args"]["finished"] == job.finished
        if job.end and job_begin(job):
            assert end["ts"] - begin["ts"] == pytest.approx((job.end - job_begin(job)).total_seconds() * 1e6, abs=1)


def test_jobs_that_overlap_on_one_host_overlap_in_the_trace():
    events = validate(trace_events(recorded("two_jobs_per_host")))
    by_host: dict[int, list[tuple[int, int]]] = {}
    for begin, end in spans(events).values():
        by_host.setdefault(begin["pid"], []).append((begin["ts"], end["ts"]))
    assert len(by_host) == 5 and all(len(s) == 2 for s in by_host.values())
    for (_, first_end), (second_start, _) in (sorted(s) for s in by_host.values()):
        assert second_start < first_end, "the second job starts before the first ends"


def test_a_job_that_ran_out_of_its_budget_is_marked_as_a_timeout():
    result = recorded("timeout_status")
    ends = [e for e in validate(trace_events(result)) if e["ph"] == "e"]
    timed_out = [e for e in ends if e["args"]["timeout"]]
    assert timed_out and all(e["args"]["status"] == "timeout" for e in timed_out)
    assert len(timed_out) == sum(j.status == "timeout" for j in result.jobs)


def test_each_span_lies_within_the_run_and_write_trace_writes_it(tmp_path):
    result = recorded("two_jobs_per_host")
    path = result.write_trace(tmp_path / "run.json")
    events = validate(json.loads(path.read_text()))
    horizon = max(e["ts"] + e.get("dur", 0) for e in events if e["ph"] != "M")
    for begin, end in spans(events).values():
        assert 0 <= begin["ts"] <= end["ts"] <= horizon
    assert len(spans(events)) == 10


def test_a_run_where_nothing_ran_gives_an_empty_trace():
    from asynclab.run.result import RunResult

    assert validate(trace_events(RunResult())) == []
