"""What a playbook run did: tasks per host with their times, async jobs, the recap.

A RunResult is built from ansible-runner's event stream (live, or from the job_events of a
recorded run), so the same code serves the progress view, the timeline, the grader and the
tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from .inventory import host_order

LAB_PROBLEM = (
    "{hosts} could not be reached. This is a problem of the lab environment, not of your "
    "playbook: the host may be stopped or restarting. From the host run `make status`, "
    "then `make reset` (or `make lab`) and run the playbook again."
)
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
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


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

    @property
    def duration(self) -> float | None:
        begin = self.start or self.launched
        if begin and self.end:
            return (self.end - begin).total_seconds()
        return None


@dataclass
class RunResult:
    status: str = "unstarted"  # successful, failed, timeout, canceled
    rc: int | None = None
    wall_time: float = 0.0
    started_at: datetime | None = None
    tasks: list[TaskRun] = field(default_factory=list)
    jobs: list[AsyncJob] = field(default_factory=list)
    recap: dict[str, dict[str, int]] = field(default_factory=dict)
    plays: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    artifact_dir: str | None = None
    playbook_text: str = ""
    timeout: float | None = None
    stdout: str = ""

    # ---- queries -----------------------------------------------------------------------
    @property
    def hosts(self) -> dict[str, list[TaskRun]]:
        out: dict[str, list[TaskRun]] = {}
        for t in self.tasks:
            out.setdefault(t.host, []).append(t)
        return out

    @property
    def ok(self) -> bool:
        return self.status == "successful"

    def task(self, name: str, host: str | None = None) -> list[TaskRun]:
        return [t for t in self.tasks if t.task == name and (host is None or t.host == host)]

    def jobs_on(self, host: str) -> list[AsyncJob]:
        return [j for j in self.jobs if j.host == host]

    @property
    def unreachable_hosts(self) -> list[str]:
        hosts = {h for h, c in self.recap.items() if c.get("unreachable")}
        hosts |= {t.host for t in self.tasks if t.status == "unreachable"}
        return sorted(hosts)

    @property
    def failed_hosts(self) -> list[str]:
        return sorted(h for h, c in self.recap.items() if c.get("failures"))

    def failures(self) -> list[TaskRun]:
        return [t for t in self.tasks if t.status == "failed" and not t.ignored]

    @property
    def end(self) -> datetime | None:
        ends = [t.end for t in self.tasks if t.end] + [j.end for j in self.jobs if j.end]
        return max(ends) if ends else None

    # ---- words -------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """Messages for what went wrong, the lab's faults apart from the playbook's."""
        lines = []
        if self.unreachable_hosts:
            lines.append(LAB_PROBLEM.format(hosts=", ".join(self.unreachable_hosts)))
        for t in self.failures():
            msg = t.res.get("msg") or t.res.get("stderr") or "failed"
            lines.append(f"{t.host}: task '{t.task}' failed: {str(msg).strip()[:300]}")
        if self.status == "timeout":
            lines.append(
                f"the run was stopped after its time limit of {self.timeout:.0f} s{self._cut_tasks()}; "
                "async jobs already launched keep running on the hosts"
            )
        elif self.status == "canceled":
            lines.append("the run was cancelled; async jobs already launched keep running on the hosts")
        return lines

    def summary(self) -> str:
        head = f"{self.status} (rc {self.rc}) in {self.wall_time:.1f} s"
        recap = ", ".join(
            f"{h}: ok={c.get('ok', 0)} changed={c.get('changed', 0)} failed={c.get('failures', 0)}"
            + (" UNREACHABLE" if c.get("unreachable") else "")
            for h, c in sorted(self.recap.items())
        )
        jobs = ""
        if self.jobs:
            done = sum(j.finished for j in self.jobs)
            jobs = f"\nasync jobs: {len(self.jobs)} launched, {done} seen finished"
        problems = "".join(f"\n- {p}" for p in self.problems() + self._notes())
        return f"{head}\n{recap}{jobs}{problems}"

    def _cut_tasks(self) -> str:
        """' while TASK still ran on HOSTS': the tasks a time limit cut off, if any."""
        running = [t for t in self.tasks if t.status == "running"]
        if not running:
            return ""
        names = ", ".join(f"'{name}'" for name in dict.fromkeys(t.task for t in running))
        hosts = ", ".join(sorted({t.host for t in running}, key=host_order))
        return f" while {names} still ran on {hosts}"

    def _notes(self) -> list[str]:
        """Tasks that did not fail but whose result was too large to keep."""
        dropped: dict[str, list[str]] = {}
        for t in self.tasks:
            if not t.result_kept and t.status != "failed":
                dropped.setdefault(t.task, []).append(t.host)
        return [f"{', '.join(hosts)}: task '{task}' ran, but {RESULT_NOT_KEPT}"
                for task, hosts in dropped.items()]

    def __repr__(self) -> str:
        return f"<RunResult {self.status} rc={self.rc} {self.wall_time:.1f}s tasks={len(self.tasks)} jobs={len(self.jobs)}>"

    def timeline(self, **kwargs):
        """Draw the per-host timeline of this run (a matplotlib Figure)."""
        from .timeline import plot_timeline

        return plot_timeline(self, **kwargs)

    @classmethod
    def from_artifacts(cls, artifact_dir) -> "RunResult":
        """Rebuild a result from a recorded run's job_events/ (or an events.jsonl file)."""
        from .events import load_events, result_from_events

        return result_from_events(load_events(artifact_dir), artifact_dir=str(artifact_dir))
