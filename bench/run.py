"""`make bench`: the lab's speed, each figure beside its baseline measured in the same run.

    python bench/run.py [--runs N] [--submissions N] [--class-size N]
                        [--hub-storm N]
                        [--skip playbooks,mitogen,class_grading,class,stack,build,hub]

Against the running stack (make lab). The playbook figures are measured inside the lab
container (bench/in_lab/playbooks.py, copied there); class grading and the stack from this machine.
Prints a table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Where the lab-side benchmarks (bench/in_lab/) are copied in the lab container.
IN_LAB_CODE = "/tmp/asynclab-bench"

from asynclab.stack.host_set import compose_command as compose  # noqa: E402
from grading import class_grading, class_of  # noqa: E402
from hub import hub_figures  # noqa: E402
from machine import BUSY_WARNING, IDLE_LAB_CORES, busy_cores  # noqa: E402
from mitogen_strategy import mitogen_figures  # noqa: E402
from stack import build_times, stack_memory, start_times  # noqa: E402


def lab_container(project: str) -> str:
    found = subprocess.run(
        compose() + ["-p", project, "ps", "-q", "lab"], capture_output=True, text=True, cwd=HERE.parent
    ).stdout.strip()
    if not found:
        raise SystemExit("The lab is not running: start it with make lab")
    return found


def copy_to_lab(lab: str, folder: str) -> None:
    """bench/in_lab/ into the lab container at folder: the lab image carries the product only."""
    subprocess.run(["docker", "exec", "-u", "jovyan", lab, "rm", "-rf", folder], check=True)
    subprocess.run(["docker", "cp", str(HERE / "in_lab"), f"{lab}:{folder}"], check=True, capture_output=True)
    subprocess.run(["docker", "exec", "-u", "root", lab, "chown", "-R", "jovyan", folder], check=True)


def playbook_figures(lab: str, runs: int, seconds: float) -> dict:
    copy_to_lab(lab, IN_LAB_CODE)
    done = subprocess.run(
        [
            "docker",
            "exec",
            "-u",
            "jovyan",
            lab,
            "python",
            f"{IN_LAB_CODE}/playbooks.py",
            "--runs",
            str(runs),
            "--seconds",
            f"{seconds:g}",
        ],
        capture_output=True,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    try:
        figures = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        figures = None
    if figures is None:
        raise SystemExit(f"the playbook benchmarks failed:\n{done.stderr[-2000:]}")
    # A figure that failed is kept as {"error": ...} and said in the table; the others stand.
    return figures


def table(results: dict) -> str:
    rows = [("figure", "value", "baseline", "ratio", "limit / bar")]
    for name, value in list(results.items()):
        if isinstance(value, dict) and "error" in value:
            rows.append((f"{name}: FAILED", value["error"][:100], "", "", ""))
    results = {k: v for k, v in results.items() if not (isinstance(v, dict) and "error" in v)}
    p = results.get("parallel")
    if p:
        rows.append(
            (
                f"parallel: best ({p['best']})",
                f"{p[p['best'] + '_s']:.1f} s",
                f"sequential {p['sequential_s']:.1f} s",
                f"speedup {p['speedup']:.2f}",
                "limit 10, bar >= 7.5",
            )
        )
        rows.append(
            (
                "  linear / free / async / async loop",
                " / ".join(f"{p[k]:.1f}" for k in ("linear_s", "free_s", "async_s", "async_loop_s") if k in p) + " s",
                "",
                "",
                "",
            )
        )
    mg = results.get("mitogen")
    if mg:
        t = mg["per_task"]
        rows.append(
            (
                f"mitogen {mg['version']}: a task (10 x 5)",
                f"{t['mitogen_per_task_s']:.3f} s",
                f"ssh + pipelining {t['ssh_per_task_s']:.3f} s",
                f"{t['ratio']:.2f}",
                "",
            )
        )
        pa = mg["parallel_async"]
        rows.append(("  parallel async jobs", f"{pa['mitogen_s']:.1f} s", f"ssh {pa['ssh_s']:.1f} s", "", ""))
        for difference in mg["async"]["differences"]:
            rows.append(("  async differs", difference, "", "", ""))
    r = results.get("runner_overhead")
    if r:
        rows.append(
            (
                "runner overhead (10 tasks x 5)",
                f"lab runner {r['lab_runner_s']:.2f} s",
                f"ansible-playbook {r['ansible_playbook_s']:.2f} s",
                f"{r['ratio']:.3f}",
                "limit 1.0, bar <= 1.15",
            )
        )
    for value in (results.get("poll_latency") or {}).values():
        if not isinstance(value, dict) or value.get("latency_s") is None:
            continue
        rows.append(
            (
                f"poll latency, poll {value['poll_s']}",
                f"{value['latency_s']:.2f} s",
                f"poll {value['poll_s']} s",
                f"{value['latency_s'] / value['poll_s']:.2f}",
                "",
            )
        )
    m = results.get("module_cost")
    if m:
        rows.append(
            (
                "module run (ping, one task)",
                f"{m['cached_s']:.3f} s",
                f"no bytecode cache {m['uncached_s']:.3f} s",
                f"{m['ratio']:.2f}",
                "",
            )
        )
    lc = results.get("lab_commands")
    if lc:
        rows.append(
            (
                "grader's reset + probe, 5 hosts",
                f"ssh {lc['ssh_s']:.2f} s",
                f"2 ansible-playbook runs {lc['playbook_s']:.2f} s",
                f"{lc['ssh_s'] / lc['playbook_s']:.2f}",
                "per exercise",
            )
        )
    a = results.get("autograde")
    if a:
        rows.append(
            (
                "autograde, one full submission",
                f"{a['per_submission_s']:.1f} s",
                f"inherent job time {a['inherent_s']:.0f} s",
                f"{a['ratio']:.2f}",
                "limit 1.0, bar <= 1.6",
            )
        )
        if a.get("inherent_longest_jobs_s"):
            rows.append(
                (
                    "  on the longest workload of each",
                    "",
                    f"inherent job time {a['inherent_longest_jobs_s']:.0f} s",
                    f"{a['ratio_on_longest_jobs']:.2f}",
                    "",
                )
            )
        if a.get("before_per_submission_s"):
            rows.append(
                (
                    "  before: resets, probes as playbooks",
                    f"{a['before_per_submission_s']:.1f} s",
                    f"inherent job time {a['inherent_s']:.0f} s",
                    f"{a['before_ratio']:.2f}",
                    "",
                )
            )
    c = results.get("class_grading")
    if c:
        rows.append(
            (
                f"class grading, {c['submissions']} submissions",
                f"{c['parallel_s']:.0f} s on {c['workers']} workers",
                f"sequential {c['sequential_s']:.0f} s",
                f"speedup {c['speedup']:.2f}",
                f"limit {c['workers']}, bar >= 1.8",
            )
        )
        if c.get("sequential_cores_busy") is not None:
            rows.append(
                (
                    "class grading, cores busy",
                    f"{c['parallel_cores_busy']:.2f} parallel",
                    f"{c['sequential_cores_busy']:.2f} sequential",
                    "",
                    f"of {os.cpu_count()} cores",
                )
            )
    k = results.get("class")
    if k:
        rows.append(
            (
                f"a class of {k['submissions']} ({k['blanks']} blank)",
                f"{k['wall_s']:.0f} s on {k['workers']} workers",
                f"inherent job time {k['inherent_s']:.0f} s",
                f"{k['ratio']:.2f}",
                f"{k['cores_busy']:.2f} cores busy",
            )
        )
    s = results.get("stack")
    if s:
        for key in ("cold_start_s", "warm_start_s", "build_s"):
            if s.get(key) is not None:
                rows.append((f"stack {key[:-2].replace('_', ' ')}", f"{s[key]:.0f} s", "", "", ""))
        if s.get("memory_mib"):
            rows.append(("stack memory (sum over containers)", f"{s['memory_mib']:.0f} MiB", "", "", ""))
    h = results.get("hub")
    if h:
        rows.append(("hub: login to a server that answers", f"{h['spawn_s']:.0f} s", "", "", "5 healthy targets"))
        rows.append(
            (
                "hub: one learner, after a notebook ran",
                f"{h['memory_per_learner_mib']:.0f} MiB",
                f"idle {h['memory_per_learner_idle_mib']:.0f} MiB",
                "",
                "server, 5 targets, stand-in",
            )
        )
        st = h["storm"]
        last = st["last_server_answers_s"]
        rows.append(
            (
                f"hub: {st['learners']} learners log in at once",
                f"{st['answered']} answer, the last after {last:.0f} s" if last else "none answered",
                f"one alone {h['spawn_s']:.0f} s",
                "",
                f"{len(st['failed'])} failed; holds {min(st['machine_holds'].values())}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is kept (default 3)")
    parser.add_argument("--seconds", type=float, default=10, help="job length T of `parallel` (default 10)")
    parser.add_argument("--submissions", type=int, default=8, help="class size for class_grading (default 8)")
    parser.add_argument(
        "--class-size", type=int, default=30, help="submissions of the class graded once in parallel (default 30)"
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated: playbooks, mitogen, class_grading, class, stack, build, hub"
    )
    parser.add_argument(
        "--hub-storm",
        type=int,
        default=0,
        help="learners logging in at once on the hub (default: as many as the machine holds)",
    )
    parser.add_argument("--project", default=os.environ.get("COMPOSE_PROJECT_NAME") or "asynclab")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    lab = lab_container(args.project)
    when = datetime.now().isoformat(timespec="seconds")
    # A run that skips parts keeps those parts of the last results; each part says when it was measured.
    results: dict = json.loads(args.out.read_text()) if skip and args.out.is_file() else {}
    results.update(
        {"when": when, "runs": args.runs, "machine": {"cores": os.cpu_count(), "python": platform.python_version()}}
    )

    def measured(parts: dict) -> dict:
        for value in parts.values():
            value["measured"] = when
        return parts

    def save():
        args.out.write_text(json.dumps(results, indent=2) + "\n")

    # Every figure assumes a quiet machine: say how busy it was, with the lab up and idle.
    idle = busy_cores(10)
    results["machine"]["busy_cores_before"] = round(idle, 2)
    if idle > BUSY_WARNING:
        print(
            f"warning: {idle:.2f} cores were busy before the benchmarks started (the idle lab alone uses "
            f"about {IDLE_LAB_CORES}): something else is running, and the figures will be slower than they should",
            flush=True,
        )
    if "playbooks" not in skip:
        print("playbooks: parallel, runner overhead, poll latency, module cost, lab commands ...", flush=True)
        results.update(measured(playbook_figures(lab, args.runs, args.seconds)))
        save()
    if "mitogen" not in skip:
        print("mitogen: per-task cost, parallel jobs and async semantics beside SSH ...", flush=True)
        results.update(measured(mitogen_figures(HERE.parent, lab, args.runs, args.seconds)))
        save()
    if "class_grading" not in skip:
        print(f"class grading: {args.submissions} submissions, sequential then parallel ...", flush=True)
        results.update(measured(class_grading(HERE.parent, args.project, lab, args.submissions)))
        save()
    if "class" not in skip:
        print(f"class: {args.class_size} submissions graded once, in parallel ...", flush=True)
        results.update(measured(class_of(HERE.parent, args.project, lab, args.class_size)))
        save()
    if "stack" not in skip:
        print("stack: memory, cold and warm start ...", flush=True)
        stack = {"memory_mib": stack_memory(args.project), **start_times(HERE.parent, compose())}
        stack["build_s"] = None if "build" in skip else build_times(HERE.parent)
        results.update(measured({"stack": stack}))
        save()
    if "hub" not in skip:
        print("hub: a spawn, a learner's memory, a storm of logins ...", flush=True)
        results.update(measured(hub_figures(args.hub_storm)))
        save()
    print()
    print(table(results))
    print(f"\n(written to {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
