"""One learner's private lab on a Docker engine: the five SSH targets and the releases
stand-in on a network of their own, reached with an SSH key pair made for this learner.

These are the containers of the compose stack, made through the Docker SDK so that the hub
can give each learner their own set. Their settings (image, entrypoint, tmpfs, limits,
health checks, restart policy) come from docker-compose.yml itself (keygen, the x-target
anchor of web1 … app1, releases) through asynclab.stack.compose_spec: there is no second copy of
them here, only the per-learner names, volumes, network and labels. No port is published,
nothing is privileged, no container gets the Docker socket. Every object carries the label
LEARNER_LABEL and the hub's prefix (PREFIX_LABEL), so what belongs to a learner of this hub
can be listed and removed, and two hubs on one engine never touch each other's learners.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker

from asynclab import settings
from asynclab.inventory import LAB_HOSTS as TARGETS
from asynclab.stack.cgroup_settings import (
    PROBE_COMMAND,
    PROBE_MOUNT,
    cgroup_name,
    clean_arguments,
    engine_from_info,
    parents,
    removed,
    sdk_settings,
    service_settings,
)
from asynclab.stack.compose_spec import sdk_settings as compose_settings, services
from asynclab.stack.waiting import wait_until

LEARNER_LABEL = "org.asynclab.hub.learner"
PREFIX_LABEL = "org.asynclab.hub.prefix"
PART_LABEL = "org.asynclab.hub.part"
SAFE_NAME = re.compile(r"^[a-z0-9_.-]+$")  # always after the prefix
HERE = Path(__file__).resolve().parent


def compose_file() -> Path:
    """docker-compose.yml: $ASYNCLAB_COMPOSE_FILE, the hub image's copy beside this file, or
    the repository's."""
    if settings.COMPOSE_FILE.is_set():
        return settings.COMPOSE_FILE.get()
    beside = HERE / "docker-compose.yml"
    return beside if beside.exists() else HERE.parents[1] / "docker-compose.yml"


class LearnerLabError(RuntimeError):
    """A learner's lab could not be made or did not become healthy."""


@dataclass
class LearnerLab:
    """Names and lifecycle of one learner's targets, network and key volumes."""

    learner: str  # Docker-safe: lower-case letters, digits, '-', '_', '.'
    prefix: str = "labhub"
    client: Any = None  # docker.DockerClient; only create/wait/remove need it
    lab_image: str = field(default_factory=lambda: settings.image("lab"))
    target_image: str = field(default_factory=lambda: settings.image("target"))
    target_mem_limit: str = ""  # empty: docker-compose.yml's LAB_TARGET_MEM_LIMIT default
    target_pids_limit: int = 0  # 0: docker-compose.yml's LAB_TARGET_PIDS_LIMIT default
    key_owner: str = "1000:1000"  # uid:gid of the server that reads the private key

    def __post_init__(self):
        if not SAFE_NAME.match(self.learner):
            raise ValueError(f"learner name {self.learner!r} is not Docker-safe (use a-z, 0-9, '-', '_', '.')")
        self._engine = None
        self._services = None

    def spec(self, service: str) -> dict:
        """The SDK settings of a compose service, with this hub's images and target limits."""
        if self._services is None:
            env = dict(os.environ)
            if self.target_mem_limit:
                env["LAB_TARGET_MEM_LIMIT"] = self.target_mem_limit
            if self.target_pids_limit:
                env["LAB_TARGET_PIDS_LIMIT"] = str(self.target_pids_limit)
            self._services = services(compose_file(), env)
        settings = compose_settings(self._services[service], service)
        settings["image"] = self.target_image if service in TARGETS else self.lab_image
        return settings

    # ---- names ---------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"{self.prefix}-{self.learner}"

    @property
    def network(self) -> str:
        return f"{self.base}-targets"

    @property
    def keys_volume(self) -> str:
        """Private half of the SSH key pair: mounted read-only in the learner's lab server."""
        return f"{self.base}-keys"

    @property
    def trust_volume(self) -> str:
        """Public half and the CA certificate: mounted read-only in the targets."""
        return f"{self.base}-trust"

    def container(self, part: str) -> str:
        return f"{self.base}-{part}"

    @property
    def target_containers(self) -> dict[str, str]:
        return {host: self.container(host) for host in TARGETS}

    def _labels(self, part: str) -> dict[str, str]:
        return {LEARNER_LABEL: self.learner, PREFIX_LABEL: self.prefix, PART_LABEL: part}

    @property
    def _mine(self) -> dict:
        """The Docker filter of this learner's objects on this hub."""
        return {"label": [f"{LEARNER_LABEL}={self.learner}", f"{PREFIX_LABEL}={self.prefix}"]}

    # ---- lifecycle -----------------------------------------------------------------------
    def create(self, timeout: float = 240) -> None:
        """Make everything from scratch (leftovers of an earlier run are removed first)."""
        for image in (self.lab_image, self.target_image):
            try:
                self.client.images.get(image)
            except docker.errors.ImageNotFound:
                raise LearnerLabError(
                    f"the image {image} is not on this Docker engine: build it with `make lab`"
                ) from None
        self.remove()
        self.client.networks.create(self.network, driver="bridge", labels=self._labels("network"))
        for volume in (self.keys_volume, self.trust_volume):
            self.client.volumes.create(volume, labels=self._labels("volume"))
        self._make_keys()
        self._run_releases()
        for host in TARGETS:
            self._run_target(host)
        self.wait_healthy(timeout)

    def _make_keys(self) -> None:
        keygen = self.client.containers.run(
            **self.spec("keygen"),
            name=self.container("keygen"),
            volumes={
                self.keys_volume: {"bind": "/keys", "mode": "rw"},
                self.trust_volume: {"bind": "/trust", "mode": "rw"},
            },
            environment={"KEY_OWNER": self.key_owner},
            network_mode="none",
            labels=self._labels("keygen"),
            detach=True,
        )
        try:
            status = keygen.wait(timeout=120)
            if status.get("StatusCode") != 0:
                log = keygen.logs().decode(errors="replace").strip()
                raise LearnerLabError(f"keygen for {self.learner} failed: {log}")
        finally:
            keygen.remove(force=True)

    def _on_network(self, alias: list[str]) -> dict:
        endpoint = self.client.api.create_endpoint_config(aliases=alias)
        return {"network": self.network, "networking_config": {self.network: endpoint}}

    def _run_releases(self) -> None:
        self.client.containers.run(
            **self.spec("releases"),
            name=self.container("releases"),
            hostname="releases",
            volumes={self.keys_volume: {"bind": "/keys", "mode": "ro"}},
            labels=self._labels("releases"),
            detach=True,
            **self._on_network(["releases", "releases.example.com"]),
        )

    def _engine_settings(self):
        """What the engine says of its cgroups (asked once)."""
        if self._engine is None:
            info = self.client.info()
            listed = ""
            if int(info.get("CgroupVersion") or 1) == 1:
                listed = self.client.containers.run(
                    self.target_image,
                    PROBE_COMMAND,
                    entrypoint=[],
                    network_mode="none",
                    remove=True,
                    volumes={"/sys/fs/cgroup": {"bind": PROBE_MOUNT, "mode": "ro"}},
                ).decode()
            self._engine = engine_from_info(info, listed)
        return self._engine

    def _cgroups(self, host: str) -> dict:
        """The target's cgroup settings for this engine, as the compose stack's `make config`
        chooses them (asynclab.stack.cgroup_settings), with a parent named after this learner."""
        return sdk_settings(service_settings(self._engine_settings(), host, name=cgroup_name(self.base)))

    def _remove_cgroup_parents(self) -> list[str]:
        """The learner's empty cgroup parents, which the engine leaves behind (see `make down`)."""
        folders = parents(self._engine_settings(), cgroup_name(self.base))
        if not folders:
            return []
        said = self.client.containers.run(
            self.target_image,
            clean_arguments(folders),
            entrypoint=[],
            network_mode="none",
            remove=True,
            volumes={"/sys/fs/cgroup": {"bind": PROBE_MOUNT, "mode": "rw"}},
        )
        return removed(said.decode())

    def _run_target(self, host: str) -> None:
        # systemd is PID 1: docker-compose.yml's tmpfs, limits and stop signal, its own cgroup
        # writable and nothing else, no privileges, no added capability.
        cgroups = self._cgroups(host)
        volumes = cgroups.pop("volumes", {})
        volumes[self.trust_volume] = {"bind": "/etc/lab-trust", "mode": "ro"}
        self.client.containers.run(
            **self.spec(host),
            name=self.container(host),
            volumes=volumes,
            **cgroups,
            labels=self._labels(host),
            detach=True,
            **self._on_network([host]),
        )

    def health(self) -> dict[str, str]:
        """Health of the targets and releases: healthy, starting, unhealthy, exited, missing."""
        found = {c.labels.get(PART_LABEL): c for c in self._containers()}
        out = {}
        for part in (*TARGETS, "releases"):
            c = found.get(part)
            if c is None:
                out[part] = "missing"
            elif c.status != "running":
                out[part] = c.status
            else:
                out[part] = c.attrs.get("State", {}).get("Health", {}).get("Status", "none")
        return out

    def wait_healthy(self, timeout: float = 240) -> None:
        def all_healthy():
            health = self.health()
            broken = {part: state for part, state in health.items() if state in ("exited", "dead", "missing")}
            if broken:
                raise LearnerLabError(f"the lab of {self.learner} has stopped containers: {broken}")
            return all(state == "healthy" for state in health.values())

        try:
            wait_until(all_healthy, timeout, 1.0, what=f"the targets of {self.learner}")
        except TimeoutError:
            why = one_line("; ".join(f"{part}: {said}" for part, said in sorted(self.why_unhealthy().items())))
            raise LearnerLabError(
                f"the lab's hosts did not become healthy in {timeout:.0f} s ({why or 'no health check ran yet'}); "
                "ask the admin (Troubleshooting in deploy/jupyterhub/README.md)"
            ) from None

    def why_unhealthy(self) -> dict[str, str]:
        """The last health check's output of each container that is not healthy."""
        out = {}
        for c in self._containers():
            health = c.attrs.get("State", {}).get("Health", {})
            if health.get("Status") not in (None, "healthy"):
                last = (health.get("Log") or [{}])[-1].get("Output", "").strip()
                out[c.labels.get(PART_LABEL, c.name)] = f"{health['Status']}: {last}"
        return out

    def _containers(self):
        return self.client.containers.list(all=True, filters=self._mine)

    def leftovers(self) -> list[str]:
        """Everything of this learner's lab still on the engine (empty after remove)."""
        label = self._mine
        return (
            [f"container {c.name}" for c in self._containers()]
            + [f"network {n.name}" for n in self.client.networks.list(filters=label)]
            + [f"volume {v.name}" for v in self.client.volumes.list(filters=label)]
        )

    def remove(self) -> None:
        """Remove the learner's targets, network and key volumes (never the work volume)."""
        label = self._mine
        had_targets = False
        for c in self._containers():
            had_targets = had_targets or c.labels.get(PART_LABEL) in TARGETS
            c.remove(force=True)
        if had_targets:
            self._remove_cgroup_parents()
        for network in self.client.networks.list(filters=label):
            network.reload()
            for attached in network.containers:  # a lab server still attached (hub crash)
                network.disconnect(attached, force=True)
            network.remove()
        for volume in self.client.volumes.list(filters=label):
            volume.remove(force=True)


def one_line(text: str, width: int = 200) -> str:
    """A health check's output as one short line: a spawn page shows one line."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
