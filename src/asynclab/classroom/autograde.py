"""Grade every submission of an assignment, one student at a time, and say how each went.

    python -m asynclab.classroom.autograde ASSIGNMENT [--student ID ...] [--course DIR]

First the lab must be usable: all five hosts answer a ping, otherwise nothing is graded
(a host that is down would fail every answer, and that is the lab's fault). Then each
student is graded on their own with ``nbgrader autograde ASSIGNMENT --student S --force``,
so one broken notebook never stops the others. Each submission ends as one of:

- graded
- could not be graded: nbgrader failed on it (the reason is taken from its log)
- lab failed during grading: an answer or test cell raised LabEnvironmentError

The summary is printed and written to ``<course>/autograde-report.txt``. The exit code is
0 when every submission was graded, 1 otherwise; all of them are tried in any case.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

# Outcome and its statuses (asynclab.classroom.outcome) are imported from here as well.
from .outcome import ALREADY_GRADED, GRADED, LAB_FAILED, NOT_GRADED, Outcome, outcomes_to_json

BACKUPS = "gradebook-backups"
KEEP_BACKUPS = 20
LAB_FAILURE_TEXT = "The lab failed, not your answer:"
REPORT_NAME = "autograde-report.txt"
LOG_ERROR = re.compile(r"^\[\w+ \| (?:ERROR|CRITICAL)\]\s*(.*)$")
EXCEPTION_LINE = re.compile(r"^([\w.]+(?:Error|Exception)): (.+)$")
GENERIC_ERRORS = (
    "There was an error processing assignment",
    "Please see the",
    "Traceback (most recent call last)",
    "nbgrader autograde failed",
)


# ---- the lab ---------------------------------------------------------------------------
def lab_problem(timeout: float = 90) -> str | None:
    """None when every host answers a ping; otherwise what is wrong, in one sentence."""
    from ..errors import LabError
    from ..inventory import LAB_HOSTS
    from ..run.runner import run_playbook

    ping = {"name": "ping", "ansible.builtin.ping": {}}
    play = [{"name": "lab check", "hosts": "all", "gather_facts": False, "tasks": [ping]}]
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            result = run_playbook(play, timeout=timeout, progress="none")
    except LabError as exc:
        return exc.message
    except Exception as exc:  # ansible-runner or ansible missing, a broken setup
        return f"the lab check itself failed ({type(exc).__name__}: {exc})"
    answered = {t.host for t in result.task("ping") if t.status == "ok"}
    silent = [h for h in LAB_HOSTS if h not in answered]
    if silent:
        how = "timed out" if result.status == "timeout" else "did not answer"
        return f"{', '.join(silent)} {how} (ansible ping)"
    return None


# ---- one student -----------------------------------------------------------------------
def nbgrader_command() -> list[str]:
    found = shutil.which("nbgrader")
    return [found] if found else [sys.executable, "-m", "nbgrader"]


def reason_from_log(log: str) -> str:
    """The most telling lines of a failed nbgrader run, joined into one line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    reasons = []
    for line in lines:
        logged = LOG_ERROR.match(line)
        if logged and logged.group(1) and not logged.group(1).startswith(GENERIC_ERRORS):
            reasons.append(logged.group(1))
    exceptions = [line for line in lines if EXCEPTION_LINE.match(line)]
    if exceptions and exceptions[-1] not in reasons:
        reasons.append(exceptions[-1])
    if not reasons:
        reasons = lines[-1:] or ["nbgrader printed nothing"]
    text = "; ".join(dict.fromkeys(reasons))
    return text if len(text) <= 300 else text[:297] + "..."


def _outputs(folder: Path):
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            yield from cell.get("outputs", [])


def timed_out_cells(folder: Path) -> int:
    """How many cells nbgrader stopped at its per-cell time limit."""
    return sum(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError" for o in _outputs(folder))


def lab_failure_in(folder: Path) -> str | None:
    """The first lab failure recorded in the outputs of the autograded notebooks."""
    for output in _outputs(folder):
        if output.get("output_type") == "error" and output.get("ename", "").endswith("LabEnvironmentError"):
            return output.get("evalue", "")
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else text
        for line in text.splitlines():
            if LAB_FAILURE_TEXT in line:
                return line.strip()
    return None


def course_id(course: Path) -> str:
    from traitlets.config.loader import PyFileConfigLoader

    with contextlib.suppress(Exception):
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        return config.CourseDirectory.course_id or "default_course"
    return "default_course"


def score_of(course: Path, assignment: str, student: str) -> str:
    """'7.5 / 10' from the gradebook, or '' when it cannot be read."""
    with contextlib.suppress(Exception):
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id(course)) as gradebook:
            sub = gradebook.find_submission(assignment, student)
            return f"{sub.score:g} / {sub.max_score:g}"
    return ""


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # nbgrader and the kernel it started
    process.wait()


def grade_one(course: Path, assignment: str, student: str, timeout: float) -> Outcome:
    command = nbgrader_command() + ["autograde", assignment, "--student", student, "--force"]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=course, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        log, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        return Outcome(student, NOT_GRADED, time.monotonic() - started, f"nbgrader did not finish within {timeout:g} s")
    except BaseException:  # Ctrl-C: stop this student's nbgrader too; a new run grades it again
        _stop(process)
        raise
    seconds = time.monotonic() - started
    graded = course / "autograded" / student / assignment
    if process.returncode != 0 or not any(graded.glob("*.ipynb")):
        return Outcome(student, NOT_GRADED, seconds, reason_from_log(log))
    score = score_of(course, assignment, student)
    failure = lab_failure_in(graded)
    if failure:
        return Outcome(student, LAB_FAILED, seconds, failure, score)
    stopped = timed_out_cells(graded)
    note = f"{stopped} cell(s) stopped at the per-cell time limit" if stopped else ""
    return Outcome(student, GRADED, seconds, note, score)


def already_graded(course: Path, assignment: str, student: str) -> Outcome | None:
    """The outcome of an earlier run that graded this submission as it is now, if any.

    A submission counts as done when its autograded notebooks are newer than the submitted
    ones, hold no lab failure, and the gradebook has its score; anything else is graded again.
    """
    submitted = [p for p in (course / "submitted" / student / assignment).rglob("*") if p.is_file()]
    graded = list((course / "autograded" / student / assignment).glob("*.ipynb"))
    if not submitted or not graded:
        return None
    # ctime too: a collect that keeps the files' own times (copy2) still makes new inodes.
    arrived = max(max(p.stat().st_mtime, p.stat().st_ctime) for p in submitted)
    if min(p.stat().st_mtime for p in graded) < arrived:
        return None
    if lab_failure_in(course / "autograded" / student / assignment):
        return None
    score = score_of(course, assignment, student)
    return Outcome(student, ALREADY_GRADED, 0.0, "kept from an earlier run", score) if score else None


def back_up_gradebook(course: Path) -> Path | None:
    """Copy gradebook.db aside before grading; keep the newest KEEP_BACKUPS copies."""
    gradebook = course / "gradebook.db"
    if not gradebook.is_file():
        return None
    folder = course / BACKUPS
    folder.mkdir(exist_ok=True)
    copy = folder / f"gradebook-{datetime.now():%Y%m%d-%H%M%S}.db"
    shutil.copy2(gradebook, copy)
    for old in sorted(folder.glob("gradebook-*.db"))[:-KEEP_BACKUPS]:
        old.unlink()
    return copy


# ---- the whole run ---------------------------------------------------------------------
def submitted_students(course: Path, assignment: str) -> list[str]:
    folder = course / "submitted"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir())


def format_report(assignment: str, outcomes: list[Outcome], footer: str = "") -> str:
    with_worker = any(o.worker for o in outcomes)
    rows = [("student", "outcome", "time", "score") + (("worker",) if with_worker else ()) + ("detail",)]
    rows += [
        (o.student, o.status, f"{o.seconds:.1f} s", o.score or "-")
        + ((o.worker or "-",) if with_worker else ())
        + (o.detail,)
        for o in outcomes
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [f"Autograde of {assignment}, {datetime.now():%Y-%m-%d %H:%M}"]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join(cells) + "  " + row[-1])
    graded = sum(o.status in (GRADED, ALREADY_GRADED) for o in outcomes)
    total = sum(o.seconds for o in outcomes)
    lines.append(footer or f"{graded} of {len(outcomes)} submission(s) graded in {total:.0f} s.")
    if any(o.status == LAB_FAILED for o in outcomes):
        lines.append(
            "Lab failures are not the students' fault: run `make status` / `make reset`, "
            "then grade those students again (make autograde STUDENT=...)."
        )
    return "\n".join(line.rstrip() for line in lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m asynclab.classroom.autograde", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("assignment", help="the assignment id, e.g. async-basics")
    parser.add_argument("--student", action="append", default=[], help="grade only this student (repeatable)")
    parser.add_argument("--course", type=Path, default=Path("."), help="the nbgrader course folder (default: here)")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds one student's grading may take (default 3600)"
    )
    parser.add_argument(
        "--regrade",
        action="store_true",
        help="grade again the submissions an earlier run already graded (default: keep them)",
    )
    parser.add_argument("--json", type=Path, help="also write the outcomes to this file, as JSON")
    args = parser.parse_args(argv)
    course = args.course.resolve()

    students = args.student or submitted_students(course, args.assignment)
    if not students:
        print(
            f"autograde: no submission of {args.assignment} in {course / 'submitted'}; collect them first "
            "(make collect)",
            file=sys.stderr,
        )
        return 1
    missing = [s for s in students if not (course / "submitted" / s / args.assignment).is_dir()]
    if missing:
        print(
            f"autograde: no submission of {args.assignment} for {', '.join(missing)} in {course / 'submitted'}",
            file=sys.stderr,
        )
        return 1

    problem = lab_problem()
    if problem:
        print(
            f"autograde: nothing was graded: the lab is not usable: {problem}. This is the lab's fault, not "
            "the students': run `make status` and `make reset` (or `make lab`), then grade again.",
            file=sys.stderr,
        )
        if args.json:
            lab_down = [Outcome(s, LAB_FAILED, 0.0, f"the lab is not usable: {problem}") for s in students]
            args.json.write_text(outcomes_to_json(lab_down))
        return 1

    backup = back_up_gradebook(course)
    if backup:
        print(f"gradebook backed up to {backup.relative_to(course)}")
    outcomes = []
    for number, student in enumerate(students, 1):
        print(f"[{number}/{len(students)}] {student} ...", flush=True)
        outcome = None if args.regrade else already_graded(course, args.assignment, student)
        outcome = outcome or grade_one(course, args.assignment, student, args.timeout)
        print(
            f"[{number}/{len(students)}] {student}: {outcome.status} ({outcome.seconds:.1f} s)"
            + (f": {outcome.detail}" if outcome.detail else ""),
            flush=True,
        )
        outcomes.append(outcome)

    if args.json:
        args.json.write_text(outcomes_to_json(outcomes))
    report = format_report(args.assignment, outcomes)
    (course / REPORT_NAME).write_text(report)
    print()
    print(report, end="")
    print(f"(written to {course / REPORT_NAME})")
    return 0 if all(o.status in (GRADED, ALREADY_GRADED) for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
