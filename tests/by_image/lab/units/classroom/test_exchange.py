"""nbgrader's exchange as the lab sets it (asynclab.classroom.exchange): a submission is its
learner's and the instructors' group's only, and one that names another learner than its
owner is refused at collection. The hub test shows both across real Unix users
(tests/integration/test_class_on_hub.py); here, one user, through nbgrader's own CLI."""

import getpass
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT

pytestmark = pytest.mark.needs_ansible  # nbgrader: the lab image


def test_a_submission_owned_by_the_learner_it_names_is_genuine(tmp_path):
    from asynclab.classroom.exchange import forgery

    submission = tmp_path / "me+a+ts"
    submission.mkdir()
    assert forgery(submission, getpass.getuser()) is None


def test_a_submission_that_names_someone_else_is_a_forgery_that_names_both(tmp_path):
    from asynclab.classroom.exchange import forgery

    submission = tmp_path / "root+a+ts"
    submission.mkdir()
    said = forgery(submission, "root")
    me = getpass.getuser()
    assert said == f"made by {me} (uid {os.getuid()}), not by root (uid 0)"


def test_a_submission_that_names_no_user_of_the_lab_is_refused(tmp_path):
    from asynclab.classroom.exchange import forgery

    assert forgery(tmp_path, "no-such-learner") == "no-such-learner is not a user of this lab"


def test_make_private_leaves_the_owner_and_the_group_only(tmp_path):
    from asynclab.classroom.exchange import make_private

    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "a.ipynb").write_text("{}")
    (tmp_path / "sub" / "deeper" / "b.txt").write_text("x")
    for path in [tmp_path / "sub", *(tmp_path / "sub").rglob("*")]:
        path.chmod(0o777)
    make_private(tmp_path / "sub")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [tmp_path / "sub", *(tmp_path / "sub").rglob("*")]}
    assert modes == {"sub": 0o750, "deeper": 0o750, "a.ipynb": 0o640, "b.txt": 0o640}


def nbgrader(course: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def course(tmp_path):
    """A course with one small assignment, the lab's settings and an exchange of its own."""
    course = tmp_path / "course"
    (course / "source" / "tiny").mkdir(parents=True)
    shutil.copy(ROOT / "grader" / "nbgrader_config.py", course / "nbgrader_config.py")
    notebook = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "Nothing to answer."}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (course / "source" / "tiny" / "tiny.ipynb").write_text(json.dumps(notebook))
    # The learner's side reads the course's settings as the lab's learners do: on JUPYTER_CONFIG_PATH.
    env = dict(
        os.environ,
        NBGRADER_EXCHANGE=str(tmp_path / "exchange"),
        HOME=str(tmp_path / "home"),
        JUPYTER_CONFIG_PATH=str(course),
    )
    env.pop("ASYNCLAB_HUB", None)
    (tmp_path / "home").mkdir()
    for step in (["generate_assignment", "tiny", "--force"], ["release_assignment", "tiny", "--force"]):
        done = nbgrader(course, *step, env=env)
        assert done.returncode == 0, done.stderr
    return course, env, tmp_path


def test_a_submission_through_nbgrader_is_private_and_collected(course):
    course, env, tmp = course
    work = tmp / "home" / "work"
    work.mkdir()
    for step in (["fetch_assignment", "tiny", "--course", "async-lab"], ["submit", "tiny", "--course", "async-lab"]):
        done = nbgrader(work, *step, env=env)
        assert done.returncode == 0, done.stderr
    inbound = tmp / "exchange" / "async-lab" / "inbound"
    # Write-only for others, set-group-id for the instructors' group, sticky: nobody renames
    # or removes a submission that is not theirs.
    assert stat.S_IMODE(inbound.stat().st_mode) == 0o3733
    (submission,) = inbound.iterdir()
    assert stat.S_IMODE(submission.stat().st_mode) == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in submission.iterdir()} == {0o640}
    done = nbgrader(course, "collect", "tiny", "--update", env=env)
    assert done.returncode == 0, done.stderr
    assert (course / "submitted" / getpass.getuser() / "tiny" / "tiny.ipynb").exists()


def test_a_forged_submission_is_refused_and_the_genuine_ones_are_still_collected(course):
    course, env, tmp = course
    work = tmp / "home" / "work"
    work.mkdir()
    assert nbgrader(work, "fetch_assignment", "tiny", "--course", "async-lab", env=env).returncode == 0
    assert nbgrader(work, "submit", "tiny", "--course", "async-lab", env=env).returncode == 0
    forged = nbgrader(work, "submit", "tiny", "--course", "async-lab", "--student", "root", env=env)
    assert forged.returncode == 0, forged.stderr  # nbgrader lets it through; collection refuses it
    done = nbgrader(course, "collect", "tiny", "--update", env=env)
    assert done.returncode != 0
    me = getpass.getuser()
    assert f"a forgery, made by {me} (uid {os.getuid()}), not by root (uid 0)" in done.stderr
    assert "1 submission(s) refused as forgeries" in done.stderr
    assert (course / "submitted" / me / "tiny" / "tiny.ipynb").exists()
    assert not (course / "submitted" / "root").exists()
