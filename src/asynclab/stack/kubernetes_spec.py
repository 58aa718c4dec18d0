"""One learner's lab as Kubernetes objects, for the hub on a cluster (deploy/kubernetes/).

docker-compose.yml is the one definition of a target and of the releases stand-in: image,
command, tmpfs, memory and process limits, stop signal, health check, restart policy, mounts,
environment and the stand-in's alias come from it through asynclab.stack.compose_spec, as
on Docker. Only what is Kubernetes' own is added here: pods in a user namespace (hostUsers:
false), default seccomp, no token, no privilege, every capability dropped but the few that
systemd and sshd use (all in Docker's default set, which compose's targets keep); systemd as
a target's command (CRI-O's systemd mode) with memory emptyDirs on /run, /run/lock and /tmp
(for containerd, which has no such mode); a headless Service as the targets' DNS subdomain,
searched by the learner's server and targets, so that `web1` … `app1` resolve as in compose,
and a Service of fixed address for the stand-in, mapped to its aliases (releases.example.com);
the keys as one Secret, each pod mounting its part; a NetworkPolicy that admits the learner's
own server (by KubeSpawner's labels) on SSH and HTTPS and the learner's pods to each other;
on every object the learner's and the hub's labels, as on Docker. Pure functions: dicts as
the Kubernetes API takes them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from asynclab import settings
from asynclab.inventory import LAB_HOSTS as TARGETS
from asynclab.stack.compose_spec import ComposeSpecError, sdk_settings, services

LEARNER_LABEL = "org.asynclab.hub.learner"
PREFIX_LABEL = "org.asynclab.hub.prefix"
PART_LABEL = "org.asynclab.hub.part"
PART_OF = {"app.kubernetes.io/part-of": "asynclab-lab"}  # every target and stand-in of the hub
RELEASES = "releases"
SSH_PORT = 22
RELEASES_PORT = 443  # releases-server.py's RELEASES_PORT, and compose's health check URL
SYSTEMD = ["/sbin/init"]  # the command that CRI-O (and podman) take for systemd
MEMORY_DIRS = ("/run", "/run/lock", "/tmp")  # compose's tmpfs, and /tmp for containerd
# What systemd (PID 1, services as their users) and sshd (privilege separation, login
# records) use: each is in Docker's default set, which the compose stack's targets keep.
SYSTEMD_CAPABILITIES = (
    "AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE SETGID SETPCAP SETUID SYS_CHROOT".split()
)
# The target image's own HEALTHCHECK (images/target/Dockerfile), which compose runs and a
# pod does not: the same check becomes the target's readiness probe.
TARGET_HEALTH = {
    "test": ["CMD", "/usr/local/sbin/lab-health"],
    "retries": 12,
    "interval": "5s",
    "timeout": "5s",
    "start_period": "60s",
}
# The parts of the Secret that each compose volume stands for: the public ones for the
# targets, the certificate for the stand-in. The private SSH key goes to the server only.
TRUST_ITEMS = {"authorized_keys": 0o444, "ca.crt": 0o444}
SECRET_ITEMS = {"trust": TRUST_ITEMS, "keys": {"releases.crt": 0o444, "releases.key": 0o400, "ca.crt": 0o444}}
SERVER_ITEMS = {"id_ed25519": 0o440, "id_ed25519.pub": 0o444, "ca.crt": 0o444}
RESTART = {"unless-stopped": "Always", "always": "Always", "no": "Never"}  # on-failure: OnFailure
DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class LearnerLab:
    """Who the lab is for and where it runs; the rest comes from docker-compose.yml."""

    learner: str  # a label value and a DNS label: KubeSpawner's slug of the hub name
    namespace: str
    server_labels: dict[str, str]  # the learner's server pod, as KubeSpawner labels it
    prefix: str = "labhub"
    target_image: str = field(default_factory=lambda: settings.image("target"))
    lab_image: str = field(default_factory=lambda: settings.image("lab"))
    compose_env: dict[str, str] = field(default_factory=dict)  # LAB_TARGET_MEM_LIMIT, ...
    memory_request: str = ""  # empty: the limit (the scheduler keeps it for the pod)
    runtime_class: str = ""  # e.g. a containerd handler with cgroup_writable = true
    cluster_domain: str = "cluster.local"

    def __post_init__(self):
        longest = self.name(RELEASES)
        if not DNS_LABEL.match(longest) or len(longest) > 63 or len(self.learner) > 63:
            raise ValueError(f"{longest!r} is not a DNS label of 63 characters at most: choose a shorter name")

    @property
    def base(self) -> str:
        return f"{self.prefix}-{self.learner}"

    def name(self, part: str) -> str:
        return f"{self.base}-{part}"

    @property
    def domain(self) -> str:
        """The targets' DNS domain: <host>.<domain> is each target's address."""
        return f"{self.base}.{self.namespace}.svc.{self.cluster_domain}"

    @property
    def mine(self) -> dict[str, str]:
        """The labels that select this learner's objects of this hub."""
        return {LEARNER_LABEL: self.learner, PREFIX_LABEL: self.prefix}

    @property
    def selector(self) -> str:
        return ",".join(f"{key}={value}" for key, value in self.mine.items())

    def metadata(self, name: str, part: str) -> dict:
        return {"name": name, "namespace": self.namespace, "labels": {**self.mine, PART_LABEL: part}}


def compose_services(compose_file: Path, lab: LearnerLab) -> dict[str, dict]:
    """docker-compose.yml's services, its variables filled from the lab's compose_env only."""
    return services(compose_file, dict(lab.compose_env))


def probe(health: dict) -> dict:
    """A compose health check (compose_spec's Docker SDK form) as a readiness probe."""
    test = health["test"]
    if test[0] == "CMD":
        command = list(test[1:])
    elif test[0] == "CMD-SHELL":
        command = ["/bin/sh", "-c", test[1]]
    else:
        raise ComposeSpecError(f"health check {test!r} has no probe form")
    out = {"exec": {"command": command}}
    for key, name in (("interval", "periodSeconds"), ("timeout", "timeoutSeconds")):
        if key in health:
            out[name] = max(1, round(health[key] / 10**9))
    if "retries" in health:
        out["failureThreshold"] = health["retries"]
    return out


def quantity(size: int) -> str:
    return f"{size // 2**20}Mi" if size % 2**20 == 0 else str(size)


def mounts(service: dict, lab: LearnerLab, part: str) -> tuple[list, list]:
    """compose's volumes and tmpfs as the pod's volumes and the container's mounts."""
    volumes, mounted = [], []
    for entry in service.get("volumes", []):
        source, target, *mode = entry.split(":")
        if source not in SECRET_ITEMS:
            raise ComposeSpecError(f"docker-compose.yml mounts {source!r} in {part}, which has no Kubernetes form")
        items = [{"key": key, "path": key, "mode": mode_} for key, mode_ in SECRET_ITEMS[source].items()]
        volumes.append({"name": source, "secret": {"secretName": lab.name("keys"), "items": items}})
        mounted.append({"name": source, "mountPath": target, "readOnly": mode == ["ro"]})
    tmpfs = sdk_settings(service, part).get("tmpfs", {})
    for index, path in enumerate(sorted(set(tmpfs) | (set(MEMORY_DIRS) if part in TARGETS else set()))):
        volumes.append({"name": f"memory-{index}", "emptyDir": {"medium": "Memory"}})
        mounted.append({"name": f"memory-{index}", "mountPath": path})
    return volumes, mounted


def environment(service: dict) -> list[dict]:
    given = service.get("environment") or {}
    if isinstance(given, list):
        given = dict(item.split("=", 1) if "=" in item else (item, "") for item in given)
    return [{"name": str(name), "value": "" if value is None else str(value)} for name, value in given.items()]


def aliases(service: dict) -> list[str]:
    """The stand-in's names on the targets' network: its service name and compose's aliases."""
    found = [RELEASES]
    networks = service.get("networks") or {}
    for network in networks.values() if isinstance(networks, dict) else []:
        found += [alias for alias in (network or {}).get("aliases", []) if alias not in found]
    return found


def pod(lab: LearnerLab, part: str, service: dict, releases_ip: str, releases_names: list[str]) -> dict:
    """The pod of a target (systemd) or of the stand-in (its compose entrypoint)."""
    settings = sdk_settings(service, part)
    target = part in TARGETS
    volumes, mounted = mounts(service, lab, part)
    memory = quantity(settings["mem_limit"])
    health = settings.get("healthcheck") or (sdk_settings({"healthcheck": TARGET_HEALTH})["healthcheck"])
    entrypoint = settings.get("entrypoint")
    command = SYSTEMD if target else (shlex.split(entrypoint) if isinstance(entrypoint, str) else entrypoint)
    if settings.get("user") not in (None, "root", "0", "0:0"):
        raise ComposeSpecError(f"docker-compose.yml runs {part} as {settings['user']!r}, which has no pod form here")
    added = {"add": SYSTEMD_CAPABILITIES} if target else {}
    container = {
        "name": part,
        "image": lab.target_image if target else lab.lab_image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "env": environment(service),
        "resources": {"limits": {"memory": memory}, "requests": {"memory": lab.memory_request or memory}},
        "readinessProbe": probe(health),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "capabilities": {"drop": ["ALL"], **added},
            "runAsUser": 0,  # root in the pod's user namespace, an unprivileged uid outside
            "runAsGroup": 0,
        },
        "volumeMounts": mounted,
    }
    if "stop_signal" in settings:
        container["lifecycle"] = {"stopSignal": settings["stop_signal"]}
    metadata = lab.metadata(lab.name(part), part)
    metadata["labels"] = {**(service.get("labels") or {}), **metadata["labels"], **PART_OF}
    if "pids_limit" in settings:
        # The kubelet, not the pod, holds a pod's process limit (podPidsLimit): said here, kept there.
        metadata["annotations"] = {"asynclab.org/pids-limit": str(settings["pids_limit"])}
    spec = {
        "hostUsers": False,
        "hostname": settings.get("hostname", part),
        "subdomain": lab.base,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "restartPolicy": RESTART.get(settings.get("restart_policy", {"Name": "no"})["Name"], "OnFailure"),
        "os": {"name": "linux"},
        "securityContext": {
            "seccompProfile": {"type": "RuntimeDefault"},
            # Ports below 1024 without NET_BIND_SERVICE (the stand-in's 443), in the pod's own
            # network namespace: a sysctl Kubernetes counts as safe.
            "sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}],
        },
        "dnsConfig": {"searches": [lab.domain]},
        "containers": [container],
        "volumes": volumes,
    }
    if target:
        spec["hostAliases"] = [{"ip": releases_ip, "hostnames": releases_names}]
    if lab.runtime_class:
        spec["runtimeClassName"] = lab.runtime_class
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def hosts_service(lab: LearnerLab) -> dict:
    """Headless: the targets' subdomain, resolved to each pod's own address, every port."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": lab.metadata(lab.base, "hosts"),
        "spec": {
            "clusterIP": "None",
            "selector": {**lab.mine, **PART_OF},
            "publishNotReadyAddresses": True,  # the targets find each other while they boot
            "ports": [{"name": "ssh", "port": SSH_PORT, "targetPort": SSH_PORT, "protocol": "TCP"}],
        },
    }


def releases_service(lab: LearnerLab) -> dict:
    """The stand-in's fixed address, known at once, which the pods map to its aliases."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": lab.metadata(lab.name(RELEASES), RELEASES),
        "spec": {
            "selector": {**lab.mine, PART_LABEL: RELEASES},
            "ports": [{"name": "https", "port": RELEASES_PORT, "targetPort": RELEASES_PORT, "protocol": "TCP"}],
        },
    }


def keys_secret(lab: LearnerLab, files: dict[str, str]) -> dict:
    """The learner's SSH key pair and the stand-in's certificate, made at each start."""
    wanted = set(SERVER_ITEMS).union(*SECRET_ITEMS.values())
    if set(files) != wanted:
        raise ValueError(f"the learner's keys are {sorted(wanted)}, not {sorted(files)}")
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": lab.metadata(lab.name("keys"), "keys"),
        "type": "Opaque",
        "stringData": dict(files),
    }


def network_policy(lab: LearnerLab) -> dict:
    """In: the learner's own server on SSH and HTTPS, the learner's own pods; nothing else."""
    ports = [{"protocol": "TCP", "port": port} for port in (SSH_PORT, RELEASES_PORT)]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": lab.metadata(lab.name("ingress"), "ingress"),
        "spec": {
            "podSelector": {"matchLabels": {**lab.mine, **PART_OF}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"podSelector": {"matchLabels": dict(lab.server_labels)}}], "ports": ports},
                {"from": [{"podSelector": {"matchLabels": {**lab.mine, **PART_OF}}}]},
            ],
        },
    }


def server_additions(lab: LearnerLab, releases_ip: str, releases_names: list[str]) -> dict:
    """What the learner's server pod adds to its spec to find its hosts as in compose."""
    return {
        "dnsConfig": {"searches": [lab.domain]},
        "hostAliases": [{"ip": releases_ip, "hostnames": releases_names}],
    }


def services_first(lab: LearnerLab, files: dict[str, str]) -> list[dict]:
    """What is made before the pods: the Secret, the Services, the NetworkPolicy."""
    return [keys_secret(lab, files), hosts_service(lab), releases_service(lab), network_policy(lab)]


def pods(lab: LearnerLab, compose: dict[str, dict], releases_ip: str) -> list[dict]:
    """The stand-in's pod, then the five targets', from docker-compose.yml's services."""
    names = aliases(compose[RELEASES])
    return [pod(lab, part, compose[part], releases_ip, names) for part in (RELEASES, *TARGETS)]
