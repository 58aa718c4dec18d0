"""The lab image's Python packages: what pyproject.toml has it remove is gone, and what
Jupyter validates with jsonschema is still checked without it (run in the lab image)."""

import importlib.metadata
import subprocess
import sys
import tomllib

import pytest

from tests.helpers.paths import ROOT

pytestmark = pytest.mark.needs_ansible
PYPROJECT = ROOT / "pyproject.toml"


def removed() -> list[str]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["asynclab"]["lab-image-removes"]


@pytest.mark.parametrize("name", removed())
def test_a_package_pyproject_removes_is_not_in_the_image(name):
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.version(name)


def test_loading_nbformat_and_validating_a_notebook_builds_no_iri_parsers():
    code = (
        "import sys, nbformat; nbformat.validate(nbformat.v4.new_notebook()); "
        "print(sorted(m for m in ('rfc3987_syntax', 'lark') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_formats_jupyters_schemas_use_are_still_checked():
    from jsonschema import Draft7Validator

    checker = Draft7Validator.FORMAT_CHECKER
    assert {"uri", "date-time"} <= set(checker.checkers)  # jupyter-events' own schemas use these
    assert not checker.conforms("not a uri", "uri")
    assert not checker.conforms("yesterday", "date-time")
    assert checker.conforms("2026-12-02T06:00:00Z", "date-time")
