"""Behaviour checks: what the learner's run did, read from its events and from the hosts."""

from __future__ import annotations

from ..words import counted
from .checks import Context, Verdict, describe_poll, failed, passed


def _play_end(ctx: Context):
    """When the playbook's last task ended (its jobs may run on)."""
    ends = [t.end for t in ctx.result.tasks if t.end]
    return max(ends) if ends else None


def _ran(ctx: Context) -> Verdict | None:
    if ctx.result is None:
        return failed("Your playbook did not run.", mistake="playbook-did-not-run")
    return None


def _after(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds >= 0.5 else "under a second"


def _by_host(seconds: dict[str, float]) -> str:
    """'on web1, web2 and web3 2 s after': hosts grouped by the rounded time."""
    groups: dict[str, list[str]] = {}
    for host, value in seconds.items():
        groups.setdefault(_after(value), []).append(host)
    return "; ".join(f"on {_and(hosts)} {after}" for after, hosts in groups.items())


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _what(run) -> str:
    action = run.action.rsplit(".", 1)[-1]
    return f"'{run.task}'" + (f" ({action})" if action and action not in run.task else "")


# Which mistake a run's failure comes from, where the playbook says it (else the symptom's id).


def _failed_task_mistake(ctx: Context, script: str, job_seconds: float) -> str:
    launch = ctx.launch(script)
    budget = launch.number("async") if launch is not None else None
    return "async-shorter-than-job" if budget and budget < job_seconds else "task-failed"


def _already_finished_mistake(ctx: Context, launch, status, host: str) -> str:
    if launch is not None and launch.number("poll") != 0:
        return "launch-waits"
    if _why_already_finished(ctx, launch, status, host).endswith("Wait right after the launch."):
        return "slow-task-before-wait"
    return "async-status-failed"


def _sequential_mistake(launch) -> str:
    if launch is None:
        return "jobs-one-after-another"
    if launch.play.get("serial") is not None:
        return "serial-batches"
    poll = launch.number("poll")
    if poll is None or poll > 0:
        return "launch-waits"
    control = launch.data.get("loop_control")
    if isinstance(control, dict) and control.get("pause"):
        return "loop-pause"
    return "jobs-one-after-another"


def _become_mistake(ctx: Context, script: str) -> str:
    launch = ctx.launch(script)
    status = ctx.status_task(launch)
    if launch is not None and status is not None and launch.become_user != status.become_user:
        return "become-mismatch"
    return "async-status-failed"


def play_ended_while_jobs_ran(ctx: Context, script: str, workload: str, hosts: list[str]) -> Verdict:
    """Fire and forget: the play ended while the jobs still ran, on every host. A launch
    that waited (poll > 0), or anything after it that waited for the jobs (async_status,
    wait_for, pause, a sleep, a second play...), ends the play after them."""
    if problem := _ran(ctx):
        return problem
    launch = ctx.launch(script)
    evidence = ctx.evidence({h: [workload] for h in hosts})
    finished: dict = {}
    for host in hosts:
        runs = ctx.runs(launch, host)
        if not runs or runs[-1].end is None:
            return failed(f"The launch of {script} did not run on {host}.", mistake="job-did-not-finish")
        finished[host] = evidence[host].finished_at(workload)
        if finished[host] is None:
            return failed(
                f"The job never finished on {host}, so there is nothing to compare: see the check of its result.",
                mistake="job-did-not-finish",
            )
    play_end = _play_end(ctx)
    late = {h: (play_end - at).total_seconds() for h, at in finished.items() if at <= play_end}
    if not late:
        margin = min((at - play_end).total_seconds() for at in finished.values())
        return passed(f"The play ended while the jobs still ran: they finished {_after(margin)} or more after it.")
    launch_late = {}
    for host in hosts:
        back = ctx.runs(launch, host)[-1].end
        if back >= finished[host]:
            launch_late[host] = (back - finished[host]).total_seconds()
    if launch_late:
        return failed(
            f"The launch task waited for the job instead of moving on ({describe_poll(launch)}): "
            f"the launch returned {_by_host(launch_late)} after the job ended.",
            mistake="launch-waits",
        )
    first = min(finished[h] for h in late)
    launched = min(ctx.runs(launch, h)[-1].end for h in hosts)
    after = [
        t for t in ctx.result.tasks if t.start and t.end and t.start >= launched and t.uuid != ctx.runs(launch)[0].uuid
    ]
    holding = [t for t in after if t.start <= first <= t.end] or sorted(after, key=lambda t: -(t.duration or 0))[:1]
    cause = ""
    if holding:
        run = holding[0]
        other_play = run.play and run.play != ctx.runs(launch)[0].play
        where = f" in the next play ('{run.play}')" if other_play else ""
        cause = f": {_what(run)}{where} held it for {_after(run.duration or 0)}"
    return failed(
        f"The launch moved on, but the play waited for the jobs before it ended{cause}. It ended "
        f"{_by_host(late)} after the job had finished. Fire-and-forget lets the play end while "
        "the jobs run: nothing after the launch may wait for them.",
        mistake="play-waits-for-jobs",
    )


def results_landed(ctx: Context, workload: str, hosts: list[str], outcome: str = "done") -> Verdict:
    """The workload left its result on every host (``done``, or ``failed`` when told to fail)."""
    if problem := _ran(ctx):
        return problem
    evidence = ctx.evidence({h: [workload] for h in hosts})
    missing = [h for h in hosts if not evidence[h].result(workload)]
    wrong = [h for h in hosts if evidence[h].result(workload) and evidence[h].result(workload)["outcome"] != outcome]
    if missing:
        return failed(
            f"{workload} left no result on {', '.join(missing)}: the job did not run to its "
            "end there (killed at its async limit, never launched, or launched too late).",
            mistake="job-did-not-finish",
        )
    if wrong:
        return failed(
            f"{workload} ended as '{evidence[wrong[0]].result(workload)['outcome']}' on "
            f"{', '.join(wrong)}, not '{outcome}'.",
            mistake="job-did-not-finish",
        )
    return passed(f"{workload} finished on {', '.join(hosts)}: its result is on the host.")


def task_waited_for_job(ctx: Context, script: str, host: str, job_seconds: float) -> Verdict:
    """A poll > 0 task: it waited until its job finished, and ended well."""
    if problem := _ran(ctx):
        return problem
    runs = ctx.runs(ctx.launch(script), host)
    if not runs:
        return failed(f"The task running {script} did not run on {host}.", mistake="task-failed")
    run = runs[-1]
    if run.status == "failed":
        msg = run.res.get("msg") or run.res.get("stderr") or "it failed"
        return failed(f"The task failed on {host}: {msg}.", mistake=_failed_task_mistake(ctx, script, job_seconds))
    if not run.res.get("finished") and "rc" not in run.res:
        return failed(
            f"The task came back at once on {host} without waiting for the job: poll: 0 "
            "does not wait. Choose a poll above 0.",
            mistake="task-did-not-wait",
        )
    if run.duration is not None and run.duration < job_seconds * 0.8:
        return failed(
            f"The task took {run.duration:.0f} s on {host}, less than the job's "
            f"{job_seconds:.0f} s: it did not wait for the job.",
            mistake="task-did-not-wait",
        )
    return passed(f"The task waited for the job on {host} and ended well (rc {run.res.get('rc', 0)}).")


def retried_until_finished(ctx: Context, script: str, host: str) -> Verdict:
    """async_status asked again and again until the job was finished."""
    if problem := _ran(ctx):
        return problem
    launch = ctx.launch(script)
    status = ctx.status_task(launch)
    runs = ctx.runs(status, host)
    if not runs:
        return failed(f"No async_status task ran on {host}.", mistake="async-status-failed")
    run = runs[-1]
    budget, job = (launch.number("async") or 0) if launch else 0, ctx.job_seconds(script)
    if run.status == "failed":
        msg = str(run.res.get("msg") or "it failed")
        if budget and budget < job:
            return failed(
                f"async_status failed on {host} ({msg}): the launch's async: {budget} is shorter "
                f"than the job ({job:.0f} s), so the target killed the job at {budget} s.",
                mistake="async-shorter-than-job",
            )
        if run.attempts > 1 and not run.res.get("finished"):
            return failed(
                f"async_status gave up after {run.attempts} attempts while the job was still "
                f"running on {host}: the wait was shorter than the job.",
                mistake="wait-shorter-than-async",
            )
        return failed(f"async_status failed on {host}: {msg}.", mistake="async-status-failed")
    if not run.res.get("finished"):
        return failed(f"async_status ended on {host} before the job finished.", mistake="async-status-failed")
    if run.attempts < 2:
        return failed(
            f"async_status found the job finished at its first look on {host}, so it never had to retry: "
            + _why_already_finished(ctx, launch, status, host),
            mistake=_already_finished_mistake(ctx, launch, status, host),
        )
    return passed(f"async_status checked {run.attempts} times on {host} until the job finished.")


def _why_already_finished(ctx: Context, launch, status, host: str) -> str:
    if launch is not None and launch.number("poll") != 0:
        return f"the launch has {describe_poll(launch)}, so it waited for the job itself. Launch with poll: 0."
    launched = ctx.runs(launch, host)
    looked = ctx.runs(status, host)
    if launched and looked and launched[-1].end and looked[-1].start:
        between = [
            t
            for t in ctx.result.tasks
            if t.host == host and t.start and t.end and launched[-1].end <= t.start and t.end <= looked[-1].start
        ]
        longest = max(between, key=lambda t: t.duration or 0, default=None)
        if longest is not None and (longest.duration or 0) >= 1:
            return (
                f"{_what(longest)} ran between the launch and the wait for {_after(longest.duration)}, "
                "long enough for the job to end. Wait right after the launch."
            )
    return "was the job launched with poll: 0?"


def jobs_overlapped(ctx: Context, jobs: list[tuple[str, str]], script: str = "") -> Verdict:
    """The (host, workload) jobs ran side by side: each one started before all the jobs
    started ahead of it had finished. Jobs run one after another (a poll > 0 task holding its
    fork, a loop with poll > 0, a play in serial batches) fail this; launches a second apart
    do not, nor jobs of one launch that did not wait, however slow a busy controller made it.
    The feedback names the keyword that made them wait for each other."""
    if problem := _ran(ctx):
        return problem
    wanted: dict[str, list[str]] = {}
    for host, workload in jobs:
        wanted.setdefault(host, []).append(workload)
    evidence = ctx.evidence(wanted)
    spans = []
    for host, workload in jobs:
        record = evidence[host].result(workload)
        if not record or not record["started_at"] or not record["finished_at"]:
            return failed(
                f"{workload} on {host} left no result, so it cannot have run beside the others.",
                mistake="job-did-not-finish",
            )
        spans.append((record["started_at"], record["finished_at"], host, workload))
    spans.sort()
    launch = ctx.launch(script) if script else None
    busy = _launched_without_waiting(ctx, launch, set(wanted))
    running_until, slowed = spans[0][1], False
    for start, end, host, workload in spans[1:]:
        slowed = slowed or start >= running_until
        if start >= running_until and not busy:
            gap = (start - running_until).total_seconds()
            where = f"{workload} on {host}" if len(wanted) > 1 else workload
            return failed(
                f"The jobs ran one after another, not side by side: {where} started "
                f"{_after(gap)} after every job before it had finished. " + sequential_cause(ctx, launch),
                mistake=_sequential_mistake(launch),
            )
        running_until = max(running_until, end)
    span = (max(s[1] for s in spans) - spans[0][0]).total_seconds()
    work = sum((s[1] - s[0]).total_seconds() for s in spans)
    if slowed:
        return passed(
            f"The {len(spans)} jobs were launched by one task that did not wait for them (poll: 0), "
            f"so nothing held them back: {work:.0f} s of work done in {span:.0f} s, on a controller "
            "so busy that a launch took longer than a job."
        )
    return passed(f"The {len(spans)} jobs ran side by side: {work:.0f} s of work done in {span:.0f} s.")


def _launched_without_waiting(ctx: Context, launch, hosts: set[str]) -> bool:
    """Every job on these hosts came from one task that returned while its job ran (poll 0
    in the run's own events), and nothing in the playbook spaces the launches (serial, a
    loop's pause, throttle). Jobs that still did not overlap in time were slowed by a busy
    controller, not held back by the playbook: the verdict must not depend on the machine."""
    if launch is None or _sequential_mistake(launch) != "jobs-one-after-another":
        return False
    if launch.data.get("throttle") is not None:
        return False
    jobs = [job for job in ctx.result.jobs if job.host in hosts]
    return bool(jobs) and len({job.task for job in jobs}) == 1 and all(job.poll == "0" for job in jobs)


def sequential_cause(ctx: Context, launch) -> str:
    """Which keyword of the playbook made the jobs run one after another, in words."""
    if launch is None:
        return "Launch every job with poll: 0 first, then wait for them all."
    causes = []
    serial = launch.play.get("serial")
    if serial is not None:
        causes.append(
            f"The play has serial: {serial}, so Ansible runs the whole play on one batch of "
            "hosts, waits included, before it starts the next: each batch's jobs start after "
            "the previous batch's have ended. Leave serial: out."
        )
    poll = launch.number("poll")
    if poll is None or poll > 0:
        if launch.loops:
            causes.append(
                f"The looped launch has {describe_poll(launch)}, so Ansible waits for each "
                "item's job to end before it launches the next. Launch with poll: 0 and wait "
                "for all the jobs afterwards with async_status."
            )
        else:
            forks = ctx.spec.forks
            held = f"one of the {forks} forks" if forks else "a fork"
            free = launch.play.get("strategy") == "free"
            causes.append(
                (
                    "strategy: free lets each host go on at its own pace, but it does not free the forks: "
                    if free
                    else ""
                )
                + f"the launch has {describe_poll(launch)}, so each host's task holds {held} "
                "until its job ends and the other hosts wait their turn. Launch with poll: 0 "
                "and wait for the jobs afterwards with async_status."
            )
        if launch.data.get("throttle") is not None:
            causes.append(f"throttle: {launch.data['throttle']} on the launch lets only that many wait at once.")
    control = launch.data.get("loop_control")
    if isinstance(control, dict) and control.get("pause"):
        causes.append(
            f"loop_control: pause: {control['pause']} waits between the loop's launches, "
            "longer than a job takes. Leave the pause out."
        )
    return " ".join(causes) or "Launch every job with poll: 0 first, then wait for them all."


def play_waited_for(ctx: Context, host: str, workloads: list[str]) -> Verdict:
    """The playbook ended only after every listed job had finished."""
    if problem := _ran(ctx):
        return problem
    evidence = ctx.evidence({host: workloads})
    end = _play_end(ctx)
    for workload in workloads:
        finished = evidence[host].finished_at(workload)
        if finished is None:
            return failed(f"{workload} left no result on {host}: it did not finish.", mistake="job-did-not-finish")
        if end is not None and end < finished:
            return failed(
                f"The play ended {_after((finished - end).total_seconds())} before {workload} "
                "finished: it was not waited for.",
                mistake="play-ends-before-jobs",
            )
    if not ctx.result.ok:
        return failed(f"The play failed: {'; '.join(ctx.result.problems())}.", mistake="task-failed")
    every = "all " if len(workloads) > 1 else ""
    return passed(f"The play ended after {every}{counted(len(workloads), 'job')} had finished.")


def rescued_failure(ctx: Context, script: str, host: str) -> Verdict:
    """async_status reported the job's failure, the rescue ran and the play succeeded."""
    if problem := _ran(ctx):
        return problem
    runs = ctx.runs(ctx.status_task(ctx.launch(script)), host)
    if not runs:
        return failed(f"No async_status task ran on {host}.", mistake="async-status-failed")
    if runs[-1].status != "failed":
        return failed(
            "async_status did not report the job's failure, so nothing was rescued.", mistake="failure-not-handled"
        )
    if runs[-1].ignored:
        return failed(
            "async_status reported the job's failure, but ignore_errors let the play go on as if "
            "it had not failed, so the rescue: did not run.",
            mistake="ignore-errors-hides-failure",
        )
    if not ctx.result.ok:
        return failed(
            f"The play failed: {'; '.join(ctx.result.problems())}. The rescue should "
            "handle the failure so that the play ends well.",
            mistake="failure-not-handled",
        )
    return passed("async_status reported the failure and the rescue handled it: the play succeeded.")


def migration_landed(ctx: Context, script: str, host: str, version: int) -> Verdict:
    if problem := _ran(ctx):
        return problem
    runs = ctx.runs(ctx.status_task(ctx.launch(script)), host)
    if not runs or runs[-1].status == "failed":
        msg = runs[-1].res.get("msg") if runs else "it did not run"
        return failed(
            f"async_status did not see the migration finish on {host}: {msg}.", mistake=_become_mistake(ctx, script)
        )
    found = ctx.evidence({host: ["run_migration"]})[host].schema_version
    if found != version:
        return failed(
            f"production_db is at version {found}, not {version}: the migration did not land.",
            mistake="job-did-not-finish",
        )
    return passed(f"The migration finished and production_db is at version {version}.")


def timeout_detected(ctx: Context, script: str, host: str, log: str) -> Verdict:
    """The play survived the job's timeout, saw it, and wrote the failure log."""
    if problem := _ran(ctx):
        return problem
    if not ctx.result.ok:
        return failed(
            f"The play failed: {'; '.join(ctx.result.problems())}. Detect the timeout "
            "instead of letting it stop the play.",
            mistake="timeout-not-detected",
        )
    content = ctx.evidence()[host].files.get(log)
    if content is None:
        return failed(f"{log} was not written on {host}: the timeout went undetected.", mistake="timeout-not-detected")
    return passed(f"The timeout was detected and recorded in {log}.")
