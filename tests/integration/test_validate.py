"""nbgrader's Validate, through its real CLI in the lab container, on a release made by the
real `nbgrader generate_assignment`: does it fail on an answer not given and on a wrong one,
with the grader's own words, and pass the solutions? And in a summative assignment, does it
keep the verdicts for the feedback? Its report is the course's (asynclab.classroom.validation):
one line first, then the answers that fall short, then the unanswered ones in one line."""

import json
import shlex
import threading
import urllib.request
import uuid

import pytest

from asynclab.stack.waiting import wait_until
from tests.helpers.browsing import code_cell, contents, lab_address, notebook
from tests.helpers.paths import PLAYBOOKS, ROOT

from .test_labs import copy_tree

ASSIGNMENT = "async-basics"
COURSE = "/tmp/validate-course"
RELEASED = f"release/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
POLL_2 = "%%playbook --exercise fire_and_forget\n" + (PLAYBOOKS / "answers" / "fire_and_forget_poll_2.yml").read_text()


@pytest.fixture(scope="module")
def course(lab, host_set):
    """The course copied into the lab container, its assignment released as formative (the
    course's default) and, in a second copy, as summative."""
    container = lab.container("lab")

    def run(command: str, timeout: float = 900) -> tuple[int, str]:
        rc, out = container.exec_run(["timeout", str(int(timeout)), "bash", "-lc", command], user="jovyan")
        return rc, out.decode(errors="replace")

    for folder, mode in ((COURSE, "formative"), (f"{COURSE}-summative", "summative")):
        copy_tree(container, ROOT / "grader", folder)
        rc, out = run(
            f"cd {folder} && rm -rf release gradebook.db && nbgrader generate_assignment {ASSIGNMENT} "
            f"--force --SelfCheckMode.mode={mode}"
        )
        assert rc == 0, out
    yield run
    run(f"rm -rf {COURSE} {COURSE}-summative")


def with_first_answer(run, folder: str, answer: str) -> str:
    """A copy of the release with exercise 1 answered; returns its path."""
    script = (
        "import json, sys; nb = json.load(open(sys.argv[1])); "
        "cell = next(c for c in nb['cells'] if c['source'] and ''.join(c['source']).startswith("
        "'%%playbook --exercise fire_and_forget')); cell['source'] = sys.argv[2]; "
        "json.dump(nb, open(sys.argv[3], 'w'))"
    )
    copy = f"{folder}/answered.ipynb"
    rc, out = run(f"cd {folder} && python3 -c {shlex.quote(script)} {RELEASED} {shlex.quote(answer)} {copy}")
    assert rc == 0, out
    return copy


def validate(run, folder: str, notebook: str) -> str:
    rc, out = run(f"cd {folder} && nbgrader validate {notebook}", timeout=1500)
    return out


def test_validate_fails_the_release_as_it_was_released(course):
    released = course(f"cat {COURSE}/{RELEASED}")[1]
    code = [c for c in json.loads(released)["cells"] if c["cell_type"] == "code"]
    stubs = [c for c in code if "# YOUR ANSWER HERE" in "".join(c["source"])]
    assert len(stubs) == 12 and "NotImplementedError" not in released  # the stub is a comment: YAML
    said = validate(course, COURSE, RELEASED)
    assert "0 of 12 answered, 0 of 27 points so far." in said, said[-3000:]
    (missing,) = [line for line in said.splitlines() if line.startswith("Not answered yet: ")]
    assert missing.startswith("Not answered yet: 1. Fire and forget, 2. Size the async budget, ")
    assert missing.count(", ") == 11
    assert "Not right yet" not in said and "The following cell failed" not in said and "Traceback" not in said


def test_validate_fails_a_wrong_answer_with_the_graders_words(course):
    said = validate(course, COURSE, with_first_answer(course, COURSE, POLL_2))
    assert "1 of 12 answered, " in said and " of 27 points so far." in said, said[-3000:]
    short = said.split("Not right yet:\n", 1)[1].split("\n\n", 1)[0]
    assert short.startswith("1. Fire and forget: "), short
    assert "✘" in short and "poll: 2" in short, short  # the grader's sentence about the wait
    assert "Not answered yet: 2. Size the async budget, " in said and "Not answered yet: 1." not in said


@pytest.mark.timeout(1800)  # every exercise runs: 297 s in one CI run, past 600 s in a slower one
def test_validate_passes_the_solutions_and_leaves_the_hosts_at_the_labs_defaults(course, lab):
    said = validate(course, COURSE, f"source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    assert "Success! Your notebook passes all the tests." in said, said[-3000:]
    # Every exercise's workloads (a hang on web2 for detect_a_timeout) went with its run.
    for host in ("web1", "web2", "web3", "db1", "app1"):
        rc, out = lab.exec(host, "ls -A /etc/lab/workload.d 2>/dev/null")
        assert not out.strip(), f"{host} kept an exercise's workload settings: {out}"
    rc, out = lab.exec("web2", "timeout 60 /opt/operation.sh >/dev/null; echo rc=$?")
    assert "rc=0" in out, out  # the lab's default: ends after 3 s (124 would be a hang cut at 60 s)


def test_a_summative_release_keeps_its_verdicts_for_the_feedback(course):
    folder = f"{COURSE}-summative"
    released = course(f"cat {folder}/{RELEASED}")[1]
    # each check cell's line, and each playbook answer's (its run then gives no verdict either)
    lines = [
        line
        for cell in json.loads(released)["cells"]
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
    ]
    checks = [line for line in lines if line.startswith("%self_check ")]
    answers = [line for line in lines if line.startswith("%%playbook --exercise ")]
    assert len(checks) == 12 and all(line.endswith(" --summative") for line in checks + answers), lines
    said = validate(course, folder, with_first_answer(course, folder, POLL_2))
    # The eleven answers not given fail; the wrong one is not judged before the feedback.
    assert "1 of 12 answered; your points come with the feedback." in said, said[-3000:]
    assert "Not answered yet: 2. Size the async budget, " in said
    assert "✘" not in said and "✔" not in said and "Not right yet" not in said


def press_validate(base: str, token: str, name: str) -> dict:
    """What the Validate button asks the learner's server, and its answer."""
    request = urllib.request.Request(
        f"{base}/assignments/validate",
        method="POST",
        data=json.dumps({"path": name}).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def test_the_lab_answers_while_validate_runs_the_notebook(lab):
    """nbgrader's own handler checks in the server's event loop, and the whole lab froze for
    the length of the check; the lab's runs it in a process of its own."""
    container = lab.container("lab")
    base, token = lab_address(lab)
    marker = f"/tmp/validating-{uuid.uuid4().hex[:8]}"
    name = f"slow-check-{uuid.uuid4().hex[:6]}.ipynb"
    cell = f"import pathlib, time\nmarker = pathlib.Path({marker!r})\nmarker.touch()\ntime.sleep(40)\nmarker.unlink()"
    contents(base, token, name, "PUT", notebook(code_cell("slow", cell)))
    answers = []
    pressed = threading.Thread(target=lambda: answers.append(press_validate(base, token, name)))
    pressed.start()
    try:
        wait_until(
            lambda: container.exec_run(["test", "-e", marker])[0] == 0,
            timeout=300,
            what="Validate to be running the notebook",
        )
        listed = contents(base, token, "", "GET")  # asked while the check sleeps
        assert name in [entry["name"] for entry in listed["content"]]
        assert container.exec_run(["test", "-e", marker])[0] == 0, "the lab answered only once Validate had ended"
        pressed.join(timeout=600)
        (answer,) = answers
        assert "success" in answer and "Traceback" not in json.dumps(answer), answer
    finally:
        pressed.join(timeout=600)
        contents(base, token, name, "DELETE")
