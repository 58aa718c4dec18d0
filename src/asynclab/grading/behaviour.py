"""Behaviour checks: what the learner's run did, read from its events and from the hosts."""

from __future__ import annotations

from .checks import Context, Verdict, failed, passed


def _clock(moment) -> str:
    return moment.strftime("%H:%M:%S") if moment else "?"


def _ran(ctx: Context) -> Verdict | None:
    if ctx.result is None:
        return failed("Your playbook did not run.")
    return None


def returned_before_job_end(ctx: Context, script: str, workload: str, hosts: list[str]) -> Verdict:
    """The launch task was back before the job ended, on every host."""
    if problem := _ran(ctx):
        return problem
    launch = ctx.launch(script)
    evidence = ctx.evidence({h: [workload] for h in hosts})
    late = []
    for host in hosts:
        runs = ctx.runs(launch, host)
        finished = evidence[host].finished_at(workload)
        if not runs or runs[-1].end is None:
            return failed(f"The launch of {script} did not run on {host}.")
        if finished is None:
            return failed(
                f"The job never finished on {host}, so there is nothing to compare: see the check of its result."
            )
        if runs[-1].end >= finished:
            late.append(f"{host} (launch back at {_clock(runs[-1].end)}, job done at {_clock(finished)})")
    if late:
        return failed("The launch task waited for the job instead of moving on: " + "; ".join(late) + ".")
    return passed(f"The launch returned while the job was still running, on {', '.join(hosts)}.")


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
            "end there (killed at its async limit, never launched, or launched too late)."
        )
    if wrong:
        return failed(
            f"{workload} ended as '{evidence[wrong[0]].result(workload)['outcome']}' on "
            f"{', '.join(wrong)}, not '{outcome}'."
        )
    return passed(f"{workload} finished on {', '.join(hosts)}: its result is on the host.")


def task_waited_for_job(ctx: Context, script: str, host: str, job_seconds: float) -> Verdict:
    """A poll > 0 task: it waited until its job finished, and ended well."""
    if problem := _ran(ctx):
        return problem
    runs = ctx.runs(ctx.launch(script), host)
    if not runs:
        return failed(f"The task running {script} did not run on {host}.")
    run = runs[-1]
    if run.status == "failed":
        msg = run.res.get("msg") or run.res.get("stderr") or "it failed"
        return failed(f"The task failed on {host}: {msg}.")
    if not run.res.get("finished") and "rc" not in run.res:
        return failed(
            f"The task came back at once on {host} without waiting for the job: poll: 0 "
            "does not wait. Choose a poll above 0."
        )
    if run.duration is not None and run.duration < job_seconds * 0.8:
        return failed(
            f"The task took {run.duration:.0f} s on {host}, less than the job's "
            f"{job_seconds:.0f} s: it did not wait for the job."
        )
    return passed(f"The task waited for the job on {host} and ended well (rc {run.res.get('rc', 0)}).")


def retried_until_finished(ctx: Context, script: str, host: str) -> Verdict:
    """async_status asked again and again until the job was finished."""
    if problem := _ran(ctx):
        return problem
    status = ctx.status_task(ctx.launch(script))
    runs = ctx.runs(status, host)
    if not runs:
        return failed(f"No async_status task ran on {host}.")
    run = runs[-1]
    if run.status == "failed":
        msg = str(run.res.get("msg") or "it failed")
        if run.attempts > 1 and not run.res.get("finished"):
            return failed(
                f"async_status gave up after {run.attempts} attempts while the job was still "
                f"running on {host}: the wait was shorter than the job."
            )
        return failed(f"async_status failed on {host}: {msg}.")
    if not run.res.get("finished"):
        return failed(f"async_status ended on {host} before the job finished.")
    if run.attempts < 2:
        return failed(
            f"async_status found the job finished at its first look on {host}, so it never "
            "had to retry: was the job launched with poll: 0?"
        )
    return passed(f"async_status checked {run.attempts} times on {host} until the job finished.")


def jobs_overlapped(ctx: Context, jobs: list[tuple[str, str]]) -> Verdict:
    """The (host, workload) jobs ran side by side: each one started before all the jobs
    started ahead of it had finished. Jobs run one after another (a poll > 0 task holding its
    fork, a loop with poll > 0) fail this; launches a second apart do not."""
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
            return failed(f"{workload} on {host} left no result, so it cannot have run beside the others.")
        spans.append((record["started_at"], record["finished_at"], host, workload))
    spans.sort()
    running_until = spans[0][1]
    for start, end, host, workload in spans[1:]:
        if start >= running_until:
            return failed(
                f"The jobs ran one after another, not side by side: {workload} on {host} "
                f"started at {_clock(start)}, when every job before it had already "
                f"finished (the last at {_clock(running_until)})."
            )
        running_until = max(running_until, end)
    span = (max(s[1] for s in spans) - spans[0][0]).total_seconds()
    work = sum((s[1] - s[0]).total_seconds() for s in spans)
    return passed(f"The {len(spans)} jobs ran side by side: {work:.0f} s of work done in {span:.0f} s.")


def play_waited_for(ctx: Context, host: str, workloads: list[str]) -> Verdict:
    """The playbook ended only after every listed job had finished."""
    if problem := _ran(ctx):
        return problem
    evidence = ctx.evidence({host: workloads})
    end = ctx.result.end
    for workload in workloads:
        finished = evidence[host].finished_at(workload)
        if finished is None:
            return failed(f"{workload} left no result on {host}: it did not finish.")
        if end is not None and end < finished:
            return failed(
                f"The play ended at {_clock(end)}, but {workload} finished at "
                f"{_clock(finished)}: it was not waited for."
            )
    if not ctx.result.ok:
        return failed(f"The play failed: {'; '.join(ctx.result.problems())}.")
    return passed(f"The play ended after all {len(workloads)} jobs had finished.")


def rescued_failure(ctx: Context, script: str, host: str) -> Verdict:
    """async_status reported the job's failure, the rescue ran and the play succeeded."""
    if problem := _ran(ctx):
        return problem
    runs = ctx.runs(ctx.status_task(ctx.launch(script)), host)
    if not runs:
        return failed(f"No async_status task ran on {host}.")
    if runs[-1].status != "failed":
        return failed("async_status did not report the job's failure, so nothing was rescued.")
    if not ctx.result.ok:
        return failed(
            f"The play failed: {'; '.join(ctx.result.problems())}. The rescue should "
            "handle the failure so that the play ends well."
        )
    return passed("async_status reported the failure and the rescue handled it: the play succeeded.")


def migration_landed(ctx: Context, script: str, host: str, version: int) -> Verdict:
    if problem := _ran(ctx):
        return problem
    runs = ctx.runs(ctx.status_task(ctx.launch(script)), host)
    if not runs or runs[-1].status == "failed":
        msg = runs[-1].res.get("msg") if runs else "it did not run"
        return failed(f"async_status did not see the migration finish on {host}: {msg}.")
    found = ctx.evidence({host: ["run_migration"]})[host].schema_version
    if found != version:
        return failed(f"production_db is at version {found}, not {version}: the migration did not land.")
    return passed(f"The migration finished and production_db is at version {version}.")


def timeout_detected(ctx: Context, script: str, host: str, log: str) -> Verdict:
    """The play survived the job's timeout, saw it, and wrote the failure log."""
    if problem := _ran(ctx):
        return problem
    if not ctx.result.ok:
        return failed(
            f"The play failed: {'; '.join(ctx.result.problems())}. Detect the timeout "
            "instead of letting it stop the play."
        )
    content = ctx.evidence()[host].files.get(log)
    if content is None:
        return failed(f"{log} was not written on {host}: the timeout went undetected.")
    return passed(f"The timeout was detected and recorded in {log}.")
