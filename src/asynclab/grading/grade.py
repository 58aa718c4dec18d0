"""``check(name)``: grade one exercise in the notebook, print its feedback, return its score.

This is what a hidden test cell calls. Its printed lines are the learner's feedback; the
number it returns is the cell's partial credit for nbgrader. It never writes to stderr and
never raises for a learner's mistake (nbgrader scores a cell 0 for either). Only a failure of
the lab itself raises, as LabEnvironmentError, so that it is reported and can be regraded.
Under ``nbgrader autograde`` it also leaves a record of the outcome, for the class report.

``self_check(name)`` (``%self_check NAME``, the test cell's visible line) is the learner's
check of one answer before submitting, with the same checks and the same words. It does
nothing under ``nbgrader autograde`` (the hidden check() grades), and under Validate an
answer short of full marks raises AnswerNotRight, so that Validate fails and shows why. In a
summative assignment it gives no verdict before the feedback, only "not answered yet".
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings

from ..errors import LabEnvironmentError, LabError
from ..outcome_record import ANSWERED, LAB_FAULT, NOT_ANSWERED as NOT_ANSWERED_STATUS, OUTCOME_MIME, TIMED_OUT
from .answers import ANSWERS, NOT_ANSWERED, is_stub, run_exercise
from .checks import Context, Verdict, fragile_failed_when
from .exercises import EXERCISES, Exercise
from .mistakes import MISTAKES, distinct
from .reference import show_beside


def _user_namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    return shell.user_ns if shell is not None else {}


def _report(spec: Exercise, score: float, lines: list[tuple[bool | None, str, str]]) -> None:
    print(f"{spec.title}: {score:g} of {spec.points:g} points")
    for ok, text, _ in lines:
        mark = "  " if ok is None else ("  ✔ " if ok else "  ✘ ")
        print(f"{mark}{text}")


def _grade_value(spec: Exercise, namespace: dict) -> tuple[float, list]:
    value = namespace.get(spec.variable, None)
    if value is None or value is Ellipsis:
        return 0.0, [(False, f"Not answered yet: set {spec.variable} in the answer cell above.", "")]
    verdict = spec.accept(value)
    return (spec.points if verdict.ok else 0.0), [(verdict.ok, verdict.message, verdict.mistake)]


def _grade_playbook(spec: Exercise) -> tuple[float, list]:
    answer = ANSWERS.get(spec.name)
    if answer is None:
        return 0.0, [
            (
                False,
                "No run of this exercise was found: run its answer cell, which must start "
                f"with %%playbook --exercise {spec.name}.",
                "no-playbook-magic",
            )
        ]
    if answer.stale:
        # The hosts have changed since this answer ran: its verdict is taken from a new run on
        # clean hosts, as a grading worker takes it right after the answer's run.
        with contextlib.redirect_stdout(io.StringIO()):
            answer = run_exercise(spec.name, answer.text, progress="none")
        print(f"(Your answer to {spec.name} was run again on clean hosts: something ran on them since.)")
    if answer.status == "unanswered" or is_stub(answer.text):
        return 0.0, [(False, NOT_ANSWERED, "")]
    if answer.status == "invalid":
        return 0.0, [(False, f"Your answer could not be read: {answer.problem}", "answer-unreadable")]
    if answer.status == "lab-failed":
        raise LabEnvironmentError(
            f"the run of '{spec.name}' could not reach every host; this exercise needs grading again."
        )
    ctx = Context(spec, answer)
    score, lines = 0.0, []
    if answer.cut_off:
        lines.append((None, f"Your run was stopped at this exercise's time limit ({spec.time_limit:.0f} s).", ""))
    for points, check in spec.checks:
        try:
            verdict = check(ctx)
        except LabEnvironmentError:
            raise
        except Exception as exc:  # a check must not crash the grading of the rest
            verdict = Verdict(False, f"This check could not read your answer ({type(exc).__name__}: {exc}).")
        score += points if verdict.ok else 0
        lines.append((verdict.ok, verdict.message, verdict.mistake))
    note = fragile_failed_when(ctx)  # a fragile wait that worked this time: said, not scored
    if note and not any("failed_when" in text for _, text, _ in lines):
        lines.append((None, note, ""))
    return score, lines


class AnswerNotRight(LabError):
    """A self-check under Validate found the answer short of full marks: the grader's words."""

    def _render_traceback_(self):
        return self.message.splitlines()


def _grade(spec: Exercise) -> tuple[float, list]:
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        if spec.kind == "value":
            return _grade_value(spec, _user_namespace())
        return _grade_playbook(spec)


def _record(spec: Exercise, score: float, status: str, lines: list) -> None:
    """Under ``nbgrader autograde``, leave the outcome in the cell for the class report
    (asynclab.outcome_record): the points, whether it was answered, and the mistakes its failed
    checks name, each once, with the catalogue's general sentence and lesson (never the
    learner-specific words). It changes no score: nbgrader reads the cell's returned value."""
    if os.environ.get("NBGRADER_EXECUTION") != "autograde":
        return
    from IPython.display import display

    record = {
        "exercise": spec.name,
        "points": float(score),
        "max": float(spec.points),
        "status": status,
        "mistakes": [
            {
                "id": mistake,
                "sentence": MISTAKES[mistake].sentence,
                "notebook": MISTAKES[mistake].notebook,
                "section": MISTAKES[mistake].section,
                "anchor": MISTAKES[mistake].anchor,
            }
            for mistake in distinct(mistake for ok, _, mistake in lines if ok is False)
            if status != NOT_ANSWERED_STATUS  # marked as not answered: not a mistake
        ],
    }
    # Only this MIME type: no page renders it; the feedback leaves it out (DropOutcomeRecords).
    display({OUTCOME_MIME: record}, raw=True)


def _status(spec: Exercise, lines: list) -> str:
    if _unanswered(lines):
        return NOT_ANSWERED_STATUS
    answer = ANSWERS.get(spec.name) if spec.kind == "playbook" else None
    return TIMED_OUT if answer is not None and answer.cut_off else ANSWERED


def check(name: str) -> float:
    """Grade exercise ``name``; print what was expected and found; return the points earned."""
    spec = EXERCISES[name]
    try:
        score, lines = _grade(spec)
    except LabEnvironmentError:
        _record(spec, 0.0, LAB_FAULT, [])
        raise
    _report(spec, score, lines)
    _record(spec, score, _status(spec, lines), lines)
    if spec.kind == "playbook":
        answer = ANSWERS.get(name)
        show_beside(name, answer.result if answer else None)
    return float(score)


def _unanswered(lines: list) -> str | None:
    first = lines[0][1] if lines else ""
    return first if first.startswith(("Not answered yet", "No run of this exercise")) else None


def self_check(name: str, summative: bool = False) -> None:
    """Check one answer now, as the grader will (see the module's docstring)."""
    execution = os.environ.get("NBGRADER_EXECUTION")
    if execution == "autograde":
        return
    spec = EXERCISES[name]
    score, lines = _grade(spec)
    if summative:
        if _unanswered(lines):
            raise AnswerNotRight(f"{spec.title}: {_unanswered(lines)}")
        print(f"{spec.title}: your answer ran. It is graded after you submit: the feedback gives each check.")
        return
    _report(spec, score, lines)
    if execution == "validate" and score < spec.points:
        wrong = [f"✘ {text}" for ok, text, _ in lines if ok is False]
        raise AnswerNotRight("\n".join([f"{spec.title}: {score:g} of {spec.points:g} points", *wrong]))
