"""The targets' cgroup settings that `make config` writes for each kind of Docker engine.

Each engine kind is a scenario: what the daemon says (`docker info`), what the override
must give a target, and what compose itself makes of the file laid over docker-compose.yml.
Engine >= 28 (writable-cgroups) cannot be run on the machines the suite runs on: its
settings are checked here only."""

import json
import subprocess

import pytest
import yaml

from asynclab.settings import package_version
from asynclab.stack.cgroup_settings import (
    CLEAN_SCRIPT,
    OVERRIDE,
    TARGETS,
    EngineUnsupported,
    cgroup_name,
    clean_arguments,
    engine_from_info,
    override_text,
    parents,
    removed,
    sdk_settings,
    service_settings,
    stack_env,
    stack_files,
    target_image,
)
from tests.helpers.paths import ROOT

V1_LISTED = "\n".join(f"/host-cgroup/{h}" for h in ("cpu", "memory", "pids", "systemd", "unified"))


def engine(version, driver="cgroupfs", server="20.10.24"):
    info = {"CgroupVersion": str(version), "CgroupDriver": driver, "ServerVersion": server}
    return engine_from_info(info, V1_LISTED if version == 1 else "")


def test_a_project_name_becomes_a_cgroup_name_without_dashes():
    assert cgroup_name("asynclab-ci-grade2") == "asynclabcigrade2"
    assert cgroup_name("Lab_X.1") == "labx1"
    assert stack_env("asynclab-ci") == {"LAB_CGROUP_NAME": "asynclabci"}


def test_on_cgroup_v1_every_hierarchy_is_read_only_and_only_the_parent_writable():
    web1 = service_settings(engine(1), "web1", name="asynclab")
    assert web1["cgroup"] == "host" and web1["cgroup_parent"] == "/asynclab_web1"
    read_only = [v for v in web1["volumes"] if v.endswith(":ro")]
    writable = [v for v in web1["volumes"] if v.endswith(":rw")]
    assert "/sys/fs/cgroup:/sys/fs/cgroup:ro" in read_only
    for hierarchy in ("cpu", "memory", "pids", "systemd", "unified"):
        assert f"/sys/fs/cgroup/{hierarchy}:/sys/fs/cgroup/{hierarchy}:ro" in read_only
    assert writable == [
        "/sys/fs/cgroup/systemd/asynclab_web1:/sys/fs/cgroup/systemd/asynclab_web1:rw",
        "/sys/fs/cgroup/unified/asynclab_web1:/sys/fs/cgroup/unified/asynclab_web1:rw",
    ]


def test_docker_compose_1_29_works_on_v1_without_the_cgroup_key():
    assert "cgroup" not in service_settings(engine(1), "db1", compose_v2=False, name="x")


def test_on_cgroup_v2_before_engine_28_each_target_writes_only_its_own_parent():
    web2 = service_settings(engine(2), "web2", name="asynclab")
    assert web2 == {
        "cgroup": "host",
        "cgroup_parent": "/asynclab_web2",
        "volumes": ["/sys/fs/cgroup:/sys/fs/cgroup:ro", "/sys/fs/cgroup/asynclab_web2:/sys/fs/cgroup/asynclab_web2:rw"],
    }


def test_the_systemd_driver_takes_a_slice_without_dashes():
    app1 = service_settings(engine(2, "systemd"), "app1", name=cgroup_name("my-lab"))
    assert app1["cgroup_parent"] == "mylab_app1.slice"
    assert "/sys/fs/cgroup/mylab_app1.slice:/sys/fs/cgroup/mylab_app1.slice:rw" in app1["volumes"]


def test_engine_28_on_v2_uses_dockers_writable_cgroups_and_binds_nothing():
    web3 = service_settings(engine(2, "systemd", "28.1.1"), "web3")
    assert web3 == {"cgroup": "private", "security_opt": ["writable-cgroups=true"]}


def test_cgroup_v2_with_docker_compose_1_29_is_refused_with_what_to_install():
    with pytest.raises(EngineUnsupported, match="Compose v2"):
        service_settings(engine(2), "web1", compose_v2=False)


def test_no_setting_ever_makes_a_target_privileged_or_adds_a_capability():
    for kind in (engine(1), engine(2), engine(2, "systemd"), engine(2, "systemd", "29.0.0")):
        for host in TARGETS:
            settings = service_settings(kind, host)
            assert not {"privileged", "cap_add", "devices"} & set(settings)
            writable = [v for v in settings.get("volumes", []) if not v.endswith(":ro")]
            assert all(host in v for v in writable), writable


def test_the_sdk_gets_the_same_settings_as_compose():
    run = sdk_settings(service_settings(engine(2), "db1", name="labhubann"))
    assert run == {
        "cgroupns": "host",
        "cgroup_parent": "/labhubann_db1",
        "volumes": {
            "/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "ro"},
            "/sys/fs/cgroup/labhubann_db1": {"bind": "/sys/fs/cgroup/labhubann_db1", "mode": "rw"},
        },
    }


@pytest.mark.parametrize(
    "kind",
    [engine(1), engine(2), engine(2, "systemd"), engine(2, "systemd", "28.0.0")],
    ids=["v1", "v2-cgroupfs", "v2-systemd", "v2-engine28"],
)
def test_compose_lays_the_file_over_the_stack_for_each_project(tmp_path, kind, compose_cli):
    compose = compose_cli
    (tmp_path / OVERRIDE).write_text(override_text(kind))
    for name in ("docker-compose.yml", ".env.example"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    files = stack_files(tmp_path)
    assert files[-1] == str(tmp_path / OVERRIDE)
    done = subprocess.run(
        [*compose, *files, "-p", "class-a", "config", "--format", "json"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **stack_env("class-a", tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    web1 = json.loads(done.stdout)["services"]["web1"]
    assert not web1.get("privileged") and not web1.get("cap_add")
    targets = {v["target"]: v for v in web1["volumes"]}
    assert targets["/etc/lab-trust"]["read_only"] is True
    if kind.cgroup_version == 2 and kind.major >= 28:
        assert web1["cgroup"] == "private" and "/sys/fs/cgroup" not in targets
        return
    assert web1["cgroup_parent"].lstrip("/").startswith("classa_web1")
    assert targets["/sys/fs/cgroup"]["read_only"] is True
    writable = [t for t, v in targets.items() if t.startswith("/sys/fs/cgroup") and not v.get("read_only")]
    assert writable and all("classa_web1" in t for t in writable)


def test_without_a_name_compose_says_to_run_make_config(tmp_path, compose_cli):
    compose = compose_cli
    (tmp_path / OVERRIDE).write_text(override_text(engine(2)))
    (tmp_path / "docker-compose.yml").write_text((ROOT / "docker-compose.yml").read_text())
    done = subprocess.run(
        [*compose, *stack_files(tmp_path), "config"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "LAB_VERSION": package_version()},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "run make config" in done.stderr


def test_the_written_file_is_plain_yaml():
    parsed = yaml.safe_load(override_text(engine(1)))
    assert sorted(parsed["services"]) == sorted(TARGETS)


def test_the_parents_down_removes_are_exactly_the_ones_its_targets_were_given():
    on_v1 = parents(engine(1), "asynclabci")
    assert len(on_v1) == 5 * 5 and "memory/asynclabci_db1" in on_v1 and "systemd/asynclabci_web1" in on_v1
    for kind in (engine(1), engine(2), engine(2, "systemd")):
        for service in TARGETS:
            setting = service_settings(kind, service, name="asynclabci")["cgroup_parent"].lstrip("/")
            assert any(folder.endswith(setting) for folder in parents(kind, "asynclabci")), (kind, setting)
    assert parents(engine(2, "systemd"), "asynclabci")[0] == "asynclabci_web1.slice"
    assert parents(engine(2, server="28.0.1"), "asynclabci") == []  # no parents with writable-cgroups


def test_the_cleaner_removes_empty_folders_only_and_says_which(tmp_path):
    """The one-shot cleaner's script, run here on plain folders: rmdir fails on one that
    holds something (a cgroup with processes or children), and a missing one is passed over."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "busy" / "child").mkdir(parents=True)
    command = clean_arguments(["x"])
    assert command[:3] == ["sh", "-c", CLEAN_SCRIPT] and command[-1] == "/host-cgroup/x"
    folders = [str(tmp_path / name) for name in ("empty", "busy", "missing")]
    done = subprocess.run(["sh", "-c", CLEAN_SCRIPT, "sh", *folders], capture_output=True, text=True)
    assert done.returncode == 0
    assert removed(done.stdout) == [str(tmp_path / "empty")]
    assert not (tmp_path / "empty").exists() and (tmp_path / "busy").exists()


def test_the_target_image_follows_lab_version(tmp_path, monkeypatch):
    monkeypatch.delenv("LAB_VERSION", raising=False)
    assert target_image(tmp_path) == f"asynclab/target:{package_version()}"
    (tmp_path / ".env").write_text("LAB_PORT=8888\nLAB_VERSION=2.0.0\n")
    assert target_image(tmp_path) == "asynclab/target:2.0.0"
    monkeypatch.setenv("LAB_VERSION", "3.1")
    assert target_image(tmp_path) == "asynclab/target:3.1"
