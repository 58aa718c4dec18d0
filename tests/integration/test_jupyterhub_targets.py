"""deploy/jupyterhub: one learner's private lab, made on the real Docker engine by the code
the hub's spawner runs, reached over SSH from a lab container on that learner's network
(as the learner's server is), then removed without a trace. Needs Docker, not the stack."""

import os
from pathlib import Path

import docker
import pytest

from tests.helpers.paths import ROOT

HUB = ROOT / "deploy" / "jupyterhub"
LEARNER = "ci-learner"  # JupyterHub would escape a real user 'ci-learner' to 'ci-2dlearner'
INOTIFY_PER_TARGET = 6  # systemd takes 5 inotify instances, dbus 1


def inotify_instances_of_root() -> int:
    """inotify instances held by root's processes (the containers' systemd and dbus)."""
    count = 0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid == 0:
                count += sum(1 for fd in (proc / "fd").iterdir() if os.readlink(fd) == "anon_inode:inotify")
        except OSError:  # the process ended meanwhile
            continue
    return count


@pytest.fixture
def room_for_five_targets():
    """systemd in a target stalls at 'initializing' when no inotify instance is left."""
    if os.geteuid() != 0:
        return  # other users' processes cannot be counted
    limit = int(Path("/proc/sys/fs/inotify/max_user_instances").read_text())
    used = inotify_instances_of_root()
    if limit - used < 5 * INOTIFY_PER_TARGET:
        pytest.fail(
            f"five more targets need {5 * INOTIFY_PER_TARGET} inotify instances; {used} of {limit} are in use "
            "(other labs on this engine): stop some, or raise fs.inotify.max_user_instances"
        )


@pytest.fixture
def learner_lab(monkeypatch):
    monkeypatch.syspath_prepend(str(HUB))
    from learner_lab import LearnerLab

    lab = LearnerLab(learner=LEARNER, client=docker.from_env())
    yield lab
    lab.remove()


def run_on_learners_network(lab, keys_volume: str, command: list[str]) -> tuple[int, str]:
    """A throwaway lab container with a key volume and the learner's network only, as the
    learner's server gets them; returns (exit code, output)."""
    from learner_lab import LEARNER_LABEL, PREFIX_LABEL

    container = lab.client.containers.run(
        lab.lab_image,
        entrypoint=command,
        name=lab.container("probe"),
        network=lab.network,
        volumes={keys_volume: {"bind": "/etc/lab-keys", "mode": "ro"}},
        labels={LEARNER_LABEL: lab.learner, PREFIX_LABEL: lab.prefix},
        detach=True,
    )
    try:
        rc = container.wait(timeout=90)["StatusCode"]
        return rc, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


def make_other_key_pair(lab) -> str:
    """A key pair made the way keygen makes every install's: it is not this learner's."""
    from learner_lab import LEARNER_LABEL, PREFIX_LABEL

    keys, trust = lab.container("other-keys"), lab.container("other-trust")
    for volume in (keys, trust):
        lab.client.volumes.create(volume, labels={LEARNER_LABEL: lab.learner, PREFIX_LABEL: lab.prefix})
    lab.client.containers.run(
        lab.lab_image,
        entrypoint=["/usr/local/lib/lab/keygen.sh", "/keys", "/trust"],
        user="root",
        volumes={keys: {"bind": "/keys", "mode": "rw"}, trust: {"bind": "/trust", "mode": "rw"}},
        network_mode="none",
        remove=True,
    )
    return keys


def test_a_learners_targets_are_private_reachable_and_removed(room_for_five_targets, learner_lab):
    lab = learner_lab
    lab.create(timeout=150)
    assert set(lab.health().values()) == {"healthy"}

    for host, name in lab.target_containers.items():
        attrs = lab.client.containers.get(name).attrs
        host_config = attrs["HostConfig"]
        assert host_config["Privileged"] is False and not host_config.get("CapAdd"), name
        assert not host_config.get("PortBindings") and not host_config.get("PublishAllPorts"), name
        assert not [m for m in attrs["Mounts"] if "docker.sock" in m.get("Source", "")], name
        assert list(attrs["NetworkSettings"]["Networks"]) == [lab.network], name
        assert host in attrs["NetworkSettings"]["Networks"][lab.network]["Aliases"], name

    rc, output = run_on_learners_network(lab, lab.keys_volume, ["ansible", "all", "-m", "ping", "-o"])
    assert rc == 0, output
    for host in lab.target_containers:
        assert f"{host} | SUCCESS" in output, output
    assert output.count('"ping": "pong"') == 5, output

    # The targets trust this learner's key only.
    rc, output = run_on_learners_network(lab, make_other_key_pair(lab), ["ansible", "web1", "-m", "ping", "-o"])
    assert rc != 0 and "web1 | UNREACHABLE" in output and "Permission denied" in output, output

    lab.remove()
    assert lab.leftovers() == []
