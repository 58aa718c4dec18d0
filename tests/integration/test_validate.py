"""nbgrader's Validate, through its real CLI in the lab container, on a release made by the
real `nbgrader generate_assignment`: does it fail on an answer not given and on a wrong one,
with the grader's own words, and pass the solutions? And in a summative assignment, does it
keep the verdicts for the feedback?"""

import json
import shlex

import pytest

from ..conftest import PLAYBOOKS
from .conftest import ROOT
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
    assert "VALIDATION FAILED ON 12 CELL(S)" in said, said[-3000:]
    assert "Not answered yet" in said and "Traceback" not in said


def test_validate_fails_a_wrong_answer_with_the_graders_words(course):
    said = validate(course, COURSE, with_first_answer(course, COURSE, POLL_2))
    assert "VALIDATION FAILED ON 12 CELL(S)" in said, said[-3000:]
    first = said.split("%self_check fire_and_forget", 1)[1].split("=" * 20, 1)[0]
    assert "✘" in first and "poll: 2" in first, first  # the grader's sentence about the wait


@pytest.mark.timeout(1800)  # every exercise runs: 297 s in one CI run, past 600 s in a slower one
def test_validate_passes_the_solutions(course):
    said = validate(course, COURSE, f"source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    assert "Success! Your notebook passes all the tests." in said, said[-3000:]


def test_a_summative_release_keeps_its_verdicts_for_the_feedback(course):
    folder = f"{COURSE}-summative"
    released = course(f"cat {folder}/{RELEASED}")[1]
    assert released.count("--summative") == 12
    said = validate(course, folder, with_first_answer(course, folder, POLL_2))
    # The eleven answers not given fail; the wrong one is not judged before the feedback.
    assert "VALIDATION FAILED ON 11 CELL(S)" in said, said[-3000:]
    assert "✘" not in said and "✔" not in said
