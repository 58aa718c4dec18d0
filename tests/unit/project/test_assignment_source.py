"""The graded assignment as committed: paired, without outputs, and consistent with the
exercises the grader knows (every exercise has an answer cell and a hidden check worth its
points; solutions and hidden tests are marked so nbgrader can strip them)."""

import json
import re

import jupytext
import pytest
import yaml

from asynclab.grading import EXERCISES
from asynclab.grading.answers import STUB, is_stub
from asynclab.grading.structure import tasks_of
from tests.helpers.paths import ROOT

SOURCE = ROOT / "grader" / "source"
NOTEBOOKS = sorted(SOURCE.glob("*/*.ipynb"))


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_there_is_an_assignment():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_paired(path):
    nb = json.loads(path.read_text())
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in nb["cells"] if c["cell_type"] == "code")
    from_md = jupytext.read(path.with_suffix(".md"))
    assert [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in from_md.cells] == [
        (c["cell_type"], "".join(c["source"]), c["metadata"].get("nbgrader")) for c in nb["cells"]
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_an_answer_and_a_hidden_check_worth_its_points(path):
    cells = json.loads(path.read_text())["cells"]
    checks = {}
    for cell in cells:
        meta, source = nbgrader(cell), "".join(cell["source"])
        if meta.get("grade"):
            name = re.search(r'check\("(\w+)"\)', source).group(1)
            assert "### BEGIN HIDDEN TESTS" in source and "### END HIDDEN TESTS" in source
            assert re.search(r'check\("\w+"\)', source.split("### BEGIN HIDDEN TESTS")[0]) is None, (
                "the check call must be hidden"
            )
            checks[name] = meta["points"]
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in source and "### END SOLUTION" in source
    assert checks == {name: spec.points for name, spec in EXERCISES.items()}
    ids = [nbgrader(c)["grade_id"] for c in cells if nbgrader(c)]
    assert len(ids) == len(set(ids)), "grade ids are unique"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_playbook_answers_name_their_exercise_and_parse(path):
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if not nbgrader(cell).get("solution") or not source.startswith("%%playbook"):
            continue
        first, body = source.split("\n", 1)
        name = re.fullmatch(r"%%playbook --exercise (\w+)", first).group(1)
        assert EXERCISES[name].kind == "playbook"
        assert tasks_of(yaml.safe_load(body)), f"{name}: the solution has tasks"


def test_the_release_stub_is_recognised_but_a_kept_comment_is_not():
    assert is_stub("# YOUR CODE HERE\nraise NotImplementedError()")
    assert is_stub("- hosts: web1\n  tasks:\n    # YOUR CODE HERE\n    raise NotImplementedError()\n")
    assert is_stub("   \n")
    assert not is_stub("# YOUR CODE HERE\n- hosts: web1\n  tasks: []\n")
    # The release's stub (ClearSolutions.code_stub): a comment, YAML under %%playbook.
    assert is_stub(STUB) and is_stub(f"{STUB}\n\n# my notes\n")
    assert not is_stub(f"{STUB}\n- hosts: web1\n  tasks: []\n")  # written under it: an answer


def solutions() -> dict[str, list]:
    """Each playbook exercise's solution, parsed, from the committed assignment."""
    found = {}
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if nbgrader(cell).get("solution") and source.startswith("%%playbook"):
                first, body = source.split("\n", 1)
                found[first.split()[-1]] = yaml.safe_load(body)
    return found


def test_the_hung_jobs_time_is_the_async_limit_the_solution_sets():
    # make bench's inherent time of the timeout exercise: its job hangs until it is killed.
    spec = EXERCISES["detect_a_timeout"]
    assert any(w.hang for loads in spec.workloads.values() for w in loads)
    limits = [t.data["async"] for t in tasks_of(solutions()["detect_a_timeout"]) if "async" in t.data]
    assert limits == [spec.job_time]


def test_an_exercise_without_a_critical_path_of_its_own_takes_its_longest_job():
    assert EXERCISES["loop_of_jobs"].job_time == EXERCISES["loop_of_jobs"].longest_job == 8
    assert EXERCISES["rescue_a_failed_job"].job_time == 4 + 1
