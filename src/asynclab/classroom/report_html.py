"""The class report as one HTML page that opens offline: no script, no external asset, its
images inline (data: URIs) with alternative text, one column that fits a laptop's width."""

from __future__ import annotations

from html import escape

from ..outcome_record import LAB_FAULT, NOT_ANSWERED, TIMED_OUT
from ..words import counted
from .feedback_alt_text import png_description
from .report_data import NOT_GRADED, ClassResults
from .report_plots import points_plot

#: The mark beside an answer's points, and what it means (the table's legend).
MARKS = {NOT_ANSWERED: "○", TIMED_OUT: "◔", LAB_FAULT: "⚠", NOT_GRADED: "✗"}
LEGEND = {
    NOT_ANSWERED: "not answered",
    TIMED_OUT: "timed out",
    LAB_FAULT: "graded under a fault of the lab: grade again",
    NOT_GRADED: "could not be graded",
}

CSS = """\
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 60rem; line-height: 1.4; }
img { max-width: 100%; height: auto; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.4rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { white-space: normal; vertical-align: bottom; font-weight: 600; }
td.mark { background: #fff4e0; }
section.exercise { border-top: 1px solid #ccc; margin-top: 1.5rem; }
.runs { display: grid; gap: 0.5rem; }
"""


def _lesson(mistake: dict, lessons: str) -> str:
    href = f"{lessons.rstrip('/')}/{mistake.get('notebook', '')}#{mistake.get('anchor', '')}"
    where = f"{mistake.get('notebook', '')}, “{mistake.get('section', '')}”"
    return f'<a href="{escape(href, quote=True)}">{escape(where)}</a>'


def _image(data: str, alt: str) -> str:
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt, quote=True)}">'


def _table(results: ClassResults) -> str:
    # Long names may break after an underscore, so that twelve columns fit a laptop's width.
    head = "".join(
        f'<th scope="col">{escape(e).replace("_", "_<wbr>")}<br>/{results.maxima[e]:g}</th>' for e in results.exercises
    )
    rows = []
    for student in results.students:
        cells = []
        for exercise in results.exercises:
            answer = results.answers[student][exercise]
            mark = MARKS.get(answer.status, "")
            shown = "–" if answer.points is None else f"{answer.points:g}"
            label = f' title="{LEGEND[answer.status]}"' if mark else ""
            cells.append(f"<td{' class=mark' if mark else ''}{label}>{shown}/{answer.max:g} {mark}</td>")
        total = f"{results.total(student):g}/{results.max_total:g}"
        rows.append(f'<tr><th scope="row">{escape(student)}</th>{"".join(cells)}<td>{total}</td></tr>')
    legend = "; ".join(f"{mark} {LEGEND[status]}" for status, mark in MARKS.items())
    return (
        f'<div class="scroll"><table><thead><tr><th scope="col">learner</th>{head}<th scope="col">total</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div><p>Marks: {legend}.</p>"
    )


def _exercise(results: ClassResults, exercise: str, lessons: str) -> str:
    graded = results.graded(exercise)
    points = [results.answers[s][exercise].points or 0 for s in graded]
    plot, alt = points_plot(exercise, points, results.maxima[exercise])
    parts = [f'<section class="exercise"><h3 id="{escape(exercise)}">{escape(exercise)}</h3>', _image(plot, alt)]
    mistakes = results.mistakes(exercise)
    if mistakes:
        items = "".join(
            f"<li><strong>{len(who)} of {len(graded)}:</strong> {escape(m['sentence'])} "
            f"<code>{escape(m['id'])}</code> (revisit: {_lesson(m, lessons)})</li>"
            for m, who in mistakes
        )
        parts.append(f"<p>The class's mistakes, most frequent first:</p><ol>{items}</ol>")
        typical = next(
            (results.answers[s][exercise].images for s in mistakes[0][1] if results.answers[s][exercise].images), []
        )
        if typical:
            drawn = "".join(
                _image(png, png_description(png) or f"Timeline chart of a run of {exercise}.") for png in typical
            )
            parts.append(
                f"<p>A typical run with the most frequent mistake ({escape(mistakes[0][0]['id'])}), "
                "and under it the reference run, as the feedback draws them:</p>"
                f'<div class="runs">{drawn}</div>'
            )
    else:
        parts.append("<p>No mistake named in this exercise.</p>")
    return "".join(parts) + "</section>"


def _revisit(results: ClassResults, lessons: str) -> str:
    rows = []
    for mistake, per_exercise in results.class_mistakes():
        learners = len(results.learners_with(mistake["id"]))
        where = ", ".join(f"{e} ({n})" for e, n in per_exercise.items())
        rows.append(
            f"<li><strong>{counted(learners, 'learner')}:</strong> {escape(mistake['sentence'])} "
            f"<code>{escape(mistake['id'])}</code>. In {escape(where)}. Revisit {_lesson(mistake, lessons)}</li>"
        )
    return f"<ol>{''.join(rows)}</ol>" if rows else "<p>No mistake was named.</p>"


def _repeats(results: ClassResults) -> str:
    items = []
    for student in results.students:
        for mistake, exercises in results.repeated(student):
            items.append(
                f"<li>{escape(student)}: {escape(mistake['sentence'])} <code>{escape(mistake['id'])}</code>, "
                f"in {len(exercises)} exercises ({escape(', '.join(exercises))})</li>"
            )
    return f"<ul>{''.join(items)}</ul>" if items else "<p>No learner made the same mistake in two exercises.</p>"


def _faults(results: ClassResults, assignment: str) -> str:
    faults = results.faults()
    broken = results.not_graded()
    if faults:
        students = sorted({s for s, _ in faults})
        items = "".join(f"<li>{escape(s)}: {escape(e)}</li>" for s, e in faults)
        parts = [
            f"<p>{counted(len(faults), 'answer')} graded under a fault of the lab (a host that did not answer): "
            "not the learners' mistakes, and not counted as such. Grade them again once the lab is well "
            f"(<code>make status</code>):</p><ul>{items}</ul>"
            f"<p><code>make autograde ASSIGNMENT={escape(assignment)} "
            f'STUDENT="{escape(" ".join(students))}" REGRADE=1</code></p>'
        ]
    else:
        parts = ["<p>No fault of the lab: every graded answer was graded on a working lab.</p>"]
    if broken:
        parts.append(f"<p>Could not be graded (see autograde-report.txt): {escape(', '.join(broken))}.</p>")
    return "".join(parts)


def render(results: ClassResults, lessons: str) -> str:
    """The whole page. ``lessons``: where the lessons' notebooks are, from the page's folder."""
    body = [
        f"<h1>Class report: {escape(results.assignment)}</h1>",
        f"<p>{counted(len(results.students), 'learner')}, {counted(len(results.exercises), 'exercise')}. "
        "For the instructor only: it names learners and their mistakes.</p>",
        "<h2>Points by learner and exercise</h2>",
        _table(results),
        '<p>The same table for spreadsheets: <a href="class.csv">class.csv</a>.</p>',
        "<h2>What to revisit tomorrow</h2>",
        _revisit(results, lessons),
        "<h2>Exercise by exercise</h2>",
        *(_exercise(results, e, lessons) for e in results.exercises),
        "<h2>Mistakes a learner repeats</h2>",
        _repeats(results),
        "<h2>Faults of the lab</h2>",
        _faults(results, results.assignment),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Class report: {escape(results.assignment)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
