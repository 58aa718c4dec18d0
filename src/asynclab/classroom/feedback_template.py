"""Where the course's feedback page template is, for grader/nbgrader_config.py.

nbgrader's feedback page is its template ``feedback`` (index.html.j2). The course's page,
``feedback/asynclab_feedback.html.j2`` in this package, extends it: nbconvert looks a
template's files up in each base folder in turn, so with this package's folder first and
nbgrader's after it, the course's file is found here and the ``index.html.j2`` it extends in
nbgrader's. The formgrader's "generate feedback" asks for the template ``feedback`` by name,
as the command line does: both get the course's page.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "templates"
TEMPLATE_FILE = "asynclab_feedback.html.j2"


def nbgrader_templates() -> Path:
    """nbgrader's own template folder (its feedback and formgrade templates)."""
    import nbgrader

    return Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"


def template_basedirs() -> list[str]:
    """The base folders, in the order nbconvert must search them."""
    return [str(FOLDER), str(nbgrader_templates())]
