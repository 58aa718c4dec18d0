"""Fold ansible-runner events into a run's result, one event at a time.

The same folding serves a live run (events arrive from the runner's event handler) and a
recorded one (job_events/*.json in an artifact folder). It fills in the result it is
given: asynclab.run.result rebuilds a recorded run with it, and makes a new RunResult (EventFolder,
result_from_events) when none is given. Below it, it needs only
the records of asynclab.run.records.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from .records import RESULT_NOT_KEPT, AsyncJob, TaskRun, parse_time

if TYPE_CHECKING:
    from .result import RunResult

RESULT_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_skipped": "skipped",
    "runner_on_unreachable": "unreachable",
}
ITEM_EVENTS = {"runner_item_on_ok": "ok", "runner_item_on_failed": "failed", "runner_item_on_skipped": "skipped"}
# ansible-core 2.21 reports a poll > 0 task whose job outlived `async` as "async task produced
# unparsable results" (the kill of PR #87090 leaves the job file half written); 2.19 said "did
# not complete within the requested time", and 2.22 says it again (PR #87138).
TIMEOUT_MESSAGES = ("Timeout exceeded", "did not complete within the requested time", "produced unparsable results")


def load_events(source) -> list[dict]:
    """Events of a recorded run: an artifact folder (job_events/*.json) or a .jsonl file."""
    path = Path(source)
    if path.is_file():
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    folder = path / "job_events" if (path / "job_events").is_dir() else path
    files = sorted(folder.glob("*.json"), key=lambda p: int(p.name.split("-", 1)[0]))
    return [json.loads(p.read_text()) for p in files]


def _base_uuid(uuid: str) -> str:
    # Under `strategy: free` repeated task starts carry a _N suffix.
    return uuid.rsplit("_", 1)[0] if uuid and "_" in uuid else uuid


class Folder:
    """Accumulates events into the result it is given; cheap enough to call for every event."""

    def __init__(self, result: RunResult):
        self.result = result
        self._open: dict[tuple[str, str], TaskRun] = {}  # (host, task uuid) -> TaskRun
        self._jobs: dict[tuple[str, str], AsyncJob] = {}  # (host, jid) -> AsyncJob
        self.current_task: dict[str, TaskRun] = {}  # host -> its latest task
        self.retrying: dict[str, tuple[int, int]] = {}  # host -> (attempt, retries)

    def feed(self, event: dict) -> None:
        self.result.events.append(event)
        name = event.get("event", "")
        data = event.get("event_data") or {}
        if self.result.started_at is None and event.get("created"):
            self.result.started_at = parse_time(event["created"])
        if name == "playbook_on_play_start":
            self.result.plays.append(data.get("name") or data.get("play") or "")
        elif name == "runner_on_start":
            self._start(data, parse_time(event.get("created")))
        elif name in RESULT_EVENTS:
            self._finish(data, RESULT_EVENTS[name])
        elif name in ITEM_EVENTS:
            self._item(data, ITEM_EVENTS[name])
        elif name == "runner_retry":
            self._retry(data)
        elif name == "runner_on_async_poll":
            self._async_poll(data)
        elif name == "playbook_on_stats":
            self._stats(data)

    # ---- tasks -------------------------------------------------------------------------
    def _task_for(self, data: dict) -> TaskRun:
        host = data.get("host", "?")
        uuid = _base_uuid(data.get("task_uuid", ""))
        key = (host, uuid)
        task = self._open.get(key)
        if task is None or task.status != "running":
            task = TaskRun(
                host=host,
                task=data.get("task", ""),
                action=data.get("resolved_action") or data.get("task_action", ""),
                uuid=uuid,
                play=data.get("play", ""),
                start=parse_time(data.get("start")),
            )
            self._open[key] = task
            self.result.tasks.append(task)
        self.current_task[host] = task
        return task

    def _start(self, data: dict, created) -> None:
        # runner_on_start carries no start time of its own: the event's time is when the
        # task began on this host (the result's own start replaces it when it comes), so
        # that a running task's elapsed time and its job's age tick in the live view.
        task = self._task_for(data)
        task.start = task.start or parse_time(data.get("start")) or created

    def _finish(self, data: dict, status: str) -> None:
        task = self._task_for(data)
        res = dict(data.get("res") or {})
        if not res and status in ("ok", "failed"):
            # Every result Ansible reports has keys: an empty one is a result ansible-runner
            # dropped for its size.
            task.result_kept = False
            res = {"msg": RESULT_NOT_KEPT}
        if status == "failed":
            # The event carries the failure in its name; the registered result has the key.
            res.setdefault("failed", True)
        task.res = res
        task.start = parse_time(data.get("start")) or task.start
        task.end = parse_time(data.get("end"))
        task.ignored = bool(data.get("ignore_errors"))
        if status == "ok" and res.get("changed"):
            status = "changed"
        task.status = status
        if isinstance(res.get("attempts"), int):
            task.attempts = max(task.attempts, res["attempts"])
        self.retrying.pop(task.host, None)
        if "results" in res and isinstance(res["results"], list):
            for item_res in res["results"]:
                if isinstance(item_res, dict):
                    # each item was seen (and counted) by its own event already
                    self._jobs_from(task, item_res, task.end, item=item_res.get("item"), looked=False)
        else:
            self._jobs_from(task, res, task.end, failed=status == "failed")

    def _item(self, data: dict, status: str) -> None:
        task = self._task_for(data)
        res = data.get("res") or {}
        task.items.append({"status": status, "res": res})
        if isinstance(res.get("attempts"), int):
            task.attempts = max(task.attempts, res["attempts"])
        self._jobs_from(task, res, parse_time(data.get("end")), item=res.get("item"), failed=status == "failed")

    def _retry(self, data: dict) -> None:
        task = self._task_for(data)
        res = data.get("res") or {}
        attempts = res.get("attempts") or task.attempts + 1
        task.attempts = max(task.attempts, int(attempts))
        self.retrying[task.host] = (int(attempts), int(res.get("retries") or data.get("retries") or 0))
        jid = res.get("ansible_job_id")
        if jid and task.action.endswith("async_status"):
            self._job(task.host, str(jid), task.task).checks += 1

    def _async_poll(self, data: dict) -> None:
        # Polls of a poll > 0 task arrive as events of an internal async_status task:
        # they belong to the host's current task, not to a task of their own.
        task = self.current_task.get(data.get("host", "?"))
        if task is None:
            return
        jid = data.get("jid") or (data.get("res") or {}).get("ansible_job_id")
        if jid:
            job = self._job(task.host, str(jid), task.task)
            job.poll = ">0"
            job.launched = job.launched or task.start
            task.polled = True

    # ---- async jobs --------------------------------------------------------------------
    def _job(self, host: str, jid: str, task: str) -> AsyncJob:
        key = (host, jid)
        job = self._jobs.get(key)
        if job is None:
            job = AsyncJob(host=host, jid=jid, task=task)
            self._jobs[key] = job
            self.result.jobs.append(job)
        return job

    def _jobs_from(self, task: TaskRun, res: dict, when, item=None, failed: bool = False, looked=True) -> None:
        jid = res.get("ansible_job_id") or (res.get("async_result") or {}).get("ansible_job_id")
        if not jid:
            return
        job = self._job(task.host, str(jid), task.task)
        if looked and task.action.endswith("async_status"):
            job.checks += 1
        if item is not None and job.item is None and not task.action.endswith("async_status"):
            job.item = item
        finished = bool(res.get("finished"))
        if not finished and res.get("started") and not task.action.endswith("async_status"):
            # A poll-0 launch: the task returned while the job went on.
            job.launched = job.launched or when or task.end
            job.results_file = res.get("results_file") or job.results_file
            return
        if job.launched is None:
            # First seen finished by the task that launched it: it polled (poll > 0).
            job.launched = task.start
            if not task.action.endswith("async_status"):
                job.poll = ">0"
                task.polled = True
        if finished and not job.finished:
            job.finished = True
            job.result = res
            job.start = parse_time(res.get("start")) or job.start
            job.end = parse_time(res.get("end")) or when
            msg = str(res.get("msg", ""))
            if any(m in msg for m in TIMEOUT_MESSAGES):
                job.status = "timeout"
            elif failed or res.get("failed") or (isinstance(res.get("rc"), int) and res["rc"] != 0):
                job.status = "failed"
            else:
                job.status = "ok"
        elif not finished and any(m in str(res.get("msg", "")) for m in TIMEOUT_MESSAGES):
            # poll > 0 and the controller gave up first: no `finished`, job left behind.
            job.status = "timeout"
            job.end = when
            job.result = res

    def _stats(self, data: dict) -> None:
        keys = ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored", "processed")
        recap: dict[str, dict[str, int]] = {}
        for key in keys:
            for host, count in (data.get(key) or {}).items():
                name = "unreachable" if key == "dark" else key
                recap.setdefault(host, {})[name] = count
        for host in recap:
            for key in ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored"):
                recap[host].setdefault(key, 0)
        self.result.recap = recap


def fold(events, result: RunResult) -> RunResult:
    """Fold a recorded run's events into ``result``, then settle what only the whole run
    tells: its status when no runner reported one, and its wall time."""
    events = list(events)
    folder = Folder(result)
    for event in events:
        folder.feed(event)
    stats = [e for e in events if e.get("event") == "playbook_on_stats"]
    if result.status == "unstarted" and stats:
        failed = any(c.get("failures") or c.get("unreachable") for c in result.recap.values())
        result.status = "failed" if failed else "successful"
    if result.started_at and result.end and not result.wall_time:
        result.wall_time = (result.end - result.started_at).total_seconds()
    return result
