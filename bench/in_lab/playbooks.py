"""The playbook benchmarks of `make bench`, run inside the lab container (where learners run).

    python bench/in_lab/playbooks.py [--runs N] [--seconds T]

Prints one JSON object:

- ``parallel``: five hosts, two jobs of T seconds on each. ``sequential_s`` (forks 1),
  ``linear_s``, ``free_s`` (sync tasks, forks 5), ``async_s`` (poll 0, then async_status),
  ``async_loop_s`` (both jobs launched by one looped poll 0 task: one task round fewer),
  ``speedup`` = sequential over the best; the limit is 10 (all ten jobs at once).
- ``runner_overhead``: ten quick tasks on five hosts, the plain ``ansible-playbook`` CLI
  against the lab's runner with its live progress on; ``ratio`` (the limit is 1.0).
- ``poll_latency``: a 3 s job with ``poll: P``: the time from the job's end on the host
  until the task ends on the controller, for each P.
- ``module_cost``: one module run (``ping`` on one host, one task at a time) with the targets'
  bytecode cache against the same run without it (``LAB_BYTECODE_CACHE=0``, as on a real
  host); ``ratio`` below 1 is what the cache saves every task in the lab.
- ``lab_commands``: the grader's reset and probe of the five hosts for one exercise, as two
  ansible-playbook runs with ``raw`` (``playbook_s``, the way before) and over SSH (``ssh_s``).

Each figure is the median of ``--runs`` runs (at least five for ``parallel`` and
``runner_overhead``); the two sides of a ratio alternate.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from asynclab.run.runner import run_playbook

JOB = "/opt/long_task.sh"


def _job(seconds: float, name: str) -> dict:
    return {"name": name, "ansible.builtin.command": f"{JOB} --seconds {seconds:g}"}


def _budget(seconds: float) -> int:
    """The async limit and the wait's retries for jobs of `seconds`: far more than they need."""
    return int(seconds * 6 + 30)


def _wait_for(jobs: str | list[str], seconds: float) -> dict:
    """Wait on each launched job (`jobs`: the registered results, a list or a template)."""
    return {
        "name": "wait for both",
        "ansible.builtin.async_status": {"jid": "{{ item.ansible_job_id }}"},
        "loop": jobs,
        "register": "done",
        "until": "done is finished",
        "retries": _budget(seconds),
        "delay": 1,
    }


def parallel_play(variant: str, seconds: float) -> list[dict]:
    """The two jobs per host, run the way `variant` says."""
    jobs = [_job(seconds, "job a"), _job(seconds, "job b")]
    play = {"name": f"parallel {variant}", "hosts": "all", "gather_facts": False}
    if variant == "free":
        play["strategy"] = "free"
    if variant == "async_loop":
        # One task round fewer: a single looped poll: 0 task launches both jobs.
        launch = {
            "name": "launch both",
            "ansible.builtin.command": f"{JOB} --seconds {{{{ item }}}}",
            "loop": [seconds, seconds],
            "async": _budget(seconds),
            "poll": 0,
            "register": "jobs",
        }
        jobs = [launch, _wait_for("{{ jobs.results }}", seconds)]
    if variant == "async":
        for number, job in enumerate(jobs):
            job.update({"async": _budget(seconds), "poll": 0, "register": f"job{number}"})
        jobs.append(_wait_for(["{{ job0 }}", "{{ job1 }}"], seconds))
    play["tasks"] = jobs
    return [play]


def _run(plays: list[dict], **options):
    """Run quietly; a run that does not succeed stops the benchmark."""
    with contextlib.redirect_stdout(io.StringIO()):
        result = run_playbook(plays, **options)
    if result.status != "successful":
        raise RuntimeError(f"benchmark run failed: {result.status}: {result.summary()}")
    return result


def _timed(plays: list[dict], **options) -> float:
    started = time.monotonic()
    _run(plays, **options)
    return time.monotonic() - started


def parallel(runs: int, seconds: float) -> dict:
    variants = {
        "sequential": {"forks": 1},
        "linear": {"forks": 5},
        "free": {"forks": 5},
        "async": {"forks": 5},
        "async_loop": {"forks": 5},
    }
    times = {name: [] for name in variants}
    for _ in range(runs):
        for name, options in variants.items():
            times[name].append(
                _timed(parallel_play(name, seconds), progress="none", timeout=seconds * 20 + 120, **options)
            )
    medians = {f"{name}_s": round(statistics.median(values), 2) for name, values in times.items()}
    best = min(("linear", "free", "async", "async_loop"), key=lambda name: medians[f"{name}_s"])
    return {
        "hosts": 5,
        "jobs_per_host": 2,
        "job_s": seconds,
        **medians,
        "best": best,
        "speedup": round(medians["sequential_s"] / medians[f"{best}_s"], 2),
        "limit": 10.0,
    }


QUICK_PLAY = [
    {
        "name": "quick tasks",
        "hosts": "all",
        "gather_facts": False,
        "tasks": [{"name": f"quick {n}", "ansible.builtin.command": "/bin/true"} for n in range(10)],
    }
]


def runner_overhead(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        playbook = Path(folder) / "quick.yml"
        playbook.write_text(yaml.safe_dump(QUICK_PLAY))
        cli, lab = [], []
        _timed(QUICK_PLAY, progress="none")  # warm up the SSH control connections for both
        for _ in range(runs):
            started = time.monotonic()
            subprocess.run(["ansible-playbook", str(playbook)], check=True, capture_output=True)
            cli.append(time.monotonic() - started)
            lab.append(_timed(QUICK_PLAY, progress="html"))
    plain, ours = statistics.median(cli), statistics.median(lab)
    return {
        "tasks": 10,
        "hosts": 5,
        "ansible_playbook_s": round(plain, 2),
        "lab_runner_s": round(ours, 2),
        "ratio": round(ours / plain, 3),
        "limit": 1.0,
    }


def poll_latency(runs: int, polls=(1, 2, 5), job_seconds: float = 3) -> dict:
    """Seconds from a job's end until its task ends, per poll interval (median over hosts and runs)."""
    out = {}
    for poll in polls:
        job = {"name": "job", "ansible.builtin.shell": f"sleep {job_seconds:g}; date +%s.%N", "async": 60, "poll": poll}
        play = [{"name": "poll latency", "hosts": "all", "gather_facts": False, "tasks": [job]}]
        lags, unread = [], []
        for _ in range(runs):
            with contextlib.redirect_stdout(io.StringIO()):
                result = run_playbook(play, progress="none")
            for task in result.task("job"):
                try:
                    lags.append(task.end.timestamp() - float(task.res["stdout"]))
                except (KeyError, TypeError, ValueError, AttributeError):
                    # No end time to read: say what the task ended as instead of guessing.
                    said = task.res.get("msg") or repr(task.res.get("stdout"))
                    unread.append(f"{task.host}: {task.status}, {str(said)[:120]}")
        out[f"poll_{poll}"] = {
            "poll_s": poll,
            "latency_s": round(statistics.median(lags), 2) if lags else None,
            "max_s": round(max(lags), 2) if lags else None,
            "tasks": len(lags) + len(unread),
            "unread": unread,
        }
    return out


def module_cost(runs: int, tasks: int = 10) -> dict:
    """Median task time of a module run on one host, with the targets' bytecode cache and without."""

    def play(cache: bool) -> list[dict]:
        return [
            {
                "name": "module cost",
                "hosts": "web1",
                "gather_facts": False,
                "environment": {"LAB_BYTECODE_CACHE": "1" if cache else "0"},
                "tasks": [{"name": f"ping {n}", "ansible.builtin.ping": {}} for n in range(tasks)],
            }
        ]

    times = {True: [], False: []}
    for _ in range(runs):
        for cache in (False, True):
            result = _run(play(cache), progress="none", forks=1)
            times[cache] += [t.duration for t in result.tasks if t.duration is not None]
    cached, plain = statistics.median(times[True]), statistics.median(times[False])
    return {
        "tasks": tasks * runs,
        "cached_s": round(cached, 3),
        "uncached_s": round(plain, 3),
        "ratio": round(cached / plain, 3),
    }


def lab_commands(runs: int) -> dict:
    """The grader's own work for one exercise on the five hosts (a reset, then a probe): as
    one ansible-playbook run each, with ``raw`` (how it was done before), against the same
    scripts over SSH (grading.ssh_scripts, how it is done)."""
    from asynclab.grading import host_state, ssh_scripts
    from asynclab.inventory import LAB_HOSTS

    steps = [host_state.reset_scripts({}, LAB_HOSTS), host_state.probe_scripts(LAB_HOSTS)]

    times = {"playbook": [], "ssh": []}
    for _ in range(runs):
        started = time.monotonic()
        for scripts in steps:
            _run(ssh_scripts.as_playbook(scripts), progress="none")
        times["playbook"].append(time.monotonic() - started)
        started = time.monotonic()
        for scripts in steps:
            replies = ssh_scripts.run_scripts(scripts, timeout=60)
            if any(r.rc != 0 for r in replies.values()):
                raise RuntimeError(f"benchmark lab commands failed: {replies}")
        times["ssh"].append(time.monotonic() - started)
    playbook, ssh = statistics.median(times["playbook"]), statistics.median(times["ssh"])
    return {
        "hosts": len(LAB_HOSTS),
        "playbook_s": round(playbook, 2),
        "ssh_s": round(ssh, 2),
        "saved_per_exercise_s": round(playbook - ssh, 2),
    }


FIGURES = ["parallel", "runner_overhead", "poll_latency", "module_cost", "lab_commands"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/in_lab/playbooks.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10, help="length of each job in `parallel` (default 10)")
    parser.add_argument("--only", choices=FIGURES, action="append")
    args = parser.parse_args(argv)
    chosen = args.only or FIGURES
    figures = {
        # The async variant is the noisiest figure (16.6-20.2 s over a few minutes on 2 cores):
        # five runs at least, so that one slow run does not make the median.
        "parallel": lambda: parallel(max(args.runs, 5), args.seconds),
        "runner_overhead": lambda: runner_overhead(max(args.runs, 5)),
        "poll_latency": lambda: poll_latency(args.runs),
        "module_cost": lambda: module_cost(args.runs),
        "lab_commands": lambda: lab_commands(max(args.runs, 5)),
    }
    results, failed = {}, False
    for name in FIGURES:
        if name not in chosen:
            continue
        try:
            results[name] = figures[name]()
        except Exception as exc:  # one figure that fails keeps the others of the run
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            failed = True
    print(json.dumps(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
