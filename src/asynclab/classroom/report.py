"""The instructor's view of a class: points by learner and exercise, the class's mistakes
named and counted with the lessons that teach them, and the faults of the lab apart.

    python -m asynclab.classroom.report ASSIGNMENT [--course DIR] [--out DIR] [--lessons PATH]

Run in the course folder after autograde (``make report`` runs it in the lab container; on
the hub an instructor runs it in their own server's terminal). It writes ``index.html`` (one
page that opens offline) and ``class.csv`` (one row per learner, one column per exercise,
the gradebook's points) to ``report/`` in the course, and prints a summary.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

from ..words import counted
from .report_data import ClassResults, read_class
from .report_html import render


def write_csv(results: ClassResults, path: Path) -> None:
    """One row per learner: their points in each exercise (empty when not graded), the total."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student_id", *results.exercises, "total", "max_score"])
        for student in results.students:
            answers = results.answers[student]
            points = ["" if answers[e].points is None else f"{answers[e].points:g}" for e in results.exercises]
            writer.writerow([student, *points, f"{results.total(student):g}", f"{results.max_total:g}"])


def summary(results: ClassResults, out: Path) -> str:
    """What the terminal shows at the end."""
    lines = [
        f"Class report of {results.assignment}: {counted(len(results.students), 'learner')}, "
        f"{counted(len(results.exercises), 'exercise')}."
    ]
    if results.students:
        average = sum(results.total(s) for s in results.students) / len(results.students)
        lines.append(f"Average {average:.1f} of {results.max_total:g} points.")
    top = results.class_mistakes()[:5]
    if top:
        lines.append("Most frequent mistakes (learners: mistake [id]):")
        for mistake, _ in top:
            lines.append(f"  {len(results.learners_with(mistake['id']))}: {mistake['sentence']} [{mistake['id']}]")
            lines.append(f"     revisit {mistake['notebook']}, “{mistake['section']}”")
    faults = results.faults()
    if faults:
        lines.append(
            f"{counted(len(faults), 'answer')} graded under a fault of the lab, not counted as mistakes; "
            "grade again: " + ", ".join(f"{s} ({e})" for s, e in faults)
        )
    broken = results.not_graded()
    if broken:
        lines.append(f"Could not be graded: {', '.join(broken)}.")
    lines.append(f"Written: {out / 'index.html'} and {out / 'class.csv'}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asynclab.classroom.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", help="the assignment id, e.g. async-basics")
    parser.add_argument("--course", type=Path, default=Path("."), help="the nbgrader course folder (default: here)")
    parser.add_argument("--out", type=Path, help="the report folder (default: report/ in the course)")
    parser.add_argument(
        "--lessons",
        default="../../notebooks",
        help="where the lessons' notebooks are, from the report folder (default ../../notebooks)",
    )
    args = parser.parse_args(argv)
    course = args.course.resolve()
    if not (course / "gradebook.db").is_file():
        print(f"report: no gradebook in {course}: grade first (make autograde)", file=sys.stderr)
        return 1
    try:
        results = read_class(course, args.assignment)
    except Exception as exc:  # nbgrader's MissingEntry: an assignment never released here
        print(f"report: cannot read {args.assignment} from the gradebook: {exc}", file=sys.stderr)
        return 1
    out = (args.out or course / "report").resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)  # names learners and their mistakes: the instructor's only
    (out / "index.html").write_text(render(results, args.lessons), encoding="utf-8")
    write_csv(results, out / "class.csv")
    print(summary(results, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
