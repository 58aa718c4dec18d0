"""A temporary nbgrader course, driven through nbgrader's real CLI: the course's own
nbgrader_config.py, one assignment's source notebook, and a runner of Python commands in the
course folder with this tree's package first on PYTHONPATH."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers.paths import ROOT


def temporary_course(tmp: Path, assignment: str, notebook: dict):
    """(course folder, run): ``run(*args)`` runs ``python *args`` there, asserts that it
    succeeded and returns the finished process."""
    course = tmp / "course"
    (course / "source" / assignment).mkdir(parents=True)
    shutil.copy(ROOT / "grader" / "nbgrader_config.py", course / "nbgrader_config.py")
    (course / "source" / assignment / f"{assignment}.ipynb").write_text(json.dumps(notebook))
    (tmp / "home").mkdir()
    env = dict(os.environ, NBGRADER_EXCHANGE=str(tmp / "exchange"), HOME=str(tmp / "home"), MPLBACKEND="Agg")
    env.pop("ASYNCLAB_HUB", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, *args], cwd=course, env=env, capture_output=True, text=True, timeout=500)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    return course, run
