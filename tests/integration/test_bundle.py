"""The offline classroom for real: `make bundle` writes the images, a wheelhouse and the lab's
files into one folder; the bundle's own scripts/load.sh checks it, loads the images and starts
a lab from it, which then runs playbooks.

The images are bundled under a tag of this test's own, so that loading them never moves a
tag another stack uses, and the lab runs as a compose project of its own on a free port."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from asynclab import run_playbook
from asynclab.errors import LabNotRunning
from asynclab.stack.containers import Stack
from asynclab.stack.host_set import compose_command, free_port
from tests.helpers.paths import ROOT

PROJECT = "asynclab-bundletest"
TAG = "bundletest"
PING = "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n"
# Settings of the caller's own lab that must not leak into the bundle's lab.
CALLER_SETTINGS = (
    "COMPOSE_PROJECT_NAME",
    "LAB_PORT",
    "LAB_VERSION",
    "JUPYTER_TOKEN",
    "ASYNCLAB_PROJECT",
    "LAB_CGROUP_NAME",
    "COMPOSE_FILE",
)


def stack_images(version: str | None = None) -> list[str]:
    """The images the compose file names (for LAB_VERSION=version, else the current one)."""
    env = dict(os.environ, **({"LAB_VERSION": version} if version else {}))
    out = subprocess.run(
        [*compose_command(), "config"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    return sorted(set(re.findall(r"^\s*image:\s*(\S+)", out, re.M)))


def image_id(ref: str) -> str | None:
    done = subprocess.run(["docker", "image", "inspect", "-f", "{{.Id}}", ref], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def read_manifest(bundle: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(fields, image ref -> id, file -> sha256) of the bundle's MANIFEST."""
    fields, images, sums = {}, {}, {}
    for line in (bundle / "MANIFEST").read_text().splitlines():
        if m := re.fullmatch(r"([0-9a-f]{64})  (.+)", line):
            sums[m[2]] = m[1]
        elif line.startswith("image: "):
            ref, ident = line.split()[1:]
            images[ref] = ident
        elif ": " in line and not line.startswith("#"):
            key, value = line.split(": ", 1)
            fields[key] = value
    return fields, images, sums


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def run_in_copy(bundle: Path, command: list[str], port: int) -> subprocess.CompletedProcess:
    """Run a command in the bundle's copy of the lab, as the admin of the offline machine does."""
    env = {k: v for k, v in os.environ.items() if k not in CALLER_SETTINGS}
    env.update(COMPOSE_PROJECT_NAME=PROJECT, LAB_PORT=str(port))
    return subprocess.run(command, cwd=bundle / "asynclab", env=env, capture_output=True, text=True, timeout=480)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A bundle made by the real `make bundle` of images tagged TAG; torn down afterwards."""
    folder = tmp_path_factory.mktemp("offline") / "bundle"
    ours = {}  # the test's tag of each image -> its id
    try:
        for ref in stack_images():
            ident = image_id(ref) or pytest.fail(f"image {ref} is missing: build the images first (make images)")
            ours[ref.rsplit(":", 1)[0] + ":" + TAG] = ident
            subprocess.run(["docker", "tag", ident, ref.rsplit(":", 1)[0] + ":" + TAG], check=True)
        assert sorted(ours) == stack_images(TAG)
        started = time.monotonic()
        made = subprocess.run(
            ["make", "--no-print-directory", "bundle", f"BUNDLE={folder}"],
            cwd=ROOT,
            env=dict(os.environ, LAB_VERSION=TAG),
            capture_output=True,
            text=True,
            timeout=480,
        )
        assert made.returncode == 0, made.stdout + made.stderr
        print(f"\nmake bundle: {time.monotonic() - started:.0f} s\n{made.stdout}")
        # The test's tags are removed again: the load below must bring them back.
        subprocess.run(["docker", "image", "rm", "--no-prune", *ours], check=True, capture_output=True)
        yield folder, ours
    finally:
        subprocess.run(
            [*compose_command(), "-p", PROJECT, "down", "--volumes", "--remove-orphans"],
            cwd=folder / "asynclab" if (folder / "asynclab").is_dir() else ROOT,
            capture_output=True,
            timeout=180,
        )
        subprocess.run(["docker", "image", "rm", "--no-prune", *ours], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_manifest_holds_every_file_and_the_image_ids(bundle):
    folder, ours = bundle
    fields, images, sums = read_manifest(folder)
    assert fields["lab-version"] == TAG
    assert images == ours
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {"MANIFEST"}
    assert set(sums) == on_disk
    archive = fields["images"]
    assert archive in ("images.tar.zst", "images.tar.gz")
    # The archive is checked by load.sh itself (below); every other file here.
    assert all(sha256(folder / name) == digest for name, digest in sums.items() if name != archive)

    copy = folder / "asynclab"
    for needed in (
        "docker-compose.yml",
        "docker-compose.grading.yml",
        "Makefile",
        ".env.example",
        "pyproject.toml",
        "README.md",
        "scripts/load.sh",
        "scripts/wait-healthy.sh",
        "src/asynclab/stack/containers.py",
        "images/lab/Dockerfile",
    ):
        assert (copy / needed).is_file(), needed
    assert not (copy / ".env").exists()  # this machine's token stays here
    assert not list(copy.rglob("__pycache__"))
    wheels = {p.name.split("-")[0].lower() for p in (folder / "wheels").glob("*.whl")}
    assert {"pytest", "setuptools", "pip", "docker"} <= wheels
    assert not {"ansible", "ansible_core", "ansible_runner"} & wheels  # the host never installs Ansible
    assert "asynclab" not in wheels
    assert "make load BUNDLE=.." in (folder / "LOAD.txt").read_text()


def test_a_damaged_bundle_is_refused_before_anything_is_loaded(bundle):
    folder, ours = bundle
    archive = folder / read_manifest(folder)[0]["images"]
    wheel = sorted((folder / "wheels").glob("pytest-*.whl"))[0]
    with archive.open("r+b") as f:
        f.seek(archive.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    wheel.rename(wheel.with_suffix(".moved"))
    try:
        done = run_in_copy(folder, ["scripts/load.sh", str(folder)], free_port())
    finally:
        wheel.with_suffix(".moved").rename(wheel)
        with archive.open("r+b") as f:
            f.seek(archive.stat().st_size // 2)
            f.write(byte)
    assert done.returncode != 0
    assert "is damaged; nothing was loaded" in done.stderr
    assert f"{archive.name}: its content differs from MANIFEST" in done.stderr
    assert f"wheels/{wheel.name}: missing or unreadable" in done.stderr
    assert all(image_id(ref) is None for ref in ours)
    with pytest.raises(LabNotRunning, match=PROJECT):
        Stack.find(PROJECT)  # no container was made either


def test_load_starts_a_healthy_lab_from_the_bundle_that_runs_playbooks(bundle):
    folder, ours = bundle
    port = free_port()
    started = time.monotonic()
    done = run_in_copy(folder, ["make", "load", "BUNDLE=.."], port)  # as LOAD.txt says
    print(f"\nmake load: {time.monotonic() - started:.0f} s\n{done.stdout}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert {ref: image_id(ref) for ref in ours} == ours
    env_file = (folder / "asynclab/.env").read_text()
    token = re.search(r"^JUPYTER_TOKEN=([0-9a-f]{48})$", env_file, re.M)[1]
    assert f"LAB_VERSION={TAG}" in env_file.splitlines()
    if (ROOT / ".env").exists():
        assert token not in (ROOT / ".env").read_text()  # a new one, not this machine's
    assert f"The lab is up: http://127.0.0.1:{port}/lab?token={token}" in done.stdout

    lab = Stack.find(PROJECT)
    lab.wait_healthy(timeout=60)
    assert {lab.container(name).image.id for name in lab.status()} <= set(ours.values())
    run = run_playbook(PING, route=lab.ansible_route(), progress="none")
    assert run.ok, run.summary()
    assert sorted(run.recap) == ["app1", "db1", "web1", "web2", "web3"]
    assert all(counts["ok"] == 1 for counts in run.recap.values())


def test_the_wheels_hold_everything_make_setup_installs(bundle):
    """`make setup WHEELS=...` installs `.[dev]` with no index: resolve that from the wheels alone."""
    folder, _ = bundle
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no index or find-links of this machine
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--no-index",
            "--find-links",
            str(folder / "wheels"),
            "-e",
            ".[dev]",
        ],
        cwd=folder / "asynclab",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    would_install = {name.lower().replace("_", "-") for name in done.stdout.rsplit("Would install ", 1)[1].split()}
    project = tomllib.loads((folder / "asynclab/pyproject.toml").read_text())["project"]
    pins = project["dependencies"] + project["optional-dependencies"]["dev"]
    expected = {pin.lower().replace("_", "-").replace("==", "-") for pin in pins if "==" in pin}
    assert expected | {f"asynclab-{project['version']}"} <= would_install
