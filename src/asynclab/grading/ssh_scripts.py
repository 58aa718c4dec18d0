"""The lab's own commands on its targets: one shell script per host over SSH, side by side.

The grader resets the hosts before an answer runs and reads back what the run left
(:mod:`.host_state`). Each of those is one short script per host. Run as a playbook, each
cost an ansible-playbook start-up (two to three seconds of CPU on two cores, and two of the
three runs of every graded exercise); OpenSSH runs them in milliseconds, over a control
connection of the lab's own that stays open for a minute between exercises.

The hosts are reached as the learner's runs reach them: names, addresses, ports, user and
key come from Ansible's inventory and configuration (``ansible.cfg``, ``ansible_host``,
``ansible_user``...), read in-process through Ansible's own classes.

Lab side (where Ansible is installed: the lab container, a grading worker, a host with
Ansible and ASYNCLAB_INVENTORY). The host without Ansible forwards the scripts here with
``python -m asynclab.grading.ssh_scripts`` (see :func:`run_scripts`).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import settings
from ..errors import LabEnvironmentError, LabError

#: OpenSSH's code for "could not connect" (a script of the lab's never exits with it).
UNREACHABLE = 255
# Batch mode (no prompt ever), the lab's throwaway host keys (as ansible.cfg), keepalives
# that end a connection to a frozen host within about 15 s, and a control connection of
# the lab's own (not Ansible's: the learner's runs keep theirs to themselves).
SSH_OPTIONS = (
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "LogLevel=ERROR",
    "-o", "ConnectTimeout=10",
    "-o", "ServerAliveInterval=5",
    "-o", "ServerAliveCountMax=3",
    "-o", "ControlMaster=auto",
    "-o", "ControlPersist=60s",
)  # fmt: skip


@dataclass(frozen=True)
class Login:
    """How to reach one inventory host over SSH."""

    host: str
    address: str
    user: str
    port: int | None = None
    key: str | None = None

    def command(self, control_dir: Path) -> list[str]:
        argv = ["ssh", *SSH_OPTIONS, "-o", f"ControlPath={control_dir}/lab-%C"]
        if self.port:
            argv += ["-p", str(self.port)]
        if self.key:
            argv += ["-i", self.key]
        return [*argv, f"{self.user}@{self.address}", "sh -s"]


@dataclass
class Reply:
    host: str
    rc: int
    stdout: str
    stderr: str = ""

    @property
    def unreachable(self) -> bool:
        return self.rc == UNREACHABLE


def logins(sources: tuple[str, ...], env: dict[str, str] | None = None) -> dict[str, Login]:
    """Each inventory host's login, as Ansible resolves it (host and group variables over
    ansible.cfg's remote_user and private_key_file; ``env`` holds the Route's overrides).
    Read again when an inventory file changes (from the host, addresses change on restarts)."""
    stamps = tuple(os.stat(s).st_mtime_ns if os.path.exists(s) else 0 for s in sources)
    return _logins(sources, stamps, tuple(sorted((env or {}).items())))


@functools.lru_cache(maxsize=8)
def _logins(sources: tuple[str, ...], _stamps: tuple, env_items: tuple[tuple[str, str], ...]) -> dict[str, Login]:
    from ..inventory import _process_std_streams

    with _process_std_streams():
        from ansible.config.manager import ConfigManager
        from ansible.inventory.helpers import get_group_vars
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader
        from ansible.utils.vars import combine_vars

    env = dict(env_items)
    config = ConfigManager(env.get("ANSIBLE_CONFIG") or None)
    user = env.get("ANSIBLE_REMOTE_USER") or config.get_config_value("DEFAULT_REMOTE_USER") or "root"
    key = env.get("ANSIBLE_PRIVATE_KEY_FILE") or config.get_config_value("DEFAULT_PRIVATE_KEY_FILE")
    found = {}
    for host in InventoryManager(loader=DataLoader(), sources=list(sources)).get_hosts():
        hv = combine_vars(get_group_vars(host.get_groups()), host.get_vars())
        port = hv.get("ansible_port") or hv.get("ansible_ssh_port")
        found[host.name] = Login(
            host=host.name,
            address=str(hv.get("ansible_host") or hv.get("ansible_ssh_host") or host.name),
            user=str(hv.get("ansible_user") or hv.get("ansible_ssh_user") or user),
            port=int(port) if port else None,
            key=hv.get("ansible_ssh_private_key_file") or hv.get("ansible_private_key_file") or key,
        )
    return found


def hosts_matching(patterns: list[str]) -> list[str] | None:
    """The inventory hosts that the patterns select, or None when one is templated."""
    from ..inventory import _inventory, _process_std_streams
    from ..run.reach import lab_route

    if any("{{" in p or "{%" in p for p in patterns):
        return None
    inventory = _inventory(tuple(lab_route().inventory))
    with _process_std_streams():
        found = {h.name for p in patterns for h in inventory.get_hosts(p) if not h.implicit}
    return sorted(found)  # without the implicit localhost: a run there touches no target


def _control_dir() -> Path:
    path = Path.home() / ".ansible" / "cp"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _run_one(login: Login, script: str, timeout: float) -> Reply:
    try:
        done = subprocess.run(
            login.command(_control_dir()),
            input=script,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,  # an interrupt of the kernel does not cut the lab's reset in half
        )
    except subprocess.TimeoutExpired:
        return Reply(login.host, UNREACHABLE, "", f"no answer within {timeout:g} s")
    return Reply(login.host, done.returncode, done.stdout, done.stderr)


def run_here(scripts: dict[str, str], timeout: float) -> dict[str, Reply]:
    """Run each host's script on it, all at once; a host the inventory lacks is unreachable."""
    from ..run.reach import lab_route

    target = lab_route()
    known = logins(tuple(target.inventory), target.env)
    replies = {h: Reply(h, UNREACHABLE, "", "not in the inventory") for h in scripts if h not in known}
    wanted = [h for h in scripts if h in known]
    if wanted:
        with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            for reply in pool.map(lambda h: _run_one(known[h], scripts[h], timeout), wanted):
                replies[reply.host] = reply
    return replies


def _forward(scripts: dict[str, str], timeout: float) -> dict[str, Reply]:
    """Host side without Ansible: the same scripts, run by this module in the lab container."""
    from ..remote.client import _lab_container

    done = subprocess.run(
        ["docker", "exec", "-i", "-u", "jovyan", _lab_container(), "python", "-m", "asynclab.grading.ssh_scripts"],
        input=json.dumps({"scripts": scripts, "timeout": timeout}),
        capture_output=True,
        text=True,
        timeout=timeout + 60,
    )
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        said = done.stderr.strip()[-300:]
        raise LabEnvironmentError(f"the lab container could not run its commands on the hosts: {said}") from None
    if "error" in answer:
        raise LabError(answer["error"])
    return {h: Reply(**r) for h, r in answer["replies"].items()}


def as_playbook(scripts: dict[str, str]) -> list[dict]:
    """The same scripts as one play of ``raw`` tasks (how the grader ran them before)."""
    task = {"ansible.builtin.raw": "sh -c {{ lab_scripts[inventory_hostname] | quote }}", "changed_when": False}
    play = {"name": "lab", "hosts": ",".join(scripts), "gather_facts": False, "vars": {"lab_scripts": scripts}}
    return [{**play, "tasks": [task]}]


def run_as_playbook(scripts: dict[str, str], timeout: float) -> dict[str, Reply]:
    """One ansible-playbook run of :func:`as_playbook`, quietly, not counted as a run."""
    import contextlib
    import io

    from ..run import runner

    counted = runner.RUNS
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            result = runner.run_playbook(as_playbook(scripts), timeout=timeout + 60, progress="none")
    finally:
        runner.RUNS = counted
    replies = {h: Reply(h, UNREACHABLE, "", f"no answer ({result.status})") for h in scripts}
    for task in result.tasks:
        if task.host in replies and task.host not in result.unreachable_hosts:
            res = task.res or {}
            rc = int(res.get("rc", 0 if task.status == "ok" else 1))
            replies[task.host] = Reply(task.host, rc, res.get("stdout") or "")
    return replies


def run_scripts(scripts: dict[str, str], timeout: float) -> dict[str, Reply]:
    """Run ``{host: script}`` on the hosts at once; ``timeout`` bounds each host's script.

    ``ASYNCLAB_LAB_COMMANDS=playbook`` runs them as one playbook instead, the way before:
    `make bench` measures both."""
    from ..inventory import in_lab_container
    from ..run.runner import ansible_installed

    if settings.LAB_COMMANDS.get() == "playbook":
        return run_as_playbook(scripts, timeout)
    if in_lab_container() or ansible_installed():
        return run_here(scripts, timeout)
    return _forward(scripts, timeout)


def main() -> int:
    request = json.loads(sys.stdin.read())
    try:
        replies = run_here(request["scripts"], float(request["timeout"]))
    except LabError as exc:
        print(json.dumps({"error": exc.message}))
        return 0
    print(json.dumps({"replies": {h: asdict(r) for h, r in replies.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
