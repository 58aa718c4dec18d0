"""deploy/kubernetes/lab_kubespawner.py: does the hub on Kubernetes make a learner's lab
before their server and remove it after, as LabSpawner does on Docker?

No cluster runs here. FakeKubernetes below is a STAND-IN for the Kubernetes API, not a
recording of a real API server: it answers the calls KubeSpawner's client makes
(kubernetes_asyncio's CoreV1Api and NetworkingV1Api method names and models) as the API
documents them (409 for a name already taken, 404 for one that is gone, an address for a
Service that is not headless, selection by labels, pods that become Ready), and it writes
down every call. tests/fixtures/kubernetes/start-stop.json is the transcript of one start and
one stop against it, read and kept: a change in what the spawner asks of the API shows there.

The spawner is the real LabKubeSpawner on the real KubeSpawner 7.1.0, whose own start and
stop (its reflectors, events and home claim) are replaced by a stand-in that makes and
removes the server pod, from KubeSpawner's real get_pod_manifest, through the same fake.
"""

import asyncio
import copy
import json
import sys
from types import SimpleNamespace

import kubernetes_validate
import kubespawner.spawner
import pytest
from cryptography import x509
from kubernetes_asyncio.client import ApiClient, Configuration
from kubernetes_asyncio.client.rest import ApiException
from kubespawner import KubeSpawner

from asynclab import settings
from asynclab.stack import kubernetes_spec as ks
from tests.helpers.paths import ROOT

TRANSCRIPT = ROOT / "tests" / "fixtures" / "kubernetes" / "start-stop.json"
MODELS = {"pod": "V1Pod", "service": "V1Service", "secret": "V1Secret", "network_policy": "V1NetworkPolicy"}
API_VERSIONS = {"pod": "v1", "service": "v1", "secret": "v1", "network_policy": "networking.k8s.io/v1"}
VERSIONS = ("1.33", "1.37")


class Codec(ApiClient):
    """kubernetes_asyncio's own translation between models and the API's JSON, with no
    connection to make."""

    def __init__(self):
        self.configuration = Configuration.get_default_copy()

    def __del__(self):
        pass


class FakeKubernetes:
    """A stand-in for the Kubernetes API of one namespace (see the module's docstring)."""

    def __init__(self, broken: dict[str, str] | None = None, ready=True):
        self.objects: dict[tuple[str, str], dict] = {}
        self.calls: list[list[str]] = []
        self.broken = broken or {}  # part -> a container's waiting reason
        self.ready = ready
        self.addresses = iter(f"10.96.0.{n}" for n in range(10, 250))
        self.client = Codec()

    def model(self, kind: str, body: dict):
        """The object as the client returns it: a kubernetes_asyncio model."""
        data = SimpleNamespace(data=json.dumps(body))
        return self.client.deserialize(data, MODELS[kind])

    def __getattr__(self, method: str):
        verb, _, kind = method.partition("_namespaced_")
        if kind not in MODELS:
            raise AttributeError(method)
        return getattr(self, f"_{verb}").__get__(self)(kind)

    def _create(self, kind):
        async def create(namespace, body):
            body = copy.deepcopy(body if isinstance(body, dict) else self.client.sanitize_for_serialization(body))
            name = body["metadata"]["name"]
            self.calls.append(["create", kind, name])
            if (kind, name) in self.objects:
                raise ApiException(status=409, reason="AlreadyExists")
            body["metadata"]["namespace"] = namespace
            if kind == "service" and body["spec"].get("clusterIP") != "None":
                body["spec"]["clusterIP"] = next(self.addresses)
            if kind == "pod":
                body["status"] = self.status(body)
            self.objects[(kind, name)] = body
            return self.model(kind, body)

        return create

    def status(self, body: dict) -> dict:
        part = body["metadata"]["labels"].get(ks.PART_LABEL)
        if part in self.broken:
            waiting = {"waiting": {"reason": self.broken[part]}}
            return {"phase": "Running", "containerStatuses": [self.container(body, waiting)]}
        ready = "True" if self.ready else "False"
        running = {"running": {}} if self.ready else {"waiting": {"reason": "ContainerCreating"}}
        conditions = [{"type": "Ready", "status": ready}]
        return {"phase": "Running", "conditions": conditions, "containerStatuses": [self.container(body, running)]}

    @staticmethod
    def container(body, state):
        name = body["spec"]["containers"][0]["name"]
        image = body["spec"]["containers"][0]["image"]
        return {"name": name, "image": image, "imageID": "", "ready": False, "restartCount": 0, "state": state}

    def _list(self, kind):
        async def list_(namespace, label_selector=""):
            self.calls.append(["list", kind, label_selector])
            wanted = dict(pair.split("=", 1) for pair in label_selector.split(",") if pair)
            items = [
                self.model(kind, body)
                for (k, _), body in sorted(self.objects.items())
                if k == kind and wanted.items() <= body["metadata"].get("labels", {}).items()
            ]
            return SimpleNamespace(items=items)

        return list_

    def _delete(self, kind):
        async def delete(name, namespace, **options):
            self.calls.append(["delete", kind, name])
            if self.objects.pop((kind, name), None) is None:
                raise ApiException(status=404, reason="NotFound")

        return delete

    def names(self, kind: str) -> list[str]:
        return sorted(name for k, name in self.objects if k == kind)


class Person(SimpleNamespace):
    pass


class Database:
    """The hub's database as class_list() reads it: every user, by id."""

    def __init__(self, users):
        self.users = users

    def query(self, _table):
        return SimpleNamespace(order_by=lambda _column: list(self.users))


@pytest.fixture
def spawner_class(monkeypatch):
    """LabKubeSpawner, whose KubeSpawner talks to no cluster: its client is the fake's."""
    for folder in ("deploy/jupyterhub", "deploy/kubernetes"):
        monkeypatch.syspath_prepend(str(ROOT / folder))
    monkeypatch.delitem(sys.modules, "lab_kubespawner", raising=False)
    monkeypatch.setattr(kubespawner.spawner, "load_config", lambda **_: None)
    monkeypatch.setattr(kubespawner.spawner, "shared_client", lambda _kind: None)
    import lab_kubespawner

    async def server_start(self):
        """Stand-in for KubeSpawner's start: the server pod, from its real get_pod_manifest."""
        pod = await self.get_pod_manifest()
        await self.api.create_namespaced_pod(self.namespace, pod)
        return ("10.0.0.5", 8888)

    async def server_stop(self, now=False):
        await self.api.delete_namespaced_pod(self.pod_name, self.namespace)

    monkeypatch.setattr(KubeSpawner, "start", server_start)
    monkeypatch.setattr(KubeSpawner, "stop", server_stop)
    return lab_kubespawner


def make_spawner(module, fake, name="ann", hub_id=3, admin=False, **settings):
    users = [Person(name="teacher", id=1, admin=True), Person(name="ann", id=3, admin=False)]
    user = Person(name=name, id=hub_id, admin=admin, url=f"/user/{name}/", db=Database(users), spawners={})
    spawner = module.LabKubeSpawner(_mock=True, user=user, namespace="labhub")
    spawner.api = spawner._networking = fake  # CoreV1Api and NetworkingV1Api
    spawner.volumes = {"home": {"name": "home", "persistentVolumeClaim": {"claimName": f"claim-{name}"}}}
    spawner.volume_mounts = {"home": {"name": "home", "mountPath": "/home/jovyan"}}
    spawner.poll_seconds = 0.01
    for key, value in settings.items():
        setattr(spawner, key, value)
    return spawner


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_start_makes_the_lab_before_the_server_and_a_stop_removes_it_after(spawner_class):
    async def scenario():
        fake = FakeKubernetes()
        spawner = make_spawner(spawner_class, fake)
        assert await spawner.start() == ("10.0.0.5", 8888)
        made = copy.deepcopy(fake.objects)
        await spawner.stop()
        return fake, made

    fake, made = run(scenario())
    assert fake.calls == json.loads(TRANSCRIPT.read_text())
    created = [call for call in fake.calls if call[0] == "create"]
    assert created[-1] == ["create", "pod", "jupyter-ann"]  # the server, once its lab is ready
    assert fake.objects == {}  # everything of ann's lab, and her server, gone
    assert sorted(name for kind, name in made if kind == "pod") == sorted(
        ["jupyter-ann", *(f"labhub-ann-{part}" for part in ("releases", *ks.TARGETS))]
    )
    for (kind, name), body in made.items():
        body = {k: v for k, v in body.items() if k != "status"}
        body.setdefault("apiVersion", API_VERSIONS[kind])
        body.setdefault("kind", MODELS[kind][2:])
        for version in VERSIONS:
            assert kubernetes_validate.validate(body, version, strict=True) == version, name


def test_a_lab_that_cannot_start_is_removed_and_no_server_is_made(spawner_class):
    async def scenario(fake, **settings):
        spawner = make_spawner(spawner_class, fake, **settings)
        with pytest.raises(spawner_class.LabNotReady) as raised:
            await spawner.start()
        return str(raised.value)

    crashing = FakeKubernetes(broken={"web3": "CrashLoopBackOff"})
    said = run(scenario(crashing))
    assert "cannot start" in said and "web3: CrashLoopBackOff" in said and "web1" not in said
    assert crashing.objects == {}
    assert ["create", "pod", "jupyter-ann"] not in crashing.calls

    slow = FakeKubernetes(ready=False)
    said = run(scenario(slow, targets_timeout=0.05))
    assert "did not become ready in 0 s" in said and "db1: ContainerCreating" in said
    assert slow.objects == {} and ["create", "pod", "jupyter-ann"] not in slow.calls


def test_a_start_removes_what_an_earlier_one_left_and_never_touches_another_learner(spawner_class):
    async def scenario():
        fake = FakeKubernetes()
        bob = make_spawner(spawner_class, fake, name="bob", hub_id=4)
        await bob.start()
        bobs = {key for key in fake.objects}
        ann = make_spawner(spawner_class, fake)
        await ann.make_lab(ann.lab())  # a lab left behind by a hub that went away
        left = fake.objects[("pod", "labhub-ann-web1")]
        await ann.start()
        assert fake.objects[("pod", "labhub-ann-web1")] is not left
        await ann.stop()
        return fake, bobs

    fake, bobs = run(scenario())
    assert set(fake.objects) == bobs
    assert all(name.startswith(("labhub-bob", "jupyter-bob")) for _, name in fake.objects)


def test_each_start_makes_new_keys_and_a_certificate_for_the_stand_ins_names(spawner_class):
    async def start_and_stop(fake):
        spawner = make_spawner(spawner_class, fake)
        await spawner.start()
        keys = dict(fake.objects[("secret", "labhub-ann-keys")]["stringData"])
        await spawner.stop()
        return keys

    first, second = run(start_and_stop(FakeKubernetes())), run(start_and_stop(FakeKubernetes()))
    assert first["id_ed25519"] != second["id_ed25519"]
    assert first["authorized_keys"] == first["id_ed25519.pub"] and first["id_ed25519.pub"].startswith("ssh-ed25519 ")
    certificate = x509.load_pem_x509_certificate(first["releases.crt"].encode())
    authority = x509.load_pem_x509_certificate(first["ca.crt"].encode())
    certificate.verify_directly_issued_by(authority)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["releases", "releases.example.com"]


def test_the_server_runs_as_its_person_with_only_its_key_and_finds_its_hosts(spawner_class):
    async def server_pod(admin):
        fake = FakeKubernetes()
        name = "teacher" if admin else "ann"
        spawner = make_spawner(spawner_class, fake, name=name, hub_id=1 if admin else 3, image_registry="registry.test")
        spawner.user.admin = admin
        await spawner.start()
        targets = {
            fake.objects[("pod", f"labhub-{name}-{host}")]["spec"]["containers"][0]["image"] for host in ks.TARGETS
        }
        assert targets == {f"registry.test/{settings.image('target')}"}
        return fake.objects[("pod", spawner.pod_name)], fake.objects[("service", f"{spawner.lab().base}-releases")]

    pod, releases = run(server_pod(admin=False))
    spec, server = pod["spec"], pod["spec"]["containers"][0]
    assert server["image"] == spec["initContainers"][0]["image"] == f"registry.test/{settings.image('lab')}"
    assert server["securityContext"]["runAsUser"] == 20003 and spec["securityContext"]["fsGroup"] == 20003
    assert server["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert server["securityContext"]["allowPrivilegeEscalation"] is False
    keys = next(v for v in spec["volumes"] if v["name"] == "lab-keys")["secret"]["items"]
    assert {item["key"] for item in keys} == {"id_ed25519", "id_ed25519.pub", "ca.crt"}
    mounts = {m["mountPath"]: m.get("readOnly", False) for m in server["volumeMounts"]}
    assert mounts["/etc/lab-keys"] and mounts["/etc/labhub"] and mounts["/opt/lab/course/grader/source"]
    assert spec["dnsConfig"]["searches"] == ["labhub-ann.labhub.svc.cluster.local"]
    assert spec["hostAliases"] == [
        {"ip": releases["spec"]["clusterIP"], "hostnames": ["releases", "releases.example.com"]}
    ]
    [prepare] = spec["initContainers"]
    assert "ann:x:20003:20003" in prepare["command"][-1] and "teacher:x:20001" in prepare["command"][-1]
    assert {m["mountPath"] for m in prepare["volumeMounts"]} == {"/people", "/exchange", "/home/jovyan"}
    env = {e["name"]: e["value"] for e in server["env"]}
    assert (env["LAB_ROLE"], env["USER"], env["NBGRADER_EXCHANGE"]) == ("learner", "ann", "/srv/nbgrader/exchange")

    pod, _ = run(server_pod(admin=True))
    server = pod["spec"]["containers"][0]
    assert pod["spec"]["securityContext"]["supplementalGroups"] == [19000]
    assert "/opt/lab/course/grader/source" not in {m["mountPath"] for m in server["volumeMounts"]}
    assert {e["name"]: e["value"] for e in server["env"]}["LAB_ROLE"] == "instructor"


def test_a_name_that_cannot_be_a_unix_user_makes_nothing(spawner_class):
    fake = FakeKubernetes()

    async def scenario():
        spawner = make_spawner(spawner_class, fake, name="Ann.B")
        with pytest.raises(ValueError, match="Unix user name"):
            await spawner.start()

    run(scenario())
    assert fake.calls == []
