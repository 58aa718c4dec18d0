"""What crosses ``docker exec`` when the host runs a playbook in the lab container.

Both ends use it: asynclab.remote.client on the host sends the request and raises the lab's
errors again, asynclab.remote.server in the lab answers. The protocol itself (JSON lines) is
described in asynclab.remote.server. It needs only asynclab.errors and imports neither end, so
the host side never pulls in the runner.
"""

from __future__ import annotations

from .. import errors
from ..errors import LabError

#: RunConfig fields that cross the boundary (the rest are the caller's own: progress, on_event).
FIELDS = ("timeout", "extravars", "forks", "limit", "verbosity", "envvars", "check_hosts")
#: Attributes of the lab's errors that the host needs to raise the same error again.
ERROR_ATTRIBUTES = ("problem", "line", "column", "names", "fault")


def encode_error(exc: BaseException) -> dict:
    """The lab's error as JSON: its type, message and the attributes the host needs."""
    attrs = {a: getattr(exc, a) for a in ERROR_ATTRIBUTES if isinstance(getattr(exc, a, None), (str, int, list))}
    return {"type": type(exc).__name__, "message": getattr(exc, "message", str(exc)), "attributes": attrs}


def decode_error(said: dict) -> BaseException:
    """The lab's error as the same exception class here (a LabError keeps its message)."""
    cls = getattr(errors, said.get("type", ""), None)
    if isinstance(cls, type) and issubclass(cls, LabError):
        exc = cls.__new__(cls)
        Exception.__init__(exc, said["message"])
        exc.message = said["message"]
        for name, value in said.get("attributes", {}).items():
            setattr(exc, name, value)
        return exc
    return RuntimeError(f"{said.get('type')} in the lab: {said.get('message')}")
