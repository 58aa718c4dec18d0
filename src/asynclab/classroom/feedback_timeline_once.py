"""A preprocessor for `nbgrader generate_feedback`: the learner's timeline, once per exercise.

An answer cell (``%%playbook --exercise NAME``) draws its run's timeline; its check cell
(``%self_check NAME``) draws that run again, above the reference solution's, on one time
scale. In the feedback the answer's own drawing is dropped: the pair under the check says
more, and one chart per run is enough. Its printed summary stays.
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def _images(cell) -> list:
    return [o for o in cell.get("outputs", []) if any(kind in o.get("data", {}) for kind in IMAGE_TYPES)]


class DropRepeatedTimeline(Preprocessor):
    """Drop an answer cell's charts when its exercise's check cell draws the same run."""

    enabled = Bool(True).tag(config=True)

    answer_pattern = Unicode(
        r"^%%playbook\b[^\n]*--exercise[ =]([\w-]+)",
        help="Regular expression of an answer cell's first line; its group is the exercise's name",
    ).tag(config=True)
    check_pattern = Unicode(
        r"^%self_check ([\w-]+)",
        help="Regular expression of a check cell's line; its group is the exercise's name",
    ).tag(config=True)

    def _exercise(self, pattern: str, cell) -> str | None:
        found = re.search(pattern, cell.source, re.M) if cell.cell_type == "code" else None
        return found.group(1) if found else None

    def preprocess(self, nb, resources):
        drawn_by_check = {
            name for cell in nb.cells if (name := self._exercise(self.check_pattern, cell)) and _images(cell)
        }
        for cell in nb.cells:
            if self._exercise(self.answer_pattern, cell) in drawn_by_check:
                cell.outputs = [o for o in cell.outputs if not _images({"outputs": [o]})]
        return nb, resources
