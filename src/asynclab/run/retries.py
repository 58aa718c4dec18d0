"""A wait that ran out of ``retries``, said in the lesson's terms.

Ansible's own result for an ``until:`` whose retries ran out has no message: a run only said
"failed". An ``async_status`` wait that gives up while its job still runs is the most common
mistake with it, so the run says how many checks were made, over how long, and what to do.
"""

from __future__ import annotations

from .playbook_input import TASK_SECTIONS, walk_tasks
from .records import TaskRun

#: Ansible's delay between retries when a task sets none.
DEFAULT_DELAY = 5.0
#: Where a task that retries can be: a play's tasks, and its handlers.
SECTIONS = (*TASK_SECTIONS, "handlers")


def written_task(playbook_text: str, task: TaskRun) -> dict:
    """The task as the playbook wrote it (by its name; else the first with an ``until``)."""
    import yaml

    try:
        plays = yaml.safe_load(playbook_text or "")
    except yaml.YAMLError:
        return {}
    found = [item for item, _play, _path in walk_tasks(plays, SECTIONS)]
    named = [t for t in found if str(t.get("name", "")) == task.task]
    return (named or [t for t in found if "until" in t] or [{}])[0]


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None  # a template: read from the run instead


def gave_up_waiting(task: TaskRun, playbook_text: str = "") -> str | None:
    """What happened when ``task`` ran out of retries, or None when it did not."""
    if task.attempts < 2 or task.status != "failed":
        return None
    results = task.res.get("results") if isinstance(task.res.get("results"), list) else [task.res]
    running = [r for r in results if isinstance(r, dict) and "finished" in r and not r["finished"]]
    written = written_task(playbook_text, task)
    checks = task.attempts
    retries = _number(written.get("retries"))
    if retries is None and not (task.action.endswith("async_status") and running):
        return None  # its retries are a template: only a job still running says they ran out
    retries = int(retries) if retries is not None else checks - 1
    if checks < retries + 1:
        return None  # the until: condition held before the end: the task failed for another reason
    delay = _number(written.get("delay")) if "delay" in written else DEFAULT_DELAY
    if delay is None and task.duration and checks > 1:
        delay = round(task.duration / (checks - 1))
    budget = f"retries {retries}"
    if delay is not None:
        budget += f" × delay {delay:g} s = {retries * delay:g} s"
    if task.action.endswith("async_status") and running:
        jids = ", ".join(str(r.get("ansible_job_id", "?")) for r in running)
        jobs = f"job {jids} was" if len(running) == 1 else f"jobs {jids} were"
        return (
            f"gave up after {checks} checks ({budget}) while {jobs} still running: raise retries or "
            "delay so that they cover the job, or look at the job with async_status later"
        )
    said = str(task.res.get("msg") or "").strip()[:200]
    return f"gave up after {checks} attempts ({budget}): its until: condition was never true" + (
        f" (the last attempt said: {said})" if said else ""
    )
