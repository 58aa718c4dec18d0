"""The records of a run: one task on one host, one async job, and the times events carry.

The lowest layer of a run's result: the event folding (asynclab.run.folding) fills these in,
and asynclab.run.result gathers them into a RunResult.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

#: In place of a task result that ansible-runner did not keep (it drops results over 700 kB).
RESULT_NOT_KEPT = (
    "its result was too large to keep (over 700 kB): print less, for example pipe the "
    "command into `tail -n 50`, or register only what you need"
)


def parse_time(value) -> datetime | None:
    """Event times (ISO, UTC) and module times ('2026-11-28 12:00:01.123456', the target's
    clock, UTC in the lab) as aware datetimes."""
    if not value or not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


@dataclass
class TaskRun:
    """One task on one host."""

    host: str
    task: str
    action: str
    uuid: str
    play: str = ""
    status: str = "running"  # ok, changed, failed, skipped, unreachable, running
    start: datetime | None = None
    end: datetime | None = None
    res: dict = field(default_factory=dict)
    attempts: int = 1  # >1 when `until` retried it
    items: list[dict] = field(default_factory=list)
    ignored: bool = False
    polled: bool = False  # a poll > 0 task: it waited on its own job
    result_kept: bool = True  # False when the result was too large to keep

    @property
    def duration(self) -> float | None:
        if self.start and self.end:
            return (self.end - self.start).total_seconds()
        return None

    @property
    def waited(self) -> bool:
        """True for a task that waited on async jobs (retried with `until`, or poll > 0)."""
        return self.polled or self.attempts > 1


@dataclass
class AsyncJob:
    """A background job: launched by a task with `async`, followed until its end if seen."""

    host: str
    jid: str
    task: str
    launched: datetime | None = None  # when the launching task returned (poll 0) or started
    start: datetime | None = None  # the job's own start on the target, when reported
    end: datetime | None = None  # its end on the target, or when it was first seen finished
    poll: str = "0"  # "0" for fire-and-forget, ">0" when the launching task polled it
    finished: bool = False
    status: str = "running"  # running, ok, failed, timeout
    result: dict = field(default_factory=dict)
    results_file: str | None = None
    item: object = None
    checks: int = 0  # how many times an async_status task looked at it

    @property
    def awaited(self) -> bool:
        """Some task waited for it: its launch polled it, or async_status checked on it."""
        return self.poll == ">0" or self.checks > 0

    @property
    def duration(self) -> float | None:
        begin = self.start or self.launched
        if begin and self.end:
            return (self.end - begin).total_seconds()
        return None


def job_begin(job: AsyncJob) -> datetime | None:
    """When a job began on its host. async_wrapper starts it inside the launch task, before
    the launch returns; the module's own start (the command's) can come a moment after the
    launch has returned, so a poll-0 job begins at the earlier of the two."""
    begin = job.start or job.launched
    if job.poll == "0" and job.launched and begin and begin > job.launched:
        return job.launched
    return begin


def run_origin(tasks, jobs, started_at: datetime | None = None) -> datetime | None:
    """Where a run's time axis starts: its recorded start, else its earliest task or job."""
    starts = [t.start for t in tasks if t.start] + [b for j in jobs if (b := job_begin(j))]
    return started_at or (min(starts) if starts else None)
