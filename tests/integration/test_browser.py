"""JupyterLab in a real browser (Debian's Chromium, driven by Playwright): the token is
required, the lab opens on its start page, a notebook runs a playbook with a live table that
ticks and a timeline, a learner's Nbgrader menu has the Assignment List and no instructor
tools, and an instructor's lab opens the formgrader. Screenshots go to
test-artifacts/browser/."""

import uuid

import pytest

from tests.helpers.browsing import (
    SHOTS,
    chromium_browser,
    code_cell,
    contents,
    lab_address,
    menu,
    nbgrader_menu,
    notebook,
    open_notebook,
)

NOTEBOOK = notebook(
    code_cell("load", "%load_ext asynclab"),
    code_cell(
        "run",
        "%%playbook\n- hosts: webservers\n  gather_facts: false\n  tasks:\n"
        "    - command: /opt/long_task.sh --seconds 6\n      async: 30\n      poll: 2\n",
    ),
)


@pytest.fixture(scope="module")
def jupyter(lab):
    base, token = lab_address(lab)
    name = f"browser-test-{uuid.uuid4().hex[:6]}.ipynb"
    contents(base, token, name, "PUT", NOTEBOOK)
    yield base, token, name
    contents(base, token, name, "DELETE")


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


def test_without_the_token_jupyterlab_asks_for_it(jupyter, browser):
    base, _, _ = jupyter
    page = browser.new_page()
    page.goto(f"{base}/lab")
    page.wait_for_selector("input[type=password]", timeout=30_000)
    assert "/login" in page.url
    page.screenshot(path=str(SHOTS / "01-login.png"))
    page.close()


def test_the_lab_opens_on_its_start_page(jupyter, browser):
    base, token, _ = jupyter
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/?token={token}")
    heading = page.locator(".jp-RenderedMarkdown h1", has_text="Start here")
    heading.wait_for(timeout=90_000)  # rendered, not the raw text in an editor
    assert "notebooks/00-tour.ipynb" in page.locator(".jp-RenderedMarkdown").first.inner_text()
    # Beside it, the file browser on the course: notebooks, labs, the start page.
    page.locator(".jp-DirListing-item", has_text="notebooks").wait_for(timeout=30_000)
    listed = page.locator(".jp-DirListing-itemText").all_inner_texts()
    assert "notebooks" in listed and "labs" in listed and "START.md" in listed, listed
    page.screenshot(path=str(SHOTS / "00-start-page.png"))
    page.close()


def live_elapsed(page, host: str) -> float:
    """The elapsed time the live table shows for host's task now."""
    row = page.locator(".asynclab-progress tr", has_text=host).first
    return float(row.locator("td").nth(3).inner_text().split()[0])


def test_a_notebook_runs_a_playbook_with_live_progress_and_a_timeline(jupyter, browser, clean_lab):
    base, token, name = jupyter
    page = open_notebook(browser, base, token, name)
    menu(page, "Run", "Run All Cells")
    # The live view: one table redrawn while the play runs, a row per host once tasks start.
    page.wait_for_selector(".asynclab-progress", timeout=60_000)
    page.locator(".asynclab-progress tr", has_text="running").first.wait_for(timeout=60_000)
    # Two snapshots during the one 6 s task: its elapsed time ticks (it is not stuck at 0.0 s).
    first = live_elapsed(page, "web1")
    page.screenshot(path=str(SHOTS / "02-progress.png"))
    page.wait_for_timeout(2_000)
    assert "running" in page.locator(".asynclab-progress tr", has_text="web1").first.inner_text()
    second = live_elapsed(page, "web1")
    page.screenshot(path=str(SHOTS / "02-progress-later.png"))
    assert second > first, (first, second)
    timeline = page.wait_for_selector(".jp-OutputArea-output img", timeout=120_000)
    assert timeline.bounding_box()["width"] > 300
    page.screenshot(path=str(SHOTS / "03-timeline.png"), full_page=True)
    text = page.locator(".jp-Notebook").inner_text()
    assert "successful" in text and "web3" in text
    assert "failed to patch" not in text  # no Ansible warning in the learner's cell
    assert page.locator("text=official Jupyter news").count() == 0  # a classroom lab asks no such thing
    page.close()


def test_a_learners_nbgrader_menu_has_the_assignment_list_and_no_instructor_tools(jupyter, browser):
    base, token, _ = jupyter
    page, items = nbgrader_menu(browser, base, token)
    assert "Assignment List" in items, items
    assert not {"Formgrader", "Formgrader (local)", "Create assignment", "Course List"} & set(items), items
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").first.click()
    page.wait_for_selector("#nbgrader-assignment-list", timeout=60_000)
    page.wait_for_selector("text=Released assignments", timeout=60_000)
    page.screenshot(path=str(SHOTS / "04-assignment-list.png"))
    assert page.locator("#create_assignment_widget, .nbgrader-CreateAssignmentWidget").count() == 0
    listed = page.locator(".jp-DirListing-itemText").all_inner_texts()
    assert "grader" not in listed, listed
    page.close()


def test_an_instructors_lab_opens_the_formgrader(instructor_lab, browser):
    base, token, _ = instructor_lab
    page, items = nbgrader_menu(browser, base, token)
    assert {"Formgrader", "Create assignment", "Course List"} <= set(items), items
    page.keyboard.press("Escape")
    formgrader = browser.new_page(viewport={"width": 1400, "height": 1000})
    formgrader.goto(f"{base}/formgrader?token={token}")
    formgrader.wait_for_selector("text=Manage Assignments", timeout=60_000)
    formgrader.screenshot(path=str(SHOTS / "05-formgrader.png"))
    formgrader.close()
    page.close()
