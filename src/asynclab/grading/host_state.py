"""Put the hosts in an exercise's known state, and read back what a run left on them.

Both are one shell script per host, run over SSH by :mod:`.ssh_scripts` (no controller start-up),
where the learner's playbooks reach the hosts from (the ``lab`` container, a grading
worker; from the host, through the lab container). A host that does not answer is the lab's
fault, never the learner's: that raises LabEnvironmentError. Neither counts as a run
(runner.RUNS): a graded answer's hosts stay its own.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import LabEnvironmentError, LabError
from ..inventory import LAB_HOSTS, host_order
from ..run.records import parse_time
from . import ssh_scripts

RESULTS = "/var/lib/lab/results"
WATCHED_FILES = ("/var/log/operation_failure.log", "/var/log/backup.log")

# A shell script, no Python started on the target: grading costs the hosts little CPU, and
# several classes can be graded side by side. It reads its script from stdin (`sh -s`): no
# command in it may read stdin.


def wait_loop(present: str, step: float) -> str:
    """Shell that waits, at most $LAB_WAIT_TENTHS tenths of a second, checking every ``step``
    seconds, until the test ``present`` (of ``$w``) holds for every name in $LAB_WAIT_FOR."""
    return f"""waited=0
while [ -n "$LAB_WAIT_FOR" ] && [ "$waited" -lt "$LAB_WAIT_TENTHS" ]; do
  missing=0
  for w in $LAB_WAIT_FOR; do {present} || missing=1; done
  [ "$missing" = 0 ] && break
  sleep {step:g}; waited=$((waited + {round(step * 10)}))
done
"""


FINISHED = f'{{ [ -f "{RESULTS}/$w.done" ] || [ -f "{RESULTS}/$w.failed" ]; }}'
PROBE_SCRIPT = f"""
cd /
{wait_loop(FINISHED, 0.5)}for f in {RESULTS}/* {" ".join(WATCHED_FILES)}; do
  [ -f "$f" ] && {{ echo "== $f"; head -c 2000 "$f"; echo; }}
done
if [ "$(hostname)" = db1 ]; then
  echo "== schema_version"
  runuser -u postgres -- psql -X -P pager=off -d production_db -tAc \
    'SELECT max(version) FROM schema_migrations' </dev/null 2>&1
fi
true
"""


@dataclass
class Workload:
    """A lesson script's behaviour on some hosts while an exercise runs."""

    script: str  # e.g. /opt/backup.sh
    seconds: float = 3
    fail: int = 0
    hang: bool = False

    @property
    def name(self) -> str:
        return self.script.rsplit("/", 1)[-1].removesuffix(".sh")

    def reset_argument(self) -> str:
        """How ``lab-reset`` on the target is told this workload's settings."""
        return f"{self.name}={self.seconds:g}:{self.fail}:{int(self.hang)}"


@dataclass
class HostEvidence:
    host: str
    files: dict[str, str] = field(default_factory=dict)  # path -> content

    def result(self, workload: str) -> dict | None:
        """The record a workload left when it finished (``.done``) or failed (``.failed``)."""
        for suffix in ("done", "failed"):
            text = self.files.get(f"{RESULTS}/{workload}.{suffix}")
            if text is not None:
                record = dict(part.split("=", 1) for part in text.split() if "=" in part)
                record["outcome"] = suffix
                record["started_at"] = parse_time(record.get("started"))
                record["finished_at"] = parse_time(record.get("finished"))
                return record
        return None

    def finished_at(self, workload: str) -> datetime | None:
        record = self.result(workload)
        return record["finished_at"] if record else None

    @property
    def schema_version(self) -> int | None:
        value = self.files.get("schema_version", "").strip()
        return int(value) if value.isdigit() else None


def _replies(scripts: dict[str, str], timeout: float, what: str) -> dict[str, ssh_scripts.Reply]:
    """Run the lab's scripts; a host that does not answer is the lab's fault."""
    replies = ssh_scripts.run_scripts(scripts, timeout)
    down = [h for h, reply in replies.items() if reply.unreachable]
    if down:
        raise LabEnvironmentError(
            f"{', '.join(sorted(down, key=host_order))} did not answer while the lab was {what}. Ask your "
            "instructor to check the lab (`make status`, `make reset`) and grade this exercise again."
        )
    return replies


def hosts_to_reset(exercise_hosts, plays) -> list[str]:
    """The exercise's hosts and those the learner's plays name: what a run can touch.
    Where Ansible cannot resolve the patterns here (the host without Ansible) or a pattern
    is templated, all of the lab's hosts."""
    from ..inventory import in_lab_container
    from ..run.playbook_input import host_patterns
    from ..run.runner import ansible_installed

    named = None
    if in_lab_container() or ansible_installed():
        named = ssh_scripts.hosts_matching(host_patterns(plays))
    if named is None:
        return list(LAB_HOSTS)
    return sorted(set(exercise_hosts) | set(named), key=host_order)


def reset_scripts(workloads: dict[str, list[Workload]], hosts=LAB_HOSTS) -> dict[str, str]:
    """Each host's reset: ``lab-reset`` with the exercise's workloads on that host."""
    return {
        host: shlex.join(["/usr/local/sbin/lab-reset", *(w.reset_argument() for w in workloads.get(host, []))])
        + " </dev/null"
        for host in hosts
    }


def probe_scripts(hosts, wait_for: dict[str, list[str]] | None = None, timeout: float = 0) -> dict[str, str]:
    """Each host's probe: wait (bounded) for the named workloads, then print what is there."""
    wait_for = wait_for or {}
    return {
        host: f"LAB_WAIT_FOR={shlex.quote(' '.join(wait_for.get(host, [])))}\n"
        f"LAB_WAIT_TENTHS={int(timeout * 10)}\n{PROBE_SCRIPT}"
        for host in hosts
    }


def prepare(workloads: dict[str, list[Workload]], hosts=LAB_HOSTS) -> None:
    """Reset the hosts (no jobs, no results, services up) and set this exercise's workloads."""
    replies = _replies(reset_scripts(workloads, hosts), timeout=120, what="preparing the exercise")
    failed = [h for h, reply in replies.items() if reply.rc != 0]
    if failed:
        said = (replies[failed[0]].stderr or replies[failed[0]].stdout).strip().splitlines()
        raise LabEnvironmentError(
            f"resetting {', '.join(sorted(failed, key=host_order))} failed before the exercise ran"
            f"{' (' + said[-1] + ')' if said else ''}. Ask your instructor to run `make reset` "
            "and grade this exercise again."
        )


# The lab's defaults again after an exercise's run: its workload settings go, once the jobs
# that read them have started (a workload reads its settings when it starts, and writes its
# log then). A hang or a failure set for the exercise never reaches a later run.
RESTORE_SCRIPT = f"""
{wait_loop('[ -f "/var/log/lab/$w.log" ]', 0.1)}rm -rf /etc/lab/workload.d
"""


def restore_scripts(workloads: dict[str, list[Workload]], text: str, wait: float = 8) -> dict[str, str]:
    """Each host's restore: wait (bounded) for the workloads that ``text`` (the answer) names
    to start, then remove the exercise's settings."""
    scripts = {}
    for host, loads in workloads.items():
        named = [w.name for w in loads if w.name in text]
        scripts[host] = (
            f"LAB_WAIT_FOR={shlex.quote(' '.join(named))}\nLAB_WAIT_TENTHS={int(wait * 10)}\n{RESTORE_SCRIPT}"
        )
    return scripts


def restore_defaults(workloads: dict[str, list[Workload]], text: str) -> None:
    """Put the exercise's hosts back at the lab's workload defaults after its run. Best effort:
    a host that does not answer now is reset before the next exercise anyway."""
    if not workloads:
        return
    try:
        ssh_scripts.run_scripts(restore_scripts(workloads, text), timeout=60)
    except LabError:
        pass


def reset_hosts(hosts=LAB_HOSTS) -> list[str]:
    """A learner's own reset: every host back at the lab's clean state (no jobs, no results,
    default workloads, services up), as ``make reset`` does. Returns what each host said.
    Earlier graded answers are run again on clean hosts when they are checked."""
    from ..run import runner

    replies = _replies(reset_scripts({}, hosts), timeout=120, what="resetting your hosts")
    runner.RUNS += 1  # the hosts changed: an answer checked later runs again (Answer.stale)
    failed = [h for h, reply in replies.items() if reply.rc != 0]
    if failed:
        raise LabEnvironmentError(f"resetting {', '.join(sorted(failed, key=host_order))} failed")
    return [replies[h].stdout.strip() for h in sorted(replies, key=host_order)]


def main() -> int:
    """``lab-reset-hosts``: the learner's reset, from the lab's terminal."""
    try:
        for line in reset_hosts():
            print(line)
    except LabError as exc:
        print(f"lab-reset-hosts: {exc.message}", file=sys.stderr)
        return 1
    return 0


def probe(hosts, wait_for: dict[str, list[str]] | None = None, timeout: float = 0) -> dict[str, HostEvidence]:
    """Read the workloads' results and the watched files on the hosts. With ``wait_for``
    ({host: [workload, ...]}), each host first waits up to ``timeout`` seconds for those
    workloads to leave their results (the wait runs on the host: one SSH command each)."""
    scripts = probe_scripts(hosts, wait_for, timeout)
    replies = _replies(scripts, timeout=60 + timeout, what="reading the results of your run")
    out = {host: HostEvidence(host) for host in hosts}
    for host, reply in replies.items():
        current = None
        lines: list[str] = []
        for line in reply.stdout.splitlines() + ["== "]:
            if line.startswith("== "):
                if current:
                    out[host].files[current] = "\n".join(lines).strip()
                current, lines = line[3:].strip(), []
            else:
                lines.append(line)
    return out
