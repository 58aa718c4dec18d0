"""Read a learner's playbook as tasks: what runs, with which async, poll and become.

The checks ask questions such as "which task launches /opt/backup.sh?" or "does the
async_status task take its jid from that launch?". This module answers them from the parsed
YAML, following blocks and the keywords a task inherits from its play and blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Task keywords, as opposed to the one key that names the action.
TASK_KEYWORDS = {
    "name",
    "action",
    "local_action",
    "args",
    "async",
    "poll",
    "register",
    "until",
    "retries",
    "delay",
    "when",
    "loop",
    "loop_control",
    "ignore_errors",
    "ignore_unreachable",
    "failed_when",
    "changed_when",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "vars",
    "tags",
    "environment",
    "notify",
    "delegate_to",
    "delegate_facts",
    "run_once",
    "no_log",
    "timeout",
    "check_mode",
    "diff",
    "any_errors_fatal",
    "throttle",
    "listen",
    "module_defaults",
    "collections",
    "debugger",
    "connection",
    "remote_user",
    "port",
}
INHERITED = ("become", "become_user", "environment", "ignore_errors")
ACTION_PREFIXES = ("ansible.builtin.", "ansible.legacy.")


def short_action(name: str) -> str:
    for prefix in ACTION_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@dataclass
class Task:
    """One task of the playbook with what it inherits from its play and blocks."""

    data: dict
    play: dict
    parents: list[dict] = field(default_factory=list)  # enclosing blocks, outermost first
    section: str = "tasks"  # tasks, block, rescue, always
    index: int = 0  # position in the playbook's order of tasks

    @property
    def name(self) -> str:
        return str(self.data.get("name") or self.command or self.action)

    @property
    def action(self) -> str:
        if "action" in self.data:
            value = self.data["action"]
            return short_action(value.split()[0] if isinstance(value, str) else value.get("module", ""))
        for key in self.data:
            if key not in TASK_KEYWORDS and not key.startswith("with_"):
                return short_action(key)
        return ""

    @property
    def args(self):
        for key, value in self.data.items():
            if key not in TASK_KEYWORDS and not key.startswith("with_"):
                if isinstance(value, dict) and isinstance(self.data.get("args"), dict):
                    return {**self.data["args"], **value}
                if value is None and isinstance(self.data.get("args"), dict):
                    return self.data["args"]
                return value
        return self.data.get("args")

    @property
    def command(self) -> str:
        """The command line a command/shell task runs ('' for other actions)."""
        if self.action not in ("command", "shell", "raw", "script"):
            return ""
        args = self.args
        if isinstance(args, str):
            return args
        if isinstance(args, dict):
            if "cmd" in args:
                return str(args["cmd"])
            if "argv" in args:
                return " ".join(str(a) for a in args["argv"])
            if "_raw_params" in args:
                return str(args["_raw_params"])
        return ""

    def arg(self, key: str):
        args = self.args
        if isinstance(args, dict):
            return args.get(key)
        if isinstance(args, str):
            match = re.search(rf"(?:^|\s){re.escape(key)}=(\S+)", args)
            return match.group(1) if match else None
        return None

    def get(self, key: str, default=None):
        """A keyword as Ansible sees it: the task's own, else its blocks', else the play's."""
        if key in self.data:
            return self.data[key]
        if key in INHERITED:
            for scope in reversed(self.parents):
                if key in scope:
                    return scope[key]
            if key in self.play:
                return self.play[key]
        return default

    @property
    def become_user(self) -> str:
        """Who the task runs as on the target (the lab logs in as root)."""
        if as_bool(self.get("become", False)):
            return str(self.get("become_user") or "root")
        return str(self.play.get("remote_user") or "root")

    @property
    def loops(self) -> bool:
        return "loop" in self.data or any(k.startswith("with_") for k in self.data)

    @property
    def loop_source(self) -> str:
        if "loop" in self.data:
            return str(self.data["loop"])
        for key, value in self.data.items():
            if key.startswith("with_"):
                return str(value)
        return ""

    @property
    def in_rescuable_block(self) -> bool:
        """The task sits in a block (not its rescue) that has a rescue section."""
        return self.section == "block" and bool(self.parents) and "rescue" in self.parents[-1]

    def number(self, key: str):
        """An integer keyword (async, poll, retries, delay), None when unset or templated."""
        return as_int(self.data.get(key))


def as_int(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true", "1", "on")
    return bool(value)


def tasks_of(plays) -> list[Task]:
    """Every task of every play, blocks flattened, in the order Ansible would meet them."""
    out: list[Task] = []

    def walk(items, play, parents, section):
        for item in items or []:
            if not isinstance(item, dict):
                continue
            if "block" in item:
                for part in ("block", "rescue", "always"):
                    walk(item.get(part), play, parents + [item], part)
                continue
            out.append(Task(item, play, parents, section, len(out)))

    for play in plays or []:
        if not isinstance(play, dict):
            continue
        for part in ("pre_tasks", "tasks", "post_tasks"):
            walk(play.get(part), play, [], "tasks")
    return out


def launches_of(tasks: list[Task], script: str) -> list[Task]:
    """Tasks that run the given script (with or without async), also through a loop's items."""
    return [t for t in tasks if t.command and (script in t.command or script in t.loop_source)]


def async_status_tasks(tasks: list[Task]) -> list[Task]:
    return [t for t in tasks if t.action == "async_status"]


def jid_source(task: Task) -> str:
    """The jid expression of an async_status task, without the braces and spaces."""
    return re.sub(r"[\s{}]", "", str(task.arg("jid") or ""))


def waits_for(status: Task, launch: Task) -> str | None:
    """How an async_status task takes its job id from a launch: 'direct', 'loop', 'first' or None."""
    register = launch.data.get("register")
    if not register:
        return None
    jid = jid_source(status)
    if jid in (f"{register}.ansible_job_id", f"{register}['ansible_job_id']"):
        return "direct"
    if re.fullmatch(rf"{re.escape(register)}(\.results|\['results'\])\[\d+\]\.ansible_job_id", jid):
        return "first"
    if jid in ("item.ansible_job_id", "item['ansible_job_id']"):
        source = re.sub(r"[\s{}]", "", status.loop_source)
        if source in (f"{register}.results", f"{register}['results']"):
            return "loop"
    return None


def until_tests_finished(task: Task) -> bool:
    until = str(task.data.get("until") or "")
    return bool(re.search(r"\bis\s+finished\b|\.finished\b|\['finished'\]", until))
