"""Put the hosts in an exercise's known state, and read back what a run left on them.

Both run small playbooks of the lab's own through the runner, so they work wherever the
learner's playbooks do (in the ``lab`` container, or from the host). A host that does not
answer is the lab's fault, never the learner's: that raises LabEnvironmentError.
"""

from __future__ import annotations

import contextlib
import io
import shlex
from dataclasses import dataclass, field
from datetime import datetime

from .. import runner
from ..errors import LabEnvironmentError
from ..inventory import LAB_HOSTS
from ..records import parse_time
from ..runner import run_playbook

RESULTS = "/var/lib/lab/results"
WATCHED_FILES = ("/var/log/operation_failure.log", "/var/log/backup.log")

# Both playbooks use `raw` (one SSH command per host, no Python started on the target): a
# grading run costs the hosts little CPU, and several classes can be graded side by side.
# `raw` runs in a terminal (ssh -tt): nothing in the script may wait for input or page.
PROBE_SCRIPT = f"""
cd /
waited=0
while [ -n "$LAB_WAIT_FOR" ] && [ "$waited" -lt "$LAB_WAIT_TENTHS" ]; do
  missing=0
  for w in $LAB_WAIT_FOR; do
    [ -f "{RESULTS}/$w.done" ] || [ -f "{RESULTS}/$w.failed" ] || missing=1
  done
  [ "$missing" = 0 ] && break
  sleep 0.5; waited=$((waited + 5))
done
for f in {RESULTS}/* {" ".join(WATCHED_FILES)}; do
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


def _quiet_run(plays, timeout: float, what: str):
    """Run one of the lab's own playbooks with no output at all (grading cells must stay clean)."""
    sink = io.StringIO()
    counted = runner.RUNS  # the lab's own runs leave a graded answer's hosts as they were
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            result = run_playbook(plays, timeout=timeout, progress="none")
    finally:
        runner.RUNS = counted
    down = result.unreachable_hosts
    if down or result.status == "timeout":
        names = ", ".join(down) if down else "the hosts"
        raise LabEnvironmentError(
            f"{names} did not answer while the lab was {what}. Ask your instructor to check "
            "the lab (`make status`, `make reset`) and grade this exercise again."
        )
    return result


def prepare(workloads: dict[str, list[Workload]], hosts=LAB_HOSTS) -> None:
    """Reset the hosts (no jobs, no results, services up) and set this exercise's workloads."""
    arguments = {host: " ".join(w.reset_argument() for w in workloads.get(host, [])) for host in hosts}
    play = {
        "name": "lab: clean state for the exercise",
        "hosts": ",".join(hosts),
        "gather_facts": False,
        "tasks": [
            {
                "name": "reset",
                "ansible.builtin.raw": "/usr/local/sbin/lab-reset {{ lab_workloads[inventory_hostname] }}",
                "changed_when": False,
            }
        ],
        "vars": {"lab_workloads": arguments},
    }
    result = _quiet_run([play], timeout=120, what="preparing the exercise")
    if not result.ok:
        failed = ", ".join(result.failed_hosts) or "a host"
        raise LabEnvironmentError(
            f"resetting {failed} failed before the exercise ran. Ask your instructor to run "
            "`make reset` and grade this exercise again."
        )


def probe(hosts, wait_for: dict[str, list[str]] | None = None, timeout: float = 0) -> dict[str, HostEvidence]:
    """Read the workloads' results and the watched files on the hosts. With ``wait_for``
    ({host: [workload, ...]}), each host first waits up to ``timeout`` seconds for those
    workloads to leave their results (the wait runs on the host: one SSH command each)."""
    wait_for = wait_for or {}
    play = {
        "name": "lab: read the results",
        "hosts": ",".join(hosts),
        "gather_facts": False,
        "tasks": [
            {
                "name": "probe",
                "ansible.builtin.raw": "LAB_WAIT_FOR='{{ lab_wait_for.get(inventory_hostname, '') }}' "
                f"LAB_WAIT_TENTHS={int(timeout * 10)} sh -c {shlex.quote(PROBE_SCRIPT)}",
                "changed_when": False,
            }
        ],
        "vars": {"lab_wait_for": {h: " ".join(names) for h, names in wait_for.items()}},
    }
    result = _quiet_run([play], timeout=60 + timeout, what="reading the results of your run")
    out = {host: HostEvidence(host) for host in hosts}
    for task in result.tasks:
        if task.host not in out:
            continue
        current = None
        lines: list[str] = []
        for line in (task.res.get("stdout") or "").splitlines() + ["== "]:
            if line.startswith("== "):
                if current:
                    out[task.host].files[current] = "\n".join(lines).strip()
                current, lines = line[3:].strip(), []
            else:
                lines.append(line)
    return out
