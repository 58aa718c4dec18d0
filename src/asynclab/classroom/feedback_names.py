"""A preprocessor for `nbgrader generate_feedback`: the exercises' names, for the contents.

nbgrader's feedback lists each graded cell in its contents as "Test cell". Each graded cell
of the course follows its exercise's heading ("## 1. Fire and forget (3 points)"): that
heading, without its points, becomes the cell's name (metadata ``asynclab.exercise``),
which the course's feedback template (templates/asynclab_feedback) shows instead.
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
#: The part of an exercise's heading that is not its name: its points, "(3 points)".
POINTS_IN_HEADING = r"\s*\(\d+(?:\.\d+)?\s+points?\)\s*$"
KEY = "asynclab"


def heading_of(markdown: str, drop: str) -> str | None:
    """The last heading of a Markdown text, without the part that matches ``drop``."""
    headings = HEADING.findall(markdown)
    if not headings:
        return None
    return re.sub(drop, "", headings[-1]).strip() or None


class NameExercises(Preprocessor):
    """Name each graded or answer cell after the heading above it."""

    enabled = Bool(True).tag(config=True)

    drop_pattern = Unicode(
        POINTS_IN_HEADING,
        help="Regular expression of the part of a heading that is not the exercise's name",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        name = None
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                name = heading_of(cell.source, self.drop_pattern) or name
            meta = cell.get("metadata", {}).get("nbgrader") or {}
            if name and (meta.get("grade") or meta.get("solution") or meta.get("task")):
                cell.metadata.setdefault(KEY, {})["exercise"] = name
        return nb, resources
