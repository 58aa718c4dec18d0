"""Fold ansible-runner events into a RunResult, one event at a time.

The same folding serves a live run (events arrive from the runner's event handler) and a
recorded one (job_events/*.json in an artifact folder). The folding itself is
asynclab.folding, which fills in any result it is given; here it gets a RunResult of its
own when none is given.
"""

from __future__ import annotations

from .folding import ITEM_EVENTS, RESULT_EVENTS, TIMEOUT_MESSAGES, Folder, fold, load_events
from .result import RunResult

__all__ = ["ITEM_EVENTS", "RESULT_EVENTS", "TIMEOUT_MESSAGES", "EventFolder", "load_events", "result_from_events"]


class EventFolder(Folder):
    """Accumulates events into a RunResult (a new one unless given); cheap enough to call for
    every event."""

    def __init__(self, result: RunResult | None = None):
        super().__init__(RunResult() if result is None else result)


def result_from_events(events, **fields) -> RunResult:
    """The RunResult of a recorded run's events; ``fields`` are RunResult fields set first."""
    return fold(events, RunResult(**fields))
