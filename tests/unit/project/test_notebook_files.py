"""The notebooks as committed: paired with their Markdown, without outputs, with the
lab's conventions for failing cells and for solutions that Run All does not run."""

import json

import jupytext
import pytest

from asynclab.lesson.run_notebooks import solutions
from tests.helpers.paths import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_paired_markdown_is_in_sync(path):
    md = path.with_suffix(".md")
    assert md.exists(), f"{md.name} is missing (jupytext pairing ipynb,md)"
    from_md = jupytext.read(md)
    from_ipynb = jupytext.read(path)
    assert [(c.cell_type, c.source) for c in from_md.cells] == [(c.cell_type, c.source) for c in from_ipynb.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_conventions(path):
    nb = jupytext.read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].source.strip() == "%load_ext asynclab" or any(
        c.source.strip() == "%load_ext asynclab" for c in code[:3]
    )
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Objectives" in text or "Objectives" in text
    for cell in code:
        tags = cell.metadata.get("tags", [])
        if "raises-exception" in tags:
            assert cell.metadata.get("expect_error"), (
                f"a cell meant to fail says what error it expects: {cell.source[:60]}"
            )
        # Run All runs no solution: they are collapsed code blocks in the Markdown.
        assert "solution" not in tags and "### BEGIN SOLUTION" not in cell.source, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_try_it_exercise_has_a_collapsed_solution_and_a_cell_to_try_it_in(path):
    nb = jupytext.read(path)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    found = solutions(nb)
    assert len(found) == text.count("<details>") >= 1
    assert all(code.strip() for code in found)
    attempts = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == "# Your attempt"]
    assert attempts, "a cell to write the exercise in"
