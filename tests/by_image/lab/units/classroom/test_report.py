"""The class report (python -m asynclab.classroom.report, what `make report` runs), made by
nbgrader's own CLI (generate_assignment, autograde, generate_feedback) with the course's
nbgrader_config.py on a small course of four learners and four exercises, no hosts.

The value exercises are graded by the real check(). The playbook exercise's verdicts are
stand-ins (no hosts here) recorded by the real outcome record of grade.py, beside a recorded
run drawn by show_beside. One learner's size_async was "run" while a host did not answer: its
recorded answer has the lab's fault, which the real check() raises as LabEnvironmentError.
"""

import csv
import json
from pathlib import Path

import pytest

from tests.helpers.course import temporary_course
from tests.helpers.notebooks import cell
from tests.helpers.paths import EVENTS

pytestmark = pytest.mark.needs_ansible  # nbgrader: the lab image

RUN = EVENTS / "loop_jobs.jsonl"
ASSIGNMENT = "demo"
SETUP = f"""\
%load_ext asynclab
from IPython.core.magic import register_cell_magic
from asynclab.run.result import result_from_events
from asynclab.run.folding import load_events
from asynclab.grading import EXERCISES
from asynclab.grading.answers import ANSWERS, Answer
from asynclab.grading.grade import _record, check
from asynclab.grading.reference import show_beside

RUNS = {{}}


@register_cell_magic
def playbook(line, cell):
    # A stand-in: no hosts. "host down" is an answer whose run could not reach a host.
    name = line.split()[-1]
    if "host down" in cell:
        ANSWERS[name] = Answer(name, cell, status="lab-failed")
    elif any(text.strip() and not text.lstrip().startswith("#") for text in cell.splitlines()):
        RUNS[name] = cell


def stand_in(name):
    # The verdicts of a run, by what the answer says (the real record of grade.py).
    answer = RUNS.get(name, "")
    if not answer:
        lines = [(False, "Not answered yet", "")]
    elif "poll: 2" in answer:
        lines = [(False, "poll: 2", "launch-waits"), (False, "waited", "launch-waits"), (True, "ok", "")]
    elif "forgot" in answer:
        lines = [(True, "ok", ""), (False, "no result", "job-did-not-finish"), (True, "ok", "")]
    else:
        lines = [(True, "ok", "")] * 3
    score = float(sum(ok is True for ok, _, _ in lines))
    _record(EXERCISES[name], score, "answered" if answer else "not answered", lines)
    if answer:
        show_beside(name, result_from_events(load_events({str(RUN)!r})))
    return score
"""


def exercise(name, title, points, answer, test):
    return [
        cell("markdown", f"## {title} ({points} points)"),
        cell("code", f"{answer}\n### BEGIN SOLUTION\n# solution\n### END SOLUTION", f"{name}_answer", solution=True),
        cell(
            "code", f"# Graded.\n### BEGIN HIDDEN TESTS\n{test}\n### END HIDDEN TESTS", f"{name}_check", points=points
        ),
    ]


def source_notebook() -> dict:
    cells = [
        cell("markdown", "# Graded exercises"),
        cell("code", SETUP, "setup"),
        *exercise(
            "fire_and_forget",
            "Fire and forget",
            3,
            "%%playbook --exercise fire_and_forget",
            "stand_in('fire_and_forget')",
        ),
        *exercise("size_async", "Size async", 2, "%%playbook --exercise size_async", "check('size_async')"),
        *exercise("retries_needed", "Retries", 1, "", "check('retries_needed')"),
        *exercise("poll_zero_means", "poll: 0", 1, "", "check('poll_zero_means')"),
        *exercise(
            "all_hosts_at_once",
            "All at once",
            3,
            "%%playbook --exercise all_hosts_at_once",
            "stand_in('all_hosts_at_once')",
        ),
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}


# learner -> {answer cell: its source}; cy hands in the release as it is.
ANSWERS = {
    "ada": {
        "fire_and_forget": "- hosts: webservers\n  poll: 2\n",
        "retries_needed": "retries_needed = 10\n",
        "all_hosts_at_once": "- hosts: servers\n  poll: 2\n",
    },
    "bob": {
        "fire_and_forget": "- hosts: webservers\n  poll: 2\n",
        "retries_needed": "retries_needed = 9\n",
        "poll_zero_means": "poll_zero_means = 'a'\n",
    },
    "cy": {},
    "dee": {
        "fire_and_forget": "- hosts: webservers\n  forgot: the wait\n",
        "size_async": "- hosts: db1  # host down\n",
        "retries_needed": "retries_needed = 9\n",
        "poll_zero_means": "poll_zero_means = 'b'\n",
    },
}


def answered(released: dict, answers: dict) -> dict:
    for c in released["cells"]:
        name = c["metadata"].get("nbgrader", {}).get("grade_id", "").removesuffix("_answer")
        if name in answers:
            magic = "" if name in ("retries_needed", "poll_zero_means") else f"%%playbook --exercise {name}\n"
            c["source"] = magic + answers[name]
    return released


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course, run_done = temporary_course(tmp_path_factory.mktemp("report"), ASSIGNMENT, source_notebook())

    def run(*args):
        return run_done(*args).stdout

    run("-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force")
    released = (course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    for student, answers in ANSWERS.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(answered(json.loads(released), answers)))
    run("-m", "nbgrader", "autograde", ASSIGNMENT, "--force")
    run("-m", "nbgrader", "generate_feedback", ASSIGNMENT, "--force")
    said = run("-m", "asynclab.classroom.report", ASSIGNMENT)
    return course, said


def grades(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "async-lab") as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            out[submission.student.id] = {
                g.name.removesuffix("_check"): g.score for nb in submission.notebooks for g in nb.grades
            }
    return out


def text(element) -> str:
    return " ".join(element.get_text().split())


@pytest.fixture(scope="module")
def page(course):
    from bs4 import BeautifulSoup

    return BeautifulSoup((course[0] / "report" / "index.html").read_text(), "html.parser")


def test_the_csv_has_one_row_per_learner_one_column_per_exercise_and_the_gradebooks_points(course):
    rows = list(csv.DictReader((course[0] / "report" / "class.csv").open()))
    exercises = ["fire_and_forget", "size_async", "retries_needed", "poll_zero_means", "all_hosts_at_once"]
    assert list(rows[0])[: 1 + len(exercises)] == ["student_id", *exercises]
    assert [r["student_id"] for r in rows] == sorted(ANSWERS)
    book = grades(course[0])
    for row in rows:
        assert {e: float(row[e]) for e in exercises} == book[row["student_id"]]
        assert float(row["total"]) == sum(book[row["student_id"]].values())
    assert {r["student_id"]: float(r["total"]) for r in rows} == {"ada": 2, "bob": 2, "cy": 0, "dee": 4}


def test_the_table_marks_the_unanswered_and_the_lab_fault(page):
    rows = {
        tr.th.get_text(): [td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in page.select("tbody tr")
    }
    assert rows["cy"][0] == "0/3 ○" and rows["ada"][0] == "1/3"
    assert rows["dee"][1] == "0/2 ⚠" and rows["dee"][-1] == "4/10"


def test_each_mistake_is_counted_once_per_learner_most_frequent_first_with_its_lesson(page):
    section = page.find("h3", id="fire_and_forget").parent
    items = [text(li) for li in section.find_all("li")]
    assert items[0].startswith("2 of 4: The launch task waits (poll > 0)") and "launch-waits" in items[0]
    assert items[1].startswith("1 of 4: The job left no result") and len(items) == 2
    link = section.find("li").a["href"]
    assert link == "../../notebooks/02-fire-and-forget.ipynb#Launch-and-move-on"
    retries = [text(li) for li in page.find("h3", id="retries_needed").parent.find_all("li")]
    assert retries == [
        "1 of 4: The retries needed for an async budget are miscounted: retries × delay must cover async. "
        "retries-miscounted (revisit: 04-check-status-later.ipynb, “Sizing the wait: `retries` × `delay`”)"
    ]


def test_a_mistake_a_learner_makes_in_two_exercises_is_named_for_that_learner(page):
    repeats = page.find("h2", string="Mistakes a learner repeats").find_next_sibling()
    assert [text(li) for li in repeats.find_all("li")] == [
        "ada: The launch task waits (poll > 0), so it is not fire-and-forget: launch with poll: 0 and wait "
        "later with async_status. launch-waits, in 2 exercises (fire_and_forget, all_hosts_at_once)"
    ]


def test_the_lab_fault_is_counted_apart_and_listed_to_grade_again(page, course):
    size = page.find("h3", id="size_async").parent
    assert "No mistake named" in size.get_text()
    faults = page.find("h2", string="Faults of the lab").find_next_sibling()
    assert "1 answer graded under a fault of the lab" in faults.get_text()
    assert 'STUDENT="dee" REGRADE=1' in page.get_text()
    assert "dee (size_async)" in course[1]


def test_the_typical_wrong_run_is_drawn_beside_the_reference_with_alt_text(page):
    section = page.find("h3", id="fire_and_forget").parent
    images = section.select(".runs img")
    assert [i["alt"].split(".")[1].split(":")[0].strip() for i in images] == [
        "Your run",
        "The reference solution's run",
    ]
    for image in page.find_all("img"):
        assert image["src"].startswith("data:image/png;base64,") and image["alt"]


def test_the_page_is_offline_and_shows_no_hidden_test_nor_an_answer(course):
    html = (course[0] / "report" / "index.html").read_text()
    for leaked in ("BEGIN HIDDEN TESTS", "check(", "stand_in", "poll: 2", "retries_needed = 10", "<script", "http"):
        assert leaked not in html, leaked
    assert "max-width" in html and 'name="viewport"' in html
    assert (course[0] / "report").stat().st_mode & 0o077 == 0


def test_the_summary_names_the_most_frequent_mistake_and_where_the_report_is(course):
    said = course[1]
    assert "4 learners, 5 exercises" in said
    assert "2: The launch task waits (poll > 0)" in said and "revisit 02-fire-and-forget.ipynb" in said
    assert "index.html" in said and "class.csv" in said


def test_the_learners_feedback_does_not_show_the_outcome_records(course):
    html = (course[0] / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    # (the stand-in above is in the page's visible setup cell: the record's own words are not)
    assert "vnd.asynclab.outcome" not in html and "Launch and move on" not in html
    graded = (course[0] / "autograded" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert "vnd.asynclab.outcome" in graded  # it is there for the report
