"""Control the lab's containers from the host, with the Docker SDK.

Status, a command on a target, a reset of the targets to a clean state, and stopping or
starting one host for fault demos. This needs the Docker engine, so it works on the host
only: the learners' ``lab`` container has no Docker socket, on purpose.
"""

from __future__ import annotations

import io
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .. import settings
from ..errors import HostControlUnavailable, LabError, LabNotRunning
from ..inventory import ANSIBLE_CFG, GROUPS_FILE, LAB_HOSTS as TARGETS, Route, in_lab_container
from .waiting import wait_until

ROLE_LABEL = "org.asynclab.role"
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
ONEOFF_LABEL = "com.docker.compose.oneoff"
PROBE = "/usr/local/sbin/lab-health"  # the targets' own health check (images/target/rootfs)
PROBE_TIMEOUT = 30  # seconds one readiness check may take
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "asynclab"


@dataclass
class HostStatus:
    name: str
    state: str  # running, exited, ...
    health: str  # healthy, starting, unhealthy, none
    address: str | None

    @property
    def ready(self) -> bool:
        return self.state == "running" and self.health == "healthy"


def _preferred(container) -> tuple[bool, str]:
    return container.status == "running", container.attrs.get("Created", "")


def _health_check(container) -> list[str] | None:
    """The command of a container's own health check (from its image or the compose file),
    or None when it has none."""
    test = ((container.attrs.get("Config") or {}).get("Healthcheck") or {}).get("Test") or []
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", test[1]]
    return test[1:] if test[0] == "CMD" else test


def _docker_client():
    if in_lab_container():
        raise HostControlUnavailable(
            "host control needs the Docker engine, which the lab container has no access to "
            "(on purpose). Run it from the host: `make reset`, `make status`."
        )
    try:
        import docker

        client = docker.from_env()
        client.ping()
        return client
    except Exception as exc:  # docker missing, engine down, no permission
        raise LabNotRunning(f"the Docker engine cannot be reached: {exc}") from None


class Stack:
    """One running lab: a compose project with the five targets and the lab container."""

    def __init__(self, project: str, client=None):
        self.project = project
        self.client = client or _docker_client()

    # ---- finding the lab ---------------------------------------------------------------
    @classmethod
    def find(cls, project: str | None = None) -> Stack:
        """The lab's compose project: the one given, $ASYNCLAB_PROJECT, or the only one running."""
        client = _docker_client()
        project = project or settings.PROJECT.get() or os.environ.get("COMPOSE_PROJECT_NAME")
        # The list call alone (no inspect of each container): a container that another
        # project removes meanwhile cannot make this fail.
        containers = client.api.containers(all=True, filters={"label": f"{ROLE_LABEL}=target"})
        projects = sorted({(c.get("Labels") or {}).get(PROJECT_LABEL, "") for c in containers})
        if project:
            if project not in projects:
                raise LabNotRunning(f"no lab containers in the compose project '{project}'")
            return cls(project, client)
        if not projects:
            raise LabNotRunning("no lab containers found")
        if len(projects) > 1:
            running = ", ".join(projects)
            raise LabError(f"several labs are running ({running}): set {settings.PROJECT.name} to the one to use")
        return cls(projects[0], client)

    def _containers(self, role: str | None = None):
        """The project's service containers, as compose itself counts them: those compose made
        for a service (``oneoff=False``). An image built by compose carries the project and
        service labels of the build, and every container run from it outside compose (a
        one-shot cgroup probe, a hub learner's target) inherits them: without this, it would
        pass for that project's host. A container that compose removes while it is listed (a
        recreate) makes Docker's list fail: it is listed again."""
        from docker.errors import NotFound

        labels = [f"{PROJECT_LABEL}={self.project}", f"{ONEOFF_LABEL}=False"]
        if role:
            labels.append(f"{ROLE_LABEL}={role}")
        for attempt in range(3):
            try:
                found = self.client.containers.list(all=True, filters={"label": labels})
            except NotFound:
                if attempt == 2:
                    raise
                continue
            return found

    def _by_service(self, reload: bool = False) -> dict:
        """Each service's container; while compose replaces one, the running one (then the
        newest). With reload, each is read again, and one removed since the list is left out."""
        from docker.errors import NotFound

        out = {}
        for c in self._containers():
            if reload:
                try:
                    c.reload()
                except NotFound:
                    continue
            name = c.labels.get(SERVICE_LABEL, c.name)
            if name not in out or _preferred(c) > _preferred(out[name]):
                out[name] = c
        return out

    def container(self, name: str):
        """The service's container; while compose replaces one, the running one."""
        by_service = self._by_service()
        if name in by_service:
            return by_service[name]
        raise LabError(f"no container '{name}' in the lab (it has: {', '.join(sorted(by_service))})")

    # ---- status ------------------------------------------------------------------------
    def status(self) -> dict[str, HostStatus]:
        out = {}
        for name, c in sorted(self._by_service(reload=True).items()):
            health = c.attrs.get("State", {}).get("Health", {}).get("Status", "none")
            out[name] = HostStatus(name, c.status, health, self._address(c))
        return out

    def _address(self, container) -> str | None:
        nets = container.attrs.get("NetworkSettings", {}).get("Networks", {}) or {}
        for net_name, net in nets.items():
            if net_name.endswith("_targets") and net.get("IPAddress"):
                return net["IPAddress"]
        return None

    def not_ready(self, parts) -> dict[str, str]:
        """Each part that is not ready, with why. A part is ready when it runs and its own
        health check (a target's PROBE, another container's check from its image or the
        compose file) passes, run now with PROBE_TIMEOUT rather than read from Docker's
        schedule, whose short timeout a busy machine fails long after the service answers;
        a part without a check is ready when it runs."""
        by_service = self._by_service(reload=True)
        why = {}
        for part in parts:
            c = by_service.get(part)
            if c is None or c.status != "running":
                why[part] = c.status if c else "not created"
                continue
            # A target's own probe always: the grading workers' sets switch Docker's check off.
            check = [PROBE] if part in TARGETS else _health_check(c)
            if check is None:
                continue
            try:
                rc, said = self._exec_in(c, part, check, timeout=PROBE_TIMEOUT)
            except LabError as exc:
                why[part] = str(exc)
                continue
            if rc != 0:
                lines = said.strip().splitlines()
                why[part] = lines[-1] if lines else f"its health check exited {rc}"
        return why

    def wait_healthy(self, hosts=None, timeout: float = 180) -> None:
        """Wait until every host named (the five targets by default) is ready (not_ready)."""
        wanted = list(hosts or TARGETS)
        wait_until(lambda: not self.not_ready(wanted), timeout, 1.0, what=f"healthy hosts {', '.join(wanted)}")

    # ---- commands ----------------------------------------------------------------------
    def exec(
        self, host: str, command: str | list[str], user: str = "root", timeout: float | None = None
    ) -> tuple[int, str]:
        """Run a command on a target (through Docker, not SSH); return (exit code, output)."""
        return self._exec_in(self.container(host), host, command, user, timeout)

    def _exec_in(self, c, host: str, command, user: str = "root", timeout: float | None = None) -> tuple[int, str]:
        if c.status != "running":
            raise LabError(f"{host} is not running ({c.status}): start it with Lab.start('{host}') or `make lab`")
        cmd = ["bash", "-lc", command] if isinstance(command, str) else list(command)
        if timeout:
            cmd = ["timeout", str(int(timeout))] + cmd
        try:
            rc, output = c.exec_run(cmd, user=user, demux=False)
        except Exception as exc:  # docker.errors.APIError: it stopped or restarted just now
            raise LabError(f"{host} stopped while a command ran on it: {exc}") from None
        text = (output or b"").decode(errors="replace")
        if rc == 126 and "cannot exec in a stopped container" in text:  # it stopped as the command began
            raise LabError(f"{host} stopped while a command ran on it: {text.strip()}")
        return rc, text

    def reset(self, hosts=None) -> dict[str, str]:
        """Bring the targets back to a clean state (starting any that were stopped)."""
        wanted = list(hosts or TARGETS)
        for h in wanted:
            if self.container(h).status != "running":
                self.start(h, wait=False)
        self.wait_healthy(wanted)
        out = {}
        for h in wanted:
            try:
                rc, text = self.exec(h, ["/usr/local/sbin/lab-reset"])
            except LabError:
                # It went down between the health check and the reset (a restart that an
                # earlier fault left under way): wait until it is back, then reset it once more.
                if self.container(h).status not in ("running", "restarting"):
                    self.start(h, wait=False)
                self.wait_healthy([h])
                rc, text = self.exec(h, ["/usr/local/sbin/lab-reset"])
            if rc != 0:
                raise LabError(f"reset of {h} failed (exit {rc}): {text.strip()}")
            out[h] = text.strip()
        return out

    def stop(self, host: str, timeout: int = 5) -> None:
        self.container(host).stop(timeout=timeout)

    def kill(self, host: str) -> None:
        self.container(host).kill()

    def start(self, host: str, wait: bool = True, timeout: float = 120) -> None:
        self.container(host).start()
        if wait:
            self.wait_healthy([host], timeout)

    def configure_workload(self, name: str, hosts=None, **settings) -> None:
        """Set a workload's defaults on hosts, e.g. configure_workload('backup', seconds=8)."""
        lines = "\n".join(f"LAB_{k.upper()}={int(v) if isinstance(v, bool) else v}" for k, v in settings.items())
        for h in hosts or TARGETS:
            env_file = f"/etc/lab/workload.d/{name}.env"
            rc, text = self.exec(h, f"mkdir -p /etc/lab/workload.d && printf '%s\\n' '{lines}' > {env_file}")
            if rc != 0:
                raise LabError(f"could not configure {name} on {h}: {text}")

    # ---- reaching the targets over SSH from the host -------------------------------------
    def private_key(self) -> Path:
        """Copy this install's private key out of the `keys` volume (cached, mode 0600)."""
        c = self.container("lab")
        try:
            stream, _ = c.get_archive("/etc/lab-keys/id_ed25519")
        except Exception as exc:
            raise LabNotRunning(f"the lab container has no SSH key yet: {exc}") from None
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            key = tar.extractfile(tar.getmembers()[0]).read()
        path = CACHE / self.project / "id_ed25519"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != key:
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(key)
            tmp.chmod(0o600)
            tmp.replace(path)
        return path

    def ansible_route(self) -> Route:
        """Inventory and settings for running playbooks from the host against this lab."""
        status = self.status()
        if not any(h in status for h in TARGETS):
            raise LabNotRunning(f"the compose project '{self.project}' has no target hosts")
        lines = ["all:", "  hosts:"]
        for h in TARGETS:
            st = status.get(h)
            # A stopped host keeps its name as address: Ansible then reports it unreachable.
            address = st.address if st and st.address else f"{h}.unreachable.invalid"
            lines.append(f"    {h}:\n      ansible_host: {address}")
        path = CACHE / self.project / "hosts.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        env = {
            "ANSIBLE_CONFIG": str(ANSIBLE_CFG),
            "ANSIBLE_PRIVATE_KEY_FILE": str(self.private_key()),
        }
        return Route(inventory=[str(GROUPS_FILE), str(path)], env=env, where="host", project=self.project)
