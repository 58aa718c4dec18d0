"""Notebooks as learners get them: each once, without its jupytext .md twin, and not paired
again when saved (the lab image's course, and a release)."""

import json

import nbformat

from asynclab.classroom.unpaired import DropPairing, unpair_folder
from tests.helpers.paths import ROOT


def test_the_image_course_keeps_one_file_per_notebook(tmp_path):
    for path in sorted((ROOT / "notebooks").glob("0[01]-*")):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "notes.md").write_text("# a document, not a pair\n")
    removed = unpair_folder(tmp_path)
    assert sorted(p.name for p in removed) == ["00-tour.md", "01-async-poll-syntax.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00-tour.ipynb", "01-async-poll-syntax.ipynb", "notes.md"]
    for notebook in tmp_path.glob("*.ipynb"):
        data = json.loads(notebook.read_text())
        assert "jupytext" not in data["metadata"] and data["metadata"]["kernelspec"]["name"] == "python3"
        nbformat.validate(nbformat.reads(notebook.read_text(), as_version=4))


def test_a_release_is_not_paired():
    source = ROOT / "grader" / "source" / "async-basics" / "async-basics.ipynb"
    nb = nbformat.read(source, as_version=4)
    assert nb.metadata["jupytext"]["formats"] == "ipynb,md"  # the source is paired, for review
    released, _ = DropPairing().preprocess(nb, {})
    assert "jupytext" not in released.metadata and "kernelspec" in released.metadata
