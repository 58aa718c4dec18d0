"""The lab's containers, driven from the host with Docker (host side: never in the lab
container, which has no Docker socket).

containers (a running compose project: its hosts, a command on a target, reset, stop and
start for fault demos), host_set (a private set of five targets as a compose project of its
own), compose_spec (docker-compose.yml turned into Docker SDK settings, for the hub),
cgroup_settings (the targets' cgroup settings for the engine at hand) and waiting.
"""
