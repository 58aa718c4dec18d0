"""The lab on a cgroup v2 Docker engine, and no target that writes another's cgroups.

Most Docker hosts are cgroup v2; the machines the suite runs on are v1. So this starts a
second engine that sees cgroup v2 (tests/engines/cgroup-v2-engine.sh: its own network
namespace, data root and socket), loads the images into it, lets `make config`'s module
choose the targets' settings for it, and starts the stack there as a user would, with
Compose v2. It needs root (network and mount namespaces), as CI has.

The engine has no nsdelegate and almost no controllers: what a Debian VM booted with the
unified hierarchy adds is `make test-v2-vm` (outside the default suite)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from asynclab.cgroup_settings import OVERRIDE, stack_env
from asynclab.inventory import LAB_HOSTS

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "tests" / "engines" / "cgroup-v2-engine.sh"
PLAYBOOKS = ROOT / "tests" / "playbooks"
PROJECT = "asynclab-v2test"
FIGURES = ROOT / "test-artifacts" / "cgroup-v2.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _images() -> list[str]:
    env = (ROOT / ".env").read_text() if (ROOT / ".env").exists() else ""
    version = next((line.split("=", 1)[1] for line in env.splitlines() if line.startswith("LAB_VERSION=")), "0.1.0")
    return [f"asynclab/lab:{version or '0.1.0'}", f"asynclab/target:{version or '0.1.0'}"]


class V2Stack:
    def __init__(self, folder: Path, host: str):
        self.folder = folder
        self.env = dict(os.environ, DOCKER_HOST=host, COMPOSE_PROJECT_NAME=PROJECT, LAB_PORT=str(_free_port()),
                        **stack_env(PROJECT))
        self.env.pop("COMPOSE_FILE", None)
        self.compose = ["docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "-f", str(folder / OVERRIDE),
                        "-p", PROJECT]
        self.figures: dict[str, float | str] = {}

    def run(self, *command, timeout=300, check=True) -> subprocess.CompletedProcess:
        done = subprocess.run(list(command), env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(command[:8])} failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        return done

    def container(self, service: str) -> str:
        return self.run(*self.compose, "ps", "-q", service).stdout.strip()

    def exec(self, service: str, *command, user="root", check=True, timeout=120) -> subprocess.CompletedProcess:
        return self.run("docker", "exec", "-u", user, self.container(service), *command, check=check, timeout=timeout)

    def cgroup_mount_options(self) -> str:
        """The cgroup2 mount's options as the engine sees them (in its mount namespace)."""
        pid = (self.folder / "engine" / "docker.pid").read_text().strip()
        said = subprocess.run(["nsenter", "-t", pid, "-m", "findmnt", "-no", "OPTIONS", "/sys/fs/cgroup"],
                              capture_output=True, text=True)
        return said.stdout.strip()


@pytest.fixture(scope="module")
def v2(tmp_path_factory):
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("unshare") is None:
        pytest.fail("the cgroup v2 test needs root, ip and unshare (CI has them)")
    folder = tmp_path_factory.mktemp("v2")
    started = time.monotonic()
    host = subprocess.run([str(ENGINE), "start", str(folder / "engine")], capture_output=True, text=True,
                          check=True).stdout.strip().splitlines()[-1]
    stack = V2Stack(folder, host)
    stack.figures["engine_start_s"] = round(time.monotonic() - started, 1)
    try:
        info = stack.run("docker", "info", "--format", "{{.CgroupVersion}} {{.CgroupDriver}} {{.ServerVersion}}")
        stack.figures["engine"] = info.stdout.strip()
        assert info.stdout.startswith("2 "), info.stdout
        started = time.monotonic()
        saver = subprocess.Popen(["docker", "save", *_images()], stdout=subprocess.PIPE)
        subprocess.run(["docker", "load", "-q"], stdin=saver.stdout, env=stack.env, check=True, capture_output=True)
        saver.wait()
        stack.figures["images_load_s"] = round(time.monotonic() - started, 1)
        chose = stack.run("python3", str(ROOT / "src" / "asynclab" / "cgroup_settings.py"), "write",
                          "--out", str(folder / OVERRIDE), "--probe-image", _images()[1])
        stack.figures["chosen"] = chose.stdout.strip()
        stack.mount_before = stack.cgroup_mount_options()
        started = time.monotonic()
        stack.run(*stack.compose, "up", "-d", "--no-build", "--wait", "--wait-timeout", "300", timeout=400)
        stack.figures["stack_healthy_s"] = round(time.monotonic() - started, 1)
        yield stack
    finally:
        FIGURES.parent.mkdir(exist_ok=True)
        FIGURES.write_text(json.dumps(stack.figures, indent=2))
        print(f"\ncgroup v2 engine figures: {stack.figures}")
        stack.run(*stack.compose, "down", "--volumes", "--timeout", "5", check=False)
        subprocess.run([str(ENGINE), "stop", str(folder / "engine")], capture_output=True)


def test_the_stack_starts_on_cgroup_v2_and_says_what_it_chose(v2):
    assert "cgroup v2" in v2.figures["chosen"]
    for host in LAB_HOSTS:
        assert v2.exec(host, "systemctl", "is-system-running", check=False).stdout.strip() in ("running", "degraded")
        inspected = json.loads(v2.run("docker", "inspect", v2.container(host)).stdout)[0]["HostConfig"]
        assert inspected["Privileged"] is False and not inspected["CapAdd"]


def test_ansible_pings_the_five_hosts(v2):
    started = time.monotonic()
    done = v2.exec("lab", "ansible", "all", "-m", "ping", "-o", user="jovyan")
    v2.figures["ping_s"] = round(time.monotonic() - started, 1)
    assert sorted(line.split()[0] for line in done.stdout.splitlines() if "SUCCESS" in line) == sorted(LAB_HOSTS)


def test_a_job_launched_with_poll_0_is_followed_with_async_status(v2):
    lab = v2.container("lab")
    v2.run("docker", "cp", str(PLAYBOOKS / "poll0_async_status.yml"), f"{lab}:/tmp/poll0.yml")
    done = v2.exec("lab", "ansible-playbook", "/tmp/poll0.yml", user="jovyan", check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    for host in LAB_HOSTS:
        assert f"{host}" in done.stdout and "failed=0" in done.stdout


def test_systemd_restarts_nginx_through_ansible(v2):
    before = v2.exec("web1", "systemctl", "show", "-p", "MainPID", "--value", "nginx").stdout.strip()
    done = v2.exec("lab", "ansible", "web1", "-m", "ansible.builtin.systemd", "-a", "name=nginx state=restarted",
                   user="jovyan", check=False)
    assert done.returncode == 0 and "CHANGED" in done.stdout, done.stdout
    after = v2.exec("web1", "systemctl", "show", "-p", "MainPID", "--value", "nginx").stdout.strip()
    assert after != before and v2.exec("web1", "systemctl", "is-active", "nginx").stdout.strip() == "active"


def test_a_target_cannot_write_another_containers_cgroup(v2):
    db1 = v2.exec("db1", "sed", "-n", "s/^0:://p", "/proc/1/cgroup").stdout.strip()
    db1_cgroup = "/sys/fs/cgroup" + db1.rsplit("/init.scope", 1)[0]
    # Writing 0 to cgroup.freeze thaws: harmless even if it were allowed.
    tried = v2.exec("web1", "sh", "-c", f"echo 0 > {db1_cgroup}/cgroup.freeze", check=False)
    assert tried.returncode != 0 and "Read-only file system" in tried.stderr, (db1_cgroup, tried.stderr)
    tried = v2.exec("web1", "sh", "-c", "echo 0 > /sys/fs/cgroup/cgroup.procs", check=False)
    assert tried.returncode != 0, "web1 could write the host's root cgroup"


def test_starting_the_lab_left_the_hosts_cgroup_mount_as_it_was(v2):
    assert v2.cgroup_mount_options() == v2.mount_before


def test_without_make_config_a_target_says_what_to_run(v2):
    """A bare `docker compose up` (no cgroup settings): the target stops with a message."""
    image = _images()[1]
    name = f"{PROJECT}-bare"
    v2.run("docker", "rm", "-f", name, check=False)
    v2.run("docker", "run", "-d", "--name", name, "--tmpfs", "/run", "--tmpfs", "/run/lock", image)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = v2.run("docker", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name).stdout.split()
            if state[0] == "exited":
                break
            time.sleep(0.5)
        assert state == ["exited", "64"], state
        logs = v2.run("docker", "logs", name).stderr
        assert "make config" in logs and "Failed to create" not in logs, logs
    finally:
        v2.run("docker", "rm", "-f", name, check=False)
