"""The Validate button's check in a process of its own (asynclab.classroom.validate_in_background):
does the handler get nbgrader's answer, nbgrader's refusal, or a clear word when the process
died? And does the server load the extension and put it in nbgrader's handler?"""

import json
import subprocess
import sys

import pytest
from nbgrader.server_extensions.validate_assignment import handlers
from tornado import web

from asynclab.classroom import validate_in_background
from asynclab.classroom.validate_in_background import answer_of


def test_nbgraders_answer_passes_through_as_it_is():
    said = {"success": True, "value": {"failed": [], "passed": 3}}
    assert answer_of(0, json.dumps(said).encode(), b"some log lines") == said


def test_a_path_outside_the_learners_folder_is_refused_as_nbgrader_refuses_it(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "elsewhere.ipynb").write_text("{}")
    module = "asynclab.classroom.validate_in_background"
    done = subprocess.run(
        [sys.executable, "-m", module, str(tmp_path / "work"), "../elsewhere.ipynb"], capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    with pytest.raises(web.HTTPError) as refused:
        answer_of(done.returncode, done.stdout, done.stderr)
    assert refused.value.status_code == 403


@pytest.mark.parametrize(
    "returncode, out",
    [(-9, b""), (1, b""), (0, b"half an answer {")],
    ids=["killed", "crashed", "garbled"],
)
def test_a_check_that_died_says_so_with_its_last_words(returncode, out):
    err = b"x" * 10_000 + b"\nMemoryError: the kernel ran out of memory"
    answer = answer_of(returncode, out, err)
    assert answer["success"] is False
    assert f"exit code {returncode}" in answer["value"]
    assert answer["value"].endswith("MemoryError: the kernel ran out of memory")
    assert len(answer["value"]) < 4_200


def test_loading_the_extension_puts_the_check_elsewhere_in_nbgraders_handler(monkeypatch):
    monkeypatch.setattr(handlers.ValidateAssignmentHandler, "post", handlers.ValidateAssignmentHandler.post)
    logged = []

    class ServerApp:
        class log:
            info = staticmethod(lambda *args: logged.append(args))

    validate_in_background._load_jupyter_server_extension(ServerApp)
    assert handlers.ValidateAssignmentHandler.post is validate_in_background.post
    assert logged
    assert validate_in_background._jupyter_server_extension_points() == [{"module": validate_in_background.__name__}]
