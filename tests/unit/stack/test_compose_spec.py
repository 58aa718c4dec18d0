"""docker-compose.yml turned into Docker SDK settings for the hub's learner sets: does the
hub make each container as compose itself would?"""

import json
import subprocess

import pytest

from asynclab.settings import package_version
from asynclab.stack.compose_spec import ComposeSpecError, duration_ns, memory_bytes, sdk_settings, services
from tests.helpers.paths import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
HUB_MADE = ("keygen", "web1", "web2", "web3", "db1", "app1", "releases")  # what learner_lab.py makes


@pytest.fixture(scope="module")
def compose_config(compose_cli, tmp_path_factory):
    """What compose itself makes of docker-compose.yml, with .env.example's settings."""
    folder = tmp_path_factory.mktemp("stack")
    for name in ("docker-compose.yml", ".env.example"):
        (folder / name).write_text((ROOT / name).read_text())
    done = subprocess.run(
        [*compose_cli, "-f", "docker-compose.yml", "-p", "spec", "config", "--format", "json"],
        cwd=folder,
        env={"PATH": "/usr/bin:/bin", "LAB_CGROUP_NAME": "spec", "LAB_VERSION": package_version()},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["services"]


def test_every_container_the_hub_makes_translates():
    defined = services(COMPOSE_FILE, env={})
    for name in HUB_MADE:
        assert sdk_settings(defined[name], name)["image"].startswith("asynclab/")


@pytest.mark.parametrize("name", HUB_MADE)
def test_the_hub_gets_what_compose_reads(name, compose_config):
    ours = sdk_settings(services(COMPOSE_FILE, env={})[name], name)
    theirs = compose_config[name]
    assert ours.get("image") == theirs["image"]
    assert ours.get("user") == theirs.get("user")
    assert ours.get("entrypoint") == theirs.get("entrypoint")
    assert ours.get("stop_signal") == theirs.get("stop_signal")
    assert sorted(ours.get("tmpfs", {})) == sorted(theirs.get("tmpfs", []))
    assert ours.get("mem_limit") == (int(theirs["mem_limit"]) if "mem_limit" in theirs else None)
    assert ours.get("pids_limit") == theirs.get("pids_limit")
    assert ours.get("restart_policy", {}).get("Name") == theirs.get("restart")
    if "healthcheck" in theirs:
        check = theirs["healthcheck"]
        assert ours["healthcheck"]["test"] == check["test"]
        assert ours["healthcheck"]["interval"] == duration_ns(check["interval"])
        assert ours["healthcheck"]["retries"] == check["retries"]


def test_a_target_is_limited_and_stops_as_systemd_wants():
    web1 = sdk_settings(services(COMPOSE_FILE, env={})["web1"], "web1")
    assert web1["tmpfs"] == {"/run": "", "/run/lock": ""}
    assert web1["stop_signal"] == "SIGRTMIN+3"
    assert web1["mem_limit"] == 384 * 2**20 and web1["pids_limit"] == 512
    assert "privileged" not in web1 and "cap_add" not in web1


def test_the_targets_limits_follow_the_stacks_variables():
    web1 = sdk_settings(
        services(COMPOSE_FILE, env={"LAB_TARGET_MEM_LIMIT": "256m", "LAB_TARGET_PIDS_LIMIT": "300"})["web1"]
    )
    assert web1["mem_limit"] == 256 * 2**20 and web1["pids_limit"] == 300


def test_a_setting_the_translation_does_not_know_is_refused():
    with pytest.raises(ComposeSpecError, match="web1 gives cap_add|gives web1 cap_add"):
        sdk_settings({"image": "asynclab/target:test", "cap_add": ["SYS_ADMIN"]}, "web1")


@pytest.mark.parametrize("text, seconds", [("5s", 5), ("1m30s", 90), ("24h", 86400), ("500ms", 0.5), (3, 3)])
def test_compose_durations_are_read_in_nanoseconds(text, seconds):
    assert duration_ns(text) == int(seconds * 10**9)


@pytest.mark.parametrize("text", ["5 s", "five", "5x", ""])
def test_a_duration_compose_would_refuse_is_refused(text):
    with pytest.raises(ComposeSpecError):
        duration_ns(text)


def test_memory_sizes_are_read_as_compose_reads_them():
    assert memory_bytes("384m") == 384 * 2**20 and memory_bytes("1g") == 2**30 and memory_bytes("512") == 512
    with pytest.raises(ComposeSpecError):
        memory_bytes("lots")
