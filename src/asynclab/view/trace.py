"""A run as a trace in the Chrome Trace Event format, which ui.perfetto.dev and
chrome://tracing open: ``RunResult.write_trace(path)``, or ``%%playbook --trace FILE``.

- One track per host: a process named after the host (in inventory order), whose thread
  "tasks" holds the tasks as the controller saw them.
- Each task on a host is a complete event (``ph: X``) from its start to its end.
- Each async job is an async span (``ph: b`` then ``ph: e``, with the job id as its id, in
  the category "async job") from the moment it started on the host to its end as
  async_status or the launch's poll saw it. Jobs that overlap on one host overlap in the
  trace. The end carries the job's final status and rc; a job that ran out of its
  ``async`` budget says ``"timeout": true``; one never seen finishing ends with the run and
  says ``"finished": false``.

Times are microseconds from the run's start. Reads a RunResult only: no Ansible needed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..inventory import host_order
from ..run.records import job_begin, run_origin

if TYPE_CHECKING:
    from ..run.result import RunResult

TASKS_THREAD = 1
JOB_CATEGORY = "async job"


def _micro(t: datetime, origin: datetime) -> int:
    return round((t - origin).total_seconds() * 1_000_000)


def trace_events(result: RunResult) -> dict:
    """The trace of a run, as the JSON object format's dict (``traceEvents`` and metadata)."""
    hosts = sorted({t.host for t in result.tasks} | {j.host for j in result.jobs}, key=host_order)
    origin = run_origin(result.tasks, result.jobs, result.started_at)
    events: list[dict] = []
    if origin is None:
        return {"traceEvents": events, "displayTimeUnit": "ms"}
    ends = [e for e in [t.end for t in result.tasks] + [j.end for j in result.jobs] if e is not None]
    run_end = max([_micro(e, origin) for e in ends] + [round(result.wall_time * 1_000_000)])
    pid = {host: index for index, host in enumerate(hosts, start=1)}
    for host, number in pid.items():
        events += [
            {"ph": "M", "name": "process_name", "pid": number, "tid": 0, "args": {"name": host}},
            {"ph": "M", "name": "process_sort_index", "pid": number, "tid": 0, "args": {"sort_index": number}},
            {"ph": "M", "name": "thread_name", "pid": number, "tid": TASKS_THREAD, "args": {"name": "tasks"}},
        ]
    for task in result.tasks:
        if task.start is None:
            continue
        begin = _micro(task.start, origin)
        end = _micro(task.end, origin) if task.end else run_end
        events.append(
            {
                "ph": "X",
                "name": task.task or task.action,
                "cat": "task",
                "pid": pid[task.host],
                "tid": TASKS_THREAD,
                "ts": begin,
                "dur": max(end - begin, 0),
                "args": {"host": task.host, "action": task.action, "status": task.status, "attempts": task.attempts},
            }
        )
    for job in result.jobs:
        began = job_begin(job)
        if began is None:
            continue
        common = {
            "cat": JOB_CATEGORY,
            "name": f"job {job.jid}",
            "id": job.jid,
            "pid": pid[job.host],
            "tid": TASKS_THREAD,
        }
        end = _micro(job.end, origin) if job.end else run_end
        begin = _micro(began, origin)
        events.append({**common, "ph": "b", "ts": begin, "args": {"task": job.task, "poll": job.poll}})
        events.append(
            {
                **common,
                "ph": "e",
                "ts": max(end, begin),
                "args": {
                    "status": job.status,
                    "rc": job.result.get("rc"),
                    "finished": job.finished,
                    "timeout": job.status == "timeout",
                },
            }
        )
    events.sort(key=lambda e: (e.get("ts", -1), e["ph"] != "M"))
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {"status": result.status, "wall_time_s": round(result.wall_time, 3), "hosts": hosts},
    }


def write_trace(result: RunResult, path) -> Path:
    """Write the run's trace as JSON to path; return the path."""
    path = Path(path)
    path.write_text(json.dumps(trace_events(result), indent=1))
    return path
