"""Each run of an answer ends with its check: the answer cell's output ends with the verdict
the exercise's check cell (``%self_check NAME``) would give on this run.

Without it, the verdict under the check cell stays the one on the previous run until the
learner runs that cell again. (JupyterLab updates a display only in the cell that made it,
so the old verdict cannot be marked from the answer's run.) Only in the learner's own
kernel: under nbgrader (Validate, autograde) the check cells check, as before, and the
grades do not change. A summative assignment gives no verdict before the feedback: its
release writes ``--summative`` on the answer's line too (SelfCheckMode), and nothing is
checked here.
"""

from __future__ import annotations

import os


def check_on_run(name: str, summative: bool = False) -> None:
    """After a run of exercise name's answer: print the self-check's verdict on it."""
    if summative or os.environ.get("NBGRADER_EXECUTION"):
        return
    from ..grading import self_check

    print(f"\nChecked now, as its check cell below (%self_check {name}) checks it:")
    self_check(name)
