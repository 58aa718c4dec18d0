"""How grading one submission ended, and that outcome as JSON.

An outcome crosses the container boundary as JSON: a grading worker's ``autograde --json``
writes a list of them, the course in the lab prints one for each import and the kept ones
in its plan, and the parallel grader on the host reads them all back. The two sides may run
different versions of this package (the host's checkout, the lab image's install), so the
reader takes what it knows: a key that is missing takes its default, a key it does not
know is left out.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

GRADED, NOT_GRADED, LAB_FAILED = "graded", "could not be graded", "lab failed during grading"
ALREADY_GRADED = "already graded"


@dataclass
class Outcome:
    student: str
    status: str
    seconds: float
    detail: str = ""
    score: str = ""
    worker: str = ""  # the private host set that graded it (parallel grading)

    def to_dict(self) -> dict:
        """The outcome as a JSON object."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data, **defaults) -> Outcome:
        """The outcome in a JSON object, whichever version wrote it: keys it lacks take
        ``defaults``, else those of FALLBACK or the fields' own; unknown keys are ignored.
        Raises ValueError for anything but an object."""
        if not isinstance(data, dict):
            raise ValueError(f"an outcome is a JSON object, not {type(data).__name__}")
        values = {}
        for f in fields(cls):
            if f.name in data:
                value = data[f.name]
            elif f.name in defaults:
                value = defaults[f.name]
            else:
                value = FALLBACK.get(f.name, f.default)
            values[f.name] = _seconds(value) if f.name == "seconds" else ("" if value is None else str(value))
        return cls(**values)


#: For keys without a default of their own: an outcome that does not say it was graded was not.
FALLBACK = {"student": "", "status": NOT_GRADED, "seconds": 0.0}


def _seconds(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def outcome_to_json(outcome: Outcome) -> str:
    return json.dumps(outcome.to_dict())


def outcome_from_json(text: str, **defaults) -> Outcome:
    """One outcome from JSON text (see Outcome.from_dict); ValueError if it is not one."""
    return Outcome.from_dict(json.loads(text), **defaults)


def outcomes_to_json(outcomes: list[Outcome]) -> str:
    return json.dumps([o.to_dict() for o in outcomes])


def outcomes_from_json(text: str, **defaults) -> list[Outcome]:
    """A list of outcomes from JSON text (a single object counts as a list of one)."""
    data = json.loads(text)
    return [Outcome.from_dict(item, **defaults) for item in (data if isinstance(data, list) else [data])]
