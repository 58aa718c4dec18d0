"""A preprocessor for `nbgrader generate_assignment` (`make release`): formative or summative.

Each test cell of the course has a visible ``%self_check NAME`` line: the learner's check of
that answer before submitting (asynclab.grading.grade.self_check). The instructor chooses
in nbgrader_config.py what it tells:

- formative (the default): the grader's own verdicts, and Validate fails on an answer short
  of full marks, with the grader's words;
- summative: no verdict before the feedback; Validate fails only on an answer not given.

In the learner's kernel each run of a playbook answer ends with its check's verdict
(asynclab.view.verdict_after_run); a summative release writes ``--summative`` on the
answer's ``%%playbook --exercise NAME`` line too, and the run then gives none.

It runs after SaveCells, so the gradebook keeps the source's cells (autograde puts them
back, and the hidden check() grades in both modes).
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Enum

SELF_CHECK = re.compile(r"^(%self_check [\w-]+)[ \t]*$", re.M)
ANSWER_LINE = re.compile(r"\A(%%playbook --exercise [\w-]+)[ \t]*$", re.M)


class SelfCheckMode(Preprocessor):
    """Write the assignment's mode into the self-check lines of the released test cells."""

    enabled = Bool(True).tag(config=True)
    mode = Enum(
        ["formative", "summative"],
        default_value="formative",
        help="formative: learners see the checks' verdicts (and Validate's) before submitting; "
        "summative: only in the feedback, Validate then only says when an answer is not given",
    ).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if self.mode == "summative" and cell.cell_type == "code":
            cell.source = SELF_CHECK.sub(r"\1 --summative", cell.source)
            cell.source = ANSWER_LINE.sub(r"\1 --summative", cell.source)
        return cell, resources
