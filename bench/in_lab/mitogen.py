"""Mitogen's strategy beside SSH with pipelining and ControlPersist (the lab's ansible.cfg),
on the same plays, in the same run. `make bench` runs it in the lab container with Mitogen
on PYTHONPATH (unpacked there for the benchmark; the lab image does not install it).

    python bench/in_lab/mitogen.py SITE_DIR [--runs N] [--seconds T]

Prints one JSON object, the ``mitogen`` section of bench/results.json:

- ``per_task``: runner_overhead's play (ten quick tasks on five hosts) and the same play
  with no task, by the ``ansible-playbook`` CLI, alternating the strategies; a task's cost
  is (quick - empty) / 10, and ``ratio`` is Mitogen's over SSH's (below 1: Mitogen is faster).
- ``parallel_async``: the ``async`` variant of the parallel figure (five hosts, two jobs of
  T seconds each, poll 0 then async_status) under each strategy.
- ``async``: the lesson's async semantics under each: does ``until: job.finished`` end the
  wait, what a job past its ``async`` budget says, what a ``poll: 2`` task returns, the form
  of a job id, and whether a play with ``strategy: free`` runs through Mitogen at all
  (told by the job id's form).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from playbooks import QUICK_PLAY, parallel_play

ANSIBLE_JID = re.compile(r"^j\d+\.\d+$")  # async_wrapper's ids; Mitogen's are hex


def _plays(hosts: str, tasks: list[dict], **play) -> list[dict]:
    return [{"name": "mitogen bench", "hosts": hosts, "gather_facts": False, **play, "tasks": tasks}]


def _launch_and_wait(seconds: int, budget: int, until: str, **wait) -> list[dict]:
    """A poll-0 job of ``seconds`` on web1 within ``budget``, then async_status ``until``."""
    status = {"async_status": {"jid": "{{ job.ansible_job_id }}"}, "register": "st", "until": until}
    return _plays(
        "web1",
        [
            {"command": f"sleep {seconds}", "async": budget, "poll": 0, "register": "job"},
            {**status, "retries": 10, "delay": 1, **wait},
        ],
    )


SEMANTICS = {
    "until_finished": _launch_and_wait(2, 30, "st.finished"),
    "past_its_budget": _launch_and_wait(10, 2, "st is finished", ignore_errors=True),
    "poll_2": _plays("web1", [{"command": "sleep 2", "async": 30, "poll": 2}]),
    "strategy_free": _plays(
        "web1", [{"command": "sleep 1", "async": 30, "poll": 0, "register": "job"}], strategy="free"
    ),
}


class Strategies:
    """Runs ansible-playbook under plain SSH or under Mitogen's mitogen_linear."""

    def __init__(self, site: Path):
        plugins = site / "ansible_mitogen" / "plugins" / "strategy"
        if not plugins.is_dir():
            raise SystemExit(f"no ansible_mitogen in {site}")
        path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
        self.env = {
            "ssh": dict(os.environ),
            "mitogen": dict(
                os.environ,
                PYTHONPATH=path,
                ANSIBLE_STRATEGY_PLUGINS=str(plugins),
                ANSIBLE_STRATEGY="mitogen_linear",
            ),
        }
        self.folder = Path(tempfile.mkdtemp(prefix="mitogen-bench-"))

    def run(
        self, strategy: str, plays: list[dict], json_out: bool = False
    ) -> tuple[float, subprocess.CompletedProcess]:
        playbook = self.folder / "play.yml"
        playbook.write_text(yaml.safe_dump(plays))
        env = dict(self.env[strategy])
        if json_out:
            env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
        started = time.monotonic()
        done = subprocess.run(["ansible-playbook", str(playbook)], env=env, capture_output=True, text=True)
        return time.monotonic() - started, done

    def results(self, strategy: str, plays: list[dict]) -> list[dict]:
        """Each task's result on its one host, from the json callback."""
        _, done = self.run(strategy, plays, json_out=True)
        report = json.loads(done.stdout[done.stdout.index("{") :])
        return [next(iter(task["hosts"].values())) for play in report["plays"] for task in play["tasks"]]


def per_task(s: Strategies, runs: int) -> dict:
    empty = [dict(QUICK_PLAY[0], tasks=[{"meta": "noop"}])]
    times: dict[tuple[str, str], list[float]] = {}
    for strategy in ("ssh", "mitogen"):
        s.run(strategy, QUICK_PLAY)  # warm up connections (SSH's ControlPersist, Mitogen's)
    for _ in range(runs):
        for strategy in ("ssh", "mitogen"):
            for name, plays in (("quick", QUICK_PLAY), ("empty", empty)):
                seconds, done = s.run(strategy, plays)
                if done.returncode != 0:
                    raise RuntimeError(f"{strategy} {name} failed: {done.stdout[-1500:]}")
                times.setdefault((strategy, name), []).append(seconds)
    med = {key: statistics.median(values) for key, values in times.items()}
    task = {strategy: (med[(strategy, "quick")] - med[(strategy, "empty")]) / 10 for strategy in ("ssh", "mitogen")}
    return {
        "tasks": 10,
        "hosts": 5,
        "ssh_run_s": round(med[("ssh", "quick")], 2),
        "mitogen_run_s": round(med[("mitogen", "quick")], 2),
        "ssh_per_task_s": round(task["ssh"], 3),
        "mitogen_per_task_s": round(task["mitogen"], 3),
        "ratio": round(task["mitogen"] / task["ssh"], 3),
    }


def parallel_async(s: Strategies, runs: int, seconds: float) -> dict:
    times: dict[str, list[float]] = {"ssh": [], "mitogen": []}
    for _ in range(runs):
        for strategy in times:
            took, done = s.run(strategy, parallel_play("async", seconds))
            if done.returncode != 0:
                raise RuntimeError(f"{strategy} parallel failed: {done.stdout[-1500:]}")
            times[strategy].append(took)
    return {"job_s": seconds, **{f"{k}_s": round(statistics.median(v), 2) for k, v in times.items()}}


def semantics(s: Strategies) -> dict:
    out = {}
    for strategy in ("ssh", "mitogen"):
        launch, until = s.results(strategy, SEMANTICS["until_finished"])
        budget = s.results(strategy, SEMANTICS["past_its_budget"])[-1]
        polled = s.results(strategy, SEMANTICS["poll_2"])[-1]
        free = s.results(strategy, SEMANTICS["strategy_free"])[0]
        out[strategy] = {
            "until_finished_ends_the_wait": bool(until.get("finished")) and not until.get("failed"),
            "finished_is": type(until.get("finished")).__name__,
            "past_its_budget_says": budget.get("msg"),
            "poll_2_returns_finished": polled.get("finished"),
            "job_id": launch.get("ansible_job_id"),
            "strategy_free_job_id": free.get("ansible_job_id"),
            "strategy_free_runs_without_mitogen": bool(ANSIBLE_JID.match(str(free.get("ansible_job_id")))),
        }
    ssh, mitogen = out["ssh"], out["mitogen"]
    out["differences"] = [
        f"{key}: ssh {ssh[key]!r}, mitogen {mitogen[key]!r}"
        for key in ssh
        if key not in ("job_id", "strategy_free_job_id") and ssh[key] != mitogen[key]
    ]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/in_lab/mitogen.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a folder where the mitogen wheel is unpacked")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    strategies = Strategies(args.site)
    result = {
        "version": _version(args.site),
        "per_task": per_task(strategies, max(args.runs, 5)),
        "parallel_async": parallel_async(strategies, args.runs, args.seconds),
        "async": semantics(strategies),
    }
    print(json.dumps(result))
    return 0


def _version(site: Path) -> str:
    found = sorted(site.glob("mitogen-*.dist-info"))
    return found[0].name.removeprefix("mitogen-").removesuffix(".dist-info") if found else "unknown"


if __name__ == "__main__":
    sys.exit(main())
