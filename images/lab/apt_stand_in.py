"""An apt repository for the targets, served by the releases stand-in under /debian/, so
that the lessons' apt tasks (update_cache, upgrade: dist, a package to install) run
without Debian's mirror: in the tests, and in a classroom with no way out.

A target uses it when the stack sets LAB_APT_MIRROR (lab-init writes its apt sources).
The repository holds no upgrades, so `upgrade: dist` finds nothing to do, and one package
per name in STAND_INS: an empty package that depends on what the target image already has
(the lesson installs `nginx`; the image has nginx-light). It is unsigned: the targets'
sources say `Trusted: yes` for it, and only for it.
"""

from __future__ import annotations

import email.utils
import hashlib
import subprocess
import tempfile
from pathlib import Path

ARCHITECTURES = ("amd64", "arm64")
STAND_INS = {"nginx": ("1.22.1-9+lab1", "nginx-light")}  # name: (version, what it depends on)


def build_package(name: str, version: str, depends: str, folder: Path) -> Path:
    """An empty .deb, built with dpkg-deb, that depends on the package the image has."""
    root = folder / f"{name}-root"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: Async lab <lab@example.com>\n"
        f"Depends: {depends}\nDescription: lab stand-in for {name}\n"
        f" Installs nothing itself: {depends} is already on the target.\n"
    )
    deb = folder / f"{name}_{version}_all.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)], check=True, capture_output=True
    )
    return deb


def packages_index(debs: dict[str, bytes]) -> bytes:
    """The Packages file of the pool (file name: contents)."""
    stanzas = []
    for filename, data in sorted(debs.items()):
        name, version, _ = filename.split("_")
        depends = STAND_INS[name][1]
        stanzas.append(
            f"Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: Async lab <lab@example.com>\n"
            f"Depends: {depends}\nFilename: pool/main/{filename}\nSize: {len(data)}\n"
            f"SHA256: {hashlib.sha256(data).hexdigest()}\nDescription: lab stand-in for {name}\n"
        )
    return "\n".join(stanzas).encode()


def release_file(suite: str, index: bytes) -> bytes:
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


class Repository:
    """The files of the repository, by their path under /debian/."""

    def __init__(self):
        with tempfile.TemporaryDirectory() as folder:
            self.debs = {}
            for name, (version, depends) in STAND_INS.items():
                deb = build_package(name, version, depends, Path(folder))
                self.debs[deb.name] = deb.read_bytes()
        self.index = packages_index(self.debs)

    def get(self, path: str) -> bytes | None:
        """The file at path (below /debian/), or None. Any suite is served, with the same index."""
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "pool" and parts[1] == "main":
            return self.debs.get(parts[2])
        if len(parts) == 3 and parts[0] == "dists" and parts[2] == "Release":
            return release_file(parts[1], self.index)
        if (
            len(parts) == 5
            and parts[0] == "dists"
            and parts[2] == "main"
            and parts[3] in {f"binary-{arch}" for arch in ARCHITECTURES}
            and parts[4] == "Packages"
        ):
            return self.index
        return None
