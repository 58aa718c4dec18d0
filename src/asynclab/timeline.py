"""Per-host swimlanes of a run: the tasks, and below them the background jobs.

Each host gets a lane with two rows. The upper row shows the tasks as the controller saw
them (coloured by status; a task that waited on jobs is hatched). The lower row shows each
async job from its launch to its end on the target, taken from the async_status results,
so one glance shows which jobs overlapped and where the play waited.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .inventory import host_order

if TYPE_CHECKING:  # RunResult.timeline() draws with this module: no import back at run time
    from .result import RunResult

TASK_COLORS = {
    "ok": "#66bb6a",
    "changed": "#ffb74d",
    "failed": "#e57373",
    "skipped": "#cfd8dc",
    "unreachable": "#ba68c8",
    "running": "#90caf9",
}
JOB_COLORS = {"ok": "#1e88e5", "failed": "#e53935", "timeout": "#8e24aa", "running": "#90a4ae"}


class TimelineFigure(Figure):
    """A Figure that shows itself as a PNG when it is a cell's last expression."""

    def _repr_png_(self):
        import io

        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=96, bbox_inches="tight")
        return buf.getvalue()


def _x(t: datetime | None, origin: datetime) -> float | None:
    return None if t is None else (t - origin).total_seconds()


def plot_timeline(result: RunResult, title: str | None = None, width: float = 11.0) -> Figure:
    """Draw the timeline of a RunResult; returns a matplotlib Figure (shown inline in Jupyter)."""
    hosts = sorted({t.host for t in result.tasks} | {j.host for j in result.jobs}, key=host_order)
    starts = [t.start for t in result.tasks if t.start] + [j.launched for j in result.jobs if j.launched]
    origin = result.started_at or (min(starts) if starts else None)
    fig = TimelineFigure(figsize=(width, 1.0 + 0.75 * max(1, len(hosts))))
    ax = fig.add_subplot(1, 1, 1)
    if not hosts or origin is None:
        ax.text(0.5, 0.5, "nothing ran", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    ends = [_x(end, origin) for end in [t.end for t in result.tasks] + [j.end for j in result.jobs] if end is not None]
    horizon = max(ends + [result.wall_time, 1.0])

    for lane, host in enumerate(reversed(hosts)):
        y_task, y_job = lane + 0.55, lane + 0.12
        for t in result.tasks:
            if t.host != host or t.start is None:
                continue
            x0 = _x(t.start, origin)
            x1 = _x(t.end, origin) if t.end else horizon
            width_s = max(x1 - x0, horizon / 400)
            ax.broken_barh(
                [(x0, width_s)],
                (y_task, 0.33),
                facecolors=TASK_COLORS.get(t.status, "#eee"),
                edgecolor="#37474f",
                linewidth=0.4,
                hatch="//" if t.waited else None,
            )
            if width_s > horizon / 12:
                ax.text(
                    x0 + width_s / 2, y_task + 0.165, t.task[:28], ha="center", va="center", fontsize=7, clip_on=True
                )
        for j in result.jobs:
            if j.host != host:
                continue
            begin = j.start or j.launched
            if begin is None:
                continue
            x0 = _x(begin, origin)
            x1 = _x(j.end, origin) if j.end else horizon
            width_s = max(x1 - x0, horizon / 400)
            ax.broken_barh(
                [(x0, width_s)],
                (y_job, 0.3),
                facecolors=JOB_COLORS.get(j.status, "#eee"),
                edgecolor="#263238",
                linewidth=0.4,
                alpha=0.85,
                hatch="xx" if j.status == "timeout" else ("..." if not j.finished else None),
            )
            if width_s > horizon / 15:
                label = j.jid.split(".")[0][:10] + ("" if j.finished else " (still running)")
                ax.text(
                    x0 + width_s / 2,
                    y_job + 0.15,
                    label,
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if j.finished else "black",
                    clip_on=True,
                )

    ax.set_yticks([lane + 0.45 for lane in range(len(hosts))])
    ax.set_yticklabels(list(reversed(hosts)))
    ax.set_ylim(-0.05, len(hosts))
    ax.set_xlim(0, horizon * 1.02)
    ax.set_xlabel("seconds since the run started")
    ax.grid(axis="x", alpha=0.3)
    for lane in range(1, len(hosts)):
        ax.axhline(lane, color="#b0bec5", linewidth=0.5)
    n_jobs = len(result.jobs)
    ax.set_title(
        title or f"{result.status} in {result.wall_time:.1f} s: {len(hosts)} hosts, {n_jobs} async jobs", fontsize=10
    )
    legend = [Patch(facecolor=TASK_COLORS[s], label=f"task {s}") for s in ("ok", "changed", "failed", "unreachable")]
    legend.append(Patch(facecolor="white", edgecolor="#37474f", hatch="//", label="task waiting on jobs"))
    legend += [Patch(facecolor=JOB_COLORS[s], label=f"job {s}") for s in ("ok", "failed", "timeout")]
    legend.append(Patch(facecolor=JOB_COLORS["running"], hatch="...", label="job not seen finishing"))
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=5, fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def overlapping_jobs(result: RunResult) -> int:
    """The largest number of async jobs running at the same moment (from their spans)."""
    points = []
    for j in result.jobs:
        begin = j.start or j.launched
        if begin and j.end:
            points += [(begin, 1), (j.end, -1)]
    best = current = 0
    for _, delta in sorted(points, key=lambda p: (p[0], p[1])):
        current += delta
        best = max(best, current)
    return best
