"""What the class report is made of, read from the course: the gradebook's points and the
outcome records the check cells of the autograded notebooks carry.

Points come from nbgrader's gradebook (so an instructor's manual grade counts); whether an
answer was given, timed out or met a fault of the lab, and the mistakes it made, come from
each check cell's record (asynclab.outcome_record), else from the cell's error. Nothing of a
cell's source is read: the report never shows hidden tests or a learner's answer.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..outcome_record import ANSWERED, LAB_FAULT, NOT_ANSWERED, TIMED_OUT, record_in
from .autograde import course_id

NOT_GRADED = "not graded"  # no autograded notebook (nbgrader failed on the submission)
CHECK_SUFFIX = "_check"


@dataclass
class Answer:
    """One learner's answer to one exercise, as graded."""

    points: float | None
    max: float
    status: str  # answered, not answered, timed out, lab fault, not graded
    mistakes: list[dict] = field(default_factory=list)  # {"id", "sentence", "notebook", "section", "anchor"}
    images: list[str] = field(default_factory=list)  # the check cell's PNGs (base64): the run, the reference's


@dataclass
class ClassResults:
    assignment: str
    exercises: list[str]  # in the notebook's order
    maxima: dict[str, float]
    answers: dict[str, dict[str, Answer]]  # student -> exercise -> answer

    @property
    def students(self) -> list[str]:
        return sorted(self.answers)

    def total(self, student: str) -> float:
        return sum(a.points or 0 for a in self.answers[student].values())

    @property
    def max_total(self) -> float:
        return sum(self.maxima.values())

    def graded(self, exercise: str) -> list[str]:
        """The learners whose answer to exercise counts for the class's mistakes."""
        return [s for s in self.students if self.answers[s][exercise].status in (ANSWERED, NOT_ANSWERED, TIMED_OUT)]

    def mistakes(self, exercise: str) -> list[tuple[dict, list[str]]]:
        """The exercise's mistakes, most frequent first: (the mistake, the learners who made it).
        A lab fault is never a learner's mistake."""
        by_id: dict[str, tuple[dict, list[str]]] = {}
        for student in self.graded(exercise):
            for mistake in self.answers[student][exercise].mistakes:
                by_id.setdefault(mistake["id"], (mistake, []))[1].append(student)
        return sorted(by_id.values(), key=lambda item: (-len(item[1]), item[0]["id"]))

    def repeated(self, student: str) -> list[tuple[dict, list[str]]]:
        """The mistakes a learner made in more than one exercise: (mistake, exercises)."""
        seen: dict[str, tuple[dict, list[str]]] = {}
        for exercise in self.exercises:
            answer = self.answers[student][exercise]
            if answer.status == LAB_FAULT:
                continue
            for mistake in answer.mistakes:
                seen.setdefault(mistake["id"], (mistake, []))[1].append(exercise)
        return [item for item in seen.values() if len(item[1]) > 1]

    def faults(self) -> list[tuple[str, str]]:
        """(student, exercise) of every answer graded under a fault of the lab."""
        return [(s, e) for s in self.students for e in self.exercises if self.answers[s][e].status == LAB_FAULT]

    def not_graded(self) -> list[str]:
        return [s for s in self.students if all(a.status == NOT_GRADED for a in self.answers[s].values())]

    def class_mistakes(self) -> list[tuple[dict, Counter]]:
        """Every mistake of the class, most learners first: (mistake, {exercise: learners})."""
        found: dict[str, tuple[dict, Counter]] = {}
        for exercise in self.exercises:
            for mistake, students in self.mistakes(exercise):
                found.setdefault(mistake["id"], (mistake, Counter()))[1][exercise] = len(students)
        return sorted(found.values(), key=lambda item: (-len(self.learners_with(item[0]["id"])), item[0]["id"]))

    def learners_with(self, mistake_id: str) -> set[str]:
        return {s for e in self.exercises for m, ss in self.mistakes(e) if m["id"] == mistake_id for s in ss}


def _check_cells(path: Path) -> dict[str, dict]:
    """Exercise -> its check cell's record, status and image, from an autograded notebook."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return {}
    found = {}
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs", [])
        errors = [o.get("ename", "") for o in outputs if o.get("output_type") == "error"]
        images = ["".join(o["data"]["image/png"]) for o in outputs if "image/png" in o.get("data", {})]
        found[meta["grade_id"]] = {
            "record": record_in(outputs),
            "error": errors[-1] if errors else "",
            "images": images,
        }
    return found


def _status(cell: dict | None) -> str:
    if cell is None:
        return NOT_GRADED
    if cell["record"]:
        return str(cell["record"].get("status") or ANSWERED)
    if cell["error"].endswith("LabEnvironmentError"):
        return LAB_FAULT
    if cell["error"] == "CellTimeoutError":
        return TIMED_OUT
    return ANSWERED


def exercise_name(cell_name: str) -> str:
    return cell_name.removesuffix(CHECK_SUFFIX)


def read_class(course: Path, assignment: str) -> ClassResults:
    """Every learner's points and outcomes for assignment, from the course's gradebook and
    autograded notebooks."""
    from nbgrader.api import Gradebook

    cells: dict[str, tuple[str, float]] = {}  # grade cell -> (notebook, max)
    order: list[str] = []
    points: dict[str, dict[str, float | None]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id(course)) as gradebook:
        for notebook in gradebook.find_assignment(assignment).notebooks:
            for grade_cell in notebook.grade_cells:
                cells[grade_cell.name] = (notebook.name, float(grade_cell.max_score))
                order.append(grade_cell.name)
        for submission in gradebook.assignment_submissions(assignment):
            student = submission.student.id
            points[student] = {name: None for name in cells}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    points[student][grade.name] = None if grade.score is None else float(grade.score)
    for folder in sorted((course / "submitted").glob(f"*/{assignment}")):  # never graded at all
        points.setdefault(folder.parent.name, dict.fromkeys(cells))
    read: dict[str, dict[str, dict]] = {}
    for student in points:
        read[student] = {}
        for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
            read[student].update(_check_cells(path))
    # The notebook's order, as the first graded notebook has it; the gradebook's otherwise.
    seen = next((list(found) for found in read.values() if found), [])
    order = [c for c in seen if c in cells] + [c for c in order if c not in seen]
    answers: dict[str, dict[str, Answer]] = {}
    for student, scores in points.items():
        answers[student] = {}
        for name in order:
            cell = read[student].get(name)
            status = _status(cell)
            record = (cell or {}).get("record") or {}
            answers[student][exercise_name(name)] = Answer(
                points=scores.get(name) if status != NOT_GRADED else None,
                max=cells[name][1],
                status=status,
                mistakes=[m for m in record.get("mistakes", []) if isinstance(m, dict) and m.get("id")],
                images=(cell or {}).get("images", []),
            )
    return ClassResults(
        assignment, [exercise_name(n) for n in order], {exercise_name(n): cells[n][1] for n in order}, answers
    )
