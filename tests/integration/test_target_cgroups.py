"""On the lab's own engine: every learner is root on the targets, and no target may write
a cgroup file of another container or of the host (on cgroup v1 too, where Docker before
25 binds /sys/fs/cgroup read-only without its hierarchies). test_cgroup_v2.py checks the
same on a cgroup v2 engine."""
from asynclab.inventory import LAB_HOSTS


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
        attempts = [f"/sys/fs/cgroup/pids{db1['pids']}/pids.max",
                    f"/sys/fs/cgroup/memory{db1['memory']}/memory.soft_limit_in_bytes",
                    f"/sys/fs/cgroup/freezer{db1['freezer']}/freezer.state"]
        values = ["max", "-1", "THAWED"]  # what they already are: harmless even if a write went through
    else:
        base = db1["unified"].rsplit("/init.scope", 1)[0]
        attempts, values = [f"/sys/fs/cgroup{base}/cgroup.freeze"], ["0"]
    for path, value in zip(attempts, values, strict=True):
        rc, out = lab.exec("web1", ["sh", "-c", f"echo {value} > {path}"])
        assert rc != 0 and ("Read-only file system" in out or "No such file" in out), (path, out)


def test_a_target_cannot_write_the_hosts_root_cgroups(lab):
    rc, out = lab.exec("web1", ["sh", "-c", "for d in /sys/fs/cgroup /sys/fs/cgroup/*/; do "
                                "[ -w \"$d\" ] && echo \"writable: $d\"; done; exit 0"])
    assert rc == 0 and "writable" not in out, out


def test_systemd_has_its_own_cgroup_to_write(lab):
    own = _cgroup_of(lab, "web1")
    hierarchy = "systemd" if "systemd" in own else "unified"
    path = ("/sys/fs/cgroup/systemd" if hierarchy == "systemd" else "/sys/fs/cgroup") + own[hierarchy]
    rc, out = lab.exec("web1", ["sh", "-c", f"test -w {path} && echo yes"])
    assert rc == 0 and "yes" in out, (path, out)
