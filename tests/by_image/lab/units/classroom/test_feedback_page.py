"""The feedback page a learner gets, made by nbgrader's own CLI (generate_assignment,
autograde, generate_feedback) with the course's nbgrader_config.py on a small course of three
exercises: one answered, one left as released, one value. The playbook answer's run is a
recorded one (no hosts here): a stand-in %%playbook shows it with the lab's own show_result,
and its hidden check draws it beside the reference with the lab's own show_beside."""

import json
import re

import pytest

from tests.helpers.course import temporary_course
from tests.helpers.notebooks import cell
from tests.helpers.paths import EVENTS

pytestmark = pytest.mark.needs_ansible  # nbgrader: the lab image

RUN = EVENTS / "loop_jobs.jsonl"
ASSIGNMENT = "demo"
LONG_CHECK = "✘ " + "the play waited for the backup on each host before it moved on, " * 4 + "which it must not."
SETUP = f"""\
%load_ext asynclab
from IPython.core.magic import register_cell_magic
from asynclab.run.result import result_from_events
from asynclab.run.folding import load_events
from asynclab.grading.reference import show_beside
from asynclab.view.magic import show_result

RUNS = {{}}


@register_cell_magic
def playbook(line, cell):
    # A stand-in: the recorded run, shown as the lab shows a run; an answer left as released
    # (only comments) does not run.
    if any(text.strip() and not text.lstrip().startswith("#") for text in cell.splitlines()):
        RUNS[line.split()[-1]] = result = result_from_events(load_events({str(RUN)!r}))
        show_result(result)


def report(name, title, score, points, line):
    print(f"{{title}}: {{score}} of {{points}} points")
    print("  " + line)
    if name in RUNS:
        show_beside(name, RUNS[name])
    return score
"""


def exercise(number, name, title, points, answer, score, check_line):
    heading = f"## {number}. {title} ({points} point{'s' * (points != 1)})\n\nThe exercise's words."
    check = (
        f"# Graded.\n%self_check {name}\n### BEGIN HIDDEN TESTS\n"
        f"report({name!r}, {title!r}, {score}, {points}, {check_line!r})\n### END HIDDEN TESTS"
    )
    return [
        cell("markdown", heading),
        cell("code", f"{answer}\n### BEGIN SOLUTION\n# solution\n### END SOLUTION", f"{name}_answer", solution=True),
        cell("code", check, f"{name}_check", points=points),
    ]


def source_notebook() -> dict:
    cells = [
        cell("markdown", "# Graded exercises\n\nThree of them."),
        cell("code", SETUP, "setup"),
        *exercise(1, "fire_and_forget", "Fire and forget", 3, "%%playbook --exercise fire_and_forget", 1, LONG_CHECK),
        *exercise(2, "size_async", "Size the async budget", 2, "%%playbook --exercise size_async", 0, "✘ Not answered"),
        *exercise(10, "retries_needed", "How many retries?", 1, "", 1, "✔ 9 retries wait out the budget"),
    ]
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def answered(released: dict) -> dict:
    """The learner's copy: exercises 1 and 10 answered, 2 left as released."""
    for c in released["cells"]:
        grade_id = c["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id == "fire_and_forget_answer":
            c["source"] = "%%playbook --exercise fire_and_forget\n- hosts: webservers\n  tasks: []\n"
        elif grade_id == "retries_needed_answer":
            c["source"] = "retries_needed = 9\n"
    return released


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    """The feedback page's HTML and what nbgrader said while making it."""
    course, run = temporary_course(tmp_path_factory.mktemp("feedback"), ASSIGNMENT, source_notebook())

    def nbgrader(*args):
        done = run("-m", "nbgrader", *args)
        return done.stdout + done.stderr

    nbgrader("generate_assignment", ASSIGNMENT, "--force")
    released = json.loads((course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    submitted = course / "submitted" / "learner" / ASSIGNMENT
    submitted.mkdir(parents=True)
    (submitted / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(answered(released)))
    nbgrader("autograde", ASSIGNMENT, "--force")
    said = nbgrader("generate_feedback", ASSIGNMENT, "--force")
    html = (course / "feedback" / "learner" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    return html, said


@pytest.fixture(scope="module")
def page(feedback):
    from bs4 import BeautifulSoup

    return BeautifulSoup(feedback[0], "html.parser")


def css_rules(page) -> list[tuple[str, str]]:
    """(selector, declarations) of every CSS rule of the page's <style> elements."""
    text = re.sub(r"/\*.*?\*/", "", "\n".join(style.get_text() for style in page.find_all("style")), flags=re.S)
    return [(sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text)]


def applied(page, element, prop: str, value: str) -> bool:
    """Some rule that matches element sets prop: value."""
    wanted = re.compile(rf"(^|;)\s*{re.escape(prop)}\s*:\s*{re.escape(value)}\s*(;|$)")
    for selectors, body in css_rules(page):
        if not wanted.search(body):
            continue
        for selector in selectors.split(","):
            try:
                if element in page.select(selector.strip()):
                    return True
            except (NotImplementedError, ValueError):  # pseudo-elements, at-rules: not an element's
                continue
    return False


def answer_and_check(page, name: str):
    """The page's cells for exercise name: its answer's and its check's."""
    cells = page.select("div.cell")
    answer = next(c for c in cells if c.find("a", attrs={"name": f"comment-{name}_answer"}))
    check = next(c for c in cells if c.find("a", attrs={"name": f"{name}_check"}))
    return answer, check


def test_every_image_has_alternative_text_that_says_what_the_chart_shows(feedback, page):
    images = page.find_all("img")
    assert images
    for image in images:
        alt = image.get("alt", "")
        assert alt.startswith("Timeline chart."), alt
        assert "host" in alt and "async job" in alt and "time axis spans" in alt, alt
    assert "Alternative text is missing" not in feedback[1]


def test_no_image_is_wider_than_its_column(page):
    for image in page.find_all("img"):
        assert applied(page, image, "max-width", "100%"), image.get("alt")
        assert applied(page, image, "height", "auto")
        assert not image.get("width")


def test_the_checks_long_lines_wrap(page):
    _, check = answer_and_check(page, "fire_and_forget")
    (box,) = [pre for pre in check.find_all("pre") if "which it must not" in pre.get_text()]
    assert applied(page, box, "white-space", "pre-wrap")


def test_the_contents_name_the_exercises_and_nothing_else(page):
    entries = [li.get_text(" ", strip=True) for li in page.select("#toc li")]
    assert entries == [
        "1. Fire and forget (Score: 1.0 / 3.0)",
        "2. Size the async budget (Score: 0.0 / 2.0)",
        "10. How many retries? (Score: 1.0 / 1.0)",
    ]


def test_no_empty_comment_is_shown(feedback, page):
    assert "No response." not in feedback[0]
    assert "Comment" not in page.select_one("#toc").get_text()
    assert not page.select(".panel-footer")


def test_the_learners_timeline_is_drawn_once_per_exercise(page):
    answer, check = answer_and_check(page, "fire_and_forget")
    assert answer.find_all("img") == []
    assert "successful" in answer.get_text()  # the run's summary stays under the answer
    titles = [image["alt"].split(".")[1].strip() for image in check.find_all("img")]
    assert [t.split(":")[0] for t in titles] == ["Your run", "The reference solution's run"]
    # and nowhere else: one chart of the learner's run on the whole page
    learner = [image for image in page.find_all("img") if image["alt"].startswith("Timeline chart. Your run")]
    assert learner == check.find_all("img")[:1]
