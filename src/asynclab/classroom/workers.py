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

import os
import subprocess
from pathlib import Path

from ..cgroup_settings import EngineUnsupported, clean, stack_env, stack_files, target_image
from ..host_set import compose_command
from ..hosts import wait_until
from .outcome import NOT_GRADED, Outcome, outcomes_from_json

TARGETS = ("web1", "web2", "web3", "db1", "app1", "releases")
HOSTS = TARGETS[:5]  # the ones the exercises run on, checked with lab-health before grading
COURSE = "/home/jovyan/grading"  # in the worker's grader container
START_TIMEOUT = 300


class WorkerError(Exception):
    """A worker's own hosts or container failed: the lab's fault, not the student's."""


def _run(command: list[str], timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise WorkerError(f"`{' '.join(command[:6])} …` failed: {' / '.join(last) or f'exit {done.returncode}'}")
    return done


def copy_between(source: str, source_dir: str, paths: list[str], dest: str, dest_dir: str) -> None:
    """Copy paths (relative to source_dir in container source) to dest_dir in container dest, as jovyan."""
    reader = subprocess.Popen(["docker", "exec", source, "tar", "-C", source_dir, "-cf", "-", *paths],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    writer = subprocess.run(["docker", "exec", "-i", "-u", "jovyan", dest, "sh", "-c",
                             f'mkdir -p "{dest_dir}" && tar -C "{dest_dir}" -xf -'],
                            stdin=reader.stdout, capture_output=True, timeout=300)
    reader.stdout.close()
    read_error = reader.stderr.read().decode(errors="replace").strip()
    if reader.wait() != 0 or writer.returncode != 0:
        why = read_error or writer.stderr.decode(errors="replace").strip()
        raise WorkerError(f"copying {', '.join(paths)} from {source} to {dest} failed: {why}")


class Worker:
    """One private set of hosts and its grader container."""

    def __init__(self, number: int, main_project: str, root: Path, compose: list[str] | None = None):
        self.number = number
        self.root = root  # the lab's folder: docker-compose.yml, .env, scripts/
        self.project = f"{main_project}-grade{number}"
        self.grader = f"{self.project}-grader"
        self._not_ready: list[str] = []
        self.compose = (compose or compose_command()) + [
            *stack_files(root), "-f", str(root / "docker-compose.grading.yml"), "-p", self.project]
        self.env = dict(os.environ, **stack_env(self.project))

    def __str__(self) -> str:
        return f"worker {self.number}"

    def start(self, lab: str, course_in_lab: str, assignment: str) -> None:
        """Start the hosts and the grader, and give the grader the course (config, source, gradebook)."""
        self.stop()  # leftovers of an interrupted run
        _run(self.compose + ["up", "-d", "--no-build", *TARGETS], timeout=START_TIMEOUT, cwd=self.root, env=self.env)
        try:
            wait_until(self._hosts_ready, START_TIMEOUT, 1.0, what=f"{self}'s hosts")
        except TimeoutError:
            raise WorkerError(f"{self}'s hosts did not become ready: {'; '.join(self._not_ready)} (a host stuck in "
                              "'systemd: initializing' often means the machine ran out of inotify "
                              "instances: raise fs.inotify.max_user_instances, or grade with fewer "
                              "WORKERS)") from None
        _run(self.compose + ["run", "-d", "--no-deps", "--name", self.grader, "lab", "sleep", "infinity"],
             cwd=self.root, env=self.env)
        copy_between(lab, course_in_lab, ["nbgrader_config.py", "gradebook.db", f"source/{assignment}"],
                     self.grader, COURSE)

    def _hosts_ready(self) -> bool:
        """True when lab-health (the lab's own health check) passes on every host."""
        listed = subprocess.run(["docker", "ps", "--filter", f"label=com.docker.compose.project={self.project}",
                                 "--format", '{{.Label "com.docker.compose.service"}} {{.ID}}'],
                                capture_output=True, text=True).stdout
        running = dict(line.split() for line in listed.splitlines() if len(line.split()) == 2)
        self._not_ready = []
        for host in HOSTS:
            if host not in running:
                self._not_ready.append(f"{host}: not running")
                continue
            check = subprocess.run(["docker", "exec", running[host], "/usr/local/sbin/lab-health"],
                                   capture_output=True, text=True, timeout=30)
            if check.returncode != 0:
                said = (check.stdout.strip() or check.stderr.strip()).splitlines()
                self._not_ready.append(f"{host}: {said[-1] if said else 'not ready'}")
        return not self._not_ready

    def grade(self, lab: str, course_in_lab: str, assignment: str, student: str,
              timeout: float) -> tuple[Outcome, bool]:
        """Grade one student here. Their executed notebooks, if any, go back to the lab's
        ``.imported`` folder; the flag says whether they did."""
        copy_between(lab, course_in_lab, [f"submitted/{student}/{assignment}"], self.grader, COURSE)
        report = f"/tmp/outcome-{student}.json"
        subprocess.run(["docker", "exec", "-u", "jovyan", "-w", COURSE, self.grader, "python", "-m",
                        "asynclab.classroom.autograde", assignment, "--student", student, "--regrade",
                        "--timeout", str(timeout), "--json", report],
                       capture_output=True, text=True, timeout=timeout + 120)
        shown = subprocess.run(["docker", "exec", self.grader, "cat", report], capture_output=True, text=True)
        if shown.returncode != 0:
            raise WorkerError(f"{self} wrote no outcome for {student}")
        try:
            outcome = outcomes_from_json(shown.stdout, student=student)[0]
        except (ValueError, IndexError):
            raise WorkerError(f"{self} wrote no readable outcome for {student}: {shown.stdout.strip()[:200]}") from None
        outcome.worker = str(self.number)
        graded = f"autograded/{student}/{assignment}"
        has_notebooks = subprocess.run(["docker", "exec", self.grader, "sh", "-c", f"ls {COURSE}/{graded}/*.ipynb"],
                                       capture_output=True).returncode == 0
        executed = has_notebooks and outcome.status != NOT_GRADED
        if executed:
            copy_between(self.grader, f"{COURSE}/autograded", [f"{student}/{assignment}"], lab,
                         f"{course_in_lab}/.imported")
        return outcome, executed

    def stop(self) -> None:
        subprocess.run(["docker", "rm", "-f", self.grader], capture_output=True)
        subprocess.run(self.compose + ["down", "--volumes", "--remove-orphans", "--timeout", "5"],
                       capture_output=True, cwd=self.root, env=self.env, timeout=300)
        try:
            clean(self.project, target_image(self.root))
        except EngineUnsupported:
            pass  # an empty folder left behind harms nothing: the next start of this worker reuses it
