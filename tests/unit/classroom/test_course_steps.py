"""asynclab.classroom.course_steps, the instructor's release, collect and reference (host side),
without Docker: the commands each step builds, and what it says when it cannot be done.
tests/integration/test_grading_course.py runs `make release` (refused in a learner's lab,
then with LEARNER_LAB=1) and `make collect FROM=...` against a running lab."""

import subprocess
import sys

import pytest

from asynclab.classroom import course_steps
from asynclab.classroom.course_steps import LabContainer, StepError

from ...helpers.paths import ROOT

COMPOSE = ["docker", "compose"]


@pytest.fixture
def lab():
    made = LabContainer(compose=COMPOSE, echo=None)
    made._id = "c0ffee"  # as if `compose ps -q lab` had found it
    return made


@pytest.fixture
def in_repository(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_release_copies_the_source_and_config_then_runs_nbgrader(lab, in_repository):
    source = course_steps.assignment_source("async-basics")
    commands = course_steps.release_commands(lab, "async-basics", source)
    course = "/home/jovyan/work/grader"
    assert commands[0] == [*COMPOSE, "exec", "-T", "-u", "root", "lab", "rm", "-rf", f"{course}/source/async-basics"]
    assert ["docker", "cp", "grader/source/async-basics", f"c0ffee:{course}/source/"] in commands
    assert ["docker", "cp", "grader/nbgrader_config.py", f"c0ffee:{course}/nbgrader_config.py"] in commands
    assert commands[-2:] == [
        [*COMPOSE, "exec", "-T", "-u", "jovyan", "-w", course, "lab", "nbgrader", cmd, "async-basics", "--force"]
        for cmd in ("generate_assignment", "release_assignment")
    ]


def test_the_exchange_and_course_folder_are_the_makefiles(lab):
    lab.course, lab.exchange = "/tmp/course", "/tmp/exchange"
    assert lab.in_course("nbgrader", "list") == [
        *COMPOSE,
        "exec",
        "-T",
        "-u",
        "jovyan",
        "-w",
        "/tmp/course",
        "-e",
        "NBGRADER_EXCHANGE=/tmp/exchange",
        "lab",
        "nbgrader",
        "list",
    ]


def test_an_assignment_that_does_not_exist_is_named(lab, in_repository):
    with pytest.raises(StepError, match=r"^no grader/source/no-such-thing in this repository$"):
        course_steps.release(lab, "no-such-thing")
    with pytest.raises(StepError, match=r"^no grader/source/no-such-thing in this repository$"):
        course_steps.reference(lab, "no-such-thing", [])


def test_a_release_in_a_learners_lab_is_refused_and_says_how(lab, in_repository, monkeypatch):
    monkeypatch.setattr(LabContainer, "role", lambda self: "learner")
    ran = []
    monkeypatch.setattr(LabContainer, "run", lambda self, command, echo=True: ran.append(command))
    with pytest.raises(StepError) as refused:
        course_steps.release(lab, "async-basics")
    assert "LAB_ROLE is learner" in refused.value.message and "make release LEARNER_LAB=1" in refused.value.message
    assert ran == []
    course_steps.release(lab, "async-basics", learner_lab=True)
    assert len(ran) == 8


def test_collect_from_a_folder_that_does_not_exist_is_named(lab, tmp_path):
    with pytest.raises(StepError, match="does not exist$"):
        course_steps.collect(lab, "async-basics", str(tmp_path / "nothing"))


def test_collect_from_a_folder_copies_it_in_and_hands_it_to_collect(lab, tmp_path):
    subs = tmp_path / "subs"
    commands = course_steps.collect_commands(lab, "async-basics", subs, force=True)
    assert ["docker", "cp", str(subs), "c0ffee:/tmp/asynclab-collect/"] in commands
    assert commands[-1][-5:] == [
        "-m",
        "asynclab.classroom.collect",
        "/tmp/asynclab-collect/subs",
        "async-basics",
        "--force",
    ]
    assert "--force" not in course_steps.collect_commands(lab, "async-basics", subs)[-1]


def test_reference_records_in_the_lab_and_copies_the_runs_back(lab):
    commands = course_steps.reference_commands(lab, "async-basics", ["fire_and_forget"])
    assert commands[0] == [
        "docker",
        "cp",
        "grader/source/async-basics/async-basics.ipynb",
        "c0ffee:/tmp/reference-source.ipynb",
    ]
    assert "fire_and_forget" in commands[2] and commands[2][-2:] == ["--out", "/tmp/reference"]
    assert commands[-1] == ["docker", "cp", "c0ffee:/tmp/reference/.", "src/asynclab/data/reference/"]


def test_no_lab_says_so_as_make_did(monkeypatch):
    lab = LabContainer(compose=["false"], echo=None)
    with pytest.raises(StepError, match="^The lab is not running: start it with make lab$"):
        lab.id  # noqa: B018


def test_the_command_line_says_why_and_exits_non_zero(tmp_path):
    """No lab here (a compose that finds nothing): the message, on stderr, and status 1."""
    done = subprocess.run(
        [sys.executable, "-m", "asynclab.classroom.course_steps", "release", "async-basics"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "COMPOSE": "true", "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and done.stderr.strip() == "The lab is not running: start it with make lab"


def test_it_runs_on_the_standard_library_alone():
    """make runs it with the host's python3: importing it loads no third-party module."""
    probe = (
        "before = set(sys.modules); import asynclab.classroom.course_steps; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(new - set(sys.stdlib_module_names) - {'asynclab'}))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'src')!r}); {probe}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
