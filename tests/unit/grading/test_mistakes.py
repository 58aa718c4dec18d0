"""The catalogue of mistakes beside the checks (asynclab.grading.mistakes): every mistake a
check can name has its sentence and a lesson section that exists. The checks are read with
``ast``: every ``mistake=`` argument and every id a ``*_mistake`` helper returns."""

import ast
import re

import pytest

from asynclab.grading.mistakes import MISTAKES, Mistake, distinct
from tests.helpers.paths import ROOT

GRADING = ROOT / "src" / "asynclab" / "grading"
NOTEBOOKS = ROOT / "notebooks"


def _constants(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _is_failed(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "failed") or (
        isinstance(func, ast.Attribute) and func.attr == "failed" and getattr(func.value, "id", "") == "c"
    )


def ids_the_checks_give() -> dict[str, list[str]]:
    """Every mistake id written in the grading modules -> where (file:line)."""
    found: dict[str, list[str]] = {}
    for path in sorted(GRADING.glob("*.py")):
        if path.name == "mistakes.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            places = []
            if isinstance(node, ast.keyword) and node.arg == "mistake":
                places.append(node.value)
            elif isinstance(node, ast.FunctionDef) and node.name.endswith("_mistake"):
                places += [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
            elif path.name == "grade.py" and isinstance(node, ast.Tuple) and len(node.elts) == 3:
                places.append(node.elts[2])  # grade.py's lines: (ok, text, mistake)
            for place in places:
                for value in _constants(place):
                    found.setdefault(value, []).append(f"{path.name}:{getattr(place, 'lineno', '?')}")
    found.pop("", None)
    return found


def failed_calls_without_a_mistake() -> list[str]:
    missing = []
    for path in sorted(GRADING.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _is_failed(node) and not any(k.arg == "mistake" for k in node.keywords):
                missing.append(f"{path.name}:{node.lineno}")
    return missing


def headings(lesson: str) -> set[str]:
    text = (NOTEBOOKS / f"{lesson}.md").read_text()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # a comment in a code cell is no heading
    return {m.group(1).strip() for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def test_every_failed_check_names_its_mistake():
    assert failed_calls_without_a_mistake() == []


def test_every_mistake_a_check_can_give_has_a_sentence_and_a_lesson_section():
    given = ids_the_checks_give()
    assert len(given) > 20
    unknown = {i: where for i, where in given.items() if i not in MISTAKES}
    assert not unknown, f"mistakes without a sentence and a lesson in mistakes.py: {unknown}"


def test_every_mistake_of_the_catalogue_is_given_by_some_check():
    unused = set(MISTAKES) - set(ids_the_checks_give())
    assert not unused, unused


@pytest.mark.parametrize("mistake_id", sorted(MISTAKES))
def test_each_mistakes_lesson_section_is_a_heading_of_that_lesson(mistake_id):
    mistake = MISTAKES[mistake_id]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", mistake_id)
    assert mistake.sentence.endswith(".") and "{" not in mistake.sentence
    assert (NOTEBOOKS / f"{mistake.lesson}.ipynb").is_file()
    assert mistake.section in headings(mistake.lesson), (mistake.lesson, mistake.section)


def test_a_sections_anchor_is_its_heading_as_jupyterlab_links_it():
    mistake = Mistake("x.", "04-check-status-later", "Sizing the wait: `retries` × `delay`")
    assert mistake.anchor == "Sizing-the-wait:-retries-×-delay"
    assert mistake.notebook == "04-check-status-later.ipynb"


def test_a_mistake_that_breaks_several_checks_counts_once_and_its_symptoms_not_at_all():
    assert distinct(["launch-waits", "job-did-not-finish", "launch-waits", ""]) == ["launch-waits"]
    assert distinct(["job-did-not-finish", "task-failed", "job-did-not-finish"]) == [
        "job-did-not-finish",
        "task-failed",
    ]
    assert distinct(["no-such-id"]) == []
