"""The learner's check of one answer before submitting (`%self_check NAME`): the grader's
own verdict and words, wherever it runs; Validate fails on an answer not given or not yet
right; a summative assignment gives no verdict before the feedback."""

import nbformat
import pytest

from asynclab.classroom.self_check_mode import SelfCheckMode
from asynclab.grading import EXERCISES, check
from asynclab.grading.grade import AnswerNotRight, self_check
from tests.helpers.paths import EVENTS

NAME = "retries_needed"  # a value exercise: no hosts needed


@pytest.fixture
def answer(ipython_shell):
    def give(value):
        ipython_shell.user_ns.pop(EXERCISES[NAME].variable, None)
        if value is not None:
            ipython_shell.user_ns[EXERCISES[NAME].variable] = value

    yield give
    give(None)


@pytest.mark.parametrize("value", [None, 3, 9])
def test_the_verdict_is_the_graders_in_the_learners_kernel(answer, value, capsys, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    answer(value)
    points = check(NAME)
    graded = capsys.readouterr().out
    self_check(NAME)  # never raises in the learner's own kernel
    assert capsys.readouterr().out == graded  # the same verdict, in the same words
    assert (points == EXERCISES[NAME].points) == (value == 9)


@pytest.mark.parametrize("value, words", [(None, "Not answered yet"), (3, "✘")])
def test_validate_fails_with_the_graders_words_on_an_answer_not_right(answer, value, words, capsys, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    answer(value)
    with pytest.raises(AnswerNotRight) as failed:
        self_check(NAME)
    assert words in failed.value.message and f"0 of {EXERCISES[NAME].points:g} points" in failed.value.message
    assert failed.value._render_traceback_() == failed.value.message.splitlines()  # no traceback shown


def test_validate_passes_a_right_answer(answer, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    answer(9)
    self_check(NAME)


def test_under_autograde_the_self_check_stays_silent(answer, capsys, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    answer(3)
    self_check(NAME)  # the hidden check() grades; nothing twice in the feedback
    assert capsys.readouterr().out == ""


def test_summative_gives_no_verdict_but_still_says_not_answered(answer, capsys, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    answer(3)
    self_check(NAME, summative=True)
    shown = capsys.readouterr().out
    assert "✘" not in shown and "✔" not in shown and "graded after you submit" in shown
    answer(None)
    with pytest.raises(AnswerNotRight, match="Not answered yet"):
        self_check(NAME, summative=True)


@pytest.mark.parametrize(
    "mode, expected", [("formative", "%self_check x_y"), ("summative", "%self_check x_y --summative")]
)
def test_the_release_writes_the_instructors_mode_into_the_self_check_line(mode, expected):
    cell = nbformat.v4.new_code_cell("# Graded\n%self_check x_y\n")
    out, _ = SelfCheckMode(mode=mode).preprocess_cell(cell, {}, 0)
    assert out.source == f"# Graded\n{expected}\n"


def test_the_magic_runs_the_self_check(ipython_shell, answer, capsys, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    answer(9)
    ipython_shell.run_line_magic("self_check", NAME)
    assert "✔" in capsys.readouterr().out


def test_a_summative_release_writes_its_mode_on_the_answers_line_too():
    cell = nbformat.v4.new_code_cell("%%playbook --exercise fire_and_forget\n# YOUR ANSWER HERE\n")
    out, _ = SelfCheckMode(mode="summative").preprocess_cell(cell, {}, 0)
    assert out.source == "%%playbook --exercise fire_and_forget --summative\n# YOUR ANSWER HERE\n"
    cell = nbformat.v4.new_code_cell("%%playbook --exercise fire_and_forget\n# YOUR ANSWER HERE\n")
    out, _ = SelfCheckMode(mode="formative").preprocess_cell(cell, {}, 0)
    assert out.source == "%%playbook --exercise fire_and_forget\n# YOUR ANSWER HERE\n"


@pytest.fixture
def recorded_answer(monkeypatch):
    """%%playbook --exercise runs no playbook: its answer is a recorded run, which the
    self-check then finds as it finds a real one."""

    from asynclab import grading
    from asynclab.grading import ANSWERS
    from asynclab.grading.answers import Answer
    from asynclab.run.folding import load_events
    from asynclab.run.result import result_from_events

    run = result_from_events(load_events(EVENTS / "fire_and_wait.jsonl"))
    checked = []

    def run_exercise(name, text, progress="auto"):
        ANSWERS[name] = answer = Answer(name, text, status="unanswered", result=run)
        return answer

    def self_check(name, summative=False):
        checked.append(name)
        print(f"{name}: the grader's verdict")

    monkeypatch.setattr(grading, "run_exercise", run_exercise)
    monkeypatch.setattr(grading, "self_check", self_check)
    yield checked
    ANSWERS.pop("fire_and_forget", None)


def test_each_run_of_an_answer_ends_with_its_checks_verdict(ipython_shell, recorded_answer, capsys, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    ipython_shell.run_cell_magic("playbook", "--exercise fire_and_forget --no-timeline", "- hosts: web1\n")
    said = capsys.readouterr().out
    assert recorded_answer == ["fire_and_forget"]
    # after the run's summary, the verdict the check cell would give on this run
    assert said.rstrip().endswith("fire_and_forget: the grader's verdict")
    assert "as its check cell below (%self_check fire_and_forget) checks it" in said


@pytest.mark.parametrize("execution, line", [("validate", ""), ("autograde", ""), (None, " --summative")])
def test_under_nbgrader_and_in_a_summative_assignment_a_run_gives_no_verdict(
    ipython_shell, recorded_answer, capsys, monkeypatch, execution, line
):
    if execution:
        monkeypatch.setenv("NBGRADER_EXECUTION", execution)
    else:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    ipython_shell.run_cell_magic("playbook", f"--exercise fire_and_forget --no-timeline{line}", "- hosts: web1\n")
    assert recorded_answer == [] and "verdict" not in capsys.readouterr().out
