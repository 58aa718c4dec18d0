"""asynclab.settings: every ASYNCLAB_* variable declared once, read when used, its table in
docs/settings.md as the module writes it; and the lab's version declared once."""

import re
import subprocess
import sys

import pytest

from asynclab import settings
from asynclab.settings import REGISTRY, Setting, SettingError

from ..helpers.paths import ROOT

SRC = ROOT / "src" / "asynclab"


# ---- the table ---------------------------------------------------------------------------
def test_docs_settings_md_is_what_the_module_writes():
    written = (ROOT / "docs" / "settings.md").read_text()
    assert written == settings.markdown(), "docs/settings.md is stale: python -m asynclab.settings --markdown"


def test_the_command_line_writes_the_table():
    done = subprocess.run(
        [sys.executable, "-m", "asynclab.settings", "--markdown"], capture_output=True, text=True, check=True
    )
    assert done.stdout == settings.markdown()
    assert all(f"`{name}`" in done.stdout for name in REGISTRY)


def test_the_listing_never_shows_a_value(monkeypatch):
    monkeypatch.setenv("ASYNCLAB_HUB_ADMIN_PASSWORD", "a-secret-of-the-instructors")
    done = subprocess.run([sys.executable, "-m", "asynclab.settings"], capture_output=True, text=True, check=True)
    assert "ASYNCLAB_HUB_ADMIN_PASSWORD: set" in done.stdout and "a-secret" not in done.stdout


# ---- every variable declared, and read only here ----------------------------------------------
def _tracked_files() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


def test_every_asynclab_variable_of_the_repository_is_declared():
    used = set()
    for name in _tracked_files():
        if name == "tests/unit/test_settings.py":
            continue  # this file names undeclared variables on purpose, to test the refusals
        path = ROOT / name
        if path.suffix in {".py", ".sh", ".yml", ".yaml", ".toml", ".cfg", ".md", ""} or name == "Makefile":
            if path.is_file():
                used |= set(re.findall(r"\bASYNCLAB_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(errors="replace")))
    assert used - set(REGISTRY) == set(), "declare these in src/asynclab/settings/declared.py"


def test_only_the_settings_module_reads_them_in_src():
    """No os.environ / os.getenv of an ASYNCLAB_ name anywhere else in the package, nor in
    the course's nbgrader settings and the deployments' Python, which run with the package."""
    reading = re.compile(r"(environ\b[^\n]*|getenv\([^\n]*)[\"']ASYNCLAB_")
    places = [*SRC.rglob("*.py"), *(ROOT / "grader").rglob("*.py"), *(ROOT / "deploy").rglob("*.py")]
    readers = [
        str(path.relative_to(ROOT))
        for path in places
        if path.parent != SRC / "settings"
        if reading.search(path.read_text())
    ]
    assert readers == []


def test_each_setting_has_help_and_a_known_audience():
    for item in REGISTRY.values():
        assert item.help.strip() and item.audience in settings.AUDIENCES, item.name


# ---- reading ---------------------------------------------------------------------------------
def test_the_default_when_unset_or_empty():
    assert settings.TIMEOUT.get({}) == 300.0
    assert settings.TIMEOUT.get({"ASYNCLAB_TIMEOUT": "  "}) == 300.0
    assert settings.KEEP_RUNS.get({}) == 30
    assert settings.IN_LAB.get({}) is False
    assert settings.RUNS_DIR.get({}) is None


def test_a_value_set_is_read_as_its_kind():
    assert settings.TIMEOUT.get({"ASYNCLAB_TIMEOUT": "60"}) == 60.0
    assert settings.KEEP_RUNS.get({"ASYNCLAB_KEEP_RUNS": " 3 "}) == 3
    assert settings.IN_LAB.get({"ASYNCLAB_IN_LAB": "1"}) is True
    assert settings.IN_LAB.get({"ASYNCLAB_IN_LAB": "0"}) is False
    assert str(settings.RUNS_DIR.get({"ASYNCLAB_RUNS_DIR": "/tmp/runs"})) == "/tmp/runs"
    assert settings.LAB_COMMANDS.get({"ASYNCLAB_LAB_COMMANDS": "playbook"}) == "playbook"


def test_it_is_read_when_used_not_at_import(monkeypatch):
    from asynclab.run.runner import RunConfig

    monkeypatch.setenv("ASYNCLAB_TIMEOUT", "12")
    assert settings.TIMEOUT.get() == 12.0 and RunConfig().timeout == 12.0
    monkeypatch.delenv("ASYNCLAB_TIMEOUT")
    assert RunConfig().timeout == 300.0


@pytest.mark.parametrize(
    "item, value, words",
    [
        (settings.TIMEOUT, "five minutes", "is not a number"),
        (settings.KEEP_RUNS, "3.5", "is not a whole number"),
        (settings.LAB_COMMANDS, "playbooks", "is not one of: playbook"),
    ],
)
def test_a_bad_value_is_an_error_that_names_the_variable(item, value, words):
    with pytest.raises(SettingError, match=f"^{item.name}='{value}' {words}"):
        item.get({item.name: value})


def test_a_declaration_must_be_an_asynclab_variable_of_a_known_kind():
    with pytest.raises(ValueError, match="ASYNCLAB_"):
        Setting("TIMEOUT", 1, "x")
    with pytest.raises(ValueError, match="unknown kind"):
        Setting("ASYNCLAB_X", 1, "x", kind="float")
    with pytest.raises(KeyError, match="ASYNCLAB_NOPE is not declared"):
        settings.setting("ASYNCLAB_NOPE")


# ---- the lab's version: declared once, in pyproject.toml ----------------------------------------
def _pyproject_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_package_version_is_pyprojects():
    import asynclab

    assert settings.package_version() == _pyproject_version() == asynclab.__version__


def test_lab_version_is_the_environment_then_env_then_the_package(tmp_path):
    version = settings.package_version()
    assert settings.lab_version(tmp_path, environ={}) == version
    (tmp_path / ".env").write_text("LAB_VERSION=1.0\nLAB_PORT=1\nLAB_VERSION=2.0\n")  # the last one wins
    assert settings.lab_version(tmp_path, environ={}) == "2.0"
    assert settings.lab_version(tmp_path, environ={"LAB_VERSION": "3.1"}) == "3.1"
    (tmp_path / ".env").write_text("LAB_VERSION=\n")
    assert settings.lab_version(tmp_path, environ={}) == version
    assert settings.image("target", "2.0") == "asynclab/target:2.0"
    assert settings.image("lab") == f"asynclab/lab:{version}"


def _lib(command: str, cwd, **env) -> str:
    done = subprocess.run(
        ["bash", "-c", f". {ROOT / 'scripts' / 'lib.sh'} && {command}"],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_shell_library_reads_the_version_as_python_does(tmp_path):
    assert _lib("package_version", tmp_path) == settings.package_version()
    assert _lib("lab_image target", tmp_path) == settings.image("target")
    (tmp_path / ".env").write_text("LAB_VERSION=1.0\nLAB_VERSION=2.0\nLAB_PORT=9\n")
    assert _lib("lab_version", tmp_path) == "2.0" == settings.lab_version(tmp_path, environ={})
    assert _lib("lab_version", tmp_path, LAB_VERSION="3.1") == "3.1"
    assert _lib("setting LAB_PORT 8888", tmp_path) == "9"
    assert _lib("setting LAB_BIND 127.0.0.1", tmp_path) == "127.0.0.1"


#: Files that may hold the version's literal although they are code or configuration, and why.
NOT_THE_TAG = {
    # npm's lock file: the versions npm resolved, among them dependencies of their own 0.1.0.
    "images/lab/playbook-highlight/package-lock.json",
    # The JupyterLab extension's own npm version: npm needs it written in package.json, and
    # the extension is versioned as an npm package, not as the lab's images.
    "images/lab/playbook-highlight/package.json",
}


def test_the_version_is_written_once_in_code_and_configuration():
    """pyproject.toml's [project] version is the one place; everything else reads it.
    Documentation (*.md: prose and examples for people, docs/settings.md generated) and
    notebooks are not code; NOT_THE_TAG says which other files are left out and why."""
    version = _pyproject_version()
    literal = re.compile(rf"(?<![\d.]){re.escape(version)}(?![\d.])")
    found = []
    for name in _tracked_files():
        path = ROOT / name
        if name in NOT_THE_TAG or path.suffix in {".md", ".ipynb"} or not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue  # images, archives
        found += [f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if literal.search(line)]
    assert found == [f"pyproject.toml:{_version_line()}"], "read the version from pyproject.toml instead"


def _version_line() -> int:
    lines = (ROOT / "pyproject.toml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if re.match(r'version\s*=\s*"', line))
