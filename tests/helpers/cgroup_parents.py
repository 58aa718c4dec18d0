"""What a Docker engine has under /sys/fs/cgroup for a project's targets, read from a
container (the engine may be a VM or in a namespace of its own, not this machine's /sys)."""

from __future__ import annotations

import subprocess

from asynclab.stack.cgroup_settings import cgroup_name


def parents_left(project: str, image: str, env: dict | None = None) -> list[str]:
    """The cgroup folders named after ``project``'s targets, on every hierarchy."""
    name = cgroup_name(project)
    listed = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "sh",
            "-v",
            "/sys/fs/cgroup:/host-cgroup:ro",
            image,
            "-c",
            f"ls -d /host-cgroup/{name}_* /host-cgroup/*/{name}_* 2>/dev/null; true",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(line.removeprefix("/host-cgroup/") for line in listed.stdout.split())
