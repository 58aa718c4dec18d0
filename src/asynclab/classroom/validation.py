"""nbgrader's Validate, summed up: one line first, then what to fix, then what is left to do.

nbgrader's Validator lists "The following cell failed:" once per check cell short of full
marks, each with its cell's source, unanswered exercises included. CourseValidator says it
as a learner needs it, in the Validate dialog (the Assignments tab) and from
``nbgrader validate``::

    4 of 12 answered, 6 of 27 points so far.

    Not right yet:
    2. Size the async budget: 0 of 2 points
      ✘ async: 40 is more than three times the job's 6 s ...

    Not answered yet: 5. All hosts in about one job's time, 6. Several jobs in a loop, ...

In a summative assignment the line gives no points: "4 of 12 answered; your points come
with the feedback."

nbgrader 0.9 builds its Validator by name, in the Validate button's server handler and in
``nbgrader validate``, with no setting to choose another class: ``use_course_validator()``,
called by grader/nbgrader_config.py (which both read just before they build it), puts this
one in its place. The dialog shows a failed entry's source as text and its error as HTML:
the summary is the source, the details are the error, with a few lines of CSS that wrap the
long lines and hide nbgrader's fixed "The following cell failed:" above the summary.
"""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass, field

from nbgrader import utils
from nbgrader.validator import Validator
from traitlets import List, Unicode

from .feedback_names import POINTS_IN_HEADING, heading_of

CHECK_LINE = re.compile(r"^%self_check ([\w-]+)(.*)$", re.M)
SCORE = re.compile(r"(\d+(?:\.\d+)?) of (\d+(?:\.\d+)?) points")
#: How the self-check says that an answer is not given (asynclab.grading.grade).
UNANSWERED = ("Not answered yet", "No run of this exercise")
DIALOG_CSS = (
    "#validation-message.validation-failed > div:first-child:not(.jp-RenderedText) { display: none; }\n"
    "#validation-message pre { white-space: pre-wrap; overflow-wrap: break-word; word-break: normal; }"
)
#: The modules of nbgrader 0.9 that build a Validator by name.
BUILDERS = ("nbgrader.apps.validateapp", "nbgrader.server_extensions.validate_assignment.handlers")


@dataclass
class Exercise:
    title: str
    points: float
    score: float
    answered: bool
    summative: bool
    verdicts: list[str] = field(default_factory=list)  # the check's lines after its first

    @property
    def short(self) -> bool:
        return self.answered and self.score < self.points and not self.summative


@dataclass
class Summary:
    exercises: list[Exercise]

    @property
    def summative(self) -> bool:
        return any(e.summative for e in self.exercises)

    def headline(self) -> str:
        answered = sum(e.answered for e in self.exercises)
        said = f"{answered} of {len(self.exercises)} answered"
        if self.summative:
            return f"{said}; your points come with the feedback."
        score = sum(e.score for e in self.exercises)
        points = sum(e.points for e in self.exercises)
        return f"{said}, {score:g} of {points:g} points so far."

    def details(self) -> str:
        parts = []
        short = [e for e in self.exercises if e.short]
        if short:
            lines = ["Not right yet:"]
            for e in short:
                lines.append(f"{e.title}: {e.score:g} of {e.points:g} points")
                lines += [f"  {verdict}" for verdict in e.verdicts]
            parts.append("\n".join(lines))
        missing = [e.title for e in self.exercises if not e.answered]
        if missing:
            parts.append(f"Not answered yet: {', '.join(missing)}.")
        return "\n\n".join(parts)


def _error_text(cell) -> str:
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            texts.append(output.get("evalue", "") or "")
    return "\n".join(texts)


def read_exercises(nb, unanswered_words=UNANSWERED, log=None) -> tuple[list[Exercise], list[int]]:
    """The exercises of an executed notebook, from its check cells (``%self_check NAME``),
    and the indexes of those cells. An exercise is unanswered when its check says so."""
    exercises, indexes = [], []
    heading = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            heading = heading_of(cell.source, POINTS_IN_HEADING) or heading
            continue
        found = CHECK_LINE.search(cell.source) if utils.is_grade(cell) else None
        if found is None:
            continue
        score, points = utils.determine_grade(cell, log)
        error = _error_text(cell)
        lines = error.splitlines()
        stated = SCORE.search(lines[0]) if lines else None
        if error and stated:
            score = float(stated.group(1))
        exercises.append(
            Exercise(
                title=heading or found.group(1),
                points=float(points or 0),
                score=float(score or 0),
                answered=not any(words in error for words in unanswered_words),
                summative="--summative" in found.group(2),
                verdicts=lines[1:] if stated else lines,
            )
        )
        indexes.append(index)
    return exercises, indexes


class CourseValidator(Validator):
    """nbgrader's Validator, whose failures are summed up per exercise (see the module)."""

    dialog_css = Unicode(DIALOG_CSS, help="CSS sent with the summary to the Validate dialog (it wraps long lines)").tag(
        config=True
    )

    unanswered_words = List(
        Unicode(),
        default_value=list(UNANSWERED),
        help="Words of a check's failure that mean its answer is not given (not: given and not right)",
    ).tag(config=True)

    _summary: Summary | None = None

    def _preprocess(self, nb):
        nb = super()._preprocess(nb)
        self._executed = nb
        return nb

    def validate(self, filename: str) -> dict:
        self._summary, self._executed = None, None
        results = super().validate(filename)
        if "failed" not in results or self._executed is None:
            return results
        exercises, indexes = read_exercises(self._executed, self.unanswered_words, self.log)
        if not exercises:
            return results
        self._summary = summary = Summary(exercises)
        checked = {self._executed.cells[i].source.strip() for i in indexes}
        others = [entry for entry in results["failed"] if entry["source"] not in checked]
        details = summary.details()
        shown = f'<style>{self.dialog_css}</style><div style="white-space: pre-wrap">{html.escape(details)}</div>'
        results["failed"] = [{"source": summary.headline(), "error": shown, "raw_error": details}, *others]
        return results

    # `nbgrader validate` prints the same: the summary, its details, then any other failure.
    def _print_num_failed(self, num_failed: int) -> None:
        if self._summary is None or num_failed == 0:
            super()._print_num_failed(num_failed)

    def _print_error(self, source: str, error: str) -> None:
        if self._summary is not None and source == self._summary.headline():
            self.stream.write(f"{source}\n\n{error}\n")
        else:
            super()._print_error(source, error)


def use_course_validator(validator: type[Validator] = CourseValidator) -> None:
    """Make nbgrader's Validate button and ``nbgrader validate`` build ``validator``."""
    for name in BUILDERS:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "Validator", None) is not None:
            module.Validator = validator
