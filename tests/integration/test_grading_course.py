"""The instructor's workflow on a temporary copy of the course, with the real nbgrader CLI
inside the lab container, driven by the make targets: release, collect, autograde,
feedback, grades. Four submissions: the solution (full marks), the blank release (0, "not
answered yet"), one with the typical mistakes of tests/fixtures/grading_cases/mistakes.yml
(each loses exactly its points, with its message) and one that is not a notebook (reported,
and it does not stop the others). `make autograde` grades them in parallel, each worker on
its own private hosts; the lab's own hosts are left alone. `make report` then counts the
class's mistakes (a fault of the lab is counted apart in
tests/by_image/lab/units/classroom/test_report.py: here every worker's hosts answer)."""

import csv
import io
import itertools
import json
import os
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
import yaml

from asynclab.grading import EXERCISES
from tests.helpers.paths import GRADING_CASES, ROOT

# The graded course is one long real pipeline, made once for the module (release, collect,
# autograde on two workers, feedback, export: about 500 s on 2 cores): the suite's 600 s
# per test would leave it no margin on a busier machine. Its make calls have their own limits.
pytestmark = pytest.mark.timeout(1800)

HOSTS = ("web1", "web2", "web3", "db1", "app1")

ASSIGNMENT = "async-basics"
SOURCE = ROOT / "grader" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
CASES = yaml.safe_load((GRADING_CASES / "mistakes.yml").read_text())
HIDDEN_TEXT = (
    "BEGIN HIDDEN TESTS",
    'check("',
    "check(&quot;",
    "from asynclab.grading",
    "most recent call last",
    "site-packages",
)


def report_rows(report: str) -> dict[str, dict[str, str]]:
    """The autograde report's table: student -> {column: value} (columns are aligned)."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("student "))
    names = lines[start].split()
    cuts = [lines[start].index(name) for name in names] + [None]
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip() or " submission(s) graded" in line:
            break
        values = [line[a:b].strip() for a, b in itertools.pairwise(cuts)]
        rows[values[0]] = dict(zip(names, values, strict=True))
    return rows


def fetch(container, path: str, dest: Path) -> None:
    """Copy a file or folder out of the container into dest."""
    stream, _ = container.get_archive(path)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        tar.extractall(dest, filter="data")


def mistaken(notebook: dict) -> dict:
    """The solution with each exercise of mistakes.yml answered the wrong way."""
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        name = meta.get("grade_id", "").removesuffix("_answer")
        if meta.get("solution") and name in CASES:
            cell["source"] = f"%%playbook --exercise {name}\n{CASES[name]['answer']}"
    return notebook


def check_cells(path: Path) -> dict[str, tuple[float, str]]:
    """Exercise name -> (points given by its check cell, its printed feedback)."""
    out = {}
    for cell in json.loads(path.read_text())["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if not meta.get("grade"):
            continue
        name = meta["grade_id"].removesuffix("_check")
        text = "".join("".join(o.get("text", "")) for o in cell["outputs"] if o["output_type"] == "stream")
        results = ["".join(o["data"]["text/plain"]) for o in cell["outputs"] if o["output_type"] == "execute_result"]
        out[name] = (float(results[0]) if results else None, text)
    return out


@pytest.fixture(scope="module")
def graded(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grading")
    run_id = uuid.uuid4().hex[:8]
    settings = [
        f"COURSE_IN_LAB=/tmp/gradetest-{run_id}/course",
        f"EXCHANGE=/tmp/gradetest-{run_id}/exchange",
        f"GRADER_OUT={tmp / 'out'}",
        f"ASSIGNMENT={ASSIGNMENT}",
    ]
    env = dict(os.environ)
    if os.environ.get("ASYNCLAB_PROJECT"):
        env["COMPOSE_PROJECT_NAME"] = os.environ["ASYNCLAB_PROJECT"]
    container = lab.container("lab")
    container.exec_run(["mkdir", "-p", f"/tmp/gradetest-{run_id}"], user="jovyan")
    steps = {}

    def make(target, *extra, key=None, timeout=1800):
        done = subprocess.run(
            ["make", "--no-print-directory", target, *settings, *extra],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        steps[key or target] = done
        return done

    make("release", key="release in a learner's lab")  # refused: it would show the solutions
    release = make("release", "LEARNER_LAB=1")
    assert release.returncode == 0, release.stdout + release.stderr
    fetch(container, f"/tmp/gradetest-{run_id}/course/release/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", tmp)
    subs = tmp / "submissions"
    notebooks = {
        "solution": SOURCE.read_text(),
        "blank": (tmp / f"{ASSIGNMENT}.ipynb").read_text(),
        "mistakes": json.dumps(mistaken(json.loads(SOURCE.read_text()))),
        "broken": "this is not a notebook {",
    }
    for student, text in notebooks.items():
        (subs / student).mkdir(parents=True)
        (subs / student / f"{ASSIGNMENT}.ipynb").write_text(text)
    make("collect", f"FROM={subs}")
    lab.reset()
    make("autograde", "WORKERS=2")
    steps["lab hosts after grading"] = {h: lab.exec(h, "ls /var/lib/lab/results")[1].split() for h in HOSTS}
    steps["workers left"] = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={lab.project}-grade1"],
        capture_output=True,
        text=True,
    ).stdout.split()
    make("autograde", key="again")  # everything graded is kept, the broken one is tried again
    make("autograde", "WORKERS=0", "STUDENT=blank", "REGRADE=1", key="in the lab")
    make("feedback")
    steps["released feedback"] = (
        container.exec_run(["sh", "-c", f"ls /tmp/gradetest-{run_id}/exchange/async-lab/feedback"], user="jovyan")
        .output.decode()
        .split()
    )
    make("grades")
    make("report")
    fetch(container, f"/tmp/gradetest-{run_id}/course/autograded", tmp)
    yield tmp, steps
    container.exec_run(["rm", "-rf", f"/tmp/gradetest-{run_id}"], user="root")


def test_the_release_has_no_solutions_and_no_hidden_tests(graded):
    tmp, _ = graded
    text = (tmp / f"{ASSIGNMENT}.ipynb").read_text()
    # Each answer is left as the stub (a comment: YAML under %%playbook), not a solution.
    code = ["".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "code"]
    assert sum("# YOUR ANSWER HERE" in source for source in code) == 12 and "raise NotImplementedError()" not in text
    for leaked in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", 'check(\\"', "reports_status is finished"):
        assert leaked not in text


def test_make_release_refuses_in_a_learners_lab_and_says_why(graded):
    _, steps = graded
    refused = steps["release in a learner's lab"]
    assert refused.returncode != 0
    assert "LAB_ROLE is learner" in refused.stderr and "make release LEARNER_LAB=1" in refused.stderr


def test_make_feedback_releases_it_to_each_graded_learner(graded):
    _, steps = graded
    assert steps["feedback"].returncode == 0, steps["feedback"].stdout + steps["feedback"].stderr
    assert "Fetch Feedback" in steps["feedback"].stdout
    # One HTML file per graded submission, named as nbgrader's fetch_feedback looks it up.
    assert len([name for name in steps["released feedback"] if name.endswith(".html")]) == 3


def test_every_submission_was_tried_and_the_broken_one_reported(graded):
    tmp, steps = graded
    assert steps["collect"].returncode in (0, 1), steps["collect"].stderr
    rows = report_rows(steps["autograde"].stdout)
    assert {s: rows[s]["outcome"] for s in ("solution", "blank", "mistakes")} == dict.fromkeys(
        ("solution", "blank", "mistakes"), "graded"
    ), rows
    assert rows["broken"]["outcome"] == "could not be graded" and "NotJSONError" in rows["broken"]["detail"], rows
    assert (tmp / "out" / "autograde-report.txt").is_file()
    assert steps["autograde"].returncode != 0  # not everything could be graded: said by the exit code
    assert steps["grades"].returncode == 0, steps["grades"].stdout + steps["grades"].stderr


def test_grades_the_solution_full_and_the_blank_release_zero(graded):
    tmp, _ = graded
    rows = {r["student_id"]: r for r in csv.DictReader((tmp / "out" / "grades.csv").open())}
    total = sum(e.points for e in EXERCISES.values())
    assert float(rows["solution"]["score"]) == total == float(rows["solution"]["max_score"])
    assert float(rows["blank"]["score"]) == 0
    expected = total - sum(EXERCISES[n].points - case["score"] for n, case in CASES.items())
    assert float(rows["mistakes"]["score"]) == expected


def test_the_blank_release_says_not_answered_yet_everywhere(graded):
    tmp, _ = graded
    cells = check_cells(tmp / "autograded" / "blank" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    assert set(cells) == set(EXERCISES)
    for name, (points, text) in cells.items():
        assert points == 0 and "Not answered yet" in text, (name, text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_typical_mistake_loses_exactly_its_points_with_its_message(graded, name):
    tmp, _ = graded
    cells = check_cells(tmp / "autograded" / "mistakes" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    points, text = cells[name]
    assert points == CASES[name]["score"], text
    assert CASES[name]["says"] in text, text
    others = {n: p for n, (p, _) in cells.items() if n not in CASES}
    assert others == {n: EXERCISES[n].points for n in others}


def test_feedback_shows_the_checks_words_but_no_hidden_test_and_no_traceback(graded):
    tmp, _ = graded
    pages = sorted((tmp / "out" / "feedback").rglob("*.html"))
    assert {p.parts[-3] for p in pages} >= {"solution", "blank", "mistakes"}
    for page in pages:
        html = page.read_text()
        for leaked in HIDDEN_TEXT:
            assert leaked not in html, f"{page.parts[-3]}: feedback shows {leaked!r}"
    mistakes = next(p for p in pages if p.parts[-3] == "mistakes").read_text()
    assert "could not find job" in mistakes and "of 3 points" in mistakes


def test_feedback_draws_each_playbook_answers_run_beside_the_reference_solutions(graded):
    tmp, _ = graded
    pages = {p.parts[-3]: p.read_text() for p in (tmp / "out" / "feedback").rglob("*.html")}
    playbooks = sum(e.kind == "playbook" for e in EXERCISES.values())
    said = "Your run, and under it the run of the reference solution, on one time scale"
    assert pages["solution"].count(said) == playbooks
    assert pages["mistakes"].count(said) >= 1
    assert said not in pages["blank"]  # nothing ran: nothing to draw


def test_the_class_was_graded_by_two_workers_on_their_own_hosts(graded):
    tmp, steps = graded
    assert "on 2 worker(s)" in steps["autograde"].stdout, steps["autograde"].stdout
    rows = report_rows(steps["autograde"].stdout)
    assert {rows[s]["worker"] for s in ("solution", "mistakes", "blank")} == {"1", "2"}, rows
    # the lab's own hosts ran nothing (they were reset just before), and no worker is left
    assert steps["lab hosts after grading"] == {h: [] for h in HOSTS}
    assert steps["workers left"] == []


def test_a_second_run_keeps_what_was_graded(graded):
    _, steps = graded
    again = steps["again"].stdout
    assert "kept from an earlier run: blank, mistakes, solution" in again, again
    assert any(line.startswith("broken") and "could not be graded" in line for line in again.splitlines()), again


def test_grading_in_the_lab_itself_still_works(graded):
    _, steps = graded
    done = steps["in the lab"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "blank: graded" in done.stdout


def test_make_report_writes_the_class_table_and_its_csv_agrees_with_the_gradebook(graded):
    tmp, steps = graded
    done = steps["report"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp / "out" / "report" / "index.html").is_file()
    rows = {r["student_id"]: r for r in csv.DictReader((tmp / "out" / "report" / "class.csv").open())}
    grades = {r["student_id"]: r for r in csv.DictReader((tmp / "out" / "grades.csv").open())}
    assert set(rows) == {"solution", "blank", "mistakes", "broken"}
    assert list(next(iter(rows.values())))[1 : 1 + len(EXERCISES)] == list(EXERCISES)
    for student in ("solution", "blank", "mistakes"):
        assert float(rows[student]["total"]) == float(grades[student]["score"]), student
        assert sum(float(rows[student][e]) for e in EXERCISES) == float(grades[student]["score"])
    for name, exercise in EXERCISES.items():
        assert float(rows["solution"][name]) == exercise.points and float(rows["blank"][name]) == 0
        assert float(rows["mistakes"][name]) == CASES.get(name, {}).get("score", exercise.points), name
    assert all(rows["broken"][e] == "" for e in EXERCISES)  # could not be graded: no points


def test_the_report_counts_each_named_mistake_once_with_its_lesson(graded):
    from bs4 import BeautifulSoup

    tmp, steps = graded
    page = BeautifulSoup((tmp / "out" / "report" / "index.html").read_text(), "html.parser")
    for name in EXERCISES:
        section = page.find("h3", id=name).parent
        items = [" ".join(li.get_text().split()) for li in section.find_all("li")]
        if name in CASES:
            # the mistakes learner's mistake, once, of the three graded answers (blank: not answered)
            assert len(items) == 1 and items[0].startswith("1 of 3: "), (name, items)
            assert CASES[name]["mistake_id"] in items[0]
            link = section.find("li").a["href"]
            assert link.startswith("../../notebooks/") and ".ipynb#" in link
            assert (ROOT / "notebooks" / link.split("/")[-1].split("#")[0]).is_file()
        else:
            assert items == [], (name, items)
    table = {tr.th.get_text(): [td.get_text() for td in tr.find_all("td")] for tr in page.select("tbody tr")}
    assert all("○" in cell for cell in table["blank"][:-1])  # every answer marked as not answered
    assert not any("⚠" in cell for cells in table.values() for cell in cells)  # no fault of the lab here
    assert "No fault of the lab" in page.get_text() and "Could not be graded" in page.get_text()
    html = (tmp / "out" / "report" / "index.html").read_text()
    for leaked in HIDDEN_TEXT:
        assert leaked not in html
    assert "Most frequent mistakes" in steps["report"].stdout
