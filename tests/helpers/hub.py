"""Drive the class's JupyterHub (deploy/jupyterhub) the way people do, from this machine.

- HubStack: the hub's image built from this repository, and the hub run on this machine's
  Docker engine as its README says (its own network, the Docker socket, a data volume, the
  proxy on 127.0.0.1), under a prefix of its own so that it never meets an admin's hub.
- Person: someone logged in through the hub's login form, with a token made by the REST
  API as a person makes one on /hub/token; their server is spawned and followed through the
  REST API's progress stream (what the spawn page shows), its files read and written
  through the server's contents API, and code run in a kernel of their server as a
  notebook cell runs (nbgrader's own commands among it).

Used by tests/integration/test_class_on_hub.py and by bench (the `hub` section).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field

import docker
import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from asynclab.stack.cgroup_settings import target_image
from asynclab.stack.host_set import free_port
from asynclab.stack.waiting import wait_until

from .paths import ROOT

HUB_DIR = ROOT / "deploy" / "jupyterhub"
ADMIN_PASSWORD = "an-instructors-initial-password-" + "x" * 8  # 40 characters


def image_version() -> str:
    """LAB_VERSION as compose and the Makefile read it (the environment, then .env)."""
    return target_image(ROOT).rsplit(":", 1)[1]


class SpawnFailed(RuntimeError):
    """The spawn page's last word on a server that did not start."""


@dataclass
class HubStack:
    """A hub on this machine's engine: build(), start(), restart(), remove()."""

    prefix: str
    admins: str = "teacher"
    admin_password: str = ADMIN_PASSWORD
    env: dict = field(default_factory=dict)
    port: int = 0

    def __post_init__(self):
        self.version = image_version()
        self.image = f"asynclab/hub:{self.version}"
        self.port = self.port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.client = docker.from_env()

    def build(self) -> None:
        subprocess.run(
            ["docker", "build", "-q", "--build-arg", f"LAB_VERSION={self.version}"]
            + ["-f", str(HUB_DIR / "Dockerfile"), "-t", self.image, str(ROOT)],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self, timeout: float = 120) -> None:
        self.client.networks.create(self.prefix, driver="bridge")
        self._run()
        self.wait_up(timeout)

    def _run(self, **env: str) -> None:
        environment = {
            "ASYNCLAB_HUB_PREFIX": self.prefix,
            "ASYNCLAB_HUB_ADMINS": self.admins,
            "ASYNCLAB_HUB_ADMIN_PASSWORD": self.admin_password,
            "ASYNCLAB_LAB_IMAGE": f"asynclab/lab:{self.version}",
            "ASYNCLAB_TARGET_IMAGE": f"asynclab/target:{self.version}",
            **{k: os.environ[k] for k in ("LAB_APT_MIRROR",) if os.environ.get(k)},
            **self.env,
            **env,
        }
        self.client.containers.run(
            self.image,
            name=self.prefix,
            network=self.prefix,
            ports={"8000/tcp": ("127.0.0.1", self.port)},
            volumes={
                "/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"},
                f"{self.prefix}-data": {"bind": "/srv/jupyterhub", "mode": "rw"},
            },
            environment=environment,
            detach=True,
        )

    def wait_up(self, timeout: float = 120) -> None:
        def up():
            container = self.client.containers.get(self.prefix)
            if container.status == "exited":
                raise RuntimeError(f"the hub stopped: {self.logs()[-2000:]}")
            try:
                return requests.get(f"{self.url}/hub/health", timeout=3).ok
            except requests.RequestException:
                return False

        wait_until(up, timeout, 0.5, what="the hub")

    def restart(self) -> None:
        """`docker restart` of the hub's container: its database and cookie secret are in the volume."""
        self.client.containers.get(self.prefix).restart(timeout=10)
        self.wait_up()

    def recreate(self, **env: str) -> None:
        """The hub's container made again, with these settings on top (the volume stays)."""
        self.client.containers.get(self.prefix).remove(force=True)
        self._run(**env)
        self.wait_up()

    def logs(self) -> str:
        try:
            return self.client.containers.get(self.prefix).logs().decode(errors="replace")
        except docker.errors.NotFound:
            return ""

    def exec(self, command: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
        """A command in the hub's container, as its admin runs one (`docker exec -i`)."""
        return subprocess.run(
            ["docker", "exec", "-i", self.prefix, *command], input=stdin, capture_output=True, text=True, timeout=120
        )

    def class_list(self, names: list[str]) -> dict[str, tuple[str, str]]:
        """deploy/jupyterhub/class_list.py on a CSV of names: {name: (state, password)}."""
        done = self.exec(["python3", "/srv/labhub/class_list.py"], stdin="name\n" + "\n".join(names) + "\n")
        rows = [line.split(",") for line in done.stdout.strip().splitlines()[1:]]
        return {name: (state, password) for name, state, password in rows}

    def owned(self) -> dict[str, list[str]]:
        """Containers, networks and volumes on the engine under this hub's prefix."""
        mine = f"{self.prefix}-"
        return {
            "containers": sorted(c.name for c in self.client.containers.list(all=True) if c.name.startswith(mine)),
            "networks": sorted(n.name for n in self.client.networks.list() if n.name.startswith(mine)),
            "volumes": sorted(v.name for v in self.client.volumes.list() if v.name.startswith(mine)),
        }

    def remove(self) -> None:
        """Everything of this hub: the learners' sets (their cgroup parents too), servers, volumes."""
        sys.path.insert(0, str(HUB_DIR))
        from learner_lab import LEARNER_LABEL, LearnerLab

        mine = [
            c
            for c in self.client.containers.list(all=True)
            if c.name == self.prefix or c.name.startswith(f"{self.prefix}-")
        ]
        for container in mine:  # the hub and the servers first: they hold the key volumes
            if LEARNER_LABEL not in container.labels:
                container.remove(force=True)
        for learner in {c.labels[LEARNER_LABEL] for c in mine if LEARNER_LABEL in c.labels}:
            LearnerLab(learner=learner, prefix=self.prefix, client=self.client).remove()
        for network in self.client.networks.list():
            if network.name == self.prefix or network.name.startswith(f"{self.prefix}-"):
                network.remove()
        for volume in self.client.volumes.list():
            if volume.name.startswith(f"{self.prefix}-"):
                volume.remove(force=True)


class Person:
    """Someone logged in to the hub: their session, a token, their server and a kernel in it."""

    def __init__(self, hub: HubStack, name: str, password: str):
        self.hub, self.name = hub, name
        self.session = requests.Session()
        self.session.get(f"{hub.url}/hub/login", timeout=30)
        answer = self.session.post(
            f"{hub.url}/hub/login",
            data={"username": name, "password": password, "_xsrf": self.session.cookies.get("_xsrf", "")},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302:
            raise PermissionError(f"{name} could not log in ({answer.status_code})")
        made = self.session.post(
            f"{hub.url}/hub/api/users/{name}/tokens",
            json={"note": "asynclab test", "expires_in": 7200},
            headers={"X-XSRFToken": self.session.cookies.get("_xsrf", "")},
            timeout=30,
        )
        made.raise_for_status()
        self.token = made.json()["token"]
        self.kernel_id: str | None = None

    # ---- the hub's REST API --------------------------------------------------------------
    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.hub.url}/hub/api/{path}", headers=headers, timeout=60, **kwargs)

    def spawn(self) -> requests.Response:
        """Ask for the server, as the spawn button does: 201 started, 202 pending, 400 already so."""
        return self.api("POST", f"users/{self.name}/server")

    def follow_spawn(self, timeout: float = 420) -> list[dict]:
        """The progress events the spawn page shows, until ready; SpawnFailed with its message."""
        events = []
        deadline = time.monotonic() + timeout
        with self.api("GET", f"users/{self.name}/server/progress", stream=True) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name}'s server did not start in {timeout:.0f} s: {events[-3:]}")
                if not line or not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                events.append(event)
                if event.get("failed"):
                    raise SpawnFailed(event.get("message", ""))
                if event.get("ready"):
                    return events
        if self.ready():
            return events
        raise SpawnFailed(events[-1].get("message", "") if events else "the progress stream ended with no event")

    def ready(self) -> bool:
        server = self.api("GET", f"users/{self.name}").json().get("servers", {}).get("", {})
        return bool(server.get("ready"))

    def stop(self) -> None:
        answer = self.api("DELETE", f"users/{self.name}/server")
        assert answer.status_code in (202, 204), answer.text
        wait_until(lambda: not self.api("GET", f"users/{self.name}").json().get("servers"), 120, 1, what="the stop")
        self.kernel_id = None

    # ---- their server's REST API -----------------------------------------------------------
    def server(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        url = f"{self.hub.url}/user/{self.name}/{path.lstrip('/')}"
        return requests.request(method, url, headers=headers, timeout=kwargs.pop("timeout", 120), **kwargs)

    def read(self, path: str) -> dict:
        answer = self.server("GET", f"api/contents/{path}", params={"content": "1"})
        answer.raise_for_status()
        return answer.json()

    def write_notebook(self, path: str, notebook: dict) -> None:
        answer = self.server("PUT", f"api/contents/{path}", json={"type": "notebook", "content": notebook})
        answer.raise_for_status()

    def assignments(self, action: str, course: str, assignment: str) -> requests.Response:
        """The Assignments tab's own buttons: fetch, submit, fetch_feedback."""
        return self.server("POST", f"assignments/{action}", data={"course_id": course, "assignment_id": assignment})

    def validate(self, path: str) -> dict:
        """nbgrader's Validate button on a notebook of the server."""
        answer = self.server("POST", "assignments/validate", data={"path": path}, timeout=600)
        answer.raise_for_status()
        return answer.json()

    # ---- a kernel in their server ------------------------------------------------------------
    def run(self, code: str, timeout: float = 600) -> str:
        """Run code as a notebook cell runs, in one kernel of the person's server; its output,
        or AssertionError with the cell's error."""
        if self.kernel_id is None:
            answer = self.server("POST", "api/kernels", json={"name": "python3"})
            answer.raise_for_status()
            self.kernel_id = answer.json()["id"]
        return asyncio.run(self._execute(code, timeout))

    def shell(self, command: str, cwd: str = "~/work", timeout: float = 900) -> tuple[int, str]:
        """A shell command run from the kernel: (exit code, output)."""
        code = (
            "import json, os, subprocess\n"
            f"done = subprocess.run({command!r}, shell=True, cwd=os.path.expanduser({cwd!r}),"
            " stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)\n"
            "print(json.dumps([done.returncode, done.stdout]))\n"
        )
        rc, output = json.loads(self.run(code, timeout).strip().splitlines()[-1])
        return rc, output

    async def _execute(self, code: str, timeout: float) -> str:
        url = self.hub.url.replace("http", "ws", 1) + f"/user/{self.name}/api/kernels/{self.kernel_id}/channels"
        connection = await websocket_connect(
            HTTPRequest(url, headers={"Authorization": f"token {self.token}"}), max_message_size=64 * 2**20
        )
        msg_id = uuid.uuid4().hex
        connection.write_message(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": self.name,
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "content": {"code": code, "silent": False, "store_history": False, "allow_stdin": False},
                }
            )
        )
        output, error, replied, idle = [], None, False, False
        try:
            while not (replied and idle):
                raw = await asyncio.wait_for(connection.read_message(), timeout)
                if raw is None:
                    raise ConnectionError(f"the kernel's websocket of {self.name} closed")
                message = json.loads(raw)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    output.append(content["text"])
                elif kind in ("execute_result", "display_data"):
                    output.append(content.get("data", {}).get("text/plain", ""))
                elif kind == "error":
                    error = f"{content['ename']}: {content['evalue']}"
                elif kind == "execute_reply":
                    replied = True
                elif kind == "status" and content.get("execution_state") == "idle":
                    idle = True
        finally:
            connection.close()
        if error:
            raise AssertionError(f"in {self.name}'s kernel: {error}\n{''.join(output)}")
        return "".join(output)
