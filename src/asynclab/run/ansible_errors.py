"""Ansible's own words when it rejects a playbook before running it (ansible-playbook exits
with 4 and prints ``[ERROR]: …`` and ``Origin: file:line:column``): an unknown keyword
such as a play-level ``async:``, a module that does not exist, conflicting actions.

Read from the run's stdout, on either side; no Ansible needed. The line is the playbook's:
the magic shifts it to the cell's (its first line is ``%%playbook``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ERROR = re.compile(r"^\[ERROR\]: (?P<message>.+?)(?=^Origin: |^\s*$|\Z)", re.M | re.S)
ORIGIN = re.compile(r"^Origin: (?P<path>.+?):(?P<line>\d+)(?::(?P<column>\d+))?\s*$", re.M)
PLAYBOOK_NAMES = ("playbook.yml",)  # what the runner names the learner's playbook (runner._prepare_dir)


@dataclass
class Rejection:
    message: str  # Ansible's own sentence
    line: int | None = None  # in the learner's playbook, when the origin is in it
    column: int | None = None
    origin: str | None = None  # another file's name (an include), when the origin is there

    @property
    def hint(self) -> str:
        """The lesson's word on it, after Ansible's, where the lesson has one."""
        return hint_for(self.message)

    def said(self, line_offset: int = 0) -> str:
        """Ansible's message, where it is, and the lesson's hint."""
        return f"{self.message}{self.where(line_offset)}" + (f": {self.hint}" if self.hint else "")

    def where(self, line_offset: int = 0) -> str:
        if self.line is not None:
            return (
                f" (line {self.line + line_offset}, column {self.column})"
                if self.column
                else (f" (line {self.line + line_offset})")
            )
        return f" (in {self.origin})" if self.origin else ""


#: The lesson's word after Ansible's, where the lesson has one.
HINTS = (
    (
        re.compile(r"'(async|poll)' is not a valid attribute for a (Play|Block)"),
        "async and poll belong on a task, next to its module",
    ),
)


def hint_for(message: str) -> str:
    return next((hint for pattern, hint in HINTS if pattern.search(message)), "")


def rejection(stdout: str, playbook_path: str | None = None) -> Rejection | None:
    """The first error Ansible printed before any play ran, or None."""
    if not stdout or "PLAY [" in stdout.split("[ERROR]:", 1)[0]:
        return None  # plays ran: their failures are the tasks' own
    found = ERROR.search(stdout)
    if not found:
        return None
    message = " ".join(found.group("message").split())
    origin = ORIGIN.search(stdout, found.end() - 1 if found.end() else 0)
    if origin is None:
        return Rejection(message)
    path = origin.group("path")
    ours = path.endswith(PLAYBOOK_NAMES) or (playbook_path is not None and path == str(playbook_path))
    if not ours:
        return Rejection(message, origin=path.rsplit("/", 1)[-1])
    column = origin.group("column")
    return Rejection(message, int(origin.group("line")), int(column) if column else None)
