"""The graded exercises: for each, its hosts and workloads, its limits and its checks.

A playbook exercise prepares the hosts (clean state, the workloads' lengths), runs the
learner's playbook within ``time_limit`` and is graded by its checks, each worth some points.
A value exercise reads one variable of the learner's notebook.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Real

from . import behaviour as b, checks as c
from .host_state import Workload
from .structure import as_bool, as_int, reads_rc_unguarded

Check = Callable[[c.Context], c.Verdict]


@dataclass
class Exercise:
    name: str
    title: str
    kind: str = "playbook"  # playbook or value
    hosts: list[str] = field(default_factory=list)
    workloads: dict[str, list[Workload]] = field(default_factory=dict)  # host -> workloads
    forks: int | None = None
    checks: list[tuple[float, Check]] = field(default_factory=list)
    variable: str = ""  # value exercises: the learner's variable
    accept: Callable[[object], c.Verdict] | None = None
    #: Seconds of job time on the exercise's critical path when answered as asked, where that
    #: is not its longest workload (a hung job runs to the async limit the question sets; a
    #: job started after another adds to it). Only `make bench` reads it (inherent time).
    critical_path: float | None = None

    @property
    def points(self) -> float:
        return sum(p for p, _ in self.checks)

    @property
    def longest_job(self) -> float:
        return max((w.seconds for loads in self.workloads.values() for w in loads), default=0)

    @property
    def job_time(self) -> float:
        """The time the exercise's own jobs need, end to end: no grading can be faster."""
        return self.longest_job if self.critical_path is None else self.critical_path

    @property
    def time_limit(self) -> float:
        """How long a run of this exercise may take before it is cut off."""
        return max(45.0, 30 + 4 * self.longest_job)

    @property
    def settle_time(self) -> float:
        """How long to wait for background jobs to leave their results after the run."""
        return self.longest_job + 15

    def workloads_by_host(self) -> dict[str, list[Workload]]:
        return self.workloads


def on(hosts, *loads: Workload) -> dict[str, list[Workload]]:
    return {h: list(loads) for h in hosts}


WEB = ["web1", "web2", "web3"]
ALL = ["web1", "web2", "web3", "db1", "app1"]


# Structure checks of single exercises ------------------------------------------------------


def async_sized(low: int, high: int, job: int):
    def check(ctx: c.Context) -> c.Verdict:
        task = ctx.launch("/opt/scripts/backup_db.sh")
        if task is None:
            return c.failed("No task runs /opt/scripts/backup_db.sh.", mistake="no-launch")
        asyn = task.number("async")
        if problem := c.not_whole(task, "async") or c.not_whole(task, "poll"):
            return c.failed(problem, mistake="not-whole-number")
        if not asyn:
            return c.failed("Your task has no async (or not a number), so it runs synchronously.", mistake="no-async")
        if asyn < job:
            return c.failed(
                f"async: {asyn} is shorter than the job ({job} s): the target kills the job "
                f"after {asyn} s. Leave a margin: {low} to {high}.",
                mistake="async-shorter-than-job",
            )
        if asyn < low:
            return c.failed(
                f"async: {asyn} leaves no margin over the job's {job} s: a slow moment and "
                f"the job is killed. Choose {low} to {high}.",
                mistake="async-no-margin",
            )
        if asyn > high:
            return c.failed(
                f"async: {asyn} is far longer than the job needs: a hung job would hold on "
                f"for {asyn} s before it is stopped. Choose {low} to {high}.",
                mistake="async-too-long",
            )
        if task.number("poll") in (None, 0):
            return c.failed(
                "Keep poll: 2 as the exercise says: with poll: 0 (or the default 15) the "
                "task does not wait the way it should.",
                mistake="poll-zero-when-waiting",
            )
        return c.passed(f"async: {asyn} covers the {job} s job with a margin.")

    return check


def poll_chosen(ctx: c.Context) -> c.Verdict:
    task = ctx.launch("/opt/long_task.sh")
    if task is None or not task.number("async"):
        return c.failed("No task runs /opt/long_task.sh with async.", mistake="no-async")
    poll = task.data.get("poll")
    value = as_int(poll)
    if poll is None:
        return c.failed(
            "poll is not set, so Ansible checks every 15 s (the default): the end is noticed "
            "up to 15 s late. Choose a poll from 1 to 3.",
            mistake="poll-default",
        )
    if value == 0:
        return c.failed(
            "poll: 0 does not wait at all: the task starts the job and moves on. Choose a poll from 1 to 3.",
            mistake="poll-zero-when-waiting",
        )
    if value is None or value < 1:
        return c.failed(f"poll: {poll} is not a whole number of seconds from 1 to 3.", mistake="not-whole-number")
    if value > 3:
        return c.failed(
            f"With poll: {value} the end of the job is noticed up to {value} s late; "
            "the exercise asks for 3 s at most.",
            mistake="poll-too-slow",
        )
    return c.passed(f"poll: {value} notices the end within {value} s without checking too often.")


def status_in_rescued_block(ctx: c.Context) -> c.Verdict:
    launch = ctx.launch("/opt/risky_operation.sh")
    status = ctx.status_task(launch)
    if launch is None or status is None:
        return c.failed(
            "The exercise needs a launch of /opt/risky_operation.sh and an async_status task.",
            mistake="no-launch" if launch is None else "no-async-status",
        )
    if launch.number("poll") != 0:
        return c.failed(
            f"Launch with poll: 0 (yours: {c.describe_poll(launch)}); the wait is async_status's job.",
            mistake="launch-waits",
        )
    if launch.get("ignore_errors"):
        return c.failed(
            "ignore_errors on the launch hides a failed launch, and then there is no job "
            "id to wait for: handle errors around async_status instead.",
            mistake="ignore-errors-hides-failure",
        )
    if as_bool(status.get("ignore_errors")):
        return c.failed(
            "ignore_errors on your async_status task (or its block) turns the job's failure "
            "into success, so the rescue: never runs. Leave ignore_errors out.",
            mistake="ignore-errors-hides-failure",
        )
    if status.rescuer is None:
        return c.failed(
            "Your async_status task is not inside a block: with a rescue: section, so the "
            "job's failure cannot be rescued.",
            mistake="no-rescue",
        )
    if not any(t.rescues(status) and "/opt/cleanup.sh" in t.command for t in ctx.tasks):
        return c.failed("The rescue section does not run /opt/cleanup.sh.", mistake="rescue-incomplete")
    return c.passed("async_status waits inside a block whose rescue runs /opt/cleanup.sh.")


def timeout_handling_sound(ctx: c.Context) -> c.Verdict:
    launch = ctx.launch("/opt/operation.sh")
    status = ctx.status_task(launch)
    if launch is None or status is None:
        return c.failed(
            "The exercise needs a launch of /opt/operation.sh and an async_status task.",
            mistake="no-launch" if launch is None else "no-async-status",
        )
    failed_when = status.data.get("failed_when")
    if reads_rc_unguarded(failed_when):
        return c.failed(
            f"failed_when: {failed_when} reads rc, which a timed-out job does not have: "
            "the condition itself errors. async_status already fails for a failed or "
            "timed-out job; drop failed_when and use ignore_errors: true.",
            mistake="failed-when-reads-rc",
        )
    conditions = " ".join(" ".join(t.conditions) for t in ctx.tasks)
    if re.search(r"finished\s*==\s*0|finished\s*==\s*false|not\s+\w+\.finished", conditions, re.I):
        return c.failed(
            "A timed-out job is reported finished (with failed: true), so a test on "
            "finished == 0 never fires. Test the result's failure instead: "
            f"`when: {str(status.data.get('register') or 'wait_result').strip()} is failed`.",
            mistake="timeout-tested-by-finished",
        )
    register = str(status.data.get("register") or "").strip()
    writers = [t for t in ctx.tasks if "/var/log/operation_failure.log" in str(t.data)]
    if not writers:
        return c.failed("No task writes /var/log/operation_failure.log.", mistake="no-failure-log")
    if any(t.rescues(status) for t in writers):
        if as_bool(status.get("ignore_errors")):
            return c.failed(
                "The log is written in the rescue: of the block that waits, but ignore_errors "
                "on the wait turns its failure into success, so the rescue never runs. "
                "Leave ignore_errors out of that block.",
                mistake="ignore-errors-hides-failure",
            )
        return c.passed(
            "The timeout is recorded in the rescue: of the block that waits, which runs only when the wait failed."
        )
    guarded = [t for t in writers if register and re.search(rf"\b{re.escape(register)}\b", " ".join(t.conditions))]
    if not guarded:
        return c.failed(
            f"The task writing the log runs whether or not the job timed out: give it a when: "
            f"on the async_status result{f' (`when: {register} is failed`)' if register else ''}, "
            "or write the log in the rescue: of a block around the wait.",
            mistake="failure-log-unguarded",
        )
    return c.passed("The timeout is detected from the async_status result, with no failed_when on rc.")


# Value exercises ---------------------------------------------------------------------------


def whole_number(value) -> int | None:
    """A whole number as written: 9, 9.0 or "9"; None for a fraction (9.5) or anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = float(value) if re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value) else None
    if isinstance(value, Real) and float(value).is_integer():
        return int(value)
    return None


def exact_number(expected: int, explain: str, mistake: str):
    def accept(value) -> c.Verdict:
        number = whole_number(value)
        if number is None:
            if isinstance(value, Real | str) and re.fullmatch(r"-?\d+\.\d+|-?\d+/\d+", str(value).strip()):
                return c.failed(
                    f"{value} is a fraction, not a whole number: Ansible takes only whole "
                    "numbers for retries:, delay: and async:. Answer with a whole number.",
                    mistake="not-a-whole-number-answer",
                )
            return c.failed(
                f"The answer should be a whole number; found {value!r}.", mistake="not-a-whole-number-answer"
            )
        if number != expected:
            return c.failed(f"{number} is not it: {explain}", mistake=mistake)
        return c.passed(f"{number} is right: {explain}")

    return accept


def choice(expected: str, explain: str, mistake: str, options: str = "abcd"):
    def accept(value) -> c.Verdict:
        letter = str(value).strip().lower().strip("()")
        if letter not in options:
            return c.failed(f"Answer with one letter of {', '.join(options)}; found {value!r}.", mistake="not-a-choice")
        if letter != expected:
            return c.failed(f"({letter}) is not it: {explain}", mistake=mistake)
        return c.passed(f"({letter}) is right: {explain}")

    return accept


# The exercises as a table, one entry per exercise (ruff format leaves its layout alone).
# fmt: off
EXERCISE_LIST = [
    Exercise(
        "fire_and_forget", "Launch a fire-and-forget backup", hosts=WEB,
        workloads=on(WEB, Workload("/opt/backup.sh", 8)),
        checks=[
            (1, lambda ctx: c.launched_in_background(ctx, "/opt/backup.sh", 8)),
            (1, lambda ctx: b.play_ended_while_jobs_ran(ctx, "/opt/backup.sh", "backup", WEB)),
            (1, lambda ctx: b.results_landed(ctx, "backup", WEB)),
        ]),
    Exercise(
        "size_async", "Size async for a job of known length", hosts=["db1"],
        workloads=on(["db1"], Workload("/opt/scripts/backup_db.sh", 6)),
        checks=[
            (1, async_sized(8, 18, 6)),
            (1, lambda ctx: b.task_waited_for_job(ctx, "/opt/scripts/backup_db.sh", "db1", 6)),
        ]),
    Exercise(
        "choose_poll", "Choose poll", hosts=["app1"],
        workloads=on(["app1"], Workload("/opt/long_task.sh", 10)),
        checks=[
            (1, poll_chosen),
            (1, lambda ctx: b.task_waited_for_job(ctx, "/opt/long_task.sh", "app1", 10)),
        ]),
    Exercise(
        "wait_with_async_status", "Wait for a job with async_status", hosts=["web1"],
        workloads=on(["web1"], Workload("/opt/scripts/generate_reports.sh", 10)),
        checks=[
            (1, lambda ctx: c.status_wired(ctx, "/opt/scripts/generate_reports.sh")),
            (1, lambda ctx: c.wait_sized(ctx, "/opt/scripts/generate_reports.sh", delay=3)),
            (1, lambda ctx: b.retried_until_finished(ctx, "/opt/scripts/generate_reports.sh", "web1")),
        ]),
    Exercise(
        "all_hosts_at_once", "Finish a job on all hosts in about one job's time", hosts=ALL,
        workloads=on(ALL, Workload("/opt/task.sh", 8)), forks=2,
        checks=[
            (1, lambda ctx: c.status_wired(ctx, "/opt/task.sh")),
            (1, lambda ctx: b.jobs_overlapped(ctx, [(h, "task") for h in ALL], "/opt/task.sh")),
            (1, lambda ctx: b.results_landed(ctx, "task", ALL)),
        ]),
    Exercise(
        "loop_of_jobs", "Launch several jobs in a loop and wait for all", hosts=["web1"],
        workloads=on(["web1"], Workload("/opt/scripts/backup_db.sh", 4),
                     Workload("/opt/scripts/generate_reports.sh", 6),
                     Workload("/opt/scripts/optimize_images.sh", 8)),
        checks=[
            (1, lambda ctx: c.status_wired(ctx, "/opt/scripts/", loop=True)),
            (1, lambda ctx: b.jobs_overlapped(
                ctx, [("web1", w) for w in ("backup_db", "generate_reports", "optimize_images")],
                "/opt/scripts/")),
            (1, lambda ctx: b.play_waited_for(ctx, "web1", ["backup_db", "generate_reports", "optimize_images"])),
        ]),
    Exercise(
        "rescue_a_failed_job", "Handle a failed job with block/rescue", hosts=["app1"],
        workloads=on(["app1"], Workload("/opt/risky_operation.sh", 4, fail=3), Workload("/opt/cleanup.sh", 1)),
        critical_path=4 + 1,  # the cleanup runs once the risky job has failed
        checks=[
            (1, status_in_rescued_block),
            (1, lambda ctx: b.rescued_failure(ctx, "/opt/risky_operation.sh", "app1")),
            (1, lambda ctx: b.results_landed(ctx, "cleanup", ["app1"])),
        ]),
    Exercise(
        "wait_as_the_same_user", "Wait for a job launched with become", hosts=["db1"],
        workloads=on(["db1"], Workload("/opt/migrations/run_migration.sh", 4)),
        checks=[
            (1, lambda ctx: c.same_become(ctx, "/opt/migrations/run_migration.sh")),
            (1, lambda ctx: b.migration_landed(ctx, "/opt/migrations/run_migration.sh", "db1", 4)),
        ]),
    Exercise(
        "detect_a_timeout", "Detect a timeout correctly", hosts=["web2"],
        workloads=on(["web2"], Workload("/opt/operation.sh", 3, hang=True)),
        critical_path=5,  # the hung job runs until the `async: 5` the question asks for
        checks=[
            (1, timeout_handling_sound),
            (2, lambda ctx: b.timeout_detected(ctx, "/opt/operation.sh", "web2", "/var/log/operation_failure.log")),
        ]),
    Exercise(
        "retries_needed", "Retries for an async budget", kind="value", variable="retries_needed",
        checks=[(1, None)],
        accept=exact_number(9, "async_status must be able to wait the whole budget of async: 90, "
                               "and retries × delay = 9 × 10 = 90 s.", mistake="retries-miscounted")),
    Exercise(
        "poll_zero_means", "What poll: 0 means", kind="value", variable="poll_zero_means",
        checks=[(1, None)],
        accept=choice("b", "poll: 0 starts the job on the host and moves on at once; nothing checks "
                           "it until an async_status task asks.", mistake="poll-zero-misread")),
    Exercise(
        "could_not_find_job", "Why async_status says \"could not find job\"", kind="value",
        variable="could_not_find_job", checks=[(1, None)],
        accept=choice("c", "a task with poll > 0 waits for its job and then deletes the job file, so "
                           "a later async_status has nothing to read.",
                    mistake="job-file-misread")),
]
# fmt: on

EXERCISES: dict[str, Exercise] = {e.name: e for e in EXERCISE_LIST}
