"""The stack's figures for `make bench`: memory, cold and warm start, image build."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path

from asynclab.cgroup_settings import clean, stack_env, stack_files, target_image

UNITS = {"B": 1 / 2**20, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "kB": 1 / 1048.576, "MB": 1 / 1.048576,
         "GB": 1000 / 1.048576}


def stack_memory(project: str) -> float:
    """MiB used by the project's running containers, summed (docker stats)."""
    ids = subprocess.run(["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}"],
                         capture_output=True, text=True).stdout.split()
    if not ids:
        return 0.0
    stats = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", *ids],
                           capture_output=True, text=True).stdout.splitlines()
    total = 0.0
    for line in stats:
        used = re.match(r"([\d.]+)\s*([A-Za-z]+)", line.split("/")[0].strip())
        if used:
            total += float(used.group(1)) * UNITS.get(used.group(2), 1)
    return round(total, 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until_healthy(root: Path, compose: list[str]) -> None:
    env = dict(os.environ, COMPOSE=" ".join(compose))
    subprocess.run([str(root / "scripts" / "wait-healthy.sh"), "600"], cwd=root, env=env, check=True,
                   capture_output=True)


def start_times(root: Path, compose: list[str]) -> dict:
    """A stack of its own: from no containers and no volumes (cold), then from stopped (warm)."""
    project = f"asynclab-benchstack-{os.getpid()}"
    cmd = compose + [*stack_files(root), "-p", project]
    env = dict(os.environ, LAB_PORT=str(_free_port()), COMPOSE_PROJECT_NAME=project, **stack_env(project))
    try:
        started = time.monotonic()
        subprocess.run(cmd + ["up", "-d", "--no-build"], cwd=root, env=env, check=True, capture_output=True)
        _until_healthy(root, cmd)
        cold = time.monotonic() - started
        subprocess.run(cmd + ["stop"], cwd=root, env=env, check=True, capture_output=True)
        started = time.monotonic()
        subprocess.run(cmd + ["up", "-d", "--no-build"], cwd=root, env=env, check=True, capture_output=True)
        _until_healthy(root, cmd)
        warm = time.monotonic() - started
    finally:
        subprocess.run(cmd + ["down", "--volumes", "--remove-orphans"], cwd=root, env=env, capture_output=True)
        clean(project, target_image(root))
    return {"cold_start_s": round(cold, 1), "warm_start_s": round(warm, 1)}


def build_times(root: Path) -> float:
    """Seconds to build both images with no cache (the base image and wheelhouse as they are)."""
    started = time.monotonic()
    try:
        for name in ("target", "lab"):
            subprocess.run(["docker", "build", "--no-cache", "-q", "-t", f"asynclab/{name}:bench", "-f",
                            f"images/{name}/Dockerfile", "."], cwd=root, check=True, capture_output=True)
    finally:
        subprocess.run(["docker", "rmi", "asynclab/target:bench", "asynclab/lab:bench"], capture_output=True)
    return round(time.monotonic() - started, 1)
