"""Stand-in for https://releases.example.com inside the lab network.

Serves /app-v2.tar.gz (a small application archive made at start) over HTTPS with the
certificate the keygen service signed, so the lesson's get_url task runs unchanged, and
an apt repository under /debian/ for targets whose stack sets LAB_APT_MIRROR
(apt_stand_in.py).
"""

import http.server
import io
import os
import ssl
import sys
import tarfile
import time

import apt_stand_in

KEYS = os.environ.get("LAB_KEYS", "/keys")
SIZE = int(os.environ.get("RELEASE_SIZE_BYTES", str(2 * 1024 * 1024)))
PORT = int(os.environ.get("RELEASES_PORT", "443"))


def build_archive() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        files = {
            "app-v2/VERSION": b"2.0.0\n",
            "app-v2/README": b"Demo application served by the lab's releases.example.com stand-in.\n",
            "app-v2/data.bin": os.urandom(SIZE),
        }
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


ARCHIVE = build_archive()


class Handler(http.server.BaseHTTPRequestHandler):
    timeout = 30  # seconds a client may stall: it holds its own thread only, and not for ever

    def setup(self):
        super().setup()
        # The TLS handshake runs here, in the connection's thread: in accept() it would hold
        # up every other client while one is slow.
        self.connection.do_handshake()

    def finish(self):
        super().finish()
        # TLS's close_notify before the end: strict clients (curl on OpenSSL 3.5) take an end
        # of the stream without it for an error.
        try:
            self.connection.settimeout(2)
            self.connection.unwrap()
        except OSError:
            pass  # the client went first

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.split("?")[0] in ("/app-v2.tar.gz", "/releases/app-v2.tar.gz"):
            self.send_response(200)
            self.send_header("Content-Type", "application/gzip")
            self.send_header("Content-Length", str(len(ARCHIVE)))
            self.end_headers()
            self.wfile.write(ARCHIVE)
        elif self.path.startswith("/debian/"):
            data = apt_stand_in.get(self.path[len("/debian/") :])
            if data is None:
                self.send_error(404, "not in the lab's apt stand-in")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(data)
        elif self.path == "/health":
            self.send_response(200)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")
        else:
            self.send_error(404, "only /app-v2.tar.gz and /debian/ are served here")

    do_HEAD = do_GET


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        print(f"releases.example.com stand-in: {client_address[0]}: {sys.exc_info()[1]}", file=sys.stderr, flush=True)


def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(f"{KEYS}/releases.crt", f"{KEYS}/releases.key")
    server = Server(("0.0.0.0", PORT), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print(f"releases.example.com stand-in: serving app-v2.tar.gz ({len(ARCHIVE)} bytes)", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
