"""Per-host swimlanes of a run: the tasks, and under them one lane per background job.

Each host gets a block of rows. The first shows the tasks as the controller saw them
(coloured by status; a task that waited on jobs is hatched). Under it, each async job of
that host has a lane of its own, from its start to its end on the target, so that jobs
that ran side by side are drawn side by side and one glance shows where the play waited.

The drawing is made from a layout (``layout(result)``): plain data, which the tests read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..inventory import host_order
from ..run.records import TaskRun, job_begin, run_origin
from ..words import counted

if TYPE_CHECKING:  # RunResult.timeline() draws with this module: no import back at run time
    from ..run.result import RunResult

TASK_COLORS = {
    "ok": "#66bb6a",
    "changed": "#ffb74d",
    "failed": "#e57373",
    "skipped": "#cfd8dc",
    "unreachable": "#ba68c8",
    "running": "#90caf9",
}
JOB_COLORS = {"ok": "#1e88e5", "failed": "#e53935", "timeout": "#8e24aa", "running": "#90a4ae"}
ROW = 1.0  # height of one row (tasks, or one job) in data units
CHAR_WIDTH = 0.6  # of a label character, in font sizes


@dataclass
class Bar:
    """One thing drawn: a task on a host, or an async job in its own lane."""

    host: str
    lane: int  # 0: the host's tasks; 1, 2...: its jobs, in the order they started
    kind: str  # "task" or "job"
    x0: float  # seconds since the run started
    x1: float
    status: str
    label: str  # the task's name, or the job's id
    waited: bool = False  # a task that waited on jobs
    finished: bool = True  # a job seen finishing


@dataclass
class Layout:
    hosts: list[str]  # in inventory order
    lanes: dict[str, int]  # host: its number of rows (1 + its jobs)
    bars: list[Bar] = field(default_factory=list)
    horizon: float = 1.0  # the right end, in seconds

    def bars_of(self, host: str, kind: str | None = None) -> list[Bar]:
        return [b for b in self.bars if b.host == host and (kind is None or b.kind == kind)]


def _x(t: datetime | None, origin: datetime) -> float | None:
    return None if t is None else (t - origin).total_seconds()


#: How long a job must still run after a task's start for the task to have waited on it.
WAIT_EPSILON = timedelta(seconds=0.3)


def waited_on_jobs(task: TaskRun, result: RunResult) -> bool:
    """A task that waited on jobs: it polled, or retried with until, or it is an async_status
    task that a job of its host outlasted at its start and that ended after it (a looped
    wait whose every item was finished at its first look still waited, on its first item)."""
    if task.waited:
        return True
    if not task.action.endswith("async_status") or task.start is None or task.end is None:
        return False
    return any(
        (begin := job_begin(j)) is not None
        and begin < task.start
        and j.end is not None
        and task.start + WAIT_EPSILON < j.end <= task.end + WAIT_EPSILON
        for j in result.jobs
        if j.host == task.host
    )


def layout(result: RunResult) -> Layout | None:
    """The bars of a run's timeline, or None when nothing ran."""
    hosts = sorted({t.host for t in result.tasks} | {j.host for j in result.jobs}, key=host_order)
    origin = run_origin(result.tasks, result.jobs, result.started_at)
    if not hosts or origin is None:
        return None
    ends = [_x(e, origin) for e in [t.end for t in result.tasks] + [j.end for j in result.jobs] if e is not None]
    horizon = max(ends + [result.wall_time or 0.0, 1.0])
    out = Layout(hosts=hosts, lanes={}, horizon=horizon)
    for host in hosts:
        for t in result.tasks:
            if t.host == host and t.start is not None:
                x0 = _x(t.start, origin)
                x1 = _x(t.end, origin) if t.end else horizon
                out.bars.append(Bar(host, 0, "task", x0, x1, t.status, t.task, waited=waited_on_jobs(t, result)))
        jobs = sorted((j for j in result.jobs if j.host == host and job_begin(j)), key=job_begin)
        for lane, j in enumerate(jobs, start=1):
            x0 = _x(job_begin(j), origin)
            x1 = _x(j.end, origin) if j.end else horizon
            out.bars.append(Bar(host, lane, "job", x0, x1, j.status, j.jid, finished=j.finished))
        out.lanes[host] = 1 + len(jobs)
    return out


def fitted(text: str, room: int) -> str:
    """text in at most room characters, cut after a whole word with an ellipsis; empty when
    not even its first word fits (the caller then shows a number and a key)."""
    if len(text) <= room:
        return text
    words = text[: max(room - 1, 0)].rsplit(" ", 1)
    if len(words) < 2 or not words[0].strip():
        return ""
    return words[0].rstrip(" ,:;-") + "…"


def describe(result: RunResult, plan: Layout | None, title: str | None = None, horizon: float = 0.0) -> str:
    """The chart in words, for its alternative text: what ran, on which hosts, over how long."""
    heading = (
        f"Timeline chart. {title}" if title else f"Timeline chart of a run, {result.status} in {result.wall_time:.1f} s"
    )
    if plan is None:
        return f"{heading}. Nothing ran."
    tasks = len({bar.label for bar in plan.bars if bar.kind == "task"})
    jobs = sum(1 for bar in plan.bars if bar.kind == "job")
    waited = sorted({bar.label for bar in plan.bars if bar.kind == "task" and bar.waited})
    parts = [
        f"{heading}.",
        f"One row of tasks per host ({', '.join(plan.hosts)}), each async job in a lane under its host.",
        f"{tasks} task{'s' * (tasks != 1)}, {jobs} async job{'s' * (jobs != 1)}"
        + (f", at most {overlapping_jobs(result)} running at once." if jobs else "."),
    ]
    if waited:
        parts.append(f"Tasks that waited on jobs: {', '.join(repr(name) for name in waited)}.")
    parts.append(f"The time axis spans 0 to {max(plan.horizon, horizon):.0f} s.")
    return " ".join(parts)


class TimelineFigure(Figure):
    """A Figure that shows itself as a PNG when it is a cell's last expression. Its
    description (alt_text) travels in the PNG, as its Description text chunk: the feedback
    reads it back as the image's alternative text (asynclab.classroom.feedback_alt_text)."""

    alt_text = ""

    def _repr_png_(self):
        import io

        buf = io.BytesIO()
        metadata = {"Description": self.alt_text} if self.alt_text else None
        self.savefig(buf, format="png", dpi=96, bbox_inches="tight", metadata=metadata)
        return buf.getvalue()


def plot_timeline(
    result: RunResult, title: str | None = None, width: float = 11.0, horizon: float | None = None
) -> Figure:
    """Draw the timeline of a RunResult; returns a matplotlib Figure (shown inline in Jupyter).
    horizon: the seconds the x axis spans at least (to draw two runs on one scale)."""
    plan = layout(result)
    rows = sum(plan.lanes.values()) if plan else 1
    fig = TimelineFigure(figsize=(width, 1.6 + 0.34 * rows), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    fig.alt_text = describe(result, plan, title, horizon or 0.0)
    if plan is None:
        ax.text(0.5, 0.5, "nothing ran", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    horizon = max(plan.horizon, horizon or 0.0)
    points_per_second = width * 0.82 * 72 / (horizon * 1.02)  # the axes take about 82% of the width
    key: dict[str, int] = {}  # task name: its number, for tasks too short for their name

    # Hosts from the top: web1's block first. y of a row = its distance from the bottom.
    bottoms, y = {}, 0.0
    for host in reversed(plan.hosts):
        bottoms[host] = y
        y += plan.lanes[host] * ROW
    total = y

    def row_y(bar: Bar) -> float:
        # the task row on top of the host's block, its job lanes under it
        return bottoms[bar.host] + (plan.lanes[bar.host] - 1 - bar.lane) * ROW

    for bar in plan.bars:
        x_width = max(bar.x1 - bar.x0, horizon / 400)
        y0 = row_y(bar) + 0.15
        is_task = bar.kind == "task"
        ax.broken_barh(
            [(bar.x0, x_width)],
            (y0, 0.7 * ROW),
            facecolors=(TASK_COLORS if is_task else JOB_COLORS).get(bar.status, "#eee"),
            edgecolor="#37474f" if is_task else "#263238",
            linewidth=0.4,
            alpha=1.0 if is_task else 0.85,
            hatch=("//" if bar.waited else None)
            if is_task
            else ("xx" if bar.status == "timeout" else ("..." if not bar.finished else None)),
        )
        size = 7 if is_task else 6.5
        room = int(x_width * points_per_second / (size * CHAR_WIDTH))
        if is_task:
            label = fitted(bar.label, room)
            if not label:
                number = key.setdefault(bar.label, len(key) + 1)
                label = str(number) if room >= len(str(number)) else ""
            style = {"color": "black"}
        else:
            name = bar.label.split(".")[0]
            label = fitted(name if bar.finished else f"{name}, not seen finishing", room)
            style = (
                {"color": "white"}
                if bar.finished
                else {"color": "black", "bbox": {"facecolor": "white", "alpha": 0.85, "pad": 0.6, "edgecolor": "none"}}
            )
        if label:
            ax.text(
                bar.x0 + x_width / 2,
                y0 + 0.35 * ROW,
                label,
                ha="center",
                va="center",
                fontsize=size,
                clip_on=True,
                **style,
            )

    ax.set_yticks([bottoms[h] + (plan.lanes[h] - 0.5) * ROW for h in reversed(plan.hosts)])
    ax.set_yticklabels(list(reversed(plan.hosts)))
    ax.set_ylim(0, total)
    ax.set_xlim(0, horizon * 1.02)
    ax.set_xlabel("seconds since the run started")
    ax.grid(axis="x", alpha=0.3)
    for host in plan.hosts[1:]:
        ax.axhline(bottoms[host] + plan.lanes[host] * ROW, color="#b0bec5", linewidth=0.6)
    ax.set_title(
        title
        or f"{result.status} in {result.wall_time:.1f} s: {counted(len(plan.hosts), 'host')}, "
        f"{counted(len(result.jobs), 'async job')} "
        "(each job in its own lane under its host)",
        fontsize=10,
    )
    legend = [Patch(facecolor=TASK_COLORS[s], label=f"task {s}") for s in ("ok", "changed", "failed", "unreachable")]
    legend.append(Patch(facecolor="white", edgecolor="#37474f", hatch="//", label="task waiting on jobs"))
    legend += [Patch(facecolor=JOB_COLORS[s], label=f"job {s}") for s in ("ok", "failed", "timeout")]
    legend.append(Patch(facecolor=JOB_COLORS["running"], hatch="...", label="job not seen finishing"))
    legend += [Patch(visible=False, label=f"{number}: {name}") for name, number in key.items()]
    # Outside the axes, under the x label: constrained layout keeps them apart at any height.
    fig.legend(handles=legend, loc="outside lower center", ncol=5, fontsize=7, frameon=False)
    return fig


def overlapping_jobs(result: RunResult) -> int:
    """The largest number of async jobs running at the same moment (from their spans)."""
    points = []
    for j in result.jobs:
        begin = job_begin(j)
        if begin and j.end:
            points += [(begin, 1), (j.end, -1)]
    best = current = 0
    for _, delta in sorted(points, key=lambda p: (p[0], p[1])):
        current += delta
        best = max(best, current)
    return best
