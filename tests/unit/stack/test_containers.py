"""Host control (asynclab.stack.containers.Stack) while compose or Docker changes the project under it: a
container replaced, removed while it is listed, or stopped as a command begins, and
containers that only look like the project's. These races cannot be made on demand with a
real engine, so a stand-in for the Docker SDK's client plays them (it filters by label as
Docker does); the integration tests use the real one."""

import pytest

from asynclab.errors import LabError
from asynclab.stack.containers import Stack

NotFound = pytest.importorskip("docker.errors", reason="host control: the lab image has no Docker SDK").NotFound

PROJECT = "unit"


class Container:
    def __init__(self, service, status="running", created="2026-12-01T10:00:00Z", oneoff="False", exec_reply=(0, b"")):
        # The labels of a container made by compose; oneoff=None: run from the image outside
        # compose, with only the labels the image got from the compose build that made it.
        self.labels = {"com.docker.compose.project": PROJECT, "com.docker.compose.service": service}
        if oneoff is not None:
            self.labels["com.docker.compose.oneoff"] = oneoff
        self.status, self.name, self.exec_reply = status, f"{PROJECT}-{service}", exec_reply
        self.attrs = {"Created": created, "State": {"Health": {"Status": "healthy"}}, "NetworkSettings": {}}
        self.removed = False

    def reload(self):
        if self.removed:
            raise NotFound("No such container")

    def exec_run(self, cmd, user, demux):
        return self.exec_reply


class Client:
    def __init__(self, containers, fail_lists=0):
        self.listed, self.fail_lists, self._containers = 0, fail_lists, containers
        self.containers = self

    def list(self, filters, **_):  # the SDK's call: list(all=True, filters={"label": [...]})
        self.listed += 1
        if self.listed <= self.fail_lists:
            raise NotFound("No such container: one compose removed while it was listed")
        wanted = dict(label.split("=", 1) for label in filters["label"])
        return [c for c in self._containers if all(c.labels.get(k) == v for k, v in wanted.items())]


def test_the_running_container_of_a_service_is_taken_while_compose_replaces_it():
    old = Container("web2", status="exited", created="2026-12-01T09:00:00Z")
    new = Container("web2", created="2026-12-01T10:00:00Z")
    lab = Stack(PROJECT, Client([old, new, Container("web1")]))
    assert lab.container("web2") is new
    assert lab.status()["web2"].state == "running"


def test_compose_run_one_offs_are_not_the_service():
    oneoff = Container("web2", oneoff="True")
    real = Container("web2", status="exited")
    lab = Stack(PROJECT, Client([oneoff, real]))
    assert lab.container("web2") is real


def test_a_container_run_from_the_image_outside_compose_is_not_the_projects_host():
    # What broke a suite run: `make down`'s cgroup cleaner, run from the target image that a
    # compose build of this project had labelled web2, was taken for web2.
    impostor = Container("web2", created="2026-12-01T11:00:00Z", oneoff=None)
    real = Container("web2", created="2026-12-01T10:00:00Z")
    lab = Stack(PROJECT, Client([impostor, real]))
    assert lab.container("web2") is real
    assert list(lab.status()) == ["web2"]


def test_a_container_removed_while_listed_makes_the_list_be_read_again():
    client = Client([Container("web1")], fail_lists=1)
    assert Stack(PROJECT, client).container("web1").name == "unit-web1"
    assert client.listed == 2


def test_a_container_removed_after_the_list_is_left_out_of_the_status():
    gone = Container("web3")
    gone.removed = True
    assert set(Stack(PROJECT, Client([Container("web1"), gone])).status()) == {"web1"}


def test_a_host_that_stops_as_a_command_begins_is_an_error_not_an_exit_code():
    stopping = Container("web2", exec_reply=(126, b"OCI runtime exec failed: cannot exec in a stopped container"))
    with pytest.raises(LabError, match="web2 stopped while a command ran on it"):
        Stack(PROJECT, Client([stopping])).exec("web2", ["true"])


def test_an_unknown_service_names_the_ones_there_are():
    with pytest.raises(LabError, match=r"no container 'web9' in the lab \(it has: web1\)"):
        Stack(PROJECT, Client([Container("web1")])).container("web9")
