"""The checks an exercise is graded by: each looks at one thing and says, in words a learner
can act on, what was expected and what was found.

Structure checks read the parsed playbook (see :mod:`.structure`); behaviour checks read the
run's events (the RunResult) and what the run left on the hosts (see :mod:`.hostprobe`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..result import TaskRun
from . import hostprobe
from .structure import Task, async_status_tasks, launches_of, tasks_of, until_tests_finished, waits_for


@dataclass
class Verdict:
    ok: bool
    message: str


def passed(message: str) -> Verdict:
    return Verdict(True, message)


def failed(message: str) -> Verdict:
    return Verdict(False, message)


@dataclass
class Context:
    """What the checks of one exercise look at."""

    spec: object  # the Exercise
    answer: object  # the Answer
    _evidence: dict = field(default_factory=dict)

    @cached_property
    def tasks(self) -> list[Task]:
        return tasks_of(self.answer.plays)

    @property
    def result(self):
        return self.answer.result

    def launch(self, script: str) -> Task | None:
        """The task that launches ``script``: the one with async if several run it."""
        found = launches_of(self.tasks, script)
        with_async = [t for t in found if t.number("async")]
        return (with_async or found or [None])[0]

    def status_task(self, launch: Task | None) -> Task | None:
        """The async_status task that waits for ``launch`` (or the first one there is)."""
        tasks = [t for t in async_status_tasks(self.tasks) if t.index > (launch.index if launch else -1)]
        if launch is not None:
            wired = [t for t in tasks if waits_for(t, launch)]
            if wired:
                return wired[0]
        return tasks[0] if tasks else None

    def runs(self, task: Task | None, host: str | None = None) -> list[TaskRun]:
        """What the run recorded for a task of the playbook."""
        if task is None or self.result is None:
            return []
        name = task.data.get("name")
        if name:
            found = [r for r in self.result.tasks if r.task == str(name)]
        else:
            same = [t for t in self.tasks if not t.data.get("name") and t.action == task.action]
            position = same.index(task) if task in same else 0
            uuids: list[str] = []
            for run in self.result.tasks:
                if run.action.rsplit(".", 1)[-1] == task.action and run.uuid not in uuids:
                    uuids.append(run.uuid)
            wanted = uuids[position] if position < len(uuids) else None
            found = [r for r in self.result.tasks if r.uuid == wanted]
        return [r for r in found if host is None or r.host == host]

    def evidence(self, wait_for: dict[str, list[str]] | None = None) -> dict[str, hostprobe.HostEvidence]:
        """The results on the exercise's hosts; waits (bounded) for the workloads in ``wait_for``
        ({host: [workload, ...]}) when the run launched jobs that may still be running."""
        key = repr(sorted((wait_for or {}).items()))
        if key not in self._evidence:
            if wait_for and self.result is not None and self.result.jobs:
                found = hostprobe.probe(self.spec.hosts, wait_for, timeout=self.spec.settle_time)
            else:
                found = hostprobe.probe(self.spec.hosts)
            self._evidence[key] = found
        return self._evidence[key]


def describe_poll(task: Task) -> str:
    poll = task.data.get("poll")
    return "no poll (so the default, 15 s)" if poll is None else f"poll: {poll}"


def waited_seconds(ctx: Context, task: Task) -> float | None:
    durations = [r.duration for r in ctx.runs(task) if r.duration is not None]
    return max(durations) if durations else None


# Structure ------------------------------------------------------------------------------


def launched_in_background(ctx: Context, script: str, job_seconds: float) -> Verdict:
    """A task runs ``script`` with async long enough for the job, poll: 0 and no until."""
    task = ctx.launch(script)
    if task is None:
        return failed(f"No task runs {script}: the exercise asks you to launch it.")
    asyn = task.number("async")
    if not asyn:
        return failed(
            f"Your task runs {script} without async, so it runs synchronously and the play "
            f"waits for all of it. Give it async: (at least {job_seconds:.0f} s) and poll: 0."
        )
    if asyn < job_seconds:
        return failed(
            f"async: {asyn} is shorter than the job ({job_seconds:.0f} s): the target kills "
            f"the job after {asyn} s. Give it at least {job_seconds:.0f}."
        )
    if "until" in task.data:
        return failed(
            "Your launch task has until:, which launches a new job at every retry. "
            "Launch once with poll: 0; wait with async_status in a task of its own."
        )
    if task.number("poll") != 0:
        waited = waited_seconds(ctx, task)
        how_long = f", so the play waited {waited:.0f} s on it" if waited else ", so the play waits on it"
        return failed(f"Your launch task has {describe_poll(task)}{how_long}; fire-and-forget needs poll: 0.")
    return passed(f"The launch task runs {script} with async: {asyn} and poll: 0.")


def status_wired(ctx: Context, script: str, loop: bool = False) -> Verdict:
    """An async_status task waits for the launch, taking the job id the launch registered."""
    launch = ctx.launch(script)
    if launch is None or not launch.number("async"):
        return failed(f"There is no async launch of {script} to wait for.")
    if not launch.data.get("register"):
        return failed(
            "The launch task has no register:, so nothing can tell async_status its job id. "
            "Add register: to the launch."
        )
    register = launch.data["register"]
    status = ctx.status_task(launch)
    if status is None:
        return failed(
            f'No async_status task waits for the job. Add one with jid: "{{{{ {register}'
            f'{".results" if loop else ""}.ansible_job_id }}}}".'
        )
    how = waits_for(status, launch)
    if loop and how != "loop":
        if how == "first":
            return failed(
                f"Your async_status waits for one job only ({status.arg('jid')}): the other "
                f"jobs of the loop are never waited for. Loop over {register}.results with "
                'jid: "{{ item.ansible_job_id }}".'
            )
        return failed(
            f"The launch runs in a loop, so {register} holds one job per item in "
            f"{register}.results. Loop async_status over {register}.results with "
            'jid: "{{ item.ansible_job_id }}".'
        )
    if not how:
        return failed(
            f"async_status takes jid: {status.arg('jid')}, which is not the job id the launch "
            f'registered. Use jid: "{{{{ {register}.ansible_job_id }}}}".'
        )
    if launch.number("poll") != 0:
        return failed(
            f"Your launch task has {describe_poll(launch)}: the play waits on the job "
            "there, and when it ends Ansible deletes its job file, so async_status then "
            'says "could not find job". Launch with poll: 0.'
        )
    return passed(f"async_status waits for the launched job (jid from {register}).")


def wait_sized(ctx: Context, script: str, delay: int | None = None) -> Verdict:
    """async_status retries until finished, for at least the launch's async budget."""
    launch = ctx.launch(script)
    status = ctx.status_task(launch)
    if launch is None or status is None:
        return failed("There is no async_status task to size.")
    if "until" in launch.data:
        return failed(
            "until: is on the launch task, which relaunches the job at every retry; "
            "put until/retries/delay on the async_status task."
        )
    if not until_tests_finished(status):
        return failed(
            "Your async_status task does not wait: give it until: <result> is finished, with retries and delay."
        )
    retries, wait = status.number("retries"), status.number("delay")
    budget = launch.number("async") or 0
    if retries is None or wait is None:
        return failed(
            "Give async_status numbers for retries: and delay: (without them Ansible retries 3 times, 5 s apart)."
        )
    if delay is not None and wait != delay:
        return failed(f"The exercise asks for delay: {delay}; your async_status has delay: {wait}.")
    if retries * wait < budget:
        need = -(-budget // wait)
        return failed(
            f"retries × delay = {retries} × {wait} = {retries * wait} s, but the job may run "
            f"for up to async: {budget} s, so the wait gives up before the job can. "
            f"With delay: {wait} you need retries: {need} or more."
        )
    return passed(f"async_status retries {retries} × {wait} s = {retries * wait} s, covering async: {budget}.")


def same_become(ctx: Context, script: str) -> Verdict:
    launch = ctx.launch(script)
    status = ctx.status_task(launch)
    if launch is None or status is None:
        return failed(f"The exercise needs a launch of {script} and an async_status task.")
    if launch.become_user != "postgres":
        return failed(
            f"The launch runs as {launch.become_user}; the exercise asks for the postgres "
            "user (become: true, become_user: postgres)."
        )
    if status.become_user != launch.become_user:
        return failed(
            f"Your launch runs as {launch.become_user}, so its job file is in that user's "
            f"~/.ansible_async; your async_status runs as {status.become_user} and looks in "
            f'its own, so it says "could not find job". Give async_status the same '
            "become and become_user as the launch."
        )
    return passed(f"Launch and async_status both run as {launch.become_user}.")
