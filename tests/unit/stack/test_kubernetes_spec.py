"""One learner's lab as Kubernetes objects (asynclab.stack.kubernetes_spec), and the hub's
values for Zero to JupyterHub: does the API of the oldest and the newest Kubernetes that
deploy/kubernetes/README.md supports accept every object, does the hub accept its config
(and the chart's values schema the values, where the chart is at hand), and do the targets
take their settings from docker-compose.yml, as the hub on Docker does? No cluster is
needed: kubernetes-validate carries the API's schemas."""

import copy
import json
import re
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import all_versions
from traitlets import TraitError

from asynclab import settings
from asynclab.stack import kubernetes_spec as ks
from asynclab.stack.compose_spec import ComposeSpecError, memory_bytes, sdk_settings, services
from tests.helpers.paths import ROOT

COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "kubernetes"
VERSIONS = ("1.33", "1.37")  # the README's oldest, and the newest that kubernetes-validate 1.37.0 has
SERVER = {"component": "singleuser-server", "hub.jupyter.org/username": "ann"}
FILES = {name: f"<{name}>\n" for name in set(ks.SERVER_ITEMS).union(*ks.SECRET_ITEMS.values())}
RELEASES_IP = "10.96.0.42"
# Docker's default capabilities: what the compose stack's targets have.
DOCKER_DEFAULT = set(
    "AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL MKNOD NET_BIND_SERVICE NET_RAW SETFCAP SETGID SETPCAP "
    "SETUID SYS_CHROOT".split()
)


def make_lab(learner="ann", **settings) -> ks.LearnerLab:
    server = {**SERVER, "hub.jupyter.org/username": learner}
    return ks.LearnerLab(learner=learner, namespace="labhub", server_labels=server, **settings)


def lab_objects(lab: ks.LearnerLab) -> list[dict]:
    return ks.services_first(lab, FILES) + ks.pods(lab, ks.compose_services(COMPOSE, lab), RELEASES_IP)


def by_name(objects: list[dict]) -> dict[str, dict]:
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in objects}


OBJECTS = by_name(lab_objects(make_lab()))
PODS = {o["metadata"]["labels"][ks.PART_LABEL]: o for o in OBJECTS.values() if o["kind"] == "Pod"}
CLUSTER_OBJECTS = list(yaml.safe_load_all((K8S / "cluster-objects.yaml").read_text()))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_every_object_of_a_lab_is_one_the_kubernetes_api_accepts(name, version):
    assert kubernetes_validate.validate(OBJECTS[name], version, strict=True) == version


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("made", CLUSTER_OBJECTS, ids=lambda o: f"{o['kind']}/{o['metadata']['name']}")
def test_the_objects_the_admin_applies_once_are_ones_the_api_accepts(made, version):
    assert kubernetes_validate.validate(made, version, strict=True) == version


@pytest.mark.parametrize(
    "spoil",
    [
        lambda pod: pod["spec"].update(hostUser=False),  # a misspelt field
        lambda pod: pod["spec"].update(hostUsers="no"),  # a field of the wrong type
        lambda pod: pod["spec"]["containers"][0].pop("name"),  # a field the API requires
    ],
    ids=["misspelt", "wrong-type", "missing"],
)
def test_the_schema_check_refuses_a_pod_the_api_would_refuse(spoil):
    pod = copy.deepcopy(PODS["web1"])
    spoil(pod)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pod, VERSIONS[0], strict=True)


def test_the_validator_has_the_versions_the_readme_names():
    assert f"{VERSIONS[0]}.0" in all_versions() and all_versions()[-1] == f"{VERSIONS[-1]}.0"
    readme = (K8S / "README.md").read_text()
    assert all(version in readme for version in VERSIONS)


def test_a_target_takes_its_settings_from_docker_compose_yml():
    lab = make_lab(compose_env={"LAB_TARGET_MEM_LIMIT": "256m", "LAB_TARGET_PIDS_LIMIT": "100"})
    compose = services(COMPOSE, lab.compose_env)
    for host in ks.TARGETS:
        docker = sdk_settings(compose[host], host)  # what the hub on Docker gives the same target
        pod = ks.pod(lab, host, compose[host], RELEASES_IP, ["releases"])
        container = pod["spec"]["containers"][0]
        assert memory_bytes(container["resources"]["limits"]["memory"].removesuffix("i").lower()) == 256 * 2**20
        assert docker["mem_limit"] == 256 * 2**20
        assert pod["metadata"]["annotations"]["asynclab.org/pids-limit"] == str(docker["pids_limit"]) == "100"
        assert container["lifecycle"]["stopSignal"] == docker["stop_signal"]
        assert pod["spec"]["hostname"] == docker["hostname"] == host
        assert pod["spec"]["restartPolicy"] == "Always" and docker["restart_policy"] == {"Name": "unless-stopped"}
        memory_dirs = {m["mountPath"] for m in container["volumeMounts"] if m["name"].startswith("memory-")}
        assert set(docker["tmpfs"]) <= memory_dirs == {"/run", "/run/lock", "/tmp"}
        assert {e["name"] for e in container["env"]} == set(compose[host]["environment"])
        assert container["image"] == lab.target_image


def test_a_compose_setting_that_kubernetes_would_drop_is_an_error(tmp_path):
    document = yaml.safe_load(COMPOSE.read_text())
    document["services"]["web1"]["cap_add"] = ["SYS_ADMIN"]
    (tmp_path / "docker-compose.yml").write_text(yaml.safe_dump(document))
    lab = make_lab()
    compose = ks.compose_services(tmp_path / "docker-compose.yml", lab)
    with pytest.raises(ComposeSpecError, match="cap_add"):
        ks.pods(lab, compose, RELEASES_IP)
    compose = ks.compose_services(COMPOSE, lab)
    compose["web2"]["volumes"] = ["work:/home/jovyan/work"]
    with pytest.raises(ComposeSpecError, match="'work'"):
        ks.pods(lab, compose, RELEASES_IP)


def test_the_stand_in_runs_its_compose_entrypoint_and_health_check():
    releases = services(COMPOSE, {})["releases"]
    container = PODS["releases"]["spec"]["containers"][0]
    assert container["command"] == releases["entrypoint"]
    assert container["image"] == make_lab().lab_image
    assert container["readinessProbe"] == {
        "exec": {"command": releases["healthcheck"]["test"][1:]},
        "periodSeconds": 5,
        "timeoutSeconds": 10,
        "failureThreshold": 12,
    }
    assert container["resources"]["limits"]["memory"] == "128Mi"
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert {m["mountPath"]: m["readOnly"] for m in container["volumeMounts"]} == {"/keys": True}


def test_targets_boot_systemd_in_a_user_namespace_with_no_privilege():
    for part, pod in PODS.items():
        spec, container = pod["spec"], pod["spec"]["containers"][0]
        security = container["securityContext"]
        assert spec["hostUsers"] is False and spec["automountServiceAccountToken"] is False, part
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert security["privileged"] is False and security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert set(security["capabilities"].get("add", [])) <= DOCKER_DEFAULT - {"MKNOD", "NET_RAW", "SETFCAP"}
        if part in ks.TARGETS:
            assert container["command"] == ["/sbin/init"]
            memory = {v["name"] for v in spec["volumes"] if v.get("emptyDir") == {"medium": "Memory"}}
            assert {m["mountPath"] for m in container["volumeMounts"] if m["name"] in memory} >= {"/run", "/tmp"}


def test_a_target_is_ready_when_the_images_own_health_check_passes():
    dockerfile = (ROOT / "images" / "target" / "Dockerfile").read_text()
    line = re.search(r"^HEALTHCHECK (.*) CMD (\[.*\])$", dockerfile, re.M)
    options = dict(re.findall(r"--([a-z-]+)=(\S+)", line.group(1)))
    assert ks.TARGET_HEALTH["test"] == ["CMD", *json.loads(line.group(2))]
    assert {k.replace("-", "_"): v for k, v in options.items() if k != "retries"} == {
        k: v for k, v in ks.TARGET_HEALTH.items() if k not in ("test", "retries")
    }
    assert int(options["retries"]) == ks.TARGET_HEALTH["retries"]
    probe = PODS["db1"]["spec"]["containers"][0]["readinessProbe"]
    assert probe["exec"]["command"] == json.loads(line.group(2)) and probe["failureThreshold"] == 12


def test_the_hosts_resolve_by_their_compose_names():
    lab = make_lab()
    hosts = OBJECTS[f"Service/{lab.base}"]
    assert hosts["spec"]["clusterIP"] == "None"
    for part, pod in PODS.items():
        labels = pod["metadata"]["labels"]
        assert hosts["spec"]["selector"].items() <= labels.items()
        assert pod["spec"]["subdomain"] == hosts["metadata"]["name"]
        assert pod["spec"]["dnsConfig"]["searches"] == [f"{lab.base}.labhub.svc.cluster.local"]
        assert pod["spec"]["hostname"] == part
    releases = OBJECTS[f"Service/{lab.name('releases')}"]["spec"]
    assert [p for p in PODS.values() if releases["selector"].items() <= p["metadata"]["labels"].items()] == [
        PODS["releases"]
    ]
    aliases = services(COMPOSE, {})["releases"]["networks"]["targets"]["aliases"]
    for host in ks.TARGETS:
        assert PODS[host]["spec"]["hostAliases"] == [{"ip": RELEASES_IP, "hostnames": ["releases", *aliases]}]
    server = ks.server_additions(lab, RELEASES_IP, ["releases", *aliases])
    assert server["dnsConfig"] == PODS["web1"]["spec"]["dnsConfig"]
    assert server["hostAliases"] == PODS["web1"]["spec"]["hostAliases"]


def admits(policy: dict, source: dict[str, str], target: dict[str, str], port: int) -> bool:
    """NetworkPolicy's ingress rules, for pods of one namespace, read as the API defines them."""
    if not policy["spec"]["podSelector"]["matchLabels"].items() <= target.items():
        return True  # not selected: the policy says nothing of this pod
    for rule in policy["spec"]["ingress"]:
        sources = [peer["podSelector"]["matchLabels"] for peer in rule["from"]]
        ports = [p["port"] for p in rule.get("ports", [])]
        if any(s.items() <= source.items() for s in sources) and (not ports or port in ports):
            return True
    return False


def test_only_the_learners_own_server_and_pods_get_in():
    lab = make_lab()
    policy = OBJECTS[f"NetworkPolicy/{lab.name('ingress')}"]
    ann_server = {**SERVER, "app.kubernetes.io/component": "singleuser-server"}
    bob_server = {**ann_server, "hub.jupyter.org/username": "bob"}
    bob_web1 = by_name(lab_objects(make_lab("bob")))["Pod/labhub-bob-web1"]["metadata"]["labels"]
    for pod in PODS.values():
        labels = pod["metadata"]["labels"]
        assert admits(policy, ann_server, labels, 22) and admits(policy, ann_server, labels, 443)
        assert not admits(policy, ann_server, labels, 5432)
        assert not admits(policy, bob_server, labels, 22) and not admits(policy, bob_web1, labels, 22)
        assert admits(policy, PODS["app1"]["metadata"]["labels"], labels, 5432)  # app1 to db1, as in compose
    assert policy["spec"]["policyTypes"] == ["Ingress"]


def test_every_object_carries_the_learner_and_hub_labels_for_removal():
    lab = make_lab()
    for name, made in OBJECTS.items():
        assert lab.mine.items() <= made["metadata"]["labels"].items(), name
        assert made["metadata"]["name"].startswith(lab.base) and made["metadata"]["namespace"] == "labhub"
    assert lab.selector == "org.asynclab.hub.learner=ann,org.asynclab.hub.prefix=labhub"
    assert not any(o["metadata"]["labels"][ks.LEARNER_LABEL] == "ann" for o in lab_objects(make_lab("bob")))


def test_each_pod_mounts_only_its_part_of_the_keys():
    secret = OBJECTS["Secret/labhub-ann-keys"]
    assert secret["stringData"] == FILES
    for part, pod in PODS.items():
        items = {i["key"] for v in pod["spec"]["volumes"] if "secret" in v for i in v["secret"]["items"]}
        want = {"releases.crt", "releases.key", "ca.crt"} if part == "releases" else {"authorized_keys", "ca.crt"}
        assert items == want, part
    with pytest.raises(ValueError, match="id_ed25519"):
        ks.keys_secret(make_lab(), {k: v for k, v in FILES.items() if k != "id_ed25519"})


def test_a_learner_name_too_long_for_dns_is_refused():
    make_lab("a" * 47)  # labhub-<47>-releases: 63 characters
    with pytest.raises(ValueError, match="DNS label"):
        make_lab("a" * 48)


def merged(defaults, values):
    """Helm's merge of the chart's values and the given ones: maps merged, anything else replaced."""
    if isinstance(defaults, dict) and isinstance(values, dict):
        return {k: merged(defaults[k], v) if k in defaults else v for k, v in values.items()} | {
            k: v for k, v in defaults.items() if k not in values
        }
    return values


VALUES = yaml.safe_load((K8S / "values.yaml").read_text())


def hub_classes() -> dict:
    """The classes that hub.config configures, as the hub image has them (PyPI's releases)."""
    import sys

    sys.path[:0] = [str(K8S), str(ROOT / "deploy" / "jupyterhub")]
    try:
        from jupyterhub.app import JupyterHub
        from jupyterhub.auth import Authenticator
        from nativeauthenticator import NativeAuthenticator

        from lab_authenticator import LabAuthenticator
        from lab_kubespawner import LabKubeSpawner
    finally:
        del sys.path[:2]
    return {c.__name__: c for c in (JupyterHub, Authenticator, NativeAuthenticator, LabAuthenticator, LabKubeSpawner)}


def config_errors(values: dict) -> list[str]:
    """What the hub would refuse in hub.config: a class it does not have, a setting the class
    does not have, a value of the wrong kind (each class's own traitlets decide)."""
    classes, errors = hub_classes(), []
    for section, configured in values["hub"]["config"].items():
        if section not in classes:
            errors.append(f"hub.config.{section}: the hub has no such class")
            continue
        traits = classes[section].class_traits(config=True)
        for name, value in configured.items():
            if name not in traits:
                errors.append(f"hub.config.{section}.{name}: {section} has no such setting")
                continue
            try:
                traits[name].validate(None, value)
            except TraitError as error:
                errors.append(f"hub.config.{section}.{name}: {error}")
    return errors


def test_the_hub_config_names_settings_the_hub_has_with_values_of_their_kind():
    assert config_errors(VALUES) == []


@pytest.mark.parametrize(
    "spoil, said",
    [
        (lambda c: c["LabKubeSpawner"].update(target_timeout=240), "LabKubeSpawner.target_timeout"),
        (lambda c: c["LabKubeSpawner"].update(targets_timeout="four minutes"), "expected a float"),
        (lambda c: c.update(LabSpawner={"image": "x"}), "hub.config.LabSpawner: the hub has no such class"),
    ],
)
def test_the_hub_config_check_refuses_a_misspelt_or_mistyped_setting(spoil, said):
    spoilt = copy.deepcopy(VALUES)
    spoil(spoilt["hub"]["config"])
    assert any(said in error for error in config_errors(spoilt)), config_errors(spoilt)


def chart() -> Path:
    """The z2jh chart itself, unpacked (`helm pull jupyterhub/jupyterhub --version 4.4.0
    --untar`): its values.yaml and values.schema.json are the chart's, not kept here."""
    folder = settings.Z2JH_CHART.get()
    if folder is None:
        pytest.skip("ASYNCLAB_Z2JH_CHART names no unpacked z2jh 4.4.0 chart (deploy/kubernetes/README.md)")
    assert yaml.safe_load((folder / "Chart.yaml").read_text())["version"] == "4.4.0"
    return folder


def chart_errors(values: dict) -> list[str]:
    folder = chart()
    validator = jsonschema.Draft7Validator(json.loads((folder / "values.schema.json").read_text()))
    found = validator.iter_errors(merged(yaml.safe_load((folder / "values.yaml").read_text()), values))
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


def test_the_values_are_ones_the_charts_schema_accepts():
    assert chart_errors(VALUES) == []


def test_the_values_check_refuses_a_misspelt_setting():
    spoilt = copy.deepcopy(VALUES)
    spoilt["singleuser"]["cmnd"] = spoilt["singleuser"].pop("cmd")
    assert any("'cmnd'" in error for error in chart_errors(spoilt))


def test_the_values_let_servers_reach_their_labs_and_run_the_lab_spawner():
    config = VALUES["hub"]["config"]
    assert config["JupyterHub"]["spawner_class"] == "lab_kubespawner.LabKubeSpawner"
    assert (K8S / "lab_kubespawner.py").read_text().count("class LabKubeSpawner(KubeSpawner)") == 1
    [egress] = VALUES["singleuser"]["networkPolicy"]["egress"]
    assert egress["to"] == [{"podSelector": {"matchLabels": ks.PART_OF}}]
    assert {p["port"] for p in egress["ports"]} == {ks.SSH_PORT, ks.RELEASES_PORT}
