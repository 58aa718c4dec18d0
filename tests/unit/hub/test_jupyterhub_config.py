"""deploy/jupyterhub/jupyterhub_config.py, loaded as JupyterHub loads it (traitlets'
PyFileConfigLoader, with `c = get_config()`), and the settings that keep learners apart."""

import sys
from types import SimpleNamespace

import pytest
from traitlets.config import PyFileConfigLoader

from asynclab.settings import image
from tests.helpers.paths import ROOT

HUB = ROOT / "deploy" / "jupyterhub"
ENV = {
    "ASYNCLAB_HUB_ADMINS": "teacher, assistant",
    "ASYNCLAB_HUB_ADMIN_PASSWORD": "an-instructor-password-of-32-chars+",
}
SHARED = {
    "ASYNCLAB_HUB_AUTH": "shared-password",
    "ASYNCLAB_HUB_USERS": "ann,bob,,carla-m",
    "ASYNCLAB_HUB_PASSWORD": "learners-pass-1",
}


def load_config(monkeypatch, **env):
    for name in (
        "ASYNCLAB_HUB_NETWORK",
        "ASYNCLAB_HUB_HOST",
        "ASYNCLAB_LAB_IMAGE",
        "ASYNCLAB_TARGET_IMAGE",
        "ASYNCLAB_HUB_PREFIX",
        "ASYNCLAB_HUB_AUTH",
        "ASYNCLAB_HUB_USERS",
        "ASYNCLAB_HUB_PASSWORD",
        "ASYNCLAB_HUB_TARGETS_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**ENV, **env}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(HUB))
    return PyFileConfigLoader("jupyterhub_config.py", path=str(HUB)).load_config()


@pytest.fixture
def config(monkeypatch):
    return load_config(monkeypatch)


@pytest.fixture
def spawner_module(config):
    return sys.modules["lab_spawner"]


def test_the_spawner_is_the_labs_dockerspawner(config, spawner_module):
    from dockerspawner import DockerSpawner

    spawner_class = config.JupyterHub.spawner_class
    assert spawner_class is spawner_module.LabSpawner
    assert issubclass(spawner_class, DockerSpawner)
    assert config.DockerSpawner.image == image("lab")  # the lab's version (pyproject.toml)
    assert config.LabSpawner.target_image == image("target")
    assert config.DockerSpawner.cmd == ["jupyterhub-singleuser"]
    assert config.DockerSpawner.pull_policy == "never"


def test_no_docker_socket_no_privileges(config):
    mounted = {**config.DockerSpawner.volumes, **config.DockerSpawner.read_only_volumes}
    assert not [source for source in mounted if "docker.sock" in source or source.startswith("/var/run")]
    assert not [target for target in mounted.values() if "docker" in str(target)]
    host_config = config.DockerSpawner.extra_host_config
    assert host_config["privileged"] is False
    assert host_config["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in host_config["security_opt"]
    assert not host_config.get("cap_add") and not host_config.get("devices")
    assert config.DockerSpawner.use_internal_ip is True  # no port of a lab server is published


def test_homes_keys_people_and_the_shared_exchange(config, spawner_module):
    assert config.DockerSpawner.volumes == {"labhub-exchange": "/srv/nbgrader/exchange"}
    assert config.DockerSpawner.read_only_volumes == {"labhub-{username}-keys": "/etc/lab-keys"}
    assert config.DockerSpawner.environment["NBGRADER_EXCHANGE"] == "/srv/nbgrader/exchange"
    assert config.LabSpawner.exchange_volume == "labhub-exchange"
    assert config.LabSpawner.people_volume == "labhub-people"
    spawner = spawner_module.LabSpawner(config=config, user=SimpleNamespace(name="ann", admin=False, id=4))
    assert spawner.volume_binds["labhub-ann-home"] == {"bind": "/home/jovyan", "mode": "rw"}
    assert spawner.volume_binds["labhub-people"] == {"bind": "/etc/labhub", "mode": "ro"}
    assert spawner.learner_lab().key_owner == "20004:20004"


def test_each_learner_gets_their_own_targets_network_and_keys(config, spawner_module):
    from learner_lab import LearnerLab

    spawner = spawner_module.LabSpawner(config=config, user=SimpleNamespace(name="carla-m", admin=False, id=7))
    lab = spawner.learner_lab()
    assert spawner.object_name == "labhub-carla-2dm"
    assert lab.target_containers == {h: f"labhub-carla-2dm-{h}" for h in ("web1", "web2", "web3", "db1", "app1")}
    assert lab.container("releases") == "labhub-carla-2dm-releases"
    assert lab.network == "labhub-carla-2dm-targets"
    # The volume the server mounts read-only is the one the learner's keygen fills.
    assert {lab.keys_volume: {"bind": "/etc/lab-keys", "mode": "ro"}}.items() <= spawner.volume_binds.items()
    assert spawner.volume_binds["labhub-carla-2dm-home"] == {"bind": "/home/jovyan", "mode": "rw"}
    # What a learner's objects are found by names this hub too: another hub's ann is not ours.
    assert lab._mine == {"label": ["org.asynclab.hub.learner=carla-2dm", "org.asynclab.hub.prefix=labhub"]}
    other = LearnerLab(learner="bob", prefix=config.DockerSpawner.prefix)
    assert not set(lab.target_containers.values()) & set(other.target_containers.values())
    assert other.network != lab.network and other.keys_volume != lab.keys_volume


def test_learners_never_see_the_course_sources_instructors_do(config, spawner_module):
    learner = spawner_module.LabSpawner(config=config, user=SimpleNamespace(name="ann", admin=False, id=2))
    instructor = spawner_module.LabSpawner(config=config, user=SimpleNamespace(name="teacher", admin=True, id=1))
    covered = [m for m in learner.mount_binds if m["Target"] == "/opt/lab/course/grader/source"]
    assert covered and covered[0]["Type"] == "tmpfs" and covered[0]["ReadOnly"] is True
    assert not [m for m in instructor.mount_binds if m["Target"].startswith("/opt/lab/course")]


def test_network_and_resource_limits(config, spawner_module, monkeypatch):
    monkeypatch.delenv("LAB_TARGET_MEM_LIMIT", raising=False)
    monkeypatch.delenv("LAB_TARGET_PIDS_LIMIT", raising=False)
    assert config.DockerSpawner.network_name == "labhub"
    assert config.DockerSpawner.prefix == "labhub"
    assert config.DockerSpawner.remove is True
    assert config.DockerSpawner.mem_limit == "1G"
    assert config.DockerSpawner.cpu_limit == 1.0
    assert config.DockerSpawner.extra_host_config["pids_limit"] == 512
    # Each target's limits: docker-compose.yml's, given to the container the hub makes.
    from learner_lab import LearnerLab

    spawner = spawner_module.LabSpawner
    lab = LearnerLab(
        learner="ann",
        target_mem_limit=config.LabSpawner.get("target_mem_limit", spawner.target_mem_limit.default_value),
        target_pids_limit=config.LabSpawner.get("target_pids_limit", spawner.target_pids_limit.default_value),
    )
    assert lab.spec("web1")["mem_limit"] == 384 * 2**20
    assert lab.spec("web1")["pids_limit"] == 512
    # The targets' cgroups are not a setting: they follow the engine (asynclab.stack.cgroup_settings).
    assert "cgroup_mount" not in config.LabSpawner


def test_hub_binds(config):
    assert config.JupyterHub.bind_url == "http://0.0.0.0:8000"
    assert config.JupyterHub.hub_bind_url == "http://0.0.0.0:8081"
    assert config.JupyterHub.hub_connect_url == "http://labhub:8081"
    assert config.JupyterHub.db_url == "sqlite:////srv/jupyterhub/jupyterhub.sqlite"
    assert config.JupyterHub.cleanup_servers is False  # a restarted hub keeps the running servers


def test_each_person_has_their_own_password_by_default(config):
    assert config.JupyterHub.authenticator_class == "lab_authenticator.LabAuthenticator"
    assert config.Authenticator.admin_users == {"teacher", "assistant"}
    assert "allowed_users" not in config.Authenticator
    assert "SharedPasswordAuthenticator" not in config
    assert config.LabAuthenticator.instructor_password == ENV["ASYNCLAB_HUB_ADMIN_PASSWORD"]
    assert config.NativeAuthenticator.allowed_failed_logins > 0


def test_the_shared_password_only_when_the_admin_asks_for_it(monkeypatch, capfd):
    config = load_config(monkeypatch, **SHARED)
    assert config.JupyterHub.authenticator_class == "shared-password"
    assert config.Authenticator.allowed_users == {"ann", "bob", "carla-m"}
    assert config.SharedPasswordAuthenticator.user_password == SHARED["ASYNCLAB_HUB_PASSWORD"]
    assert config.SharedPasswordAuthenticator.admin_password == ENV["ASYNCLAB_HUB_ADMIN_PASSWORD"]
    assert "ungraded workshop only" in capfd.readouterr().err


def test_an_unknown_login_mode_and_an_admin_with_no_unix_name_are_named(monkeypatch):
    with pytest.raises(SystemExit, match="native or shared-password"):
        load_config(monkeypatch, ASYNCLAB_HUB_AUTH="ldap")
    with pytest.raises(SystemExit, match="Unix user names"):
        load_config(monkeypatch, ASYNCLAB_HUB_ADMINS="Teacher.One")


def test_the_admin_can_move_network_hub_and_images(monkeypatch):
    config = load_config(
        monkeypatch, ASYNCLAB_HUB_NETWORK="classnet", ASYNCLAB_HUB_HOST="hub", ASYNCLAB_LAB_IMAGE="asynclab/lab:0.2.0"
    )
    assert config.DockerSpawner.network_name == "classnet"
    assert config.JupyterHub.hub_connect_url == "http://hub:8081"
    assert config.DockerSpawner.image == "asynclab/lab:0.2.0"


@pytest.mark.parametrize("missing", sorted(ENV))
def test_a_missing_setting_is_named(monkeypatch, missing):
    with pytest.raises(SystemExit, match=missing):
        load_config(monkeypatch, **{missing: " "})


@pytest.mark.parametrize("missing", ["ASYNCLAB_HUB_USERS", "ASYNCLAB_HUB_PASSWORD"])
def test_a_missing_setting_of_the_shared_password_is_named(monkeypatch, missing):
    with pytest.raises(SystemExit, match=missing):
        load_config(monkeypatch, **{**SHARED, missing: " "})


def test_bad_learner_names_are_refused(monkeypatch):
    monkeypatch.syspath_prepend(str(HUB))
    from learner_lab import LearnerLab

    with pytest.raises(ValueError, match="not Docker-safe"):
        LearnerLab(learner="Ann Smith")
