"""Where the lab's hosts are, and how to reach them, seen from where we run.

Inside the ``lab`` container the answer is fixed: /etc/ansible/hosts and ansible.cfg are
preset and the targets resolve by name. From the host, the same groups are used and each
target's address and the per-install key are taken from the running containers
(asynclab.stack.containers). asynclab.run.reach.lab_route() picks the Route for where we run.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from . import settings
from .errors import UnknownHostPattern

DATA = Path(str(resources.files("asynclab") / "data"))
GROUPS_FILE = DATA / "inventory.ini"
ANSIBLE_CFG = DATA / "ansible.cfg"
LAB_HOSTS = ("web1", "web2", "web3", "db1", "app1")
BUILTIN_PATTERNS = {"all", "*", "localhost", "127.0.0.1", "ungrouped"}


def host_order(name: str):
    """Sort key: the lab's hosts in inventory order, then any others by name."""
    return (LAB_HOSTS.index(name), "") if name in LAB_HOSTS else (len(LAB_HOSTS), name)


def in_lab_container() -> bool:
    return settings.IN_LAB.get()


@dataclass
class Route:
    """The way from this process to the lab's hosts: everything ansible-runner needs to
    reach them (inventory sources and settings)."""

    inventory: list[str]
    env: dict[str, str] = field(default_factory=dict)
    where: str = "lab"  # "lab" (inside the lab container) or "host"
    project: str | None = None  # for "host": the compose project of the lab it reaches

    def check_patterns(self, patterns: list[str]) -> None:
        check_patterns(patterns, tuple(self.inventory))


@contextlib.contextmanager
def _process_std_streams():
    """Ansible's Display, made when ansible is first imported, patches sys.stdout/stderr for
    fork safety. A Jupyter kernel's streams cannot be patched, and Ansible then prints two
    warnings into the learner's cell. Let it patch the process's own streams instead."""
    saved = sys.stdout, sys.stderr
    if sys.__stdout__ is not None and sys.__stderr__ is not None:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@functools.lru_cache(maxsize=8)
def _inventory(sources: tuple[str, ...]):
    with _process_std_streams():
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader

    return InventoryManager(loader=DataLoader(), sources=list(sources))


def groups_and_hosts(sources: tuple[str, ...] = (str(GROUPS_FILE),)) -> tuple[dict[str, list[str]], list[str]]:
    """Groups (with their hosts) and hosts of an inventory, as Ansible reads it."""
    inv = _inventory(sources)
    groups = {
        name: sorted(h.name for h in group.get_hosts())
        for name, group in inv.groups.items()
        if name not in ("all", "ungrouped")
    }
    return groups, sorted(inv.hosts)


def _atoms(pattern: str) -> list[str]:
    with _process_std_streams():
        from ansible.inventory.manager import split_host_pattern

    atoms = []
    for part in split_host_pattern(pattern):
        atom = part.lstrip("!&")
        if atom:
            atoms.append(atom)
    return atoms


def check_patterns(patterns: list[str], sources: tuple[str, ...] = (str(GROUPS_FILE),)) -> None:
    """Raise UnknownHostPattern if a play names a host or group the inventory lacks.

    Templated patterns ({{ ... }}) are left to Ansible; wildcards and regexes must match
    at least one host.
    """
    groups, hosts = groups_and_hosts(sources)
    inv = _inventory(sources)
    unknown = []
    for pattern in patterns:
        if "{{" in pattern or "{%" in pattern:
            continue
        for atom in _atoms(pattern):
            if atom in BUILTIN_PATTERNS or atom in groups or atom in hosts:
                continue
            if any(ch in atom for ch in "*?[~") and inv.list_hosts(atom):
                continue
            unknown.append(atom)
    if unknown:
        raise UnknownHostPattern(sorted(set(unknown)), sorted(groups), hosts)
