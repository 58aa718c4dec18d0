"""``check(name)``: grade one exercise in the notebook, print its feedback, return its score.

This is what a hidden test cell calls. Its printed lines are the learner's feedback; the
number it returns is the cell's partial credit for nbgrader. It never writes to stderr and
never raises for a learner's mistake (nbgrader scores a cell 0 for either). Only a failure of
the lab itself raises, as LabEnvironmentError, so that it is reported and can be regraded.
"""

from __future__ import annotations

import contextlib
import io
import warnings

from ..errors import LabEnvironmentError
from .answers import ANSWERS, is_stub
from .checks import Context, Verdict
from .exercises import EXERCISES, Exercise


def _user_namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    return shell.user_ns if shell is not None else {}


def _report(spec: Exercise, score: float, lines: list[tuple[bool | None, str]]) -> None:
    print(f"{spec.title}: {score:g} of {spec.points:g} points")
    for ok, text in lines:
        mark = "  " if ok is None else ("  ✔ " if ok else "  ✘ ")
        print(f"{mark}{text}")


def _grade_value(spec: Exercise, namespace: dict) -> tuple[float, list]:
    value = namespace.get(spec.variable, None)
    if value is None or value is Ellipsis:
        return 0.0, [(False, f"Not answered yet: set {spec.variable} in the answer cell above.")]
    verdict = spec.accept(value)
    return (spec.points if verdict.ok else 0.0), [(verdict.ok, verdict.message)]


def _grade_playbook(spec: Exercise) -> tuple[float, list]:
    answer = ANSWERS.get(spec.name)
    if answer is None:
        return 0.0, [
            (
                False,
                "No run of this exercise was found: run its answer cell, which must start "
                f"with %%playbook --exercise {spec.name}.",
            )
        ]
    if answer.status == "unanswered" or is_stub(answer.text):
        return 0.0, [(False, "Not answered yet: write your tasks in place of `raise NotImplementedError()`.")]
    if answer.status == "invalid":
        return 0.0, [(False, f"Your answer could not be read: {answer.problem}")]
    if answer.status == "lab-failed":
        raise LabEnvironmentError(
            f"the run of '{spec.name}' could not reach every host; this exercise needs grading again."
        )
    ctx = Context(spec, answer)
    score, lines = 0.0, []
    if answer.cut_off:
        lines.append((None, f"Your run was stopped at this exercise's time limit ({spec.time_limit:.0f} s)."))
    for points, check in spec.checks:
        try:
            verdict = check(ctx)
        except LabEnvironmentError:
            raise
        except Exception as exc:  # a check must not crash the grading of the rest
            verdict = Verdict(False, f"This check could not read your answer ({type(exc).__name__}: {exc}).")
        score += points if verdict.ok else 0
        lines.append((verdict.ok, verdict.message))
    return score, lines


def check(name: str) -> float:
    """Grade exercise ``name``; print what was expected and found; return the points earned."""
    spec = EXERCISES[name]
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        if spec.kind == "value":
            score, lines = _grade_value(spec, _user_namespace())
        else:
            score, lines = _grade_playbook(spec)
    _report(spec, score, lines)
    return float(score)
