"""The lab's containers as docker-compose.yml defines them, turned into Docker SDK settings,
for the one place that makes them without compose: the hub's learner sets
(deploy/jupyterhub/learner_lab.py). docker-compose.yml stays the only definition of a
target, the releases stand-in and the key maker.

Only the keys listed in SDK_KEYS are translated. The caller gives what is its own: names,
volumes, networks and labels (OWN_KEYS). Any other key is an error, so that a setting added
to the compose file can never be silently left out of the hub's containers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from ..settings import package_version

VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")
DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)")
NANOSECONDS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
SDK_KEYS = {
    "image",
    "hostname",
    "user",
    "entrypoint",
    "tmpfs",
    "stop_signal",
    "mem_limit",
    "pids_limit",
    "healthcheck",
    "restart",
}
OWN_KEYS = {"build", "volumes", "networks", "depends_on", "labels", "ports", "environment", "network_mode"}


class ComposeSpecError(ValueError):
    """docker-compose.yml has a setting this translation does not know."""


def _variable(found: re.Match, env) -> str:
    name, how, word = found.groups()
    value = env.get(name)
    if not value and how == "?":
        raise ComposeSpecError(f"docker-compose.yml needs {name}: {word}")
    return value or (word if how == "-" else "") or ""


def interpolate(value, env):
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default} and ${VAR:?error} in every string of value."""
    if isinstance(value, str):
        return VARIABLE.sub(lambda m: _variable(m, env), value)
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    return value


def services(path: Path, env=None) -> dict[str, dict]:
    """The services of a compose file, with its anchors merged and its variables filled in.
    LAB_VERSION, when ``env`` has none, is the lab's version, as the Makefile gives it to compose."""
    document = yaml.safe_load(Path(path).read_text())
    env = os.environ if env is None else env
    if not env.get("LAB_VERSION"):
        env = {**env, "LAB_VERSION": package_version()}
    return interpolate(document.get("services", {}), env)


def duration_ns(text) -> int:
    """A compose duration ('5s', '1m30s', '24h') in nanoseconds, as the Docker API wants it."""
    if isinstance(text, (int, float)):
        return int(text * 10**9)
    parts = DURATION.findall(str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        raise ComposeSpecError(f"{text!r} is not a compose duration")
    return int(sum(float(n) * NANOSECONDS[u] for n, u in parts))


def healthcheck(check: dict) -> dict:
    out = {"test": check["test"]} if "test" in check else {}
    for key in ("interval", "timeout", "start_period"):
        if key in check:
            out[key] = duration_ns(check[key])
    if "retries" in check:
        out["retries"] = int(check["retries"])
    return out


def memory_bytes(text) -> int:
    """'384m' (compose's byte units b k m g) in bytes."""
    found = re.fullmatch(r"(\d+)([bkmg]?)b?", str(text).lower())
    if not found:
        raise ComposeSpecError(f"{text!r} is not a compose memory size")
    return int(found.group(1)) * 1024 ** "bkmg".index(found.group(2) or "b")


def sdk_settings(service: dict, name: str = "service") -> dict:
    """Keyword arguments of docker's ``containers.run`` for one compose service, without the
    caller's own keys (OWN_KEYS)."""
    unknown = set(service) - SDK_KEYS - OWN_KEYS
    if unknown:
        raise ComposeSpecError(
            f"docker-compose.yml gives {name} {', '.join(sorted(unknown))}, which the hub's "
            "learner sets do not translate yet (asynclab/stack/compose_spec.py)"
        )
    out: dict = {}
    for key in ("image", "hostname", "user", "entrypoint", "stop_signal"):
        if key in service:
            out[key] = service[key]
    if "tmpfs" in service:
        tmpfs = service["tmpfs"]
        out["tmpfs"] = {path: "" for path in ([tmpfs] if isinstance(tmpfs, str) else tmpfs)}
    if "mem_limit" in service:
        out["mem_limit"] = memory_bytes(service["mem_limit"])
    if "pids_limit" in service:
        out["pids_limit"] = int(service["pids_limit"])
    if "healthcheck" in service:
        out["healthcheck"] = healthcheck(service["healthcheck"])
    if "restart" in service:
        out["restart_policy"] = {"Name": service["restart"]}
    return out
