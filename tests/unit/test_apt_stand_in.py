"""The releases stand-in's apt repository (images/lab/apt_stand_in.py): is it one that apt
itself reads, with the package the lessons install and no upgrades?"""

import http.server
import shutil
import subprocess
import sys
import threading

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "images" / "lab"))
from apt_stand_in import ARCHITECTURES, STAND_INS, Repository  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb builds the stand-in's packages")


@pytest.fixture(scope="module")
def repository():
    return Repository()


@pytest.fixture(scope="module")
def served(repository):
    """The repository on a local HTTP port, as the releases stand-in serves it."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            data = repository.get(self.path.removeprefix("/debian/"))
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/debian"
    server.shutdown()


def test_each_stand_in_is_an_empty_package_on_what_the_image_has(repository, tmp_path):
    for name, (version, depends) in STAND_INS.items():
        deb = tmp_path / f"{name}.deb"
        deb.write_bytes(repository.debs[f"{name}_{version}_all.deb"])
        info = subprocess.run(
            ["dpkg-deb", "--field", str(deb), "Package", "Version", "Depends"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"Package: {name}" in info and f"Version: {version}" in info and f"Depends: {depends}" in info
        listed = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True).stdout
        assert all(line.endswith("./") for line in listed.splitlines()), listed


def test_apt_reads_the_repository_and_finds_the_lessons_package(served, tmp_path):
    if shutil.which("apt-get") is None:
        pytest.skip("no apt here")
    for folder in ("state/lists/partial", "cache/archives/partial", "parts"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "status").write_text("")
    (tmp_path / "sources.list").write_text(f"deb [trusted=yes] {served} bookworm main\n")
    options = [
        f"-o{k}={v}"
        for k, v in {
            "Dir::State": tmp_path / "state",
            "Dir::State::status": tmp_path / "status",
            "Dir::Cache": tmp_path / "cache",
            "Dir::Etc::SourceList": tmp_path / "sources.list",
            "Dir::Etc::SourceParts": tmp_path / "parts",
            "APT::Architecture": ARCHITECTURES[0],
            "Acquire::Languages": "none",
            "Debug::NoLocking": "1",
            "APT::Sandbox::User": "root",
        }.items()
    ]
    update = subprocess.run(["apt-get", *options, "update"], capture_output=True, text=True)
    assert update.returncode == 0 and "W:" not in update.stdout + update.stderr, update.stdout + update.stderr
    policy = subprocess.run(["apt-cache", *options, "policy", "nginx"], capture_output=True, text=True).stdout
    assert f"Candidate: {STAND_INS['nginx'][0]}" in policy, policy


def test_only_the_repositorys_files_are_served(repository):
    assert repository.get("dists/bookworm/main/binary-amd64/Packages") == repository.index
    release = repository.get("dists/trixie/Release").decode()
    assert "Codename: trixie" in release and release.count("main/binary-") == len(ARCHITECTURES)
    assert repository.get("dists/bookworm/main/binary-s390x/Packages") is None
    assert repository.get("pool/main/../../etc/passwd") is None
