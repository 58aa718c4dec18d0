"""Preprocessors for `nbgrader generate_feedback`: what a learner must not see in feedback.

nbgrader's autograded notebooks hold the hidden tests (autograde puts them back to run
them) and full tracebacks, and its feedback HTML shows both. The course's
nbgrader_config.py puts these two after GetGrades:

- HideHiddenTests: in grade cells, each ``### BEGIN HIDDEN TESTS`` .. ``### END HIDDEN
  TESTS`` region becomes one comment line; the result of the checks stays below the cell.
- ShortenTracebacks: every error output becomes ``ename: evalue``, with no ANSI codes and
  no line of source; a cell stopped by nbgrader's time limit says so in words.
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def strip_ansi(text: str) -> str:
    return ANSI_ESCAPE.sub("", text)


def _nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


class HideHiddenTests(Preprocessor):
    """Replace the hidden test regions of grade cells with one comment line."""

    # nbgrader registers its converters' preprocessors without enabling them.
    enabled = Bool(True).tag(config=True)

    begin_marker = Unicode("BEGIN HIDDEN TESTS", help="Text of the line that opens a hidden region").tag(config=True)
    end_marker = Unicode("END HIDDEN TESTS", help="Text of the line that closes a hidden region").tag(config=True)
    placeholder = Unicode(
        "# The hidden checks of this cell are not shown; their result is below.",
        help="The comment line that stands for a hidden region",
    ).tag(config=True)

    def hide(self, source: str) -> str:
        """The source with each hidden region replaced by the placeholder.

        A region with no end line is hidden to the end of the cell: never show too much.
        """
        kept: list[str] = []
        hiding = False
        for line in source.split("\n"):
            if self.begin_marker in line:
                if not hiding:
                    indent = line[: len(line) - len(line.lstrip())]
                    kept.append(indent + self.placeholder)
                hiding = True
            elif self.end_marker in line and hiding:
                hiding = False
            elif not hiding:
                kept.append(line)
        return "\n".join(kept)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and _nbgrader_meta(cell).get("grade"):
            cell.source = self.hide(cell.source)
        return cell, resources


class ShortenTracebacks(Preprocessor):
    """Cut every error output down to one line: ``ename: evalue``."""

    enabled = Bool(True).tag(config=True)

    timeout_message = Unicode(
        "the cell did not finish within the grader's time limit and was stopped",
        help="What a cell stopped by nbgrader's Execute.timeout says",
    ).tag(config=True)

    def shorten(self, output) -> None:
        ename = strip_ansi(output.get("ename", "") or "Error")
        evalue = strip_ansi(output.get("evalue", "") or "")
        if ename == "CellTimeoutError":
            evalue = self.timeout_message
        output["ename"] = ename
        output["evalue"] = evalue
        output["traceback"] = [f"{ename}: {evalue}" if evalue else ename]

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        outputs = cell.get("outputs", [])
        errors = {o.get("ename") for o in outputs if o.get("output_type") == "error"}
        if "CellTimeoutError" in errors:
            # the interrupt that stopped the cell says nothing more than the timeout does
            outputs[:] = [
                o for o in outputs if not (o.get("output_type") == "error" and o.get("ename") == "KeyboardInterrupt")
            ]
        for output in outputs:
            if output.get("output_type") == "error":
                self.shorten(output)
        return cell, resources
