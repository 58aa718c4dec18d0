"""The class hub's figures for `make bench` (the `hub` section): one person's spawn, one
learner's memory after a notebook ran, and a storm of learners logging in at once.

The hub is deploy/jupyterhub's image, run on this machine's engine under a prefix of its own
and driven over HTTP as people drive it (tests/helpers/hub.py), then removed; its log is
kept in test-artifacts/bench-hub.log.
"""

from __future__ import annotations

import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stack import containers_memory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.hub import HubStack, Person, SpawnFailed  # noqa: E402

INOTIFY_PER_LEARNER = 5 * 6 + 1  # systemd and dbus of five targets; the stand-in's one
NOTEBOOK_RUN = """
import asynclab
asynclab.run_playbook('''
- hosts: servers
  gather_facts: false
  tasks:
    - command: /opt/long_task.sh
      environment: {LAB_SECONDS: 3}
      async: 30
      poll: 0
      register: job
    - async_status: {jid: "{{ job.ansible_job_id }}"}
      register: st
      until: st is finished
      retries: 20
      delay: 1
''', timeout=120)
print("ran")
"""


def learner_memory(hub: HubStack, name: str) -> float:
    """MiB of a learner's server, five targets and stand-in (docker stats)."""
    ids = [c.id for c in hub.client.containers.list() if c.name == f"{hub.prefix}-{name}"]
    labels = [f"org.asynclab.hub.learner={name}", f"org.asynclab.hub.prefix={hub.prefix}"]
    ids += [c.id for c in hub.client.containers.list(filters={"label": labels})]
    return containers_memory(ids)


def spawned(hub: HubStack, name: str, password: str) -> float:
    """Seconds from the login to a server that answers, its five targets healthy (SpawnFailed
    with the spawn page's message when it did not start)."""
    start = time.monotonic()
    person = Person(hub, name, password)
    # Beyond the hub's concurrent spawns the answer is 429 with Retry-After: the spawn page
    # asks again after that, and so does a person here.
    while (answer := person.spawn()).status_code == 429:
        time.sleep(float(answer.headers.get("Retry-After", 5)))
    assert answer.status_code in (201, 202), answer.text
    person.follow_spawn()
    person.server("GET", "api/status").raise_for_status()
    return time.monotonic() - start


def capacity(per_learner_mib: float) -> dict:
    """How many more learners this machine holds: by the memory the kernel says is available
    now (with a fifth kept back) and by the inotify instances every target's systemd takes."""
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    free_mib = int(meminfo["MemAvailable"].split()[0]) / 1024
    limit = int(Path("/proc/sys/fs/inotify/max_user_instances").read_text())
    return {
        "by_memory": int(free_mib * 0.8 // max(per_learner_mib, 1)),
        "by_inotify": limit // INOTIFY_PER_LEARNER,
    }


def hub_figures(storm: int = 0) -> dict:
    """{'hub': {...}}: spawn_s, memory_per_learner_mib, storm (N, seconds until the last answers)."""
    hub = HubStack(prefix=f"hubbench{uuid.uuid4().hex[:6]}")
    hub.build()
    try:
        hub.start()
        accounts = hub.class_list(["ann"])
        spawn_s = spawned(hub, "ann", accounts["ann"][1])
        ann = Person(hub, "ann", accounts["ann"][1])
        idle_mib = learner_memory(hub, "ann")
        ann.run(NOTEBOOK_RUN, timeout=300)
        memory = learner_memory(hub, "ann")
        holds = capacity(memory)
        n = storm or max(2, min(holds.values()))
        names = [f"s{i:02d}" for i in range(n)]
        made = hub.class_list(names)
        start = time.monotonic()

        def one(name: str) -> float | str:
            try:
                return spawned(hub, name, made[name][1])
            except (SpawnFailed, TimeoutError) as failed:  # counted, not fatal: how many fail is a figure too
                return str(failed)

        with ThreadPoolExecutor(n) as pool:
            outcomes = list(pool.map(one, names))
        storm_s = time.monotonic() - start
        each = sorted(t for t in outcomes if isinstance(t, float))
        failed = [t for t in outcomes if isinstance(t, str)]
        return {
            "hub": {
                "spawn_s": round(spawn_s, 1),
                "memory_per_learner_mib": memory,
                "memory_per_learner_idle_mib": idle_mib,
                "storm": {
                    "learners": n,
                    "answered": len(each),
                    "failed": failed,
                    "last_server_answers_s": round(max(each), 1) if each else None,
                    "all_done_s": round(storm_s, 1),
                    "spawn_s_median": round(each[len(each) // 2], 1) if each else None,
                    "machine_holds": holds,
                },
            }
        }
    finally:
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        (ROOT / "test-artifacts" / "bench-hub.log").write_text(hub.logs())
        hub.remove()
