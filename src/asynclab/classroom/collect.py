"""Import submissions handed in outside nbgrader's exchange (a folder or a .zip).

    python -m asynclab.classroom.collect SOURCE ASSIGNMENT [--course DIR] [--force]

Each submission lands in ``<course>/submitted/<student>/<assignment>/`` with nbgrader's
``timestamp.txt`` (the newest modification time of the student's files, UTC) and a
``submission_secret.txt`` as nbgrader's submit writes one (``nbgrader release_feedback``
names each feedback file by it), ready for ``nbgrader autograde``. SOURCE holds, for each student, one of:

    <student>/<assignment>/*.ipynb    (plus any other files of the assignment)
    <student>/*.ipynb
    <student>.ipynb                    a single-notebook assignment: the file is renamed to
                                       the assignment's notebook (found in source/ or release/)

One folder that wraps them all (``submissions/alice/...``, as zip tools often make) is
looked through. A file named .ipynb that is not a notebook is imported anyway, with a
warning: nbgrader autograde then reports that one submission as not gradable, and the
others are not held up.

Why not ``nbgrader zip_collect``: it wants the files staged in
``downloaded/<assignment>/archive/``, matches every path with one regular expression (one
layout per run), takes the notebook's name from the file name (``alice.ipynb`` would stay
``alice.ipynb``, which autograde does not know) and writes timestamp.txt only when the file
name carries a timestamp.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's own (Exchange.timestamp_format)
STUDENT_ID = re.compile(r"^[\w.@+-]+$")
SKIPPED_NAMES = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}


class CollectError(Exception):
    """Nothing can be imported (no source, a bad zip, an empty folder)."""


@dataclass
class Submission:
    student: str
    files: dict[str, Path]  # name inside the assignment folder -> where it is now


@dataclass
class Report:
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "who: why"
    warnings: list[str] = field(default_factory=list)


def assignment_notebooks(course: Path, assignment: str) -> list[str]:
    """The notebook names of the assignment, from source/ (else release/)."""
    for stage in ("source", "release"):
        folder = course / stage / assignment
        if folder.is_dir():
            return sorted(p.name for p in folder.glob("*.ipynb"))
    return []


def looks_like_notebook(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("cells"), list) and isinstance(data.get("nbformat"), int)


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in SKIPPED_NAMES)


def _files_under(folder: Path) -> dict[str, Path]:
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") or part in SKIPPED_NAMES for part in rel.parts):
            files[rel.as_posix()] = path
    return files


def extract_zip(archive: Path, into: Path) -> Path:
    """Unpack a zip (keeping each file's date) and return the folder it was unpacked in."""
    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad:
                raise CollectError(f"{archive} is damaged: {bad} does not read back; ask for the zip again")
            for info in zf.infolist():
                target = Path(zf.extract(info, into))
                if not info.is_dir():
                    stamp = time.mktime(info.date_time + (0, 0, -1))  # zip times are local
                    os.utime(target, (stamp, stamp))
    except zipfile.BadZipFile as exc:
        raise CollectError(f"{archive} is not a readable zip file ({exc})") from exc
    return into


def unwrap(folder: Path, assignment: str, notebooks: list[str]) -> Path:
    """Look through folders that only wrap the students' entries."""
    while True:
        entries = _visible(folder)
        if len(entries) != 1 or not entries[0].is_dir():
            return folder
        only = entries[0]
        direct = [p.name for p in only.glob("*.ipynb")]
        is_student = (only / assignment).is_dir() or (direct and (not notebooks or set(direct) & set(notebooks)))
        if is_student:
            return folder
        folder = only


def find_submissions(root: Path, assignment: str, notebooks: list[str], report: Report) -> list[Submission]:
    found = []
    for entry in _visible(root):
        if entry.is_file():
            student = entry.stem
            if entry.suffix != ".ipynb":
                report.skipped.append(f"{entry.name}: not a notebook and not a student's folder")
                continue
            if len(notebooks) != 1:
                why = (
                    "the assignment has several notebooks"
                    if notebooks
                    else f"the assignment's notebook name is unknown (no source/{assignment} or release/{assignment})"
                )
                report.skipped.append(f"{student}: cannot tell which notebook {entry.name} is: {why}")
                continue
            files = {notebooks[0]: entry}
        else:
            student = entry.name
            inner = entry / assignment if (entry / assignment).is_dir() else entry
            files = _files_under(inner)
            submitted = [name for name in files if name.endswith(".ipynb")]
            if not submitted:
                report.skipped.append(
                    f"{student}: no notebook in {entry.name}/ "
                    f"(expected {student}/{assignment}/*.ipynb or {student}/*.ipynb)"
                )
                continue
            if len(notebooks) == 1 and len(submitted) == 1 and "/" not in submitted[0] and submitted[0] != notebooks[0]:
                report.warnings.append(f"{student}: {submitted[0]} renamed to {notebooks[0]}")
                files[notebooks[0]] = files.pop(submitted[0])
        if not STUDENT_ID.match(student):
            report.skipped.append(
                f"{student!r}: not usable as a student id (letters, digits, . _ @ + - only); rename it"
            )
            continue
        found.append(Submission(student, files))
    return found


def import_submission(sub: Submission, course: Path, assignment: str, force: bool, report: Report) -> None:
    dest = course / "submitted" / sub.student / assignment
    if dest.exists():
        if not force:
            report.skipped.append(f"{sub.student}: already in {dest} (--force, or make collect FORCE=1, replaces it)")
            return
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, path in sub.files.items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest / name)
        if name.endswith(".ipynb") and not looks_like_notebook(path):
            report.warnings.append(
                f"{sub.student}: {name} is not a readable notebook; imported anyway, autograde will report it"
            )
    newest = max(path.stat().st_mtime for path in sub.files.values())
    stamp = datetime.fromtimestamp(newest, UTC).strftime(TIMESTAMP_FORMAT)
    (dest / "timestamp.txt").write_text(stamp)
    (dest / "submission_secret.txt").write_text(secrets.token_hex(64))
    report.imported.append(sub.student)


def collect(source: Path, assignment: str, course: Path, force: bool = False) -> Report:
    if not source.exists():
        raise CollectError(f"{source} does not exist")
    if not course.is_dir():
        raise CollectError(f"the course folder {course} does not exist")
    notebooks = assignment_notebooks(course, assignment)
    report = Report()
    if not notebooks:
        report.warnings.append(
            f"no source/{assignment} or release/{assignment} in {course}: notebook names are not checked"
        )
    with tempfile.TemporaryDirectory(prefix="asynclab-collect-") as scratch:
        if source.is_file():
            if not zipfile.is_zipfile(source) and source.suffix != ".zip":
                raise CollectError(f"{source} is neither a folder nor a .zip file")
            root = extract_zip(source, Path(scratch))
        else:
            root = source
        root = unwrap(root, assignment, notebooks)
        submissions = find_submissions(root, assignment, notebooks, report)
        if not submissions and not report.skipped:
            raise CollectError(f"{source} holds no submissions (no notebook, no student folder)")
        for sub in submissions:
            import_submission(sub, course, assignment, force, report)
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asynclab.classroom.collect", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="a folder or a .zip of submissions")
    parser.add_argument("assignment", help="the assignment id, e.g. async-basics")
    parser.add_argument("--course", type=Path, default=Path("."), help="the nbgrader course folder (default: here)")
    parser.add_argument("--force", action="store_true", help="replace submissions already collected")
    args = parser.parse_args(argv)
    try:
        report = collect(args.source, args.assignment, args.course.resolve(), args.force)
    except CollectError as exc:
        print(f"collect: {exc}", file=sys.stderr)
        return 1
    for line in report.warnings:
        print(f"warning: {line}")
    for line in report.skipped:
        print(f"skipped: {line}")
    where = args.course.resolve() / "submitted"
    names = ", ".join(report.imported) or "none"
    print(f"imported {len(report.imported)} submission(s) of {args.assignment} into {where}: {names}")
    return 0 if report.imported and not report.skipped else 1


if __name__ == "__main__":
    sys.exit(main())
