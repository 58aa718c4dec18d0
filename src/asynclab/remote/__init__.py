"""The host's way into the lab: the host has no Ansible, so a playbook run asked for on the
host runs in the lab container, over ``docker exec``.

The two ends are named as a pair: client (host side: sends the request, shows the events as
they come, raises the lab's errors again) and server (lab side: ``python -m
asynclab.remote.server`` runs the playbook and streams its events back). protocol holds what
crosses between them, and is imported by both.
"""
