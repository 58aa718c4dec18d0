"""The lab on a cgroup v2 Docker engine, and no target that writes another's cgroups.

Most Docker hosts are cgroup v2; the machines the suite runs on are v1. So this starts a
second engine that sees cgroup v2 (tests/engines/cgroup-v2-engine.sh: its own network
namespace, data root and socket), loads the images into it, lets `make config`'s module
choose the targets' settings for it, and starts the stack there as a user would, with
Compose v2. It needs root (network and mount namespaces), as CI has.

That engine has no nsdelegate and almost no controllers. `make test-v2-vm` runs the same
tests on what most users have (ASYNCLAB_V2_ENGINE=vm): a Debian 12 VM under qemu booted
with the unified hierarchy alone, nsdelegate and every controller, Docker 20.10 with the
systemd driver (tests/engines/cgroup-v2-vm.sh). Under software emulation it is about ten
times slower, so it is outside the default suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from asynclab import settings
from asynclab.inventory import LAB_HOSTS
from asynclab.stack.cgroup_settings import OVERRIDE, stack_env
from asynclab.stack.host_set import free_port
from tests.helpers.cgroup_parents import parents_left
from tests.helpers.paths import PLAYBOOKS, ROOT

KIND = os.environ.get("ASYNCLAB_V2_ENGINE", "netns")
ENGINE = ROOT / "tests" / "engines" / {"netns": "cgroup-v2-engine.sh", "vm": "cgroup-v2-vm.sh"}[KIND]
#: The VM's disk is built once and kept (its images too); the namespace engine starts empty.
VM_DIR = Path(os.environ.get("ASYNCLAB_V2_VM_DIR", ROOT / "build" / "v2-vm"))
CGROUP_SETTINGS = ROOT / "src" / "asynclab" / "stack" / "cgroup_settings.py"
PROJECT = "asynclab-v2test"
FIGURES = ROOT / "test-artifacts" / ("cgroup-v2.json" if KIND == "netns" else "cgroup-v2-vm.json")
#: The slowest step under emulation is an image load; its commands get this much more time.
SLOWER = 1 if KIND == "netns" else 6
pytestmark = pytest.mark.timeout(600 * SLOWER)


def _images() -> list[str]:
    version = settings.env_file_value(ROOT / ".env", "LAB_VERSION") or settings.package_version()
    return [settings.image("lab", version), settings.image("target", version)]


class V2Stack:
    def __init__(self, folder: Path, host: str, engine_folder: Path):
        self.folder = folder
        self.engine_folder = engine_folder
        self.env = dict(
            os.environ,
            DOCKER_HOST=host,
            COMPOSE_PROJECT_NAME=PROJECT,
            LAB_PORT=str(free_port()),
            **stack_env(PROJECT, ROOT),
        )
        self.env.pop("COMPOSE_FILE", None)
        self.compose = [
            "docker",
            "compose",
            "-f",
            str(ROOT / "docker-compose.yml"),
            "-f",
            str(folder / OVERRIDE),
            *self._slow_health_checks(),
            "-p",
            PROJECT,
        ]
        self.figures: dict[str, float | str] = {}

    def _slow_health_checks(self) -> list[str]:
        """Under emulation a target's systemd takes minutes to boot, and a health check longer
        than its 5 s: the same checks, with SLOWER times their patience."""
        if SLOWER == 1:
            return []
        patience = {
            "interval": f"{5 * SLOWER}s",
            "timeout": f"{5 * SLOWER}s",
            "start_period": f"{60 * SLOWER}s",
            "retries": 12 * SLOWER,
        }
        services = {service: {"healthcheck": patience} for service in (*LAB_HOSTS, "lab", "releases")}
        slow = self.folder / "docker-compose.slow.yml"
        slow.write_text(json.dumps({"services": services}, indent=2))
        return ["-f", str(slow)]

    def run(self, *command, timeout=300, check=True) -> subprocess.CompletedProcess:
        timeout *= SLOWER
        done = subprocess.run(list(command), env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(command[:8])} failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        return done

    def container(self, service: str) -> str:
        return self.run(*self.compose, "ps", "-q", service).stdout.strip()

    def exec(self, service: str, *command, user="root", check=True, timeout=120) -> subprocess.CompletedProcess:
        return self.run("docker", "exec", "-u", user, self.container(service), *command, check=check, timeout=timeout)

    def cgroup_mount_options(self) -> str:
        """The options of the engine's cgroup2 superblock (nsdelegate, memory_recursiveprot...)."""
        if KIND == "netns":  # in the engine's own mount namespace
            pid = (self.engine_folder / "docker.pid").read_text().strip()
            command = ["nsenter", "-t", pid, "-m", "findmnt", "-no", "FS-OPTIONS", "/sys/fs/cgroup"]
            return subprocess.run(command, capture_output=True, text=True).stdout.strip()
        # In the VM, from a container with a private cgroup namespace: a mount of cgroup2
        # there shows the superblock's options and, unlike one in the host's namespace
        # (moby #50466), does not set them.
        return self.run(
            "docker",
            "run",
            "--rm",
            "--network",
            "none",
            "--cgroupns",
            "private",
            "--entrypoint",
            "findmnt",
            _images()[1],
            "-no",
            "FS-OPTIONS",
            "/sys/fs/cgroup",
        ).stdout.strip()

    def load_images(self) -> None:
        """The lab's images, unless the engine has them already (the VM keeps its disk)."""
        for image in _images():
            here = subprocess.run(
                ["docker", "image", "inspect", "-f", "{{.Id}}", image], capture_output=True, text=True, check=True
            ).stdout.strip()
            there = self.run("docker", "image", "inspect", "-f", "{{.Id}}", image, check=False).stdout.strip()
            if here != there:
                saver = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
                subprocess.run(
                    ["docker", "load", "-q"],
                    stdin=saver.stdout,
                    env=self.env,
                    check=True,
                    capture_output=True,
                    timeout=600 * SLOWER,
                )
                saver.wait()


@pytest.fixture(scope="module")
def v2(tmp_path_factory):
    if KIND == "netns" and (os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("unshare") is None):
        pytest.fail("the cgroup v2 test needs root, ip and unshare (CI has them)")
    if KIND == "vm" and shutil.which("qemu-system-x86_64") is None:
        pytest.fail("the cgroup v2 VM test needs qemu-system-x86_64 (apt-get install -y qemu-system-x86)")
    folder = tmp_path_factory.mktemp("v2")
    engine_folder = folder / "engine" if KIND == "netns" else VM_DIR
    started = time.monotonic()
    said = subprocess.run([str(ENGINE), "start", str(engine_folder)], capture_output=True, text=True)
    assert said.returncode == 0, f"the {KIND} engine did not start: {said.stderr[-3000:]}"
    host = said.stdout.strip().splitlines()[-1]
    stack = V2Stack(folder, host, engine_folder)
    stack.figures["engine_start_s"] = round(time.monotonic() - started, 1)
    try:
        info = stack.run("docker", "info", "--format", "{{.CgroupVersion}} {{.CgroupDriver}} {{.ServerVersion}}")
        stack.figures["engine"] = info.stdout.strip()
        assert info.stdout.startswith("2 "), info.stdout
        started = time.monotonic()
        stack.load_images()
        stack.figures["images_load_s"] = round(time.monotonic() - started, 1)
        chose = stack.run(
            "python3", str(CGROUP_SETTINGS), "write", "--out", str(folder / OVERRIDE), "--probe-image", _images()[1]
        )
        stack.figures["chosen"] = chose.stdout.strip()
        stack.mount_before = stack.figures["cgroup2_options"] = stack.cgroup_mount_options()
        started = time.monotonic()
        stack.run(*stack.compose, "up", "-d", "--no-build", "--wait", "--wait-timeout", "300", timeout=400)
        stack.figures["stack_healthy_s"] = round(time.monotonic() - started, 1)
        yield stack
    finally:
        FIGURES.parent.mkdir(exist_ok=True)
        FIGURES.write_text(json.dumps(stack.figures, indent=2))
        print(f"\ncgroup v2 engine figures: {stack.figures}")
        stack.run(*stack.compose, "down", "--volumes", "--timeout", "5", check=False)
        stack.run("python3", str(CGROUP_SETTINGS), "clean", "--project", PROJECT, "--image", _images()[1], check=False)
        subprocess.run([str(ENGINE), "stop", str(engine_folder)], capture_output=True)


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
    done = v2.exec(
        "lab",
        "ansible",
        "web1",
        "-m",
        "ansible.builtin.systemd",
        "-a",
        "name=nginx state=restarted",
        user="jovyan",
        check=False,
    )
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


def test_down_and_clean_leave_no_cgroup_parent(v2):
    """Last: it takes the stack down. The engine leaves each target's parent behind (under
    the systemd driver, an active slice); `make down`'s clean removes them."""
    image = _images()[1]
    v2.run(*v2.compose, "down", "--volumes", "--timeout", "5")
    left = parents_left(PROJECT, image, v2.env)
    v2.figures["parents_left_by_down"] = len(left)
    v2.run("python3", str(CGROUP_SETTINGS), "clean", "--project", PROJECT, "--image", image)
    assert parents_left(PROJECT, image, v2.env) == []
