"""The lab's version, which is its images' tag: declared once, as pyproject.toml's [project]
version; LAB_VERSION (the environment, then .env) chooses another."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from .setting import SettingError

#: Where a source checkout's pyproject.toml lies, relative to this file (src/asynclab/settings/).
SOURCE_ROOT = Path(__file__).resolve().parents[3]


def _pyproject_version(path: Path) -> str | None:
    """[project]'s version in a pyproject.toml of this package; None if it is not one."""
    project = tomllib.loads(path.read_text()).get("project", {})
    return project.get("version") if project.get("name") == "asynclab" else None


def package_version() -> str:
    """The lab's version, declared once: pyproject.toml's [project] version. Read from the
    source checkout this module lies in, else from the installed package's metadata."""
    pyproject = SOURCE_ROOT / "pyproject.toml"
    if pyproject.is_file() and (version := _pyproject_version(pyproject)):
        return version
    from importlib.metadata import PackageNotFoundError, version as installed

    try:
        return installed("asynclab")
    except PackageNotFoundError:
        raise SettingError(
            "the lab's version is unknown: no pyproject.toml beside the package, and it is not installed"
        ) from None


def env_file_value(path: Path, key: str) -> str | None:
    """KEY's value in an env file such as .env; the last line wins, as compose reads it.
    None when the file or the key is missing or the value is empty."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    values = [line.split("=", 1)[1].strip() for line in lines if line.startswith(f"{key}=")]
    return values[-1] if values and values[-1] else None


def lab_version(root: Path | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The images' tag as compose and the Makefile choose it: $LAB_VERSION, else LAB_VERSION
    in root's .env (root: the repository, when there is one), else package_version()."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("LAB_VERSION", "").strip()
    if not chosen and root is not None:
        chosen = env_file_value(Path(root) / ".env", "LAB_VERSION") or ""
    return chosen or package_version()


def image(name: str, version: str | None = None) -> str:
    """``asynclab/<name>:<tag>``: lab, target or hub, of the package's version by default."""
    return f"asynclab/{name}:{version or package_version()}"
