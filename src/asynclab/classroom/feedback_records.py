"""A preprocessor for `nbgrader generate_feedback`: the outcome records are not shown.

Under ``nbgrader autograde`` each check cell leaves a record of its exercise's outcome for the
class report (asynclab.outcome_record: points, status, mistake ids). It is the
instructor's: the learner's page has the checks' own words instead. The outputs that carry
only that record are dropped; the record is dropped from any other output.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from ..outcome_record import OUTCOME_MIME


class DropOutcomeRecords(Preprocessor):
    """Leave the class report's outcome records out of the feedback page."""

    # nbgrader registers its converters' preprocessors without enabling them.
    enabled = Bool(True).tag(config=True)

    mime_type = Unicode(OUTCOME_MIME, help="The MIME type of the outcome records to leave out").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if self.mime_type in data:
                data.pop(self.mime_type)
                output.get("metadata", {}).pop(self.mime_type, None)
                if not data:
                    continue
            kept.append(output)
        cell.outputs = kept
        return cell, resources
