"""asynclab: run, watch and grade Ansible async playbooks against the lab's real hosts."""

from .errors import LabError, LabNotRunning, PlaybookSyntaxError, RunCancelled, UnknownHostPattern
from .run.result import AsyncJob, RunResult, TaskRun
from .run.runner import RunConfig, run_playbook

__version__ = "0.1.0"


def load_ipython_extension(ipython):
    """``%load_ext asynclab`` registers the ``%%playbook`` cell magic."""
    from .view.magic import load_ipython_extension as _load

    _load(ipython)


__all__ = [
    "AsyncJob",
    "LabError",
    "LabNotRunning",
    "PlaybookSyntaxError",
    "RunCancelled",
    "RunConfig",
    "RunResult",
    "TaskRun",
    "UnknownHostPattern",
    "run_playbook",
]
