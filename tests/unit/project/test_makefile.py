"""`make help`: every documented target, under the reader it is for."""

import re
import subprocess

from tests.helpers.paths import ROOT

READERS = ("learner", "instructor", "admin", "developer")


def test_every_documented_target_is_listed_once_under_a_reader():
    documented = re.findall(r"^([a-zA-Z0-9_-]+):.*## ", (ROOT / "Makefile").read_text(), re.M)
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    listed, reader = {}, None
    for line in plain.splitlines():
        if line.strip() in READERS:
            reader = line.strip()
        elif line.startswith("  ") and line.strip():
            target = line.split()[0]
            assert target not in listed, f"{target} is listed twice"
            listed[target] = reader
    assert sorted(listed) == sorted(documented)
    assert listed["lab"] == "learner" and listed["autograde"] == "instructor"
    assert listed["config"] == "admin" and listed["test"] == "developer"
    assert "url" in listed


def test_the_instructors_targets_are_listed_in_the_order_they_are_used():
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    section = plain.split("\ninstructor\n", 1)[1].split("\nadmin\n", 1)[0]
    listed = [line.split()[0] for line in section.splitlines() if line.startswith("  ")]
    used = [t for t in ("release", "collect", "autograde", "feedback", "grades") if t in listed]
    assert listed[: len(used)] == used, listed


def test_grading_in_the_lab_container_needs_no_host_virtualenv(tmp_path):
    """`make autograde WORKERS=0` on a clone with no .venv installs nothing on the host."""
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "autograde", "WORKERS=0", f"VENV={tmp_path / 'none'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "venv" not in done and "pip install" not in done, done
    assert "asynclab.classroom.autograde" in done
