"""Class grading for `make bench`: one class graded by one worker, then by the default number.

The class is the release and the solution of the graded assignment: three in four hand in
the solution (every exercise runs on the hosts), one in four the blank release. Both runs
go through the real `make release`, `make collect` and `make autograde` on a temporary
course in the running lab. `class_of` grades a whole class (30 by default) once, in parallel,
against the inherent job time of its submissions.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from machine import busy_seconds

ASSIGNMENT = "async-basics"
FOOTER = re.compile(r"(\d+) of (\d+) submission\(s\) graded; (\d+) s wall time on (\d+) worker")
ROW = re.compile(r"^(\S+)\s+graded\s+([\d.]+) s\s")


def _make(root: Path, target: str, settings: list[str], *extra: str) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(
        ["make", "--no-print-directory", target, *settings, *extra], cwd=root, capture_output=True, text=True
    )
    took = time.monotonic() - started
    if done.returncode != 0 and target != "autograde":
        raise SystemExit(f"make {target} failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    return took, done.stdout


def _report(text: str) -> tuple[dict[str, float], int, int]:
    """Per-student seconds of the graded ones, how many were graded, and the workers."""
    seconds = {m.group(1): float(m.group(2)) for m in map(ROW.match, text.splitlines()) if m}
    footer = FOOTER.search(text)
    if not footer:
        raise SystemExit(f"make autograde printed no report:\n{text[-2000:]}")
    return seconds, int(footer.group(1)), int(footer.group(4))


@contextlib.contextmanager
def _class(root: Path, project: str, lab: str, submissions: int):
    """A temporary course in the running lab with `submissions` collected: three in four the
    solution, one in four the blank release. Yields the make settings and each student's kind."""
    run = uuid.uuid4().hex[:8]
    course = f"/tmp/bench-{run}"
    out = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    settings = [
        f"COURSE_IN_LAB={course}/course",
        f"EXCHANGE={course}/exchange",
        f"GRADER_OUT={out}",
        f"ASSIGNMENT={ASSIGNMENT}",
        f"COMPOSE_PROJECT_NAME={project}",
    ]
    subprocess.run(["docker", "exec", "-u", "jovyan", lab, "mkdir", "-p", course], check=True)
    try:
        _make(root, "release", settings)
        blank = out / "blank.ipynb"
        subprocess.run(
            ["docker", "cp", f"{lab}:{course}/course/release/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", str(blank)],
            check=True,
            capture_output=True,
        )
        solution = root / "grader" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        subs = out / "submissions"
        kinds = {}
        for number in range(submissions):
            kind = "blank" if number % 4 == 3 else "solution"
            student = f"{kind}{number + 1:02d}"
            kinds[student] = kind
            (subs / student).mkdir(parents=True)
            shutil.copy(blank if kind == "blank" else solution, subs / student / f"{ASSIGNMENT}.ipynb")
        _make(root, "collect", settings, f"FROM={subs}")
        yield settings, kinds
    finally:
        subprocess.run(["docker", "exec", "-u", "root", lab, "rm", "-rf", course], capture_output=True)
        shutil.rmtree(out, ignore_errors=True)


def inherent_per_submission() -> tuple[float, float]:
    """A full submission's inherent job time: each exercise's jobs end to end (job_time), and
    the older figure, the sum of each exercise's longest workload."""
    from asynclab.grading import EXERCISES

    return (
        sum(e.job_time for e in EXERCISES.values()),
        sum(e.longest_job for e in EXERCISES.values()),
    )


def class_grading(root: Path, project: str, lab: str, submissions: int) -> dict:
    with _class(root, project, lab, submissions) as (settings, kinds):
        # Before, in the same run: one full submission graded with the resets and probes run
        # as playbooks (ASYNCLAB_LAB_COMMANDS=playbook), as the grader did them before.
        first = next(s for s, k in kinds.items() if k == "solution")
        os.environ["ASYNCLAB_LAB_COMMANDS"] = "playbook"
        try:
            _, text = _make(root, "autograde", settings, "WORKERS=1", f"STUDENT={first}")
        finally:
            del os.environ["ASYNCLAB_LAB_COMMANDS"]
        before = _report(text)[0][first]

        busy = busy_seconds()
        sequential_s, text = _make(root, "autograde", settings, "WORKERS=1", "REGRADE=1")
        seq_busy, busy = busy_seconds() - busy, busy_seconds()
        seq_times, seq_graded, _ = _report(text)
        parallel_s, text = _make(root, "autograde", settings, "REGRADE=1")
        par_busy = busy_seconds() - busy
        _, par_graded, workers = _report(text)

    full = [s for student, s in seq_times.items() if kinds.get(student) == "solution"]
    per_submission = statistics.median(full)
    inherent, longest_jobs = inherent_per_submission()
    return {
        "autograde": {
            "per_submission_s": round(per_submission, 1),
            "inherent_s": round(inherent, 1),
            "ratio": round(per_submission / inherent, 2),
            # The figure as first defined: each exercise's longest workload, which leaves out
            # the hung job's wait for its async limit and the cleanup after a failed job.
            "inherent_longest_jobs_s": round(longest_jobs, 1),
            "ratio_on_longest_jobs": round(per_submission / longest_jobs, 2),
            "before_per_submission_s": round(before, 1),
            "before_ratio": round(before / inherent, 2),
            "blank_submission_s": round(
                statistics.median([s for student, s in seq_times.items() if kinds.get(student) == "blank"] or [0]), 1
            ),
        },
        "class_grading": {
            "submissions": submissions,
            "solutions": sum(k == "solution" for k in kinds.values()),
            "blanks": sum(k == "blank" for k in kinds.values()),
            "sequential_s": round(sequential_s, 1),
            "parallel_s": round(parallel_s, 1),
            "workers": workers,
            "speedup": round(sequential_s / parallel_s, 2),
            # Cores kept busy on average (the whole machine, the idle lab included).
            "sequential_cores_busy": round(seq_busy / sequential_s, 2),
            "parallel_cores_busy": round(par_busy / parallel_s, 2),
            "graded": {"sequential": seq_graded, "parallel": par_graded},
        },
    }


def class_of(root: Path, project: str, lab: str, submissions: int) -> dict:
    """A whole class graded once by `make autograde` (its default workers): the wall time
    against the inherent job time of every submission in it (a blank one has none)."""
    with _class(root, project, lab, submissions) as (settings, kinds):
        busy = busy_seconds()
        wall, text = _make(root, "autograde", settings)
        busy = busy_seconds() - busy
        seconds, graded, workers = _report(text)
    solutions = sum(k == "solution" for k in kinds.values())
    inherent = solutions * inherent_per_submission()[0]
    return {
        "class": {
            "submissions": submissions,
            "solutions": solutions,
            "blanks": submissions - solutions,
            "graded": graded,
            "workers": workers,
            "wall_s": round(wall, 1),
            "inherent_s": round(inherent, 1),
            "ratio": round(wall / inherent, 2),
            "median_submission_s": round(statistics.median(seconds.values()), 1) if seconds else None,
            "cores_busy": round(busy / wall, 2),
        }
    }
