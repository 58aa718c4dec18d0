"""A learner at the graded assignment, in a real browser. Exercise 1 is released by the real
`nbgrader generate_assignment` (a course of that exercise alone, cut from the source
notebook) into the learner's folder. Does Validate fail it unanswered and pass it answered,
does the self-check give the grader's verdicts, is the answer cell highlighted as YAML, and
does a play that Ansible rejects show Ansible's own message in the cell? Screenshots go to test-artifacts/browser/."""

import json
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.helpers.browsing import (
    SHOTS,
    chromium_browser,
    code_cell,
    contents,
    lab_address,
    menu,
    notebook,
    open_notebook,
)
from tests.helpers.paths import ROOT

from .test_labs import copy_tree

ASSIGNMENT = "async-basics"
EXERCISE = "fire_and_forget"
SOURCE = ROOT / "grader" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def cut_to_first_exercise(source: dict) -> dict:
    """The source notebook up to exercise 1's test cell: its header, setup and exercise 1."""
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in source["cells"]]
    return dict(source, cells=source["cells"][: ids.index(f"{EXERCISE}_check") + 1])


def answer_of(source: dict) -> str:
    """Exercise 1's solution as a learner would type it (no solution markers)."""
    cell = next(c for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == f"{EXERCISE}_answer")
    lines = "".join(cell["source"]).splitlines()
    return "\n".join(line for line in lines if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


@pytest.fixture(scope="module")
def exercise(lab):
    """Exercise 1 as released, and a copy answered with its solution, in the learner's
    folder; yields (base, token, released name, answered name)."""
    container = lab.container("lab")
    course = f"/tmp/browser-course-{uuid.uuid4().hex[:6]}"
    source = json.loads(SOURCE.read_text())
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "source" / ASSIGNMENT).mkdir(parents=True)
        (root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(cut_to_first_exercise(source)))
        (root / "nbgrader_config.py").write_text((ROOT / "grader" / "nbgrader_config.py").read_text())
        copy_tree(container, root, course)
    rc, out = container.exec_run(
        ["bash", "-lc", f"cd {course} && nbgrader generate_assignment {ASSIGNMENT} --force"], user="jovyan"
    )
    assert rc == 0, out.decode(errors="replace")
    rc, out = container.exec_run(["cat", f"{course}/release/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"], user="jovyan")
    assert rc == 0, out.decode(errors="replace")
    released = json.loads(out)
    answered = json.loads(out)
    cell = next(c for c in answered["cells"] if "".join(c["source"]).startswith(f"%%playbook --exercise {EXERCISE}"))
    assert "# YOUR ANSWER HERE" in "".join(cell["source"])
    cell["source"] = answer_of(source)
    base, token = lab_address(lab)
    names = f"exercise-{uuid.uuid4().hex[:6]}.ipynb", f"exercise-{uuid.uuid4().hex[:6]}-answered.ipynb"
    contents(base, token, names[0], "PUT", released)
    contents(base, token, names[1], "PUT", answered)
    yield base, token, *names
    for name in names:
        contents(base, token, name, "DELETE")
    container.exec_run(["rm", "-rf", course], user="jovyan")


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


def validate(page, shot: str) -> tuple[str, str]:
    """Press nbgrader's Validate button; return its dialog's outcome (validation-failed or
    validation-success, or "error") and text."""
    button = page.locator(".validate-button").first
    button.wait_for(timeout=30_000)
    page.wait_for_function(  # enabled once the page is ready
        "() => !document.querySelector('.validate-button [disabled]')", timeout=30_000
    )
    button.click()
    if not button.locator("text=Validating").count():
        page.wait_for_timeout(1_000)
        if not button.locator("text=Validating").count() and not page.locator(".jp-Dialog").count():
            button.click()  # a click before the button was wired does nothing
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=300_000)
    page.screenshot(path=str(SHOTS / shot))
    body = dialog.locator(".validation-failed, .validation-success")
    classes = (body.first.get_attribute("class") or "").split() if body.count() else []
    outcome = next((c for c in ("validation-failed", "validation-success") if c in classes), "error")
    text = dialog.inner_text()
    page.keyboard.press("Escape")
    return outcome, text


def languages(page) -> list[str]:
    """The language CodeMirror highlights each code cell's editor in, in order."""
    return page.eval_on_selector_all(
        ".jp-Notebook .jp-CodeCell .cm-content", "nodes => nodes.map(n => n.dataset.language || '')"
    )


def test_a_playbook_cell_is_highlighted_as_yaml_and_a_python_cell_as_python(exercise, browser):
    base, token, released, _ = exercise
    page = open_notebook(browser, base, token, released)
    editors = page.locator(".jp-Notebook .jp-CodeCell .cm-content")
    playbook = next(i for i, text in enumerate(editors.all_inner_texts()) if text.lstrip().startswith("%%playbook"))
    page.wait_for_function(
        "i => document.querySelectorAll('.jp-Notebook .jp-CodeCell .cm-content')[i].dataset.language === 'yaml'",
        arg=playbook,
        timeout=30_000,
    )
    found = languages(page)
    assert found[playbook] == "yaml" and found[0] == "python", found  # %load_ext asynclab stays Python
    editors.nth(playbook).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "10-playbook-cell-as-yaml.png"))
    page.close()


@pytest.mark.parametrize(
    "answer, outcome, expected, shot",
    [
        ("unanswered", "validation-failed", "Not answered yet", "06-validate-unanswered.png"),
        ("answered", "validation-success", "Success! Your notebook passes all the tests.", "08-validate-answered.png"),
    ],
)
def test_validate_fails_the_exercise_unanswered_and_passes_it_answered(
    exercise, browser, answer, outcome, expected, shot
):
    base, token, released, answered = exercise
    page = open_notebook(browser, base, token, released if answer == "unanswered" else answered)
    found, said = validate(page, shot)
    assert found == outcome and expected in said, (found, said)
    assert "Traceback" not in said
    page.close()


def test_the_self_check_gives_the_graders_verdicts_on_the_right_answer(exercise, browser):
    base, token, _, answered = exercise
    page = open_notebook(browser, base, token, answered)
    menu(page, "Run", "Run All Cells")
    check = page.locator(".jp-CodeCell", has_text=f"%self_check {EXERCISE}").first
    check.locator(".jp-OutputArea-output", has_text="points").first.wait_for(timeout=180_000)
    check.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "07-self-check.png"))
    said = check.locator(".jp-OutputArea").inner_text()
    assert "✔" in said and "✘" not in said, said
    assert "3 of 3 points" in said, said
    page.close()


def test_a_play_level_async_shows_ansibles_own_message_with_its_line(exercise, browser):
    base, token, _, _ = exercise
    name = f"scratch-{uuid.uuid4().hex[:6]}.ipynb"
    play = "%%playbook\n- hosts: web1\n  gather_facts: false\n  async: 30\n  tasks:\n    - command: sleep 1\n"
    contents(base, token, name, "PUT", notebook(code_cell("load", "%load_ext asynclab"), code_cell("play", play)))
    try:
        page = open_notebook(browser, base, token, name)
        menu(page, "Run", "Run All Cells")
        error = page.locator(".jp-OutputArea-output", has_text="is not a valid attribute for a Play").first
        error.wait_for(timeout=120_000)
        page.screenshot(path=str(SHOTS / "09-ansible-rejects-play-level-async.png"))
        said = error.inner_text()
        assert "'async' is not a valid attribute for a Play" in said, said
        assert "line 4" in said, said  # the learner's own line in the cell
        page.close()
    finally:
        contents(base, token, name, "DELETE")
