"""Notebooks as learners get them: without their jupytext pairs.

In the repository each notebook is paired with a .md file (jupytext, for review), and the
pairing is written in the notebook (``metadata.jupytext.formats``): JupyterLab's jupytext
then writes the .md again at every save. A learner would see every notebook twice, and a
submission would carry a .md. Two places take the pairing away:

- the lab image's course (``python -m asynclab.classroom.unpaired FOLDER``, at build):
  each notebook loses its pairing and its .md twin;
- `make release`: DropPairing, a preprocessor of `nbgrader generate_assignment`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


def unpair(metadata: dict) -> dict:
    """The notebook's metadata without jupytext's pairing (its other settings kept)."""
    out = dict(metadata)
    out.pop("jupytext", None)
    return out


class DropPairing(Preprocessor):
    """Remove the jupytext pairing from a released notebook."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        nb.metadata = type(nb.metadata)(unpair(nb.metadata))
        return nb, resources


def unpair_folder(folder: Path) -> list[Path]:
    """Unpair every notebook below folder and remove its .md twin; returns the twins removed."""
    removed = []
    for notebook in sorted(Path(folder).rglob("*.ipynb")):
        data = json.loads(notebook.read_text())
        data["metadata"] = unpair(data.get("metadata", {}))
        notebook.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        twin = notebook.with_suffix(".md")
        if twin.exists():
            twin.unlink()
            removed.append(twin)
    return removed


def main(argv=None) -> int:
    for folder in argv if argv is not None else sys.argv[1:]:
        removed = unpair_folder(Path(folder))
        print(f"{folder}: {len(removed)} jupytext pairs removed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
