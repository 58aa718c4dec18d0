"""`make bench`'s Mitogen part, host side: the pinned wheel (pyproject.toml's `bench` extra)
is downloaded here once, unpacked in the lab container (its image does not install
Mitogen), and bench/in_lab/mitogen.py, copied there beside it, measures it beside SSH."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

IN_LAB = "/tmp/asynclab-mitogen"


def pinned(root: Path) -> str:
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    return next(r for r in extras["bench"] if r.startswith("mitogen=="))


def wheel(root: Path) -> Path:
    requirement = pinned(root)
    folder = root / "build" / "mitogen"
    pattern = f"mitogen-{requirement.split('==', 1)[1]}-*.whl"
    found = sorted(folder.glob(pattern))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "-d", str(folder), requirement], check=True)
        found = sorted(folder.glob(pattern))
    return found[0]


def mitogen_figures(root: Path, lab: str, runs: int, seconds: float) -> dict:
    def in_lab(*command: str) -> subprocess.CompletedProcess:
        done = subprocess.run(["docker", "exec", "-u", "jovyan", lab, *command], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command[:3])} failed in the lab:\n{(done.stderr or done.stdout)[-2000:]}")
        return done

    found = wheel(root)
    in_lab("rm", "-rf", IN_LAB)
    in_lab("mkdir", "-p", IN_LAB)
    subprocess.run(["docker", "cp", str(found), f"{lab}:{IN_LAB}/{found.name}"], check=True, capture_output=True)
    pip = ["python", "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check"]
    in_lab(*pip, "--target", f"{IN_LAB}/site", f"{IN_LAB}/{found.name}")
    code = str(root / "bench" / "in_lab")
    subprocess.run(["docker", "cp", code, f"{lab}:{IN_LAB}/code"], check=True, capture_output=True)
    subprocess.run(["docker", "exec", "-u", "root", lab, "chown", "-R", "jovyan", f"{IN_LAB}/code"], check=True)
    try:
        done = in_lab(
            "python", f"{IN_LAB}/code/mitogen.py", f"{IN_LAB}/site", "--runs", str(runs), "--seconds", f"{seconds:g}"
        )
    finally:
        in_lab("rm", "-rf", IN_LAB)
    return {"mitogen": json.loads(done.stdout.strip().splitlines()[-1])}
