"""On the lab's own engine: every learner is root on the targets, and no target may write
a cgroup file of another container or of the host (on cgroup v1 too, where Docker before
25 binds /sys/fs/cgroup read-only without its hierarchies). test_cgroup_v2.py checks the
same on a cgroup v2 engine."""

import os
import subprocess

from asynclab.inventory import LAB_HOSTS
from asynclab.stack.cgroup_settings import clean, stack_env, stack_files, target_image
from asynclab.stack.host_set import compose_command
from asynclab.stack.waiting import wait_until
from tests.helpers.cgroup_parents import parents_left
from tests.helpers.paths import ROOT

from .conftest import make


def _cgroup_of(lab, host: str) -> dict[str, str]:
    """The hierarchies and paths of a target's PID 1, from /proc/1/cgroup."""
    rc, out = lab.exec(host, "cat /proc/1/cgroup")
    assert rc == 0, out
    paths = {}
    for line in out.splitlines():
        _, names, path = line.split(":", 2)
        paths[names.replace("name=", "") or "unified"] = path
    return paths


def test_no_target_is_privileged_or_has_an_added_capability(lab):
    for host in LAB_HOSTS:
        config = lab.container(host).attrs["HostConfig"]
        assert config["Privileged"] is False and not config["CapAdd"], host


def test_a_target_cannot_write_another_containers_cgroup_files(lab):
    db1 = _cgroup_of(lab, "db1")
    if "pids" in db1:  # cgroup v1: every hierarchy read-only, its own limits included
        attempts = [
            f"/sys/fs/cgroup/pids{db1['pids']}/pids.max",
            f"/sys/fs/cgroup/memory{db1['memory']}/memory.soft_limit_in_bytes",
            f"/sys/fs/cgroup/freezer{db1['freezer']}/freezer.state",
        ]
        values = ["max", "-1", "THAWED"]  # what they already are: harmless even if a write went through
    else:
        base = db1["unified"].rsplit("/init.scope", 1)[0]
        attempts, values = [f"/sys/fs/cgroup{base}/cgroup.freeze"], ["0"]
    for path, value in zip(attempts, values, strict=True):
        rc, out = lab.exec("web1", ["sh", "-c", f"echo {value} > {path}"])
        assert rc != 0 and ("Read-only file system" in out or "No such file" in out), (path, out)


def test_a_target_cannot_write_the_hosts_root_cgroups(lab):
    rc, out = lab.exec(
        "web1",
        ["sh", "-c", 'for d in /sys/fs/cgroup /sys/fs/cgroup/*/; do [ -w "$d" ] && echo "writable: $d"; done; exit 0'],
    )
    assert rc == 0 and "writable" not in out, out


def test_systemd_has_its_own_cgroup_to_write(lab):
    own = _cgroup_of(lab, "web1")
    hierarchy = "systemd" if "systemd" in own else "unified"
    path = ("/sys/fs/cgroup/systemd" if hierarchy == "systemd" else "/sys/fs/cgroup") + own[hierarchy]
    rc, out = lab.exec("web1", ["sh", "-c", f"test -w {path} && echo yes"])
    assert rc == 0 and "yes" in out, (path, out)


def test_make_down_removes_the_cgroup_parents_its_targets_left(lab):
    """The engine makes a parent per target (in every hierarchy on v1) and never removes
    it; `make down` does, for its own project only."""
    project = "asynclab-parenttest"
    image = target_image(ROOT)
    env = dict(os.environ, COMPOSE_PROJECT_NAME=project, LAB_PORT="0", **stack_env(project, ROOT))
    env.pop("COMPOSE_FILE", None)
    compose = [*compose_command(), *stack_files(ROOT), "-p", project]
    subprocess.run(
        [*compose, "up", "-d", "--no-build", "--no-deps", "web1", "db1"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    try:
        assert wait_until(lambda: len(parents_left(project, image)) >= 2, timeout=60)
        running = parents_left(project, image)
        assert all("web1" in p or "db1" in p for p in running), running
        theirs = parents_left(lab.project, image)
        down = make("down", project)
        assert down.returncode == 0, down.stdout + down.stderr
        assert "empty ones removed" in down.stdout, down.stdout
        assert parents_left(project, image) == []
        assert parents_left(lab.project, image) == theirs, "make down of one project touched another's"
    finally:
        subprocess.run([*compose, "down", "--volumes", "--timeout", "5"], cwd=ROOT, env=env, capture_output=True)
        clean(project, image)
