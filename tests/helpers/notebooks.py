"""Notebooks made in a test: cells with nbgrader's metadata, as generate_assignment reads them."""


def cell(kind, source, grade_id=None, solution=False, points=None) -> dict:
    """A cell of kind (code or markdown); with grade_id, an nbgrader cell (graded when it has points)."""
    meta = {}
    if grade_id:
        meta["nbgrader"] = {
            "grade": points is not None,
            "grade_id": grade_id,
            "locked": not solution,
            "schema_version": 3,
            "solution": solution,
            "task": False,
            **({"points": points} if points is not None else {}),
        }
    out = {"cell_type": kind, "metadata": meta, "source": source}
    if kind == "code":
        out.update(outputs=[], execution_count=None)
    return out
