"""The checks an exercise is graded by: each looks at one thing and says, in words a learner
can act on, what was expected and what was found.

Structure checks read the parsed playbook (see :mod:`.structure`); behaviour checks read the
run's events (the RunResult) and what the run left on the hosts (see :mod:`.host_state`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from ..run.result import TaskRun
from . import host_state
from .structure import (
    Task,
    async_status_tasks,
    defined_elsewhere,
    jid_source,
    launches_of,
    loops_over_results,
    reads_rc_unguarded,
    tasks_of,
    until_tests_finished,
    waits_for,
)


@dataclass
class Verdict:
    ok: bool
    message: str
    #: The mistake a failed check names: an id of asynclab.grading.mistakes.MISTAKES.
    mistake: str = ""


def passed(message: str) -> Verdict:
    return Verdict(True, message)


def failed(message: str, mistake: str = "") -> Verdict:
    return Verdict(False, message, mistake)


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
            wired = [t for t in tasks if waits_for(t, launch, self.tasks)]
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

    def job_seconds(self, script: str) -> float:
        """How long the exercise's job(s) run by ``script`` take: the longest of them."""
        loads = [w for loads in self.spec.workloads.values() for w in loads if script in w.script]
        return max((w.seconds for w in loads), default=0)

    def evidence(self, wait_for: dict[str, list[str]] | None = None) -> dict[str, host_state.HostEvidence]:
        """The results on the exercise's hosts; waits (bounded) for the workloads in ``wait_for``
        ({host: [workload, ...]}) when the run launched jobs that may still be running."""
        key = repr(sorted((wait_for or {}).items()))
        if key not in self._evidence:
            if wait_for and self.result is not None and self.result.jobs:
                found = host_state.probe(self.spec.hosts, wait_for, timeout=self.spec.settle_time)
            else:
                found = host_state.probe(self.spec.hosts)
            self._evidence[key] = found
        return self._evidence[key]


def not_whole(task: Task, key: str) -> str | None:
    """What is wrong with a keyword Ansible needs as a whole number (async, poll) but that is
    written as something else; None when it is a whole number, unset or templated."""
    value = task.data.get(key)
    if value is None or task.number(key) is not None or "{{" in str(value):
        return None
    return (
        f"{key}: {value} is not a whole number of seconds: Ansible refuses it (it \"could not be converted to 'int'\")."
    )


def describe_poll(task: Task) -> str:
    poll = task.data.get("poll")
    return "no poll (so the default, 15 s)" if poll is None else f"poll: {poll}"


# What the feedback suggests: Ansible as it is written, each snippet valid as it stands
# (tests/by_image/lab/units/grading/test_advice.py templates every one with Ansible's own Templar).


def wait_one(register: str) -> str:
    return f'`jid: "{{{{ {register}.ansible_job_id }}}}"`'


def wait_each(register: str, var: str = "item") -> str:
    control = "" if var == "item" else f", `loop_control: {{loop_var: {var}}}`"
    return f'`loop: "{{{{ {register}.results }}}}"`{control} and `jid: "{{{{ {var}.ansible_job_id }}}}"`'


def until_finished(register: str) -> str:
    return f"`until: {register} is finished`"


def waited_seconds(ctx: Context, task: Task) -> float | None:
    durations = [r.duration for r in ctx.runs(task) if r.duration is not None]
    return max(durations) if durations else None


# Structure ------------------------------------------------------------------------------


def launched_in_background(ctx: Context, script: str, job_seconds: float) -> Verdict:
    """A task runs ``script`` with async long enough for the job, poll: 0 and no until."""
    task = ctx.launch(script)
    if task is None:
        return failed(f"No task runs {script}: the exercise asks you to launch it.", mistake="no-launch")
    asyn = task.number("async")
    if problem := not_whole(task, "async") or not_whole(task, "poll"):
        return failed(problem, mistake="not-whole-number")
    if not asyn:
        return failed(
            f"Your task runs {script} without async, so it runs synchronously and the play "
            f"waits for all of it. Give it async: (at least {job_seconds:.0f} s) and poll: 0.",
            mistake="no-async",
        )
    if asyn < job_seconds:
        return failed(
            f"async: {asyn} is shorter than the job ({job_seconds:.0f} s): the target kills "
            f"the job after {asyn} s. Give it at least {job_seconds:.0f}.",
            mistake="async-shorter-than-job",
        )
    if "until" in task.data:
        return failed(
            "Your launch task has until:, which launches a new job at every retry. "
            "Launch once with poll: 0; wait with async_status in a task of its own.",
            mistake="until-on-launch",
        )
    if task.number("poll") != 0:
        waited = waited_seconds(ctx, task)
        how_long = f", so the play waited {waited:.0f} s on it" if waited else ", so the play waits on it"
        return failed(
            f"Your launch task has {describe_poll(task)}{how_long}; fire-and-forget needs poll: 0.",
            mistake="launch-waits",
        )
    return passed(f"The launch task runs {script} with async: {asyn} and poll: 0.")


def status_wired(ctx: Context, script: str, loop: bool = False) -> Verdict:
    """An async_status task waits for the launch, taking the job id the launch registered."""
    launch = ctx.launch(script)
    if launch is None or not launch.number("async"):
        return failed(
            f"There is no async launch of {script} to wait for.", mistake="no-launch" if launch is None else "no-async"
        )
    if not launch.data.get("register"):
        return failed(
            "The launch task has no register:, so nothing can tell async_status its job id. "
            "Add register: to the launch.",
            mistake="no-register",
        )
    register = str(launch.data["register"]).strip()
    status = ctx.status_task(launch)
    if status is None:
        how_to = wait_each(register) if loop or launch.loops else wait_one(register)
        return failed(f"No async_status task waits for the job. Add one with {how_to}.", mistake="no-async-status")
    how = waits_for(status, launch, ctx.tasks)
    jid = status.arg("jid")
    if loop and how != "loop":
        if how == "first":
            return failed(
                f"Your async_status waits for one job only ({jid}): the other jobs of the "
                f"loop are never waited for. Wait for each with {wait_each(register, status.loop_var)}.",
                mistake="loop-waits-first-only",
            )
        if loops_over_results(status, launch, ctx.tasks):
            var = status.loop_var
            return failed(
                f"Your async_status loops over {register}.results, so each job is in the loop "
                f"variable {var}{' (your loop_control: loop_var)' if var != 'item' else ''}, "
                f'but it takes jid: {jid}. Use `jid: "{{{{ {var}.ansible_job_id }}}}"`.',
                mistake="loop-jid-not-item",
            )
        return failed(
            f"The launch runs in a loop, so {register} holds one job per item in "
            f"{register}.results. Wait for each with {wait_each(register, status.loop_var)}.",
            mistake="loop-results-not-waited",
        )
    if not how:
        if launch.loops and loops_over_results(status, launch, ctx.tasks):
            return failed(
                f"async_status loops over {register}.results but takes jid: {jid}: use "
                f'`jid: "{{{{ {status.loop_var}.ansible_job_id }}}}"`.',
                mistake="loop-jid-not-item",
            )
        if launch.loops:
            return failed(
                f"The launch runs in a loop, so {register} holds one job per item in "
                f"{register}.results and has no job id of its own. Wait for each with {wait_each(register)}.",
                mistake="loop-results-not-waited",
            )
        if defined_elsewhere(status, ctx.tasks) is not None:
            return failed(
                f"async_status takes jid: {jid}, but {jid_source(status, ctx.tasks)} is defined in "
                "the vars: of another play, and a play's vars do not carry over to the next "
                f"play: Ansible finds it undefined. Use {wait_one(register)}: what a task "
                "registers stays with the host for the plays after it.",
                mistake="wrong-jid",
            )
        resolved = jid_source(status, ctx.tasks)
        written = re.sub(r"[\s{}]", "", str(jid or "")).replace('"', "'")
        that_is = f" (that is {{{{ {resolved} }}}})" if resolved != written else ""
        return failed(
            f"async_status takes jid: {jid}{that_is}, which is not the job id the launch "
            f"registered. Use {wait_one(register)}.",
            mistake="wrong-jid",
        )
    if launch.number("poll") != 0:
        return failed(
            f"Your launch task has {describe_poll(launch)}: the play waits on the job "
            "there, and when it ends Ansible deletes its job file, so async_status then "
            'says "could not find job". Launch with poll: 0.',
            mistake="launch-waits",
        )
    return passed(f"async_status waits for the launched job (jid from {register}).")


def wait_sized(ctx: Context, script: str, delay: int | None = None) -> Verdict:
    """async_status retries until finished, for at least the launch's async budget."""
    launch = ctx.launch(script)
    status = ctx.status_task(launch)
    if launch is None or status is None:
        return failed(
            "There is no async_status task to size.", mistake="no-launch" if launch is None else "no-async-status"
        )
    if "until" in launch.data:
        return failed(
            "until: is on the launch task, which relaunches the job at every retry; "
            "put until/retries/delay on the async_status task.",
            mistake="until-on-launch",
        )
    register = str(status.data.get("register") or "").strip()
    if not until_tests_finished(status):
        return failed(_until_problem(ctx, status, register), mistake="wait-without-until")
    retries, wait = status.number("retries"), status.number("delay")
    budget = launch.number("async") or 0
    if retries is None or wait is None:
        return failed(
            "Give async_status numbers for retries: and delay: (without them Ansible retries 3 times, 5 s apart).",
            mistake="retries-delay-missing",
        )
    if delay is not None and wait != delay:
        return failed(
            f"The exercise asks for delay: {delay}; your async_status has delay: {wait}.", mistake="delay-not-as-asked"
        )
    job = ctx.job_seconds(script)
    if budget and budget < job:
        return failed(
            f"retries × delay = {retries} × {wait} = {retries * wait} s covers async: {budget}, but "
            f"that budget is shorter than the job ({job:.0f} s): the target kills the job after "
            f"{budget} s, so async_status can only see it time out. Give the launch an async: "
            f"longer than the job, and retries × delay to match.",
            mistake="async-shorter-than-job",
        )
    if retries * wait < budget:
        need = -(-budget // wait)
        return failed(
            f"retries × delay = {retries} × {wait} = {retries * wait} s, but the job may run "
            f"for up to async: {budget} s, so the wait gives up before the job can. "
            f"With delay: {wait} you need retries: {need} or more.",
            mistake="wait-shorter-than-async",
        )
    return passed(
        f"async_status retries {retries} × {wait} s = {retries * wait} s, covering async: {budget} "
        f"(longer than the {job:.0f} s job)."
    )


def _until_problem(ctx: Context, status: Task, register: str) -> str:
    """Why an async_status task's until: does not wait for the job, in Ansible's words where
    Ansible gave some."""
    until = status.data.get("until")
    advice = until_finished(register or "wait_result")
    if not register:
        advice = f"register: wait_result and {advice}"
    if until is None:
        return (
            "Your async_status task has no until:, so it looks once and does not wait: "
            f"give it {advice}, with retries and delay."
        )
    said = [run.res.get("msg") for run in ctx.runs(status) if run.status == "failed"]
    error = next((str(m) for m in said if m and "until" in str(m) and "expression" in str(m)), None)
    if error:
        error = error.removeprefix("Task failed: ").strip()
        return (
            f"Your until: {until} cannot be evaluated on an async_status result; Ansible said: "
            f'"{error}". That result has ansible_job_id, started and finished (and the '
            f"job's own rc, stdout... only once finished): use {advice}."
        )
    if not register:
        return f"Your async_status task has until: {until} but no register:, so until cannot read its result: {advice}."
    return (
        f"Your until: {until} does not test whether the job finished, so async_status does "
        f"not wait for it: use {advice}."
    )


def fragile_failed_when(ctx: Context) -> str | None:
    """A note for a failed_when that reads rc on an async_status wait: each look at a job
    still running has no rc, so Ansible errors on it, and a job that timed out never has one."""
    for status in async_status_tasks(ctx.tasks):
        failed_when = status.data.get("failed_when")
        reg = str(status.data.get("register") or "wait_result").strip()
        if reads_rc_unguarded(failed_when):
            return (
                f"Note: failed_when: {failed_when} on '{status.name}' reads rc, which an "
                "async_status result has only once the job finished: at each look while it "
                "runs the condition errors, and a job that timed out has no rc at all. "
                "async_status already fails for a failed job: drop failed_when, or guard it: "
                f"`failed_when: {reg} is finished and ({reg}.rc | default(1)) != 0`."
            )
    return None


def same_become(ctx: Context, script: str) -> Verdict:
    launch = ctx.launch(script)
    status = ctx.status_task(launch)
    if launch is None or status is None:
        return failed(
            f"The exercise needs a launch of {script} and an async_status task.",
            mistake="no-launch" if launch is None else "no-async-status",
        )
    if launch.become_user != "postgres":
        return failed(
            f"The launch runs as {launch.become_user}; the exercise asks for the postgres "
            "user (become: true, become_user: postgres).",
            mistake="become-not-as-asked",
        )
    if status.become_user != launch.become_user:
        return failed(
            f"Your launch runs as {launch.become_user}, so its job file is in that user's "
            f"~/.ansible_async; your async_status runs as {status.become_user} and looks in "
            f'its own, so it says "could not find job". Give async_status the same '
            "become and become_user as the launch.",
            mistake="become-mismatch",
        )
    return passed(f"Launch and async_status both run as {launch.become_user}.")
