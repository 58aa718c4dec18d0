"""asynclab: run, watch and grade Ansible async playbooks against the lab's real hosts.

The names below are imported when first used, so that ``import asynclab.<module>`` of a
host-side tool (asynclab.settings, asynclab.classroom.course_steps) runs on a plain python3
with the standard library only.
"""

from .errors import LabError, LabNotRunning, PlaybookSyntaxError, RunCancelled, UnknownHostPattern

#: Each lazily imported name and its module.
_LAZY = {
    "AsyncJob": ".run.result",
    "RunResult": ".run.result",
    "TaskRun": ".run.result",
    "RunConfig": ".run.runner",
    "run_playbook": ".run.runner",
}


def __getattr__(name):
    if name == "__version__":
        from .settings import package_version

        return package_version()
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY, "__version__"])


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
