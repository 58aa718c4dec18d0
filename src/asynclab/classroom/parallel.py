"""Grade a class in parallel, each worker on its own private set of hosts (host side).

    python -m asynclab.classroom.parallel ASSIGNMENT [--workers N] [--student ID ...] [--regrade]

The instructor's course stays in the lab container. This command asks it which students
to grade (and backs up the gradebook), starts the workers (see workers.py), hands each
free worker the next submission, and imports each graded notebook into the course as soon
as it is back, one import at a time (course.py holds the gradebook lock). A progress bar
counts the submissions. The report is the same as a sequential autograde's, with the worker
of each student, and is written to the course and to ``--out``.

Workers: by default as many as there are submissions, bounded by the cores (one worker per
0.6 core: a worker mostly waits) and by the memory available (each runs six containers and a kernel).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..stack.host_set import compose_command
from .autograde import REPORT_NAME, format_report
from .outcome import ALREADY_GRADED, GRADED, LAB_FAILED, NOT_GRADED, Outcome, outcome_from_json
from .workers import Worker, WorkerError

WORKER_MEMORY = 1536 * 2**20  # bytes one worker needs (six containers and a kernel), measured with make bench
MEMORY_RESERVE = 1024 * 2**20
# A worker mostly waits for the exercises' jobs on its hosts. One worker kept 0.85 core busy
# in `make bench` (class_grading.sequential_cores_busy, the idle lab included: about 0.7 for
# the worker). Counting 0.6 per worker oversubscribes the cores a little on purpose: on 2
# cores, three workers (1.76 cores busy) graded a class faster than two.
WORKER_CORES = 0.6
# Each target's systemd holds six inotify instances, so a stack holds 30; Linux allows 128
# per user by default (fs.inotify.max_user_instances), shared with the lab's own stack.
INOTIFY_PER_STACK = 30
INOTIFY_RESERVE = 16


def inotify_limit() -> int | None:
    try:
        return int(Path("/proc/sys/fs/inotify/max_user_instances").read_text())
    except (OSError, ValueError):
        return None


def memory_available() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 2**30


@dataclass(frozen=True)
class WorkerLimits:
    """How many workers each resource allows; ``count`` is the number to start."""

    pending: int
    cpu: int
    memory: int
    inotify: int | None  # None: the kernel's limit is not known
    max_user_instances: int | None = None  # that limit (fs.inotify.max_user_instances), for the hint

    @property
    def count(self) -> int:
        return max(1, min(n for n in (self.pending, self.cpu, self.memory, self.inotify) if n is not None))

    @property
    def held_by_inotify(self) -> bool:
        """True when only the kernel's inotify limit keeps the count below the others."""
        return self.inotify is not None and self.inotify < min(self.pending, self.cpu, self.memory)


def worker_limits(
    pending: int, cores: int | None = None, available: int | None = None, inotify_instances: int | None = None
) -> WorkerLimits:
    """The limits on this machine; pass ``cores``, ``available`` (bytes) or ``inotify_instances``
    to use other figures."""
    cores = cores or os.cpu_count() or 1
    available = memory_available() if available is None else available
    instances = inotify_limit() if inotify_instances is None else inotify_instances
    # The lab's own stack holds its share of the inotify instances too.
    by_inotify = None if instances is None else max(1, (instances - INOTIFY_RESERVE) // INOTIFY_PER_STACK - 1)
    return WorkerLimits(
        pending=pending,
        cpu=max(1, int(cores / WORKER_CORES)),
        memory=max(1, (available - MEMORY_RESERVE) // WORKER_MEMORY),
        inotify=by_inotify,
        max_user_instances=instances,
    )


class LabCourse:
    """The instructor's course folder in the lab container, driven from the host: each step
    is ``python -m asynclab.classroom.course_commands`` run there."""

    def __init__(self, container: str, path: str):
        self.container, self.path = container, path

    def python(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                "docker",
                "exec",
                "-u",
                "jovyan",
                "-w",
                self.path,
                self.container,
                "python",
                "-m",
                "asynclab.classroom.course_commands",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def plan(self, assignment: str, students: list[str], regrade: bool) -> dict:
        chosen = [a for s in students for a in ("--student", s)]
        args = ["plan", assignment, *chosen] + (["--regrade"] if regrade else [])
        done = self.python(*args)
        if done.returncode != 0:
            raise SystemExit(done.stderr.strip() or done.stdout.strip())
        return json.loads(done.stdout)

    def import_graded(self, assignment: str, student: str) -> Outcome:
        done = self.python("import", assignment, student)
        if done.returncode != 0:
            return Outcome(student, NOT_GRADED, 0.0, f"importing the graded notebook failed: {done.stderr.strip()}")
        try:
            return outcome_from_json(done.stdout, student=student)
        except ValueError:
            said = done.stdout.strip()[:200]
            return Outcome(student, NOT_GRADED, 0.0, f"importing the graded notebook gave no outcome: {said}")

    def write(self, name: str, text: str) -> None:
        subprocess.run(
            ["docker", "exec", "-i", "-u", "jovyan", self.container, "sh", "-c", f'cat > "{self.path}/{name}"'],
            input=text,
            text=True,
            check=True,
            capture_output=True,
        )


def grade_class(
    course: LabCourse, workers: list[Worker], assignment: str, students: list[str], timeout: float, on_done=None
) -> list[Outcome]:
    """Grade every student on the first free worker; a worker that fails stops taking work."""
    todo: queue.Queue[str] = queue.Queue()
    for student in students:
        todo.put(student)
    outcomes: dict[str, Outcome] = {}
    started: dict[str, str] = {}
    lock, importing = threading.Lock(), threading.Lock()  # the course also locks its gradebook

    def finish(outcome: Outcome) -> None:
        with lock:
            outcomes[outcome.student] = outcome
        if on_done:
            on_done(outcome)

    def run(worker: Worker) -> None:
        for _ in range(2):  # a busy machine may start a host too slowly once
            try:
                worker.start(course.container, course.path, assignment)
                break
            except (WorkerError, subprocess.TimeoutExpired) as exc:
                started[str(worker.number)] = f"did not start: {exc}"
        else:
            worker.stop()
            return
        started[str(worker.number)] = "ok"
        while True:
            try:
                student = todo.get_nowait()
            except queue.Empty:
                return
            begun = time.monotonic()
            try:
                outcome, executed = worker.grade(course.container, course.path, assignment, student, timeout)
                if executed:
                    with importing:
                        imported = course.import_graded(assignment, student)
                    if imported.status == GRADED:
                        outcome.score = imported.score
                    else:
                        outcome.status, outcome.detail = imported.status, imported.detail
            except (WorkerError, subprocess.TimeoutExpired) as exc:
                outcome = Outcome(student, LAB_FAILED, 0.0, f"{worker} failed: {exc}", worker=str(worker.number))
                finish(outcome)
                return  # this worker is broken: the others take the rest
            outcome.seconds = time.monotonic() - begun
            finish(outcome)

    with ThreadPoolExecutor(len(workers)) as pool:
        list(pool.map(run, workers))
    for student in students:  # no worker could take them
        if student not in outcomes:
            why = "; ".join(f"worker {n} {s}" for n, s in started.items() if s != "ok") or "no worker was left"
            finish(Outcome(student, LAB_FAILED, 0.0, f"not graded: {why}"))
    return [outcomes[s] for s in students]


def report_footer(kept: list[Outcome], outcomes: list[Outcome], wall: float, workers: int) -> str:
    graded = sum(o.status in (GRADED, ALREADY_GRADED) for o in kept + outcomes)
    return (
        f"{graded} of {len(kept) + len(outcomes)} submission(s) graded; {wall:.0f} s wall time on {workers} "
        f"worker(s), {sum(o.seconds for o in outcomes):.0f} s of grading in all."
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asynclab.classroom.parallel", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--student", action="append", default=[], help="grade only this student (repeatable)")
    parser.add_argument("--regrade", action="store_true", help="grade again what an earlier run already graded")
    parser.add_argument("--workers", type=int, default=0, help="number of workers (default: by cores and memory)")
    parser.add_argument(
        "--project",
        default=os.environ.get("COMPOSE_PROJECT_NAME") or "asynclab",
        help="the compose project of the instructor's lab",
    )
    parser.add_argument("--course-in-lab", default="/home/jovyan/work/grader")
    parser.add_argument("--out", type=Path, default=Path("grader"), help="folder for the report on this machine")
    parser.add_argument("--root", type=Path, default=Path("."), help="the lab's folder (docker-compose.yml)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one student's grading may take")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    args.project = args.project or "asynclab"

    compose = compose_command()
    lab = subprocess.run(
        compose + ["-f", str(root / "docker-compose.yml"), "-p", args.project, "ps", "-q", "lab"],
        capture_output=True,
        text=True,
        cwd=root,
    ).stdout.strip()
    if not lab:
        print("The lab is not running: start it with make lab", file=sys.stderr)
        return 1
    course = LabCourse(lab, args.course_in_lab)
    plan = course.plan(args.assignment, args.student, args.regrade)
    kept = [Outcome.from_dict(o) for o in plan.get("kept", [])]
    pending = plan["grade"]
    if plan["backup"]:
        print(f"gradebook backed up to {plan['backup']} (in the lab's course folder)")
    if kept:
        print(f"kept from an earlier run: {', '.join(o.student for o in kept)} (REGRADE=1 grades them again)")

    outcomes: list[Outcome] = []
    count = 0
    started = time.monotonic()
    if pending:
        limits = worker_limits(len(pending))
        count = min(args.workers or limits.count, len(pending))
        if not args.workers and limits.held_by_inotify:
            print(
                f"fs.inotify.max_user_instances={limits.max_user_instances} allows {count} worker(s) beside the lab; "
                "raise it (sudo sysctl -w fs.inotify.max_user_instances=1024) to grade with more"
            )
        workers = [Worker(n, args.project, root, compose) for n in range(1, count + 1)]
        print(
            f"grading {len(pending)} submission(s) on {count} worker(s), each with its own five hosts "
            f"(compose projects {workers[0].project} … {workers[-1].project})",
            flush=True,
        )
        from tqdm import tqdm

        with tqdm(total=len(pending), unit="submission", desc=args.assignment, file=sys.stdout) as bar:

            def done(outcome: Outcome) -> None:
                bar.write(
                    f"{outcome.student}: {outcome.status} "
                    f"({outcome.seconds:.1f} s, worker {outcome.worker or '-'})"
                    + (f": {outcome.detail}" if outcome.detail else "")
                )
                bar.update(1)

            try:
                outcomes = grade_class(course, workers, args.assignment, pending, args.timeout, on_done=done)
            finally:
                with ThreadPoolExecutor(len(workers)) as pool:
                    list(pool.map(Worker.stop, workers))
    everything = kept + outcomes
    graded = sum(o.status in (GRADED, ALREADY_GRADED) for o in everything)
    footer = report_footer(kept, outcomes, time.monotonic() - started, count)
    report = format_report(args.assignment, everything, footer)
    course.write(REPORT_NAME, report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / REPORT_NAME).write_text(report)
    print()
    print(report, end="")
    print(f"(written to {args.out / REPORT_NAME})")
    return 0 if graded == len(everything) else 1


if __name__ == "__main__":
    sys.exit(main())
