"""The releases stand-in (images/lab/releases-server.py): does one client that connects and
says nothing hold up the others? (Every target's downloads and every health check go through
it.)"""

import shutil
import socket
import ssl
import subprocess
import sys
import urllib.request

import pytest

from asynclab.stack.host_set import free_port
from asynclab.stack.waiting import wait_until
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")


@pytest.fixture
def server(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=releases.example.com",
         "-keyout", tmp_path / "releases.key", "-out", tmp_path / "releases.crt"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    env = {"LAB_KEYS": str(tmp_path), "RELEASES_PORT": str(port), "RELEASE_SIZE_BYTES": "1024", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        [sys.executable, ROOT / "images" / "lab" / "releases-server.py"],
        cwd=ROOT / "images" / "lab",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: get(port, "/health", timeout=2) == b"ok\n", 30, 0.2, what="the stand-in")
        yield port
    finally:
        proc.kill()
        proc.wait()


def get(port: int, path: str, timeout: float) -> bytes | None:
    context = ssl._create_unverified_context()
    try:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}{path}", context=context, timeout=timeout) as reply:
            return reply.read()
    except OSError:
        return None


def test_a_client_that_stalls_before_its_tls_handshake_does_not_hold_up_the_others(server):
    with socket.create_connection(("127.0.0.1", server)) as silent:
        silent.settimeout(1)  # connected, and never sends its ClientHello
        assert get(server, "/health", timeout=5) == b"ok\n"
        assert len(get(server, "/app-v2.tar.gz", timeout=5) or b"") > 1024


def test_anything_else_is_a_404_with_what_is_served(server):
    context = ssl._create_unverified_context()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"https://127.0.0.1:{server}/elsewhere", context=context, timeout=5)
    assert err.value.code == 404


def test_a_reply_ends_with_tls_close_notify_as_strict_clients_ask(server):
    """curl on OpenSSL 3.5 (the lab image's, which Docker's health check runs) fails a reply
    whose stream ends without it; Python's own client is told here not to forgive it."""
    context = ssl._create_unverified_context()
    for path in ("/health", "/app-v2.tar.gz", "/elsewhere"):
        with socket.create_connection(("127.0.0.1", server), timeout=5) as raw:
            with context.wrap_socket(raw, suppress_ragged_eofs=False) as tls:
                tls.sendall(f"GET {path} HTTP/1.1\r\nHost: releases.example.com\r\n\r\n".encode())
                reply = b""
                while chunk := tls.recv(65536):  # raises SSLEOFError on an end without close_notify
                    reply += chunk
        assert reply.startswith(b"HTTP/1.0 "), reply[:40]
