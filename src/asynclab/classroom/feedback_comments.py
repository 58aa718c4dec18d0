"""A preprocessor for `nbgrader generate_feedback`: no empty comments.

nbgrader's autograde comments "No response." on every answer cell left as released, and its
feedback lists each such comment in its contents, as "Comment", and under the answer. The
check under the answer already says "Not answered yet", in the grader's words: that automatic
comment is dropped. An instructor's own comment stays.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, List, Unicode


class DropEmptyComments(Preprocessor):
    """Remove nbgrader's automatic comments (and blank ones) from the cells' metadata."""

    enabled = Bool(True).tag(config=True)

    automatic = List(
        Unicode(),
        default_value=["No response."],
        help="Comments nbgrader writes by itself, which the feedback leaves out",
    ).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta and "comment" in meta:
            comment = (meta.get("comment") or "").strip()
            if not comment or comment in self.automatic:
                meta["comment"] = None
        return cell, resources
