"""Live progress of a run: per host the task, its status and elapsed time, and the async
jobs still running. One display area in a notebook, redrawn a few times a second at most;
a line per finished task in a terminal. Never one output per event."""

from __future__ import annotations

import html
import sys
import time
from datetime import UTC, datetime

from ..inventory import host_order
from ..run.result import EventFolder

#: The columns of the notebook view, with their alignment.
COLUMNS = (
    ("host", "left"),
    ("task", "left"),
    ("status", "left"),
    ("elapsed", "right"),
    ("async jobs still running", "left"),
)
#: The jobs column once the run has ended: what no task saw finishing was left behind.
FINAL_JOBS_COLUMN = "async jobs left in the background"
STATUS_COLORS = {
    "ok": "#2e7d32",
    "changed": "#b26a00",
    "failed": "#c62828",
    "skipped": "#757575",
    "unreachable": "#6a1b9a",
    "running": "#1565c0",
}


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"
    except Exception:
        return False


def _now() -> datetime:
    return datetime.now(UTC)


def _since(begin: datetime | None, now: datetime) -> float:
    return (now - begin).total_seconds() if begin else 0.0


def host_rows(folder: EventFolder, now: datetime | None = None) -> list[dict]:
    """What the view shows for each host: task, status, elapsed, waiting and jobs."""
    now = now or _now()
    rows = []
    for host in sorted(folder.current_task, key=host_order):
        task = folder.current_task[host]
        end = task.end or now
        elapsed = (end - task.start).total_seconds() if task.start else 0.0
        waiting = folder.retrying.get(host)
        running_jobs = [j for j in folder.result.jobs if j.host == host and not j.finished and j.status == "running"]
        rows.append(
            {
                "host": host,
                "task": task.task,
                "status": task.status,
                "elapsed": elapsed,
                "waiting": _retry_text(*waiting) if waiting else "",
                "jobs": [(j.jid, _since(j.start or j.launched, now)) for j in running_jobs],
                "awaited": {j.jid for j in running_jobs if j.awaited},
            }
        )
    return rows


def _left_why(jid: str, row: dict) -> str:
    """Why a job was still running when the run ended: nobody waited, or the waiting gave up."""
    return "awaited, unfinished when its wait ended" if jid in row["awaited"] else "not awaited"


def _retry_text(attempt: int, retries: int) -> str:
    left = max(0, retries - attempt)
    return f"attempt {attempt}, {left} retries left" if retries else f"attempt {attempt}"


class ProgressView:
    """Draws progress from an EventFolder. ``mode``: auto, html, text or none."""

    def __init__(self, mode: str = "auto", min_interval: float = 0.4, stream=None):
        if mode == "auto":
            mode = "html" if _in_notebook() else "text"
        self.mode = mode
        self.min_interval = min_interval
        self.stream = stream or sys.stdout
        self._handle = None
        self._last_draw = 0.0
        self._printed: set[int] = set()
        self._last_retry_print: dict[str, float] = {}
        self.draws = 0

    # Called from the main thread, as often as it likes: drawing is throttled here.
    def update(self, folder: EventFolder, started: float, final: bool = False, status: str = "running") -> None:
        if self.mode == "none":
            return
        now = time.monotonic()
        if not final and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        self.draws += 1
        elapsed = now - started
        if self.mode == "html":
            self._draw_html(folder, elapsed, status, final)
        else:
            self._draw_text(folder, elapsed, final, status)

    # ---- notebook ------------------------------------------------------------------------
    def render_html(self, folder: EventFolder, elapsed: float, status: str, final: bool = False) -> str:
        """The table; once the run has ended (final), a job that no task saw finishing is
        said to be left in the background (the play never asked), not "still running"."""
        rows = host_rows(folder)
        columns = [(FINAL_JOBS_COLUMN if final and name == COLUMNS[-1][0] else name, a) for name, a in COLUMNS]
        play = html.escape(folder.result.plays[-1]) if folder.result.plays else ""
        head = f"<b>{html.escape(status)}</b> &middot; {elapsed:.1f} s" + (f" &middot; play: {play}" if play else "")
        if final and not rows:  # nothing ran (Ansible rejected the playbook): no empty table
            return f'<div class="asynclab-progress" style="font-family:monospace;font-size:12px">{head}</div>'
        out = [
            '<div class="asynclab-progress" style="font-family:monospace;font-size:12px">',
            head,
            '<table style="border-collapse:collapse;margin-top:4px">',
            "<tr>"
            + "".join(f"<th style='text-align:{align};padding:1px 8px'>{name}</th>" for name, align in columns)
            + "</tr>",
        ]
        for r in rows:
            color = STATUS_COLORS.get(r["status"], "#000")
            state = r["status"] + (f" ({r['waiting']})" if r["waiting"] else "")
            if final:
                jobs = ", ".join(f"{jid} ({_left_why(jid, r)})" for jid, _ in r["jobs"]) or "&ndash;"
            else:
                jobs = ", ".join(f"{jid} ({age:.0f} s)" for jid, age in r["jobs"]) or "&ndash;"
            out.append(
                f"<tr><td style='padding:1px 8px'>{html.escape(r['host'])}</td>"
                f"<td style='padding:1px 8px'>{html.escape(r['task'])}</td>"
                f"<td style='padding:1px 8px;color:{color}'>{html.escape(state)}</td>"
                f"<td style='padding:1px 8px;text-align:right'>{r['elapsed']:.1f} s</td>"
                f"<td style='padding:1px 8px'>{jobs}</td></tr>"
            )
        out.append("</table></div>")
        return "".join(out)

    def _draw_html(self, folder: EventFolder, elapsed: float, status: str, final: bool = False) -> None:
        from IPython.display import HTML, display

        body = HTML(self.render_html(folder, elapsed, status, final))
        if self._handle is None:
            self._handle = display(body, display_id=True)
        else:
            self._handle.update(body)

    # ---- terminal ------------------------------------------------------------------------
    def _draw_text(self, folder: EventFolder, elapsed: float, final: bool, status: str) -> None:
        write = self.stream.write
        for task in folder.result.tasks:
            if task.status == "running" or id(task) in self._printed:
                continue
            self._printed.add(id(task))
            duration = f"{task.duration:.1f}s" if task.duration is not None else "-"
            extra = f", {task.attempts} attempts" if task.attempts > 1 else ""
            write(f"[{elapsed:6.1f}s] {task.host:<5} {task.status:<11} {task.task} ({duration}{extra})\n")
        now = time.monotonic()
        for host, (attempt, retries) in folder.retrying.items():
            if now - self._last_retry_print.get(host, 0) >= 5:
                self._last_retry_print[host] = now
                running = [j.jid for j in folder.result.jobs if j.host == host and not j.finished]
                write(
                    f"[{elapsed:6.1f}s] {host:<5} waiting     {_retry_text(attempt, retries)}; "
                    f"jobs still running: {', '.join(running) or '-'}\n"
                )
        if final:
            write(f"[{elapsed:6.1f}s] run {status}\n")
        self.stream.flush()
