"""The autograde driver: outcomes per student, the report, and stopping when the lab is down.

nbgrader itself is replaced by small Python commands; the real run is in the lab container.
"""

import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from asynclab.classroom import autograde
from asynclab.classroom.autograde import GRADED, LAB_FAILED, NOT_GRADED, Outcome

ASSIGNMENT = "async-basics"
NBGRADER_FAILURE_LOG = """\
[AutogradeApp | INFO] Converting notebook /c/submitted/carol/async-basics/async-basics.ipynb
[AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/carol/async-basics
[AutogradeApp | ERROR] Traceback (most recent call last):
      File "/opt/venv/lib/python3.11/site-packages/nbformat/reader.py", line 48, in parse_json
        raise NotJSONError(message) from e
    nbformat.reader.NotJSONError: Notebook does not appear to be JSON: '{ not a notebook'
[AutogradeApp | WARNING] Removing failed assignment: /c/autograded/carol/async-basics
[AutogradeApp | ERROR] There was an error processing assignment 'async-basics' for student 'carol'
[AutogradeApp | ERROR] Please see the the above traceback for details on the specific errors on the above failures.
"""


def write_graded(folder, *outputs):
    folder.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=[new_code_cell("check('x')", outputs=list(outputs))])
    nbformat.write(nb, str(folder / f"{ASSIGNMENT}.ipynb"))


def test_reason_is_the_exception_not_nbgraders_boilerplate():
    assert autograde.reason_from_log(NBGRADER_FAILURE_LOG) == (
        "nbformat.reader.NotJSONError: Notebook does not appear to be JSON: '{ not a notebook'"
    )
    assert autograde.reason_from_log("") == "nbgrader printed nothing"


def test_lab_failure_is_found_in_errors_and_in_printed_lines(tmp_path):
    write_graded(tmp_path / "a", new_output("stream", name="stdout", text="ok\n"))
    assert autograde.lab_failure_in(tmp_path / "a") is None
    write_graded(
        tmp_path / "b",
        new_output(
            "error", ename="LabEnvironmentError", evalue="The lab failed, not your answer: web2 is down", traceback=[]
        ),
    )
    assert autograde.lab_failure_in(tmp_path / "b") == "The lab failed, not your answer: web2 is down"
    write_graded(
        tmp_path / "c",
        new_output("stream", name="stdout", text="checking\nThe lab failed, not your answer: db1 is down\n"),
    )
    assert autograde.lab_failure_in(tmp_path / "c") == "The lab failed, not your answer: db1 is down"


def fake_nbgrader(monkeypatch, code):
    """Run `code` instead of nbgrader; it gets the same arguments (autograde A --student S --force)."""
    monkeypatch.setattr(autograde, "nbgrader_command", lambda: [sys.executable, "-c", code])
    monkeypatch.setattr(autograde, "score_of", lambda *args: "1 / 2")


WRITES_NOTEBOOK = f"""
import sys, pathlib, nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_output
student = sys.argv[sys.argv.index('--student') + 1]
if student == 'broken':
    print('[AutogradeApp | ERROR] There was an error processing assignment')
    print('nbformat.reader.NotJSONError: Notebook does not appear to be JSON')
    sys.exit(1)
outputs = []
if student == 'unlucky':
    outputs = [new_output('error', ename='LabEnvironmentError', evalue='The lab failed, not your answer: app1',
                          traceback=[])]
if student == 'slow':
    outputs = [new_output('error', ename='CellTimeoutError', evalue='', traceback=[])]
folder = pathlib.Path('autograded', student, '{ASSIGNMENT}')
folder.mkdir(parents=True)
nbformat.write(new_notebook(cells=[new_code_cell('x', outputs=outputs)]), str(folder / '{ASSIGNMENT}.ipynb'))
"""


def make_submissions(course, *students):
    for student in students:
        (course / "submitted" / student / ASSIGNMENT).mkdir(parents=True)


def test_every_student_is_tried_and_each_outcome_reported(tmp_path, monkeypatch, capsys):
    fake_nbgrader(monkeypatch, WRITES_NOTEBOOK)
    monkeypatch.setattr(autograde, "lab_problem", lambda: None)
    make_submissions(tmp_path, "broken", "good", "slow", "unlucky")
    assert autograde.main([ASSIGNMENT, "--course", str(tmp_path)]) == 1
    report = (tmp_path / "autograde-report.txt").read_text()
    rows = {line.split()[0]: line for line in report.splitlines()[2:6]}
    assert NOT_GRADED in rows["broken"] and "NotJSONError" in rows["broken"]
    assert GRADED in rows["good"] and "1 / 2" in rows["good"]
    assert "1 cell(s) stopped at the per-cell time limit" in rows["slow"]
    assert LAB_FAILED in rows["unlucky"] and "app1" in rows["unlucky"]
    assert "2 of 4 submission(s) graded" in report
    assert report in capsys.readouterr().out


def test_exit_code_is_zero_when_all_are_graded(tmp_path, monkeypatch):
    fake_nbgrader(monkeypatch, WRITES_NOTEBOOK)
    monkeypatch.setattr(autograde, "lab_problem", lambda: None)
    make_submissions(tmp_path, "good", "other")
    assert autograde.main([ASSIGNMENT, "--course", str(tmp_path), "--student", "good"]) == 0
    assert "other" not in (tmp_path / "autograde-report.txt").read_text()


def test_a_student_that_hangs_is_stopped(tmp_path, monkeypatch):
    fake_nbgrader(monkeypatch, "import time; time.sleep(60)")
    outcome = autograde.grade_one(tmp_path, ASSIGNMENT, "stuck", timeout=1)
    assert outcome.status == NOT_GRADED and "did not finish within 1 s" in outcome.detail
    assert outcome.seconds < 30


def test_nothing_is_graded_when_the_lab_is_down(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(autograde, "lab_problem", lambda: "web2 did not answer (ansible ping)")
    monkeypatch.setattr(autograde, "grade_one", lambda *a: pytest.fail("graded although the lab is down"))
    make_submissions(tmp_path, "good")
    assert autograde.main([ASSIGNMENT, "--course", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "web2 did not answer" in err and "the lab's fault" in err and "make reset" in err


def test_no_submission_or_unknown_student(tmp_path, capsys):
    assert autograde.main([ASSIGNMENT, "--course", str(tmp_path)]) == 1
    assert "collect them first" in capsys.readouterr().err
    make_submissions(tmp_path, "good")
    assert autograde.main([ASSIGNMENT, "--course", str(tmp_path), "--student", "nobody"]) == 1
    assert "for nobody" in capsys.readouterr().err


def test_report_columns_line_up():
    text = autograde.format_report(
        ASSIGNMENT, [Outcome("al", GRADED, 3.25, "", "2 / 2"), Outcome("bartholomew", LAB_FAILED, 12.0, "web1 down")]
    )
    header, first, second = text.splitlines()[1:4]
    assert header.index("outcome") == first.index(GRADED) == second.index(LAB_FAILED)
    assert "3.2 s" in first or "3.3 s" in first
    assert "make reset" in text


def make_submission(course, student, graded_later=True):
    import os
    import time

    submitted = course / "submitted" / student / ASSIGNMENT
    submitted.mkdir(parents=True)
    nbformat.write(new_notebook(), str(submitted / f"{ASSIGNMENT}.ipynb"))
    write_graded(course / "autograded" / student / ASSIGNMENT, new_output("stream", name="stdout", text="ok\n"))
    if not graded_later:
        later = time.time() + 10
        os.utime(submitted / f"{ASSIGNMENT}.ipynb", (later, later))


def test_a_run_again_keeps_what_was_graded_and_grades_the_rest(tmp_path, monkeypatch):
    make_submission(tmp_path, "ann")  # graded by an earlier, interrupted run
    make_submission(tmp_path, "bob", graded_later=False)  # submitted again since
    (tmp_path / "submitted" / "cid" / ASSIGNMENT).mkdir(parents=True)  # never graded
    monkeypatch.setattr(autograde, "score_of", lambda *args: "2 / 2")
    assert autograde.already_graded(tmp_path, ASSIGNMENT, "ann").status == autograde.ALREADY_GRADED
    assert autograde.already_graded(tmp_path, ASSIGNMENT, "bob") is None
    assert autograde.already_graded(tmp_path, ASSIGNMENT, "cid") is None
    write_graded(
        tmp_path / "autograded" / "ann" / ASSIGNMENT,
        new_output("error", ename="LabEnvironmentError", evalue="The lab failed, not your answer: web1", traceback=[]),
    )
    assert autograde.already_graded(tmp_path, ASSIGNMENT, "ann") is None  # a lab failure is graded again


def test_the_gradebook_is_backed_up_and_old_copies_pruned(tmp_path, monkeypatch):
    assert autograde.back_up_gradebook(tmp_path) is None
    (tmp_path / "gradebook.db").write_bytes(b"grades")
    monkeypatch.setattr(autograde, "KEEP_BACKUPS", 2)
    for n in range(3):
        (tmp_path / autograde.BACKUPS).mkdir(exist_ok=True)
        (tmp_path / autograde.BACKUPS / f"gradebook-2020010{n}-000000.db").write_bytes(b"old")
    copy = autograde.back_up_gradebook(tmp_path)
    assert copy.read_bytes() == b"grades"
    kept = sorted(p.name for p in (tmp_path / autograde.BACKUPS).iterdir())
    assert kept == ["gradebook-20200102-000000.db", copy.name]
