"""JupyterLab in a real browser (Debian's Chromium, driven by Playwright): the token is
required, a notebook runs a playbook with live progress and a timeline, and nbgrader's
assignment list and formgrader open. Screenshots go to test-artifacts/browser/."""

import json
import os
import shutil
import urllib.request
import uuid

import pytest
from playwright.sync_api import sync_playwright

from .conftest import ROOT

SHOTS = ROOT / "test-artifacts" / "browser"
NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "cells": [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "id": "load",
            "source": "%load_ext asynclab",
        },
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "id": "run",
            "source": "%%playbook\n- hosts: webservers\n  gather_facts: false\n  tasks:\n"
            "    - command: /opt/long_task.sh --seconds 6\n      async: 30\n      poll: 2\n",
        },
    ],
}


def chromium() -> str:
    # Debian's /usr/bin/chromium is a launcher script; Playwright wants the browser itself.
    candidates = [
        os.environ.get("CHROMIUM"),
        "/usr/lib/chromium/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ]
    path = next((c for c in candidates if c and os.path.exists(c)), None)
    if not path:
        pytest.fail("Chromium is not installed (apt-get install chromium; .ci/run does it)")
    return path


@pytest.fixture(scope="module")
def jupyter(lab):
    container = lab.container("lab")
    container.reload()
    port = container.attrs["HostConfig"]["PortBindings"]["8888/tcp"][0]["HostPort"]
    token = next(e.split("=", 1)[1] for e in container.attrs["Config"]["Env"] if e.startswith("JUPYTER_TOKEN="))
    base = f"http://127.0.0.1:{port}"
    name = f"browser-test-{uuid.uuid4().hex[:6]}.ipynb"
    request = urllib.request.Request(
        f"{base}/api/contents/{name}",
        method="PUT",
        data=json.dumps({"type": "notebook", "format": "json", "content": NOTEBOOK}).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30)
    yield base, token, name
    delete = urllib.request.Request(
        f"{base}/api/contents/{name}", method="DELETE", headers={"Authorization": f"token {token}"}
    )
    urllib.request.urlopen(delete, timeout=30)


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


def menu(page, top: str, item: str) -> None:
    """Click a command in JupyterLab's menu bar."""
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def wait_for_idle_kernel(page) -> None:
    page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=90_000)


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


def test_a_notebook_runs_a_playbook_with_live_progress_and_a_timeline(jupyter, browser, clean_lab):
    base, token, name = jupyter
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    wait_for_idle_kernel(page)
    menu(page, "Run", "Run All Cells")
    # The live view: one table redrawn while the play runs, a row per host once tasks start.
    page.wait_for_selector(".asynclab-progress", timeout=60_000)
    page.locator(".asynclab-progress", has_text="web1").wait_for(timeout=60_000)
    assert "running" in page.locator(".asynclab-progress").inner_text()
    page.screenshot(path=str(SHOTS / "02-progress.png"))
    timeline = page.wait_for_selector(".jp-OutputArea-output img", timeout=120_000)
    assert timeline.bounding_box()["width"] > 300
    page.screenshot(path=str(SHOTS / "03-timeline.png"), full_page=True)
    text = page.locator(".jp-Notebook").inner_text()
    assert "successful" in text and "web3" in text
    assert "failed to patch" not in text  # no Ansible warning in the learner's cell
    assert page.locator("text=official Jupyter news").count() == 0  # a classroom lab asks no such thing
    page.close()


def test_the_assignment_list_and_the_formgrader_open(jupyter, browser):
    base, token, _ = jupyter
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab?reset&token={token}")
    page.wait_for_selector(".jp-LabShell", timeout=90_000)
    menu(page, "Nbgrader", "Assignment List")
    page.wait_for_selector("#nbgrader-assignment-list", timeout=60_000)
    page.wait_for_selector("text=Released assignments", timeout=60_000)
    page.screenshot(path=str(SHOTS / "04-assignment-list.png"))
    formgrader = browser.new_page(viewport={"width": 1400, "height": 1000})
    formgrader.goto(f"{base}/formgrader?token={token}")
    formgrader.wait_for_selector("text=Manage Assignments", timeout=60_000)
    formgrader.screenshot(path=str(SHOTS / "05-formgrader.png"))
    formgrader.close()
    page.close()
