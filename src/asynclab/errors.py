"""Errors the lab reports in words, not tracebacks.

Every error here carries a message a learner can act on. In IPython the traceback is
replaced by that message (``_render_traceback_``), so a notebook cell that fails shows
one clear line instead of a stack of library frames.
"""


class LabError(Exception):
    """Base of every error asynclab reports to a learner."""

    #: Whose problem it is: "playbook" (the learner can fix it) or "lab" (the environment).
    fault = "playbook"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def _render_traceback_(self):  # IPython hook: show the message only
        return [f"{type(self).__name__}: {self.message}"]


class PlaybookSyntaxError(LabError):
    """The YAML could not be parsed; carries the 1-based line and column."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")
        self.problem = message
        self.line = line
        self.column = column


class PlaybookStructureError(LabError):
    """Valid YAML that is not a playbook (a list of plays, each with `hosts`)."""


class UnknownHostPattern(LabError):
    """A play targets a host or group that the lab's inventory does not have."""

    def __init__(self, names: list[str], known_groups: list[str], known_hosts: list[str]):
        listed = ", ".join(f"'{n}'" for n in names)
        super().__init__(
            f"no host or group called {listed} in the lab's inventory. "
            f"Groups: {', '.join(known_groups)}; hosts: {', '.join(known_hosts)}."
        )
        self.names = names


class LabNotRunning(LabError):
    """The lab's containers are not there: nothing to run against."""

    fault = "lab"

    def __init__(self, detail: str = ""):
        text = "the lab is not running"
        if detail:
            text += f" ({detail})"
        super().__init__(f"{text}: start it with `make lab` and try again.")


class HostControlUnavailable(LabError):
    """Host control needs the Docker engine, which the lab container deliberately lacks."""

    fault = "lab"


class RunCancelled(KeyboardInterrupt):
    """The kernel was interrupted while a playbook ran; the run was cancelled cleanly.

    ``result`` holds what the run did before it stopped. Jobs already launched with
    ``async`` keep running on the hosts: cancelling the controller does not stop them.
    """

    def __init__(self, result):
        super().__init__("playbook run cancelled")
        self.result = result

    def _render_traceback_(self):
        return ["Run cancelled. Async jobs already launched keep running on the hosts."]


class PlaybookFailed(LabError):
    """The playbook ran and failed (or was stopped); the result is attached."""

    def __init__(self, result):
        problems = result.problems() or [f"the run ended with status {result.status} (rc {result.rc})"]
        super().__init__("; ".join(problems))
        self.result = result
        only_unreachable = result.unreachable_hosts and not result.failures()
        self.fault = "lab" if only_unreachable else "playbook"


class PlaybookRejected(PlaybookFailed):
    """Ansible refused the playbook before running it: its own message, with the line."""

    def __init__(self, result, line_offset: int = 0, name: str = "the playbook"):
        super().__init__(result)
        found = result.rejection
        self.message = f"Ansible rejected {name}: {found.said(line_offset)}"
        self.args = (self.message,)
        self.line = found.line + line_offset if found.line is not None else None


class LabEnvironmentError(LabError):
    """The lab itself failed (a host down, a reset that did not work): not the learner's fault."""

    fault = "lab"

    def __init__(self, message: str):
        super().__init__(f"The lab failed, not your answer: {message}")
