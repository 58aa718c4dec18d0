"""How a run reaches the lab's hosts from where it runs.

Inside the ``lab`` container the inventory is preset; from the host, the running
containers say where the targets are (asynclab.hosts, through Docker); ASYNCLAB_INVENTORY
names an inventory of one's own. Above both asynclab.inventory (what a Target is) and
asynclab.hosts (the Docker side), so that neither needs the other's way back.
"""

from __future__ import annotations

import os

from .inventory import Target, in_lab_container


def lab_target() -> Target:
    """The target as seen from here: the lab container, or the host via Docker."""
    override = os.environ.get("ASYNCLAB_INVENTORY")
    if override:
        return Target(inventory=[override], where="custom")
    if in_lab_container():
        inventory = os.environ.get("ANSIBLE_INVENTORY", "/etc/ansible/hosts")
        return Target(inventory=[inventory], where="lab")
    from .hosts import Lab  # the Docker side: only from the host

    return Lab.find().ansible_target()
