"""Grading workers: each one a private set of the five target hosts, plus a grader container.

A worker is a compose project of its own (``<project>-grade<N>``) started from the lab's
docker-compose.yml: its own network, keys, web1 … app1 and releases stand-in, so runs of
different workers cannot disturb each other or the learners' lab. Its grader is a
container of the lab image on that network (``compose run``: no port published, no Docker
socket) in which ``nbgrader autograde`` runs one student at a time.

Files move between the instructor's lab and a worker as tar streams through ``docker
exec``; nothing is written on this machine. Host side only (needs the Docker CLI).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .. import settings
from ..inventory import LAB_HOSTS
from ..stack.host_set import START_TIMEOUT, HostSet, HostSetError
from .outcome import NOT_GRADED, Outcome, outcomes_from_json

TARGETS = (*LAB_HOSTS, "releases")
HOSTS = TARGETS[:5]  # the ones the exercises run on, checked with lab-health before grading
COURSE = "/home/jovyan/grading"  # in the worker's grader container
#: Settings of this machine's environment that a worker's grading sees too (make bench's
#: "before" run sets the first).
PASSED_ON = (settings.LAB_COMMANDS,)


class WorkerError(Exception):
    """A worker's own hosts or container failed: the lab's fault, not the student's."""


def copy_between(source: str, source_dir: str, paths: list[str], dest: str, dest_dir: str) -> None:
    """Copy paths (relative to source_dir in container source) to dest_dir in container dest, as jovyan."""
    reader = subprocess.Popen(
        ["docker", "exec", source, "tar", "-C", source_dir, "-cf", "-", *paths],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    writer = subprocess.run(
        [
            "docker",
            "exec",
            "-i",
            "-u",
            "jovyan",
            dest,
            "sh",
            "-c",
            f'mkdir -p "{dest_dir}" && tar -C "{dest_dir}" -xf -',
        ],
        stdin=reader.stdout,
        capture_output=True,
        timeout=300,
    )
    reader.stdout.close()
    read_error = reader.stderr.read().decode(errors="replace").strip()
    if reader.wait() != 0 or writer.returncode != 0:
        why = read_error or writer.stderr.decode(errors="replace").strip()
        raise WorkerError(f"copying {', '.join(paths)} from {source} to {dest} failed: {why}")


class Worker:
    """One private set of hosts (a HostSet with docker-compose.grading.yml on top) and its
    grader container."""

    def __init__(self, number: int, main_project: str, root: Path, compose: list[str] | None = None):
        self.number = number
        self.root = root  # the lab's folder: docker-compose.yml, .env, scripts/
        self.project = f"{main_project}-grade{number}"
        self.grader = f"{self.project}-grader"
        self.hosts = HostSet(self.project, root, compose=compose, files=(root / "docker-compose.grading.yml",))

    def __str__(self) -> str:
        return f"worker {self.number}"

    def start(self, lab: str, course_in_lab: str, assignment: str) -> None:
        """Start the hosts and the grader, and give the grader the course (config, source, gradebook)."""
        self.stop()  # leftovers of an interrupted run
        try:
            # The grading file switches the periodic health checks off: the targets are
            # probed with their own check, once, here.
            self.hosts.start(services=TARGETS, ready=HOSTS, timeout=START_TIMEOUT)
            self.hosts.compose_run("run", "-d", "--no-deps", "--name", self.grader, "lab", "sleep", "infinity")
        except HostSetError as exc:
            raise WorkerError(f"{self}'s hosts did not become ready: {exc}") from None
        copy_between(
            lab, course_in_lab, ["nbgrader_config.py", "gradebook.db", f"source/{assignment}"], self.grader, COURSE
        )

    def grade(
        self, lab: str, course_in_lab: str, assignment: str, student: str, timeout: float
    ) -> tuple[Outcome, bool]:
        """Grade one student here. Their executed notebooks, if any, go back to the lab's
        ``.imported`` folder; the flag says whether they did."""
        copy_between(lab, course_in_lab, [f"submitted/{student}/{assignment}"], self.grader, COURSE)
        report = f"/tmp/outcome-{student}.json"
        passed_on = [f"{s.name}={s.raw()}" for s in PASSED_ON if s.is_set()]
        subprocess.run(
            [
                "docker",
                "exec",
                *(flag for setting in passed_on for flag in ("-e", setting)),
                "-u",
                "jovyan",
                "-w",
                COURSE,
                self.grader,
                "python",
                "-m",
                "asynclab.classroom.autograde",
                assignment,
                "--student",
                student,
                "--regrade",
                "--timeout",
                str(timeout),
                "--json",
                report,
            ],
            capture_output=True,
            text=True,
            timeout=timeout + 120,
        )
        shown = subprocess.run(["docker", "exec", self.grader, "cat", report], capture_output=True, text=True)
        if shown.returncode != 0:
            raise WorkerError(f"{self} wrote no outcome for {student}")
        try:
            outcome = outcomes_from_json(shown.stdout, student=student)[0]
        except (ValueError, IndexError):
            raise WorkerError(f"{self} wrote no readable outcome for {student}: {shown.stdout.strip()[:200]}") from None
        outcome.worker = str(self.number)
        graded = f"autograded/{student}/{assignment}"
        has_notebooks = (
            subprocess.run(
                ["docker", "exec", self.grader, "sh", "-c", f"ls {COURSE}/{graded}/*.ipynb"], capture_output=True
            ).returncode
            == 0
        )
        executed = has_notebooks and outcome.status != NOT_GRADED
        if executed:
            copy_between(
                self.grader, f"{COURSE}/autograded", [f"{student}/{assignment}"], lab, f"{course_in_lab}/.imported"
            )
        return outcome, executed

    def stop(self) -> None:
        """Remove the grader, the hosts and the cgroup parents they left."""
        subprocess.run(["docker", "rm", "-f", self.grader], capture_output=True)
        self.hosts.remove()
