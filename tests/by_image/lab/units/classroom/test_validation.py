"""Validate, summed up (asynclab.classroom.validation): one line first, then the answers that
fall short with the grader's words, then the unanswered ones in one line; in the Validate
dialog (the server handler's answer) and from `nbgrader validate`. A small assignment of the
course's real exercises that needs no hosts: three value answers and one playbook left as
released, checked by the real %self_check in nbgrader's real Validate."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers.notebooks import cell
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.needs_ansible  # nbgrader and a kernel: the lab image

HEADLINE = "2 of 4 answered, 1 of 6 points so far."


def exercise(number, name, title, points, answer, summative=False):
    check = f"# Graded.\n%self_check {name}" + (" --summative" if summative else "")
    return [
        cell("markdown", f"## {number}. {title} ({points} point{'s' * (points != 1)})"),
        cell("code", answer, f"{name}_answer", solution=True),
        cell("code", check, f"{name}_check", points=points),
    ]


def notebook(summative=False) -> dict:
    stub = "# YOUR ANSWER HERE: replace this line with your answer"
    cells = [
        cell("code", "%load_ext asynclab", "setup"),
        *exercise(
            1, "fire_and_forget", "Fire and forget", 3, f"%%playbook --exercise fire_and_forget\n{stub}", summative
        ),
        *exercise(10, "retries_needed", "How many retries?", 1, "retries_needed = 3", summative),
        *exercise(11, "poll_zero_means", "What does poll: 0 mean?", 1, 'poll_zero_means = "b"', summative),
        *exercise(12, "could_not_find_job", "Could not find job", 1, stub, summative),
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("validate")
    course = tmp / "course"
    course.mkdir()
    shutil.copy(ROOT / "grader" / "nbgrader_config.py", course / "nbgrader_config.py")
    for name, summative in (("answered", False), ("summative", True)):
        (course / f"{name}.ipynb").write_text(json.dumps(notebook(summative)))
    (tmp / "home").mkdir()
    env = dict(os.environ, NBGRADER_EXCHANGE=str(tmp / "exchange"), HOME=str(tmp / "home"), MPLBACKEND="Agg")
    env.pop("ASYNCLAB_HUB", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    return course, env


def run(course, env, *args) -> str:
    done = subprocess.run(args, cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def dialog(course):
    """What the Validate button's server handler answers: nbgrader's handler, run by the lab's
    server extension in a process of its own, from the course's folder (where it reads the
    settings before it builds its Validator). Its answer is all it prints."""
    said = run(*course, sys.executable, "-m", "asynclab.classroom.validate_in_background", ".", "answered.ipynb")
    return json.loads(said)


def test_the_dialog_gets_one_summary_then_what_falls_short_then_what_is_left(dialog):
    answer = dialog
    assert answer["success"] is True
    (failed,) = answer["value"]["failed"]  # one entry: nbgrader's dialog shows each entry as a failed cell
    assert failed["source"] == HEADLINE
    details = failed["raw_error"]
    short, missing = details.split("\n\n")
    assert short.splitlines()[:2] == ["Not right yet:", "10. How many retries?: 0 of 1 points"]
    assert "✘" in short and "Fire and forget" not in short and "poll" not in short
    assert missing == "Not answered yet: 1. Fire and forget, 12. Could not find job."


def test_the_dialogs_boxes_wrap_and_its_fixed_heading_is_hidden(dialog):
    failed = dialog["value"]["failed"][0]
    shown = failed["error"]
    assert "white-space: pre-wrap" in shown and "#validation-message pre" in shown
    assert "div:first-child:not(.jp-RenderedText) { display: none; }" in shown
    # the learner's words reach the dialog as text, never as HTML
    assert "<div" not in failed["raw_error"] and "&lt;" not in failed["raw_error"]


def test_nbgrader_validate_prints_the_same_summary(course):
    said = run(*course, sys.executable, "-m", "nbgrader", "validate", "answered.ipynb")
    assert said.index(HEADLINE) < said.index("Not right yet:") < said.index("Not answered yet: 1. Fire and forget")
    assert "The following cell failed" not in said and "VALIDATION FAILED" not in said


def test_a_summative_assignment_gives_no_points_before_the_feedback(course):
    said = run(*course, sys.executable, "-m", "nbgrader", "validate", "summative.ipynb")
    assert "2 of 4 answered; your points come with the feedback." in said
    assert "Not right yet" not in said and "points so far" not in said and "✘" not in said
    assert "Not answered yet: 1. Fire and forget, 12. Could not find job." in said


def test_right_answers_still_pass(course):
    nb = notebook()
    nb["cells"] = nb["cells"][:1] + nb["cells"][4:10]  # the exercises 10 and 11
    nb["cells"][2]["source"] = "retries_needed = 9"
    course, env = course
    (course / "right.ipynb").write_text(json.dumps(nb))
    said = run(course, env, sys.executable, "-m", "nbgrader", "validate", "right.ipynb")
    assert "Success! Your notebook passes all the tests." in said
