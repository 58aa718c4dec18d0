"""The class report's plot: how an exercise's points are spread over the class, as a PNG
(base64) with the alternative text that says the same in words."""

from __future__ import annotations

import base64
import io
from collections import Counter

from ..words import counted


def points_plot(title: str, points: list[float], maximum: float) -> tuple[str, str]:
    """(PNG as base64, its alternative text) of a bar chart: learners per score."""
    from matplotlib.figure import Figure

    counts = Counter(points)
    steps = sorted(set(counts) | {0.0, float(maximum)} | {float(p) for p in range(int(maximum) + 1)})
    figure = Figure(figsize=(4.8, 2.4), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    axes.bar([f"{s:g}" for s in steps], [counts.get(s, 0) for s in steps], color="#3b6ea5")
    axes.set_xlabel(f"points (of {maximum:g})")
    axes.set_ylabel("learners")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(title, fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    spread = ", ".join(f"{counted(counts[s], 'learner')} with {s:g}" for s in steps if counts.get(s))
    alt = (
        f"Bar chart of the points for {title}, out of {maximum:g}: {spread or 'no graded answer'}."
        if points
        else f"Bar chart of the points for {title}: no graded answer."
    )
    return base64.b64encode(buffer.getvalue()).decode(), alt
