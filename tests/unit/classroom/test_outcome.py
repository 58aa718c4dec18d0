"""A grading outcome as JSON, across the container boundary and across versions.

The host and the lab image may run different versions of asynclab: an outcome an older (or
newer) version wrote, with a key missing or one more, must still be read.
"""

import json
import subprocess
from pathlib import Path

import pytest

from asynclab.classroom import autograde, course_commands, parallel, workers
from asynclab.classroom.outcome import (
    ALREADY_GRADED,
    GRADED,
    LAB_FAILED,
    NOT_GRADED,
    Outcome,
    outcome_from_json,
    outcome_to_json,
    outcomes_from_json,
    outcomes_to_json,
)

FULL = Outcome("ann", GRADED, 151.25, "1 cell(s) stopped at the per-cell time limit", "27 / 27", "2")


def test_one_outcome_and_a_list_come_back_the_same():
    assert outcome_from_json(outcome_to_json(FULL)) == FULL
    others = [FULL, Outcome("bob", NOT_GRADED, 3.5, "NotJSONError"), Outcome("cid", ALREADY_GRADED, 0.0)]
    assert outcomes_from_json(outcomes_to_json(others)) == others
    assert outcomes_from_json(outcomes_to_json([])) == []


def test_the_keys_written_are_the_ones_every_version_reads():
    # Readers before asynclab.classroom.outcome took Outcome(**data): one key more breaks them.
    assert set(json.loads(outcome_to_json(FULL))) == {"student", "status", "seconds", "detail", "score", "worker"}


def test_an_outcome_from_an_older_version_without_score_and_worker_takes_their_defaults():
    old = '{"student": "ann", "status": "graded", "seconds": 12.0, "detail": ""}'
    assert outcome_from_json(old) == Outcome("ann", GRADED, 12.0, "", "", "")


def test_keys_this_version_does_not_know_are_ignored():
    newer = {**FULL.to_dict(), "attempts": 2, "hosts": {"web1": "ok"}}
    assert outcome_from_json(json.dumps(newer)) == FULL
    assert outcomes_from_json(json.dumps([newer, newer])) == [FULL, FULL]


def test_missing_keys_without_a_default_say_not_graded_and_the_caller_can_name_the_student():
    assert outcome_from_json("{}") == Outcome("", NOT_GRADED, 0.0)
    assert outcome_from_json('{"status": "graded"}', student="ann") == Outcome("ann", GRADED, 0.0)
    # what the outcome says wins over the caller's default
    assert outcome_from_json('{"student": "bob"}', student="ann").student == "bob"


def test_odd_values_are_read_as_their_fields_types():
    odd = '{"student": "ann", "status": "graded", "seconds": "4.5", "score": null, "worker": 3}'
    assert outcome_from_json(odd) == Outcome("ann", GRADED, 4.5, "", "", "3")
    assert outcome_from_json('{"student": "ann", "seconds": "soon"}').seconds == 0.0


def test_what_is_no_outcome_is_a_value_error():
    for text in ("[1, 2]", '"graded"', "not json"):
        with pytest.raises(ValueError):
            outcome_from_json(text)
    with pytest.raises(ValueError):
        outcomes_from_json("[1]")
    assert outcomes_from_json(outcome_to_json(FULL)) == [FULL]  # one object: a list of one


def test_autograde_json_is_read_back_by_the_parallel_grader(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(autograde, "lab_problem", lambda: "web2 did not answer (ansible ping)")
    for student in ("ann", "bob"):
        (tmp_path / "submitted" / student / "a").mkdir(parents=True)
    report = tmp_path / "outcomes.json"
    assert autograde.main(["a", "--course", str(tmp_path), "--json", str(report)]) == 1
    read = outcomes_from_json(report.read_text())
    assert [(o.student, o.status) for o in read] == [("ann", LAB_FAILED), ("bob", LAB_FAILED)]
    assert "web2 did not answer" in read[0].detail


def test_an_import_printed_by_the_course_is_read_by_the_host(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(course_commands, "import_graded", lambda *args: FULL)
    assert course_commands.main(["--course", str(tmp_path), "import", "a", "ann"]) == 0
    printed = capsys.readouterr().out

    class FakeCourse(parallel.LabCourse):
        def python(self, *args, timeout=900):
            return subprocess.CompletedProcess(args, 0, stdout=printed, stderr="")

    assert FakeCourse("lab", "/course").import_graded("a", "ann") == FULL


def test_the_host_reads_an_import_of_another_version_and_survives_one_it_cannot_read():
    class FakeCourse(parallel.LabCourse):
        said = ""

        def python(self, *args, timeout=900):
            return subprocess.CompletedProcess(args, 0, stdout=self.said, stderr="")

    lab = FakeCourse("lab", "/course")
    lab.said = '{"status": "graded", "seconds": 0.0, "score": "3 / 3", "graded_by": "nbgrader 0.10"}\n'
    assert lab.import_graded("a", "ann") == Outcome("ann", GRADED, 0.0, "", "3 / 3")
    lab.said = "Traceback (most recent call last):\n"
    unread = lab.import_graded("a", "ann")
    assert unread.status == NOT_GRADED and "gave no outcome" in unread.detail


def test_the_plan_keeps_outcomes_the_host_reads(tmp_path, monkeypatch):
    (tmp_path / "submitted" / "ann" / "a").mkdir(parents=True)
    kept = Outcome("ann", ALREADY_GRADED, 0.0, "kept from an earlier run", "2 / 2")
    monkeypatch.setattr(course_commands, "already_graded", lambda *args: kept)
    plan = json.loads(json.dumps(course_commands.plan(tmp_path, "a", [], regrade=False)))
    assert plan["grade"] == [] and [Outcome.from_dict(o) for o in plan["kept"]] == [kept]


def fake_grader(monkeypatch, report: str):
    """A worker's docker commands: the outcome file holds ``report``; no notebooks to copy back."""

    def run(command, **kwargs):
        if command[-2:] == ["cat", "/tmp/outcome-ann.json"]:
            return subprocess.CompletedProcess(command, 0, stdout=report, stderr="")
        no_notebooks = command[-1].startswith("ls ")
        return subprocess.CompletedProcess(command, 1 if no_notebooks else 0, stdout="", stderr="")

    monkeypatch.setattr(workers.subprocess, "run", run)
    monkeypatch.setattr(workers, "copy_between", lambda *args: None)


def grade_ann():
    return workers.Worker(3, "lab", Path("."), ["docker", "compose"]).grade("lab", "/c", "a", "ann", 60)


def test_a_worker_reads_its_graders_outcome_of_an_older_version(monkeypatch):
    fake_grader(monkeypatch, '[{"student": "ann", "status": "could not be graded", "seconds": 2.0}]')
    outcome, executed = grade_ann()
    assert outcome == Outcome("ann", NOT_GRADED, 2.0, worker="3") and not executed


def test_a_worker_whose_grader_wrote_no_readable_outcome_fails_as_a_worker(monkeypatch):
    for report in ("[]", "{not json", "[1]"):
        fake_grader(monkeypatch, report)
        with pytest.raises(workers.WorkerError, match="no readable outcome for ann"):
            grade_ann()
