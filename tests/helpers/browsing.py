"""What the browser tests share: Debian's Chromium driven by Playwright, the lab's address
and token, notebooks put into and removed from the learner's folder through the contents
API, and a few JupyterLab gestures. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from contextlib import contextmanager

import pytest
from playwright.sync_api import sync_playwright

from .paths import ROOT

SHOTS = ROOT / "test-artifacts" / "browser"


def code_cell(cell_id: str, source: str) -> dict:
    return {
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "id": cell_id,
        "source": source,
    }


def notebook(*cells: dict) -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": list(cells),
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


@contextmanager
def chromium_browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


def lab_address(lab) -> tuple[str, str]:
    """The suite's lab (a learner's): its URL on this machine and its token."""
    container = lab.container("lab")
    container.reload()
    port = container.attrs["HostConfig"]["PortBindings"]["8888/tcp"][0]["HostPort"]
    token = next(e.split("=", 1)[1] for e in container.attrs["Config"]["Env"] if e.startswith("JUPYTER_TOKEN="))
    return f"http://127.0.0.1:{port}", token


def contents(base: str, token: str, name: str, method: str, content: dict | None = None) -> dict:
    """JupyterLab's contents API on one file of the learner's folder."""
    data = None if content is None else json.dumps({"type": "notebook", "format": "json", "content": content}).encode()
    request = urllib.request.Request(
        f"{base}/api/contents/{name}",
        method=method,
        data=data,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else {}


def open_notebook(browser, base: str, token: str, name: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    wait_for_idle_kernel(page)
    return page


def nbgrader_menu(browser, base: str, token: str):
    """Open JupyterLab and its Nbgrader menu; return the page and the menu's items."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab?reset&token={token}")
    page.wait_for_selector(".jp-LabShell", timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    return page, page.locator(".lm-Menu-itemLabel").all_inner_texts()


def menu(page, top: str, item: str) -> None:
    """Click a command in JupyterLab's menu bar."""
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def wait_for_idle_kernel(page) -> None:
    page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=90_000)
