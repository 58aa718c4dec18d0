"""The instructor's course folder, as the parallel grader uses it (run inside the lab).

    python -m asynclab.classroom.course_commands plan ASSIGNMENT [--student ID ...] [--regrade]
    python -m asynclab.classroom.course_commands import ASSIGNMENT STUDENT

``plan`` checks the submissions, backs up the gradebook, and prints (JSON) which students
to grade and which earlier grades are kept. ``import`` takes a submission that a worker
graded on its own hosts, placed in ``.imported/STUDENT/ASSIGNMENT``, into this course: its
executed notebooks become ``autograded/STUDENT/ASSIGNMENT`` and their scores go into the
gradebook. That is ``nbgrader autograde`` with the execution left out, so nbgrader itself
writes the gradebook, in the same way as for a submission graded here. Imports take an
exclusive lock on the course, so only one writes to the gradebook at a time.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import shutil
import subprocess
import sys
from pathlib import Path

from .autograde import (
    already_graded,
    back_up_gradebook,
    nbgrader_command,
    reason_from_log,
    score_of,
    submitted_students,
)
from .outcome import GRADED, NOT_GRADED, Outcome, outcome_to_json

IMPORTED = ".imported"
LOCK = ".gradebook.lock"
# nbgrader's own lists, less the two steps that would undo the worker's run: clearing the
# outputs and executing the notebook again.
SANITIZE = ["DeduplicateIds", "OverwriteKernelspec", "OverwriteCells", "CheckCellMetadata"]
SCORE = ["IgnorePattern", "LimitOutput", "SaveAutoGrades", "AssignLatePenalties", "CheckCellMetadata"]


class CourseError(Exception):
    """The course cannot be graded as asked; the message says why."""


@contextlib.contextmanager
def gradebook_lock(course: Path):
    with open(course / LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def plan(course: Path, assignment: str, students: list[str], regrade: bool) -> dict:
    """Which students to grade, which grades are kept, and where the gradebook was backed up."""
    chosen = students or submitted_students(course, assignment)
    if not chosen:
        raise CourseError(f"no submission of {assignment} in {course / 'submitted'}; collect them first (make collect)")
    missing = [s for s in chosen if not (course / "submitted" / s / assignment).is_dir()]
    if missing:
        raise CourseError(f"no submission of {assignment} for {', '.join(missing)} in {course / 'submitted'}")
    kept = [] if regrade else [o for o in (already_graded(course, assignment, s) for s in chosen) if o]
    done = {o.student for o in kept}
    with gradebook_lock(course):
        backup = back_up_gradebook(course)
    return {
        "grade": [s for s in chosen if s not in done],
        "kept": [o.to_dict() for o in kept],
        "backup": str(backup.relative_to(course)) if backup else None,
    }


def import_graded(course: Path, assignment: str, student: str) -> Outcome:
    """Score the worker's executed notebooks of ``student`` into this course's gradebook."""
    folder = course / IMPORTED / student / assignment
    if not any(folder.glob("*.ipynb")):
        raise CourseError(f"nothing to import for {student}: {folder} holds no notebook")
    command = nbgrader_command() + [
        "autograde",
        assignment,
        "--student",
        student,
        "--force",
        f"--CourseDirectory.submitted_directory={IMPORTED}",
        "--Autograde.sanitize_preprocessors=" + json.dumps([f"nbgrader.preprocessors.{p}" for p in SANITIZE]),
        "--Autograde.autograde_preprocessors=" + json.dumps([f"nbgrader.preprocessors.{p}" for p in SCORE]),
    ]
    try:
        with gradebook_lock(course):
            done = subprocess.run(command, cwd=course, capture_output=True, text=True, timeout=600)
    finally:
        shutil.rmtree(course / IMPORTED / student, ignore_errors=True)
    graded = course / "autograded" / student / assignment
    if done.returncode != 0 or not any(graded.glob("*.ipynb")):
        return Outcome(
            student,
            NOT_GRADED,
            0.0,
            "import of the graded notebook failed: " + reason_from_log(done.stdout + done.stderr),
        )
    return Outcome(student, GRADED, 0.0, "", score_of(course, assignment, student))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m asynclab.classroom.course_commands", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--course", type=Path, default=Path("."), help="the nbgrader course folder (default: here)")
    commands = parser.add_subparsers(dest="command", required=True)
    planning = commands.add_parser("plan", help="check the submissions, back up the gradebook, list what to grade")
    planning.add_argument("assignment")
    planning.add_argument("--student", action="append", default=[])
    planning.add_argument("--regrade", action="store_true")
    importing = commands.add_parser("import", help="score a submission graded by a worker into this course")
    importing.add_argument("assignment")
    importing.add_argument("student")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    try:
        if args.command == "plan":
            print(json.dumps(plan(course, args.assignment, args.student, args.regrade)))
        else:
            print(outcome_to_json(import_graded(course, args.assignment, args.student)))
    except CourseError as exc:
        print(f"autograde: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
