"""The stack's figures for `make bench`: memory, cold and warm start, image build."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from asynclab.stack.host_set import HostSet

UNITS = {
    "B": 1 / 2**20,
    "KiB": 1 / 1024,
    "MiB": 1,
    "GiB": 1024,
    "kB": 1 / 1048.576,
    "MB": 1 / 1.048576,
    "GB": 1000 / 1.048576,
}


def stack_memory(project: str) -> float:
    """MiB used by the project's running containers, summed (docker stats)."""
    ids = subprocess.run(
        # Containers compose made for a service: a container run from one of its images
        # outside compose carries the image's project label too (oneoff tells them apart).
        [
            "docker",
            "ps",
            "-q",
            "--filter",
            f"label=com.docker.compose.project={project}",
            "--filter",
            "label=com.docker.compose.oneoff=False",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    return containers_memory(ids)


def containers_memory(ids: list[str]) -> float:
    """MiB used by these running containers, summed (docker stats)."""
    if not ids:
        return 0.0
    stats = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", *ids], capture_output=True, text=True
    ).stdout.splitlines()
    total = 0.0
    for line in stats:
        used = re.match(r"([\d.]+)\s*([A-Za-z]+)", line.split("/")[0].strip())
        if used:
            total += float(used.group(1)) * UNITS.get(used.group(2), 1)
    return round(total, 1)


def start_times(root: Path, compose: list[str]) -> dict:
    """A host set of its own: from no containers and no volumes (cold), then from stopped (warm)."""
    hosts = HostSet(f"asynclab-benchstack-{os.getpid()}", root, compose=compose)
    try:
        started = time.monotonic()
        hosts.start(timeout=600)
        cold = time.monotonic() - started
        hosts.stop()
        started = time.monotonic()
        hosts.start(timeout=600)
        warm = time.monotonic() - started
    finally:
        hosts.remove()
    return {"cold_start_s": round(cold, 1), "warm_start_s": round(warm, 1)}


def build_times(root: Path) -> float:
    """Seconds to build both images with no cache (the base image and wheelhouse as they are)."""
    started = time.monotonic()
    try:
        for name in ("target", "lab"):
            subprocess.run(
                [
                    "docker",
                    "build",
                    "--no-cache",
                    "-q",
                    "-t",
                    f"asynclab/{name}:bench",
                    "-f",
                    f"images/{name}/Dockerfile",
                    ".",
                ],
                cwd=root,
                check=True,
                capture_output=True,
            )
    finally:
        subprocess.run(["docker", "rmi", "asynclab/target:bench", "asynclab/lab:bench"], capture_output=True)
    return round(time.monotonic() - started, 1)
