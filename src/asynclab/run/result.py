"""What a playbook run did: tasks per host with their times, async jobs, the recap.

A RunResult is built from ansible-runner's event stream (live, or from the job_events of a
recorded run), so the same code serves the progress view, the timeline, the grader and the
tests. Its records (TaskRun, AsyncJob) live in asynclab.run.records and the folding of events
in asynclab.run.folding, below this module, which EventFolder and result_from_events here
fold into a RunResult; asynclab.view.timeline draws one, above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..inventory import host_order
from .ansible_errors import Rejection, rejection
from .folding import Folder, fold, load_events
from .records import RESULT_NOT_KEPT, AsyncJob, TaskRun, parse_time
from .retries import gave_up_waiting

__all__ = [
    "LAB_PROBLEM",
    "RESULT_NOT_KEPT",
    "AsyncJob",
    "EventFolder",
    "RunResult",
    "TaskRun",
    "parse_time",
    "result_from_events",
]

JOB_GONE = (
    "async_status found no such job: the task that launched it had poll > 0, so Ansible waited for it and "
    "removed its job file when it ended. Launch with poll: 0 to check on a job later."
)
LEFT_RUNNING = (
    "async jobs already launched keep running on the hosts. To stop them, and any interrupted "
    "command, put your hosts back at a clean state: %reset_hosts in a cell, or lab-reset-hosts "
    "in the lab's terminal"
)
LAB_PROBLEM = (
    "{hosts} could not be reached. This is a problem of the lab environment, not of your "
    "playbook: the host may be stopped or restarting. From the host run `make status`, "
    "then `make reset` (or `make lab`) and run the playbook again."
)


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
    def rejection(self) -> Rejection | None:
        """Ansible's own error when it refused the playbook before any task ran."""
        if self.tasks or self.status in ("successful", "unstarted"):
            return None
        return rejection(self.stdout)

    @property
    def end(self) -> datetime | None:
        ends = [t.end for t in self.tasks if t.end] + [j.end for j in self.jobs if j.end]
        return max(ends) if ends else None

    # ---- words -------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """Messages for what went wrong, the lab's faults apart from the playbook's."""
        lines = []
        if self.rejection:
            lines.append(f"Ansible rejected the playbook: {self.rejection.said()}")
        if self.unreachable_hosts:
            lines.append(LAB_PROBLEM.format(hosts=", ".join(self.unreachable_hosts)))
        for t in self.failures():
            gave_up = gave_up_waiting(t, self.playbook_text)
            msg = gave_up or str(t.res.get("msg") or t.res.get("stderr") or "failed").strip()[:300]
            if "could not find job" in msg and self._launched_with_poll(t):
                msg += f". {JOB_GONE}"
            lines.append(f"{t.host}: task '{t.task}' {'' if gave_up else 'failed: '}{msg}")
        if self.status == "timeout":
            lines.append(
                f"the run was stopped after its time limit of {self.timeout:.0f} s{self._cut_tasks()}; {LEFT_RUNNING}"
            )
        elif self.status == "canceled":
            lines.append(f"the run was cancelled{self._cut_tasks()}; {LEFT_RUNNING}")
        return lines

    def summary(self, problems: bool = True) -> str:
        """The run in a few lines: status, recap, jobs and, unless told not to (the cell then
        raises PlaybookFailed, which says them), what went wrong."""
        head = f"{self.status} (rc {self.rc}) in {self.wall_time:.1f} s"
        recap = "\n".join(f"  {', '.join(hosts)}: {counts}" for counts, hosts in self._recap_lines().items())
        jobs = ""
        if self.jobs:
            done = sum(j.finished for j in self.jobs)
            jobs = f"\nasync jobs: {len(self.jobs)} launched, {done} seen finished"
        listed = (self.problems() if problems else []) + self._notes()
        return f"{head}\n{recap}{jobs}" + "".join(f"\n- {line}" for line in listed)

    def _recap_lines(self) -> dict[str, list[str]]:
        """The recap's counts, with the hosts that share them: one short line each, which a
        narrow output does not wrap mid-word (one line for all hosts would)."""
        lines: dict[str, list[str]] = {}
        for host, c in sorted(self.recap.items()):
            counts = f"ok={c.get('ok', 0)} changed={c.get('changed', 0)} failed={c.get('failures', 0)}"
            lines.setdefault(counts + (" UNREACHABLE" if c.get("unreachable") else ""), []).append(host)
        return lines

    def _launched_with_poll(self, task: TaskRun) -> bool:
        """A failed async_status whose job was launched by a task that polled it (poll > 0)."""
        if not task.action.endswith("async_status"):
            return False
        jid = str(task.res.get("ansible_job_id") or "")
        return any(j.poll == ">0" for j in self.jobs if j.host == task.host and (not jid or j.jid == jid))

    def _cut_tasks(self) -> str:
        """' while TASK still ran on HOSTS': the tasks a time limit cut off, if any."""
        running = [t for t in self.tasks if t.status == "running"]
        if not running:
            return ""
        names = ", ".join(f"'{name}'" for name in dict.fromkeys(t.task for t in running))
        hosts = ", ".join(sorted({t.host for t in running}, key=host_order))
        return f" while {names} still ran on {hosts}: its command may still be running there"

    def _notes(self) -> list[str]:
        """Tasks that did not fail but whose result was too large to keep."""
        dropped: dict[str, list[str]] = {}
        for t in self.tasks:
            if not t.result_kept and t.status != "failed":
                dropped.setdefault(t.task, []).append(t.host)
        return [f"{', '.join(hosts)}: task '{task}' ran, but {RESULT_NOT_KEPT}" for task, hosts in dropped.items()]

    def __repr__(self) -> str:
        return (
            f"<RunResult {self.status} rc={self.rc} {self.wall_time:.1f}s "
            f"tasks={len(self.tasks)} jobs={len(self.jobs)}>"
        )

    def timeline(self, **kwargs):
        """Draw the per-host timeline of this run (a matplotlib Figure)."""
        from ..view.timeline import plot_timeline

        return plot_timeline(self, **kwargs)

    def write_trace(self, path):
        """Write this run as a Chrome trace (asynclab.view.trace), which ui.perfetto.dev and
        chrome://tracing open: a track per host, its tasks, and each async job as a span."""
        from ..view.trace import write_trace

        return write_trace(self, path)

    @classmethod
    def from_artifacts(cls, artifact_dir) -> RunResult:
        """Rebuild a result from a recorded run's job_events/ (or an events.jsonl file)."""
        return fold(load_events(artifact_dir), cls(artifact_dir=str(artifact_dir)))


class EventFolder(Folder):
    """Accumulates events into a RunResult (a new one unless given); cheap enough to call for
    every event, so it serves a live run as well as a recorded one."""

    def __init__(self, result: RunResult | None = None):
        super().__init__(RunResult() if result is None else result)


def result_from_events(events, **fields) -> RunResult:
    """The RunResult of a recorded run's events; ``fields`` are RunResult fields set first."""
    return fold(events, RunResult(**fields))
