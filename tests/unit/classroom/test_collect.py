"""Importing submissions from a folder or a zip into nbgrader's submitted/ folder."""

import os
import zipfile
from datetime import UTC, datetime

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from asynclab.classroom.collect import TIMESTAMP_FORMAT, main

ASSIGNMENT = "async-basics"


def write_notebook(path, text="answer = 1"):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell(text)]), str(path))
    return path


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "course"
    write_notebook(folder / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return folder


def submitted(course, student):
    return course / "submitted" / student / ASSIGNMENT


def run(source, course, *extra):
    return main([str(source), ASSIGNMENT, "--course", str(course), *extra])


def test_three_layouts_in_one_folder(tmp_path, course, capsys):
    src = tmp_path / "in"
    write_notebook(src / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", "alice = 1")
    (src / "alice" / ASSIGNMENT / "notes.txt").write_text("extra file")
    write_notebook(src / "bob" / "my copy.ipynb", "bob = 1")
    write_notebook(src / "carol.ipynb", "carol = 1")
    write_notebook(src / "carol" / ".ipynb_checkpoints" / "x.ipynb")  # ignored, carol has no notebook here
    assert run(src, course) == 1  # carol/ holds no notebook: reported, the others imported
    out = capsys.readouterr().out
    assert "imported 3 submission(s)" in out and "skipped: carol: no notebook in carol/" in out
    for student in ("alice", "bob", "carol"):
        nb = nbformat.read(str(submitted(course, student) / f"{ASSIGNMENT}.ipynb"), as_version=4)
        assert nb.cells[0].source == f"{student} = 1"
        assert (submitted(course, student) / "timestamp.txt").is_file()
    # A secret of its own per submission, as nbgrader's submit writes: release_feedback names
    # each feedback file by it.
    secrets = {(submitted(course, s) / "submission_secret.txt").read_text() for s in ("alice", "bob", "carol")}
    assert len(secrets) == 3 and all(len(secret) == 128 for secret in secrets)
    assert (submitted(course, "alice") / "notes.txt").read_text() == "extra file"
    assert "bob: my copy.ipynb renamed to async-basics.ipynb" in out


def test_timestamp_is_the_newest_file_time_in_nbgraders_format(tmp_path, course):
    nb = write_notebook(tmp_path / "in" / "dave" / f"{ASSIGNMENT}.ipynb")
    when = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    os.utime(nb, (when.timestamp(), when.timestamp()))
    assert run(tmp_path / "in", course) == 0
    text = (submitted(course, "dave") / "timestamp.txt").read_text()
    assert text == when.strftime(TIMESTAMP_FORMAT) == "2026-03-01 12:30:00.000000 UTC"


def test_zip_with_a_wrapping_folder(tmp_path, course):
    archive = tmp_path / "subs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("subs/erin.ipynb", nbformat.writes(new_notebook(cells=[new_code_cell("erin = 1")])))
        zf.writestr("subs/frank/async-basics/async-basics.ipynb", nbformat.writes(new_notebook()))
        zf.writestr("__MACOSX/subs/._erin.ipynb", "junk")
    assert run(archive, course) == 0
    assert (submitted(course, "erin") / f"{ASSIGNMENT}.ipynb").is_file()
    assert (submitted(course, "frank") / f"{ASSIGNMENT}.ipynb").is_file()
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["erin", "frank"]


def test_a_file_that_is_not_a_notebook_is_imported_with_a_warning(tmp_path, course, capsys):
    src = tmp_path / "in"
    (src / "gina").mkdir(parents=True)
    (src / "gina" / f"{ASSIGNMENT}.ipynb").write_text("this is not json")
    write_notebook(src / "hank.ipynb")
    assert run(src, course) == 0
    out = capsys.readouterr().out
    assert "gina: async-basics.ipynb is not a readable notebook; imported anyway" in out
    assert (submitted(course, "gina") / f"{ASSIGNMENT}.ipynb").read_text() == "this is not json"
    assert (submitted(course, "hank") / f"{ASSIGNMENT}.ipynb").is_file()


def test_existing_submission_is_kept_unless_forced(tmp_path, course, capsys):
    write_notebook(tmp_path / "in" / "ivy.ipynb", "first")
    assert run(tmp_path / "in", course) == 0
    write_notebook(tmp_path / "in" / "ivy.ipynb", "second")
    assert run(tmp_path / "in", course) == 1
    assert "ivy: already in" in capsys.readouterr().out
    assert run(tmp_path / "in", course, "--force") == 0
    nb = nbformat.read(str(submitted(course, "ivy") / f"{ASSIGNMENT}.ipynb"), as_version=4)
    assert nb.cells[0].source == "second"


def test_single_file_needs_a_known_single_notebook(tmp_path, capsys):
    course = tmp_path / "course"
    course.mkdir()
    write_notebook(tmp_path / "in" / "jack.ipynb")
    assert run(tmp_path / "in", course) == 1
    out = capsys.readouterr().out
    assert "jack: cannot tell which notebook jack.ipynb is" in out and "imported 0" in out


def test_empty_folder_and_missing_source(tmp_path, course, capsys):
    (tmp_path / "empty" / ".ipynb_checkpoints").mkdir(parents=True)
    assert run(tmp_path / "empty", course) == 1
    assert "holds no submissions" in capsys.readouterr().err
    assert run(tmp_path / "nowhere", course) == 1
    assert "nowhere does not exist" in capsys.readouterr().err


def test_bad_zip_and_other_files(tmp_path, course, capsys):
    broken = tmp_path / "subs.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert run(broken, course) == 1
    assert "is not a readable zip file" in capsys.readouterr().err
    other = tmp_path / "grades.csv"
    other.write_text("a,b\n")
    assert run(other, course) == 1
    assert "neither a folder nor a .zip file" in capsys.readouterr().err


def test_unusable_student_id_is_skipped(tmp_path, course, capsys):
    write_notebook(tmp_path / "in" / "Jane Doe.ipynb")
    write_notebook(tmp_path / "in" / "kim.ipynb")
    assert run(tmp_path / "in", course) == 1
    out = capsys.readouterr().out
    assert "'Jane Doe': not usable as a student id" in out
    assert (submitted(course, "kim") / f"{ASSIGNMENT}.ipynb").is_file()
