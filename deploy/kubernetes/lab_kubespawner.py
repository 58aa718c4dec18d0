"""The hub's spawner on Kubernetes: KubeSpawner, plus a private lab for each person, who is a
Unix user of their own in their server (people.py, shared with the hub on Docker).

start(): the person's name is checked; their keys are made (learner_keys.py) and their lab
is made from docker-compose.yml (asynclab.stack.kubernetes_spec): the keys' Secret, the
targets' headless Service, the stand-in's Service, the NetworkPolicy, the stand-in's and the
five targets' pods, all ready; then the server pod, as the person's uid, with the class's
passwd and group written by a root init container (people.prepare_script) that also lays
out nbgrader's exchange (a ReadWriteMany claim of the cluster) and gives the home to the
person. stop(): the server pod goes, then every object of the person's lab (by its labels).
The home claim stays. Each object is made and removed through KubeSpawner's own API client.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from jupyterhub import orm
from kubernetes_asyncio.client import V1Container, V1HostAlias, V1PodDNSConfig, V1Volume, V1VolumeMount
from kubernetes_asyncio.client.rest import ApiException
from kubespawner import KubeSpawner
from kubespawner.clients import shared_client
from kubespawner.slugs import is_valid_label, safe_slug
from kubespawner.utils import get_k8s_model
from traitlets import Float, Int, Unicode

from asynclab import settings
from asynclab.stack import kubernetes_spec as spec
from asynclab.stack.compose_spec import services
from learner_keys import learner_keys
from people import HOME, PEOPLE_DIR, Person, check_name, prepare_script

HERE = Path(__file__).resolve().parent
EXCHANGE = "/srv/nbgrader/exchange"
# The course's solutions and hidden tests in the lab image, covered in a learner's server
# (deploy/jupyterhub/lab_spawner.py covers the same path on Docker).
COURSE_SOURCES = "/opt/lab/course/grader/source"
# What a pod that cannot start says, instead of becoming ready later.
BROKEN = {"CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError"}
KINDS = ("pod", "service", "network_policy", "secret")  # removal order


class LabNotReady(RuntimeError):
    """A learner's targets could not be made or did not become ready."""


def compose_file() -> Path:
    """docker-compose.yml: $ASYNCLAB_COMPOSE_FILE, the hub image's copy beside this file, or
    the repository's."""
    if (named := settings.COMPOSE_FILE.get()) is not None:
        return Path(named)
    beside = HERE / "docker-compose.yml"
    return beside if beside.exists() else HERE.parents[1] / "docker-compose.yml"


def pod_state(pod) -> str:
    """ready, or why not: a container's waiting reason, or the pod's phase."""
    conditions = {c.type: c.status for c in (pod.status.conditions or [])} if pod.status else {}
    if conditions.get("Ready") == "True":
        return "ready"
    for status in (pod.status.container_statuses or []) if pod.status else []:
        if status.state and status.state.waiting and status.state.waiting.reason:
            return status.state.waiting.reason
    return (pod.status.phase if pod.status else None) or "Pending"


class LabKubeSpawner(KubeSpawner):
    """A lab server per person, as their own Unix user, with five SSH target pods of their own."""

    image_registry = Unicode(
        "",
        config=True,
        help="Registry of the lab's images (e.g. registry.example.org): the server runs its asynclab/lab and "
        "the targets its asynclab/target, of the lab's version, as on Docker. Empty: the images as named.",
    )
    target_mem_limit = Unicode("", config=True, help="Memory limit of each target; empty: docker-compose.yml's.")
    target_pids_limit = Int(0, config=True, help="Process limit of each target; 0: docker-compose.yml's.")
    target_memory_request = Unicode("", config=True, help="Memory each target asks the scheduler for; empty: limit.")
    target_runtime_class = Unicode("", config=True, help="RuntimeClass of the targets and stand-in; empty: none.")
    targets_timeout = Float(240, config=True, help="Seconds a learner's targets may take to become ready.")
    lab_prefix = Unicode("labhub", config=True, help="First part of every lab object's name.")
    exchange_claim = Unicode("labhub-exchange", config=True, help="ReadWriteMany claim of nbgrader's exchange.")
    cluster_domain = Unicode("cluster.local", config=True, help="The cluster's DNS domain.")

    poll_seconds = 2.0  # between two looks at the targets' readiness
    _networking = None
    _releases = None  # (address, names) of the learner's stand-in, for their server pod

    @property
    def networking(self):
        """NetworkingV1Api, through KubeSpawner's shared clients (the same configuration)."""
        if self._networking is None:
            self._networking = shared_client("NetworkingV1Api")
        return self._networking

    @property
    def person(self) -> Person:
        return Person(self.user.name, self.user.id, bool(self.user.admin))

    def class_list(self) -> list[Person]:
        """Every person of the hub, for the class's passwd and group files."""
        return [Person(u.name, u.id, bool(u.admin)) for u in self.user.db.query(orm.User).order_by(orm.User.id)]

    def lab_image(self, name: str) -> str:
        """<image_registry>/asynclab/<name>:<the lab's version> (asynclab.settings)."""
        return (
            f"{self.image_registry.rstrip('/')}/{settings.image(name)}" if self.image_registry else settings.image(name)
        )

    def lab(self) -> spec.LearnerLab:
        learner = safe_slug(self.user.name, is_valid=is_valid_label)  # KubeSpawner's username label
        env = {k: v for k, v in os.environ.items() if k.startswith("LAB_")}
        # compose's LAB_VERSION names the images only, which the spawner gives itself.
        env.setdefault("LAB_VERSION", settings.package_version())
        env.update({"LAB_TARGET_MEM_LIMIT": self.target_mem_limit} if self.target_mem_limit else {})
        env.update({"LAB_TARGET_PIDS_LIMIT": str(self.target_pids_limit)} if self.target_pids_limit else {})
        return spec.LearnerLab(
            learner=learner,
            namespace=self.namespace,
            server_labels={"component": self.component_label, "hub.jupyter.org/username": learner},
            prefix=self.lab_prefix,
            target_image=self.lab_image("target"),
            lab_image=self.lab_image("lab"),
            compose_env=env,
            memory_request=self.target_memory_request,
            runtime_class=self.target_runtime_class,
            cluster_domain=self.cluster_domain,
        )

    # ---- start and stop ----------------------------------------------------------------------
    async def start(self):
        check_name(self.user.name)
        self.image = self.lab_image("lab")
        person = self.person
        self.uid, self.gid, self.fs_gid, self.supplemental_gids = person.uid, person.gid, person.gid, person.groups
        # The hub's database is read here, on the hub's own thread.
        self._prepare = prepare_script(person, self.class_list())
        lab = self.lab()
        self.log.info("Preparing %s (uid %d) and their private lab (%s)", self.user.name, person.uid, lab.base)
        try:
            await self.make_lab(lab)
            return await super().start()
        except Exception:
            await self.remove_lab(lab)
            raise

    async def stop(self, now=False):
        try:
            await super().stop(now=now)
        finally:
            self.log.info("Removing the private lab of %s", self.user.name)
            await self.remove_lab(self.lab())

    async def make_lab(self, lab: spec.LearnerLab) -> None:
        """Everything from scratch (what an earlier start left is removed first), then ready."""
        await self.remove_lab(lab)
        compose = services(compose_file(), lab.compose_env)
        names = spec.aliases(compose[spec.RELEASES])
        files = await asyncio.to_thread(learner_keys, names)
        for made in spec.services_first(lab, files):
            created = await self._create(made)
            if made["kind"] == "Service" and made["metadata"]["labels"][spec.PART_LABEL] == spec.RELEASES:
                self._releases = (created.spec.cluster_ip, names)
        for made in spec.pods(lab, compose, self._releases[0]):
            await self._create(made)
        await self.wait_ready(lab)

    async def _create(self, made: dict):
        kind = {"NetworkPolicy": "network_policy"}.get(made["kind"], made["kind"].lower())
        api = self.networking if kind == "network_policy" else self.api
        return await getattr(api, f"create_namespaced_{kind}")(self.namespace, made)

    async def wait_ready(self, lab: spec.LearnerLab) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.targets_timeout
        parts = (spec.RELEASES, *spec.TARGETS)
        while True:
            found = await self.api.list_namespaced_pod(self.namespace, label_selector=lab.selector)
            states = {part: "missing" for part in parts}
            states.update({p.metadata.labels.get(spec.PART_LABEL): pod_state(p) for p in found.items})
            said = "; ".join(f"{part}: {states[part]}" for part in parts if states[part] != "ready")
            if not said:
                return
            broken = set(states.values()) & (BROKEN | {"missing", "Failed"})
            if broken or loop.time() > deadline:
                why = "cannot start" if broken else f"did not become ready in {self.targets_timeout:.0f} s"
                raise LabNotReady(f"the lab's hosts {why} ({said}); ask the admin (deploy/kubernetes/README.md)")
            await asyncio.sleep(self.poll_seconds)

    async def remove_lab(self, lab: spec.LearnerLab) -> None:
        """Every object of the learner's lab on this hub, found by its labels (never the home)."""
        for kind in KINDS:
            api = self.networking if kind == "network_policy" else self.api
            found = await getattr(api, f"list_namespaced_{kind}")(self.namespace, label_selector=lab.selector)
            for item in found.items:
                extra = {"grace_period_seconds": 0} if kind == "pod" else {}
                try:
                    await getattr(api, f"delete_namespaced_{kind}")(item.metadata.name, self.namespace, **extra)
                except ApiException as e:
                    if e.status != 404:
                        raise

    # ---- the server pod ----------------------------------------------------------------------
    def get_env(self):
        env = super().get_env()
        env["LAB_ROLE"] = "instructor" if self.user.admin else "learner"
        env["ASYNCLAB_HUB"] = "1"  # nbgrader's exchange as the hub shares it (grader/nbgrader_config.py)
        env["NBGRADER_EXCHANGE"] = EXCHANGE
        env.update(self.person.environment())
        return env

    async def get_pod_manifest(self):
        pod = await super().get_pod_manifest()
        lab, server = self.lab(), pod.spec.containers[0]
        address, names = self._releases
        found = spec.server_additions(lab, address, names)
        dns = pod.spec.dns_config or V1PodDNSConfig()
        dns.searches = [*(dns.searches or []), *found["dnsConfig"]["searches"]]
        pod.spec.dns_config = dns
        aliases = [get_k8s_model(V1HostAlias, alias) for alias in found["hostAliases"]]
        pod.spec.host_aliases = [*(pod.spec.host_aliases or []), *aliases]
        items = [{"key": key, "path": key, "mode": mode} for key, mode in spec.SERVER_ITEMS.items()]
        volumes = [
            {"name": "lab-keys", "secret": {"secretName": lab.name("keys"), "items": items}},
            {"name": "lab-people", "emptyDir": {}},
            {"name": "lab-exchange", "persistentVolumeClaim": {"claimName": self.exchange_claim}},
        ]
        mounts = [
            {"name": "lab-keys", "mountPath": "/etc/lab-keys", "readOnly": True},
            {"name": "lab-people", "mountPath": PEOPLE_DIR, "readOnly": True},
            {"name": "lab-exchange", "mountPath": EXCHANGE},
        ]
        if not self.user.admin:
            volumes.append({"name": "course-sources", "emptyDir": {"medium": "Memory", "sizeLimit": "64Ki"}})
            mounts.append({"name": "course-sources", "mountPath": COURSE_SOURCES, "readOnly": True})
        pod.spec.volumes = [*(pod.spec.volumes or []), *(get_k8s_model(V1Volume, v) for v in volumes)]
        server.volume_mounts = [*(server.volume_mounts or []), *(get_k8s_model(V1VolumeMount, m) for m in mounts)]
        # KubeSpawner writes the security context in the API's own form (camelCase).
        server.security_context = {**(server.security_context or {}), "privileged": False}
        server.security_context["capabilities"] = {"drop": ["ALL"]}
        home = [m.name for m in server.volume_mounts if m.mount_path == HOME]
        pod.spec.init_containers = [
            self.prepare_container(home[0] if home else None),
            *(pod.spec.init_containers or []),
        ]
        return pod

    def prepare_container(self, home_volume: str | None) -> V1Container:
        """The class's passwd and group, the exchange's root and the person's home, as root with
        only the capabilities to give files away (chown, chmod and ACLs of others' files)."""
        mounts = [{"name": "lab-people", "mountPath": "/people"}, {"name": "lab-exchange", "mountPath": "/exchange"}]
        mounts += [{"name": home_volume, "mountPath": HOME}] if home_volume else []
        return get_k8s_model(
            V1Container,
            {
                "name": "prepare",
                "image": self.image,
                "command": ["bash", "-c", self._prepare],
                "securityContext": {
                    "runAsUser": 0,
                    "runAsGroup": 0,
                    "runAsNonRoot": False,
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"], "add": ["CHOWN", "DAC_OVERRIDE", "FOWNER"]},
                },
                "volumeMounts": mounts,
            },
        )
