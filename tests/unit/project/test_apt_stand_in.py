"""The releases stand-in's apt repository (images/lab/apt_stand_in.py): is it one that apt
itself reads, with nothing to upgrade or to replace?"""

import http.server
import shutil
import subprocess
import sys
import threading

import pytest

from tests.helpers.paths import ROOT

sys.path.insert(0, str(ROOT / "images" / "lab"))
import apt_stand_in  # noqa: E402


@pytest.fixture(scope="module")
def served():
    """The repository on a local HTTP port, as the releases stand-in serves it."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            data = apt_stand_in.get(self.path.removeprefix("/debian/"))
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


def apt_options(tmp_path, source: str) -> list[str]:
    """apt with a root of its own in tmp_path: this machine's lists and packages untouched."""
    for folder in ("state/lists/partial", "cache/archives/partial", "parts"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "status").write_text(
        "Package: nginx\nStatus: install ok installed\nVersion: 1.22.1-9\n"
        "Architecture: amd64\nMaintainer: x\nDescription: the image's nginx\n"
    )
    (tmp_path / "sources.list").write_text(f"deb [trusted=yes] {source} bookworm main\n")
    settings = {
        "Dir::State": tmp_path / "state",
        "Dir::State::status": tmp_path / "status",
        "Dir::Cache": tmp_path / "cache",
        "Dir::Etc::SourceList": tmp_path / "sources.list",
        "Dir::Etc::SourceParts": tmp_path / "parts",
        "APT::Architecture": apt_stand_in.ARCHITECTURES[0],
        "Acquire::Languages": "none",
        "Debug::NoLocking": "1",
        "APT::Sandbox::User": "root",
    }
    return [f"-o{k}={v}" for k, v in settings.items()]


def test_apt_reads_the_repository_and_finds_nothing_to_upgrade_or_replace(served, tmp_path):
    if shutil.which("apt-get") is None:
        pytest.skip("no apt here")
    options = apt_options(tmp_path, served)
    update = subprocess.run(["apt-get", *options, "update"], capture_output=True, text=True)
    said = update.stdout + update.stderr
    assert update.returncode == 0 and "W:" not in said and "E:" not in said, said
    assert f"{served} bookworm Release" in said  # apt read the stand-in's Release, and accepted it
    upgrade = subprocess.run(["apt-get", *options, "-s", "dist-upgrade"], capture_output=True, text=True)
    assert "0 upgraded, 0 newly installed, 0 to remove" in upgrade.stdout, upgrade.stdout + upgrade.stderr


def test_only_the_repositorys_files_are_served():
    assert apt_stand_in.get("dists/bookworm/main/binary-amd64/Packages") == b""
    release = apt_stand_in.get("dists/trixie/Release").decode()
    assert "Codename: trixie" in release and release.count("main/binary-") == len(apt_stand_in.ARCHITECTURES)
    assert apt_stand_in.get("dists/bookworm/main/binary-s390x/Packages") is None
    assert apt_stand_in.get("pool/main/../../etc/passwd") is None
