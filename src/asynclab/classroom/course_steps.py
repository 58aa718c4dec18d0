"""The instructor's steps that copy files between this repository and the lab (host side).

    python3 -m asynclab.classroom.course_steps release ASSIGNMENT [--learner-lab]
    python3 -m asynclab.classroom.course_steps collect ASSIGNMENT [--from FOLDER_OR_ZIP] [--force]
    python3 -m asynclab.classroom.course_steps reference ASSIGNMENT [NAME ...]

``make release``, ``make collect`` and ``make reference`` run these with the host's python3
(``PYTHONPATH=src``): standard library only, never Ansible, IPython or Docker's SDK. Each
step drives the compose CLI ($COMPOSE, else the one found) and ``docker cp``, in the
current folder, as the Makefile did; the work itself (nbgrader, asynclab.classroom.collect,
asynclab.grading.reference) runs in the lab container. Each command is printed before it
runs, as make printed it; the first that fails stops the step with its exit status.

- release: grader/source/ASSIGNMENT and grader/nbgrader_config.py into the course folder,
  then nbgrader's generate_assignment and release_assignment. Refused in a learner's lab
  (LAB_ROLE is not instructor): the sources hold the solutions, unless ``--learner-lab``.
- collect: nbgrader collect from the exchange, or, with ``--from``, the submissions in a
  folder or .zip of this machine through asynclab.classroom.collect.
- reference: the reference runs of the solutions, recorded in the lab into
  src/asynclab/data/reference/.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LabError
from ..stack.host_set import compose_command

COURSE_IN_LAB = "/home/jovyan/work/grader"
SOURCE = Path("grader/source")
NBGRADER_CONFIG = Path("grader/nbgrader_config.py")
REFERENCE_OUT = Path("src/asynclab/data/reference")
COLLECT_TMP = "/tmp/asynclab-collect"
NOT_RUNNING = "The lab is not running: start it with make lab"


class StepError(LabError):
    """A step cannot be done as asked; the message says why. ``status`` is the exit status."""

    fault = "lab"

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


@dataclass
class LabContainer:
    """The running lab as the Makefile reaches it: the compose CLI in the current folder."""

    compose: list[str] = field(default_factory=compose_command)
    course: str = COURSE_IN_LAB
    exchange: str = ""  # NBGRADER_EXCHANGE in the course's commands, when set
    echo: object = print  # each command before it runs (None: quiet)
    _id: str = field(default="", init=False, repr=False)

    # ---- commands, as argument lists --------------------------------------------------------
    def in_course(self, *command: str) -> list[str]:
        """A command in the course folder, as jovyan (make's IN_COURSE)."""
        env = ["-e", f"NBGRADER_EXCHANGE={self.exchange}"] if self.exchange else []
        return [*self.compose, "exec", "-T", "-u", "jovyan", "-w", self.course, *env, "lab", *command]

    def as_root(self, *command: str) -> list[str]:
        """A command in the lab container as root (make's AS_ROOT)."""
        return [*self.compose, "exec", "-T", "-u", "root", "lab", *command]

    def as_jovyan(self, *command: str) -> list[str]:
        return [*self.compose, "exec", "-T", "-u", "jovyan", "lab", *command]

    def copy_in(self, source: str | Path, dest: str) -> list[str]:
        return ["docker", "cp", str(source), f"{self.id}:{dest}"]

    def copy_out(self, source: str, dest: str | Path) -> list[str]:
        return ["docker", "cp", f"{self.id}:{source}", str(dest)]

    # ---- running them -----------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The lab container's id (make's LAB_ID); a StepError when the lab is not running."""
        if not self._id:
            found = subprocess.run([*self.compose, "ps", "-q", "lab"], capture_output=True, text=True)
            self._id = found.stdout.strip() if found.returncode == 0 else ""
            if not self._id:
                raise StepError(NOT_RUNNING)
        return self._id

    def run(self, command: list[str], echo: bool = True) -> None:
        """Run a command; its failure stops the step with its exit status."""
        if echo and self.echo:
            self.echo(shlex.join(command))
            sys.stdout.flush()
        done = subprocess.run(command)
        if done.returncode != 0:
            raise StepError(f"`{shlex.join(command)}` failed (exit status {done.returncode})", done.returncode)

    def role(self) -> str:
        """LAB_ROLE of the running lab: learner unless it says otherwise."""
        said = subprocess.run(
            [*self.compose, "exec", "-T", "lab", "printenv", "LAB_ROLE"], capture_output=True, text=True
        )
        return said.stdout.strip() if said.returncode == 0 and said.stdout.strip() else "learner"


# ---- the steps ------------------------------------------------------------------------------
def learner_lab_refusal(role: str) -> str:
    return (
        f"This lab's LAB_ROLE is {role}: a release copies grader/source (the solutions and hidden tests)\n"
        "into its work folder, where whoever uses this lab can read them. Release from an instructor's\n"
        "lab (LAB_ROLE=instructor in .env, then make up), or, if this lab is yours alone, run\n"
        "make release LEARNER_LAB=1."
    )


def assignment_source(assignment: str) -> Path:
    source = SOURCE / assignment
    if not assignment or not source.is_dir():
        raise StepError(f"no {source} in this repository")
    return source


def release_commands(lab: LabContainer, assignment: str, source: Path) -> list[list[str]]:
    course = lab.course
    return [
        lab.as_root("rm", "-rf", f"{course}/source/{assignment}"),
        lab.as_root("mkdir", "-p", f"{course}/source"),
        lab.as_root("chown", "jovyan:jovyan", course),
        lab.copy_in(source, f"{course}/source/"),
        lab.copy_in(NBGRADER_CONFIG, f"{course}/nbgrader_config.py"),
        lab.as_root("chown", "-R", "jovyan:jovyan", f"{course}/source", f"{course}/nbgrader_config.py"),
        lab.in_course("nbgrader", "generate_assignment", assignment, "--force"),
        lab.in_course("nbgrader", "release_assignment", assignment, "--force"),
    ]


def release(lab: LabContainer, assignment: str, learner_lab: bool = False) -> None:
    lab.id  # noqa: B018 (the lab is running, else the step stops here, first, as make's NEED_LAB did)
    source = assignment_source(assignment)
    role = lab.role()
    if role != "instructor" and not learner_lab:
        raise StepError(learner_lab_refusal(role))
    for command in release_commands(lab, assignment, source):
        lab.run(command)


def collect_commands(lab: LabContainer, assignment: str, submissions: Path, force: bool = False) -> list[list[str]]:
    """The commands that bring the submissions of a folder or .zip here into the course."""
    inside = f"{COLLECT_TMP}/{submissions.name}"
    return [
        lab.as_root("rm", "-rf", COLLECT_TMP),
        lab.as_root("mkdir", "-p", COLLECT_TMP),
        lab.copy_in(submissions, f"{COLLECT_TMP}/"),
        lab.as_root("chown", "-R", "jovyan:jovyan", COLLECT_TMP),
        lab.in_course(
            "python", "-m", "asynclab.classroom.collect", inside, assignment, *(["--force"] if force else [])
        ),
    ]


def collect(lab: LabContainer, assignment: str, submissions: str = "", force: bool = False) -> None:
    """From the exchange, or from a folder or .zip of this machine (the Makefile's FROM)."""
    lab.id  # noqa: B018 (the lab is running)
    if not submissions:
        lab.run(lab.in_course("nbgrader", "collect", assignment, "--update"), echo=False)
        return
    path = Path(submissions)
    if not path.exists():
        raise StepError(f"{submissions} does not exist")
    try:
        for command in collect_commands(lab, assignment, path, force):
            lab.run(command, echo=False)
    finally:
        subprocess.run(lab.as_root("rm", "-rf", COLLECT_TMP))


def reference_commands(lab: LabContainer, assignment: str, names: list[str]) -> list[list[str]]:
    notebook = SOURCE / assignment / f"{assignment}.ipynb"
    return [
        lab.copy_in(notebook, "/tmp/reference-source.ipynb"),
        lab.as_root("bash", "-c", "rm -rf /tmp/reference && chown jovyan /tmp/reference-source.ipynb"),
        lab.as_jovyan(
            "python",
            "-m",
            "asynclab.grading.reference",
            "/tmp/reference-source.ipynb",
            *names,
            "--out",
            "/tmp/reference",
        ),
        lab.copy_out("/tmp/reference/.", f"{REFERENCE_OUT}/"),
    ]


def reference(lab: LabContainer, assignment: str, names: list[str]) -> None:
    lab.id  # noqa: B018 (the lab is running)
    notebook = assignment_source(assignment) / f"{assignment}.ipynb"
    if not notebook.is_file():
        raise StepError(f"no {notebook} in this repository")
    for command in reference_commands(lab, assignment, names):
        lab.run(command)
    print(f"wrote {REFERENCE_OUT}/ (rebuild the lab image to use them: make lab)")


# ---- the command line -------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python3 -m asynclab.classroom.course_steps", description=__doc__.split("\n\n")[0]
    )
    top.add_argument("--course-in-lab", default=COURSE_IN_LAB, help="the course folder in the lab")
    top.add_argument("--exchange", default="", help="nbgrader's exchange in the lab (NBGRADER_EXCHANGE)")
    steps = top.add_subparsers(dest="step", required=True)
    one = steps.add_parser("release", help="release ASSIGNMENT from grader/source to the learners")
    one.add_argument("assignment")
    one.add_argument("--learner-lab", action="store_true", help="release in a lab whose LAB_ROLE is not instructor")
    one = steps.add_parser("collect", help="collect submissions from the exchange, or --from a folder or .zip")
    one.add_argument("assignment")
    one.add_argument("--from", dest="submissions", default="", help="a folder or .zip of submissions here")
    one.add_argument("--force", action="store_true", help="replace submissions collected before")
    one = steps.add_parser("reference", help="record the reference runs of ASSIGNMENT's solutions")
    one.add_argument("assignment")
    one.add_argument("names", nargs="*", help="only these exercises")
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    lab = LabContainer(course=args.course_in_lab, exchange=args.exchange)
    try:
        if args.step == "release":
            release(lab, args.assignment, args.learner_lab)
        elif args.step == "collect":
            collect(lab, args.assignment, args.submissions, args.force)
        else:
            reference(lab, args.assignment, args.names)
    except StepError as exc:
        if not exc.message.startswith("`"):  # a command that failed has said why itself
            print(exc.message, file=sys.stderr)
        return exc.status
    except LabError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
