"""An apt repository for the targets, served by the releases stand-in under /debian/, so
that the lessons' apt tasks (update_cache, upgrade: dist, a package to install) run
without Debian's mirror: in the tests, and in a classroom with no way out.

A target uses it when the stack sets LAB_APT_MIRROR (lab-init writes its apt sources).
It holds no package at all: `upgrade: dist` finds nothing to do, and the package a lesson
installs (nginx) is in the target image already, so `state: present` has nothing to fetch.
It is unsigned: the targets' sources say `Trusted: yes` for it, and only for it.
"""

from __future__ import annotations

import email.utils
import hashlib

ARCHITECTURES = ("amd64", "arm64")
INDEX = b""  # the Packages file of every architecture: no package


def release_file(suite: str, index: bytes = INDEX) -> bytes:
    """dists/<suite>/Release: what apt checks each index against."""
    digest, size = hashlib.sha256(index).hexdigest(), len(index)
    lines = [
        "Origin: asynclab",
        "Label: asynclab apt stand-in",
        f"Suite: {suite}",
        f"Codename: {suite}",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        f"Architectures: {' '.join(ARCHITECTURES)}",
        "Components: main",
        "SHA256:",
    ]
    lines += [f" {digest} {size} main/binary-{arch}/Packages" for arch in ARCHITECTURES]
    return ("\n".join(lines) + "\n").encode()


def get(path: str) -> bytes | None:
    """The file at path (below /debian/), or None. Any suite is served, with the same index."""
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "dists" and parts[2] == "Release":
        return release_file(parts[1])
    packages = {f"binary-{arch}" for arch in ARCHITECTURES}
    if len(parts) == 5 and parts[0] == "dists" and parts[2:4] == ["main", parts[3]] and parts[3] in packages:
        return INDEX if parts[4] == "Packages" else None
    return None
