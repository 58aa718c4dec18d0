"""The reference runs the feedback draws beside the learner's (asynclab.grading.reference):
is there one for every playbook exercise, recorded from the solution as it is now, a run
that succeeded, and are both timelines drawn on one time scale?"""

import json

import pytest

from asynclab.grading import reference
from asynclab.grading.exercises import EXERCISES
from asynclab.run.folding import load_events
from asynclab.run.result import result_from_events
from tests.helpers.paths import EVENTS, ROOT

SOURCE = ROOT / "grader" / "source" / "async-basics" / "async-basics.ipynb"
PLAYBOOK_EXERCISES = sorted(n for n, e in EXERCISES.items() if e.kind == "playbook")
RECORD = "make reference NAMES=<name> (on a running lab)"


def test_the_source_has_a_solution_for_each_playbook_exercise():
    assert sorted(reference.solutions(json.loads(SOURCE.read_text()))) == PLAYBOOK_EXERCISES


@pytest.mark.parametrize("name", PLAYBOOK_EXERCISES)
def test_each_reference_was_recorded_from_the_solution_as_it_is_now(name):
    solution = reference.solutions(json.loads(SOURCE.read_text()))[name]
    head = reference.header(name)
    assert head is not None, f"no reference run of {name}: record it with {RECORD}"
    assert head == {"exercise": name, "solution_sha256": reference.digest(solution)}, (
        f"the solution of {name} changed since its reference run: record it again with {RECORD}"
    )


@pytest.mark.parametrize("name", PLAYBOOK_EXERCISES)
def test_each_reference_is_a_successful_run_of_its_exercise(name):
    run = reference.reference_run(name)
    assert run.status == "successful" and run.tasks and run.recap


def test_the_learners_run_and_the_references_share_one_time_scale():
    learner = result_from_events(load_events(EVENTS / "poll_positive.jsonl"))
    ref = reference.reference_run("fire_and_forget")
    mine, theirs = reference.beside(learner, ref)
    assert mine.axes[0].get_xlim() == theirs.axes[0].get_xlim()
    assert mine.axes[0].get_xlim()[1] >= max(learner.wall_time, ref.wall_time)
    assert mine.axes[0].get_title().startswith("Your run") and "reference" in theirs.axes[0].get_title()


def test_an_exercise_without_a_reference_draws_nothing(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(reference, "FOLDER", tmp_path)
    learner = result_from_events(load_events(EVENTS / "poll_positive.jsonl"))
    reference.show_beside("fire_and_forget", learner)
    assert capsys.readouterr().out == ""
