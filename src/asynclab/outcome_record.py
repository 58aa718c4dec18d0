"""The record of one exercise's outcome that an autograded notebook carries for the class
report: its MIME type, its statuses, and how it is read back from a cell's outputs.

asynclab.grading.grade writes it (under ``nbgrader autograde``, in the check cell, with this
MIME type only); asynclab.classroom reads it (the class report) and leaves it out of the
learner's feedback. Each named mistake carries its id, the general sentence and its lesson,
as the catalogue beside the checks (asynclab.grading.mistakes) had them at grading time.
"""

from __future__ import annotations

OUTCOME_MIME = "application/vnd.asynclab.outcome+json"
ANSWERED, NOT_ANSWERED, TIMED_OUT, LAB_FAULT = "answered", "not answered", "timed out", "lab fault"


def record_in(outputs) -> dict | None:
    """The outcome record among a cell's outputs, or None."""
    for output in outputs or []:
        record = (output.get("data") or {}).get(OUTCOME_MIME)
        if isinstance(record, dict):
            return record
    return None
