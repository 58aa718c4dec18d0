"""How a run reaches the lab's hosts from where it runs.

Inside the ``lab`` container the inventory is preset; from the host, the running
containers say where the targets are (asynclab.stack.containers, through Docker); ASYNCLAB_INVENTORY
names an inventory of one's own. Above both asynclab.inventory (what a Route is) and
asynclab.stack.containers (the Docker side), so that neither needs the other's way back.
"""

from __future__ import annotations

import os

from .. import settings
from ..inventory import Route, in_lab_container


def lab_route() -> Route:
    """The target as seen from here: the lab container, or the host via Docker."""
    override = settings.INVENTORY.get()
    if override:
        return Route(inventory=[str(override)], where="custom")
    if in_lab_container():
        inventory = os.environ.get("ANSIBLE_INVENTORY", "/etc/ansible/hosts")
        return Route(inventory=[inventory], where="lab")
    from ..stack.containers import Stack  # the Docker side: only from the host

    return Stack.find().ansible_route()
