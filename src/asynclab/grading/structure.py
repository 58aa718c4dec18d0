"""Read a learner's playbook as tasks: what runs, with which async, poll and become.

The checks ask questions such as "which task launches /opt/backup.sh?" or "does the
async_status task take its jid from that launch?". This module answers them from the parsed
YAML, following blocks and the keywords a task inherits from its play and blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..run.playbook_input import walk_tasks

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
    #: The enclosing blocks, outermost first, each with the section the task is in
    #: (block, rescue or always).
    path: list[tuple[dict, str]] = field(default_factory=list)
    index: int = 0  # position in the playbook's order of tasks

    @property
    def parents(self) -> list[dict]:
        return [block for block, _ in self.path]

    @property
    def section(self) -> str:
        """tasks, or the innermost block's section this task is in: block, rescue, always."""
        return self.path[-1][1] if self.path else "tasks"

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

    def variable(self, name: str):
        """A variable's definition as the task sees it: its vars, its blocks', its play's."""
        for scope in [self.data, *reversed(self.parents), self.play]:
            found = scope.get("vars")
            if isinstance(found, dict) and name in found:
                return found[name]
        return None

    @property
    def conditions(self) -> list[str]:
        """Every when: that decides whether the task runs: its own and its blocks'."""
        out = []
        for scope in [*self.parents, self.data]:
            when = scope.get("when")
            if when is None:
                continue
            out += [str(w) for w in when] if isinstance(when, list) else [str(when)]
        return out

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
    def loop_var(self) -> str:
        """The name a looped task's item goes by: item, or loop_control's loop_var."""
        control = self.data.get("loop_control")
        if isinstance(control, dict) and control.get("loop_var"):
            return str(control["loop_var"]).strip()
        return "item"

    @property
    def rescuer(self) -> dict | None:
        """The innermost block whose rescue: runs when this task fails, if any."""
        for block, section in reversed(self.path):
            if section == "block" and block.get("rescue"):
                return block
        return None

    @property
    def in_rescuable_block(self) -> bool:
        """A failure of this task is rescued: it sits in the block: part of a block (or of
        a block inside it) that has a rescue: section."""
        return self.rescuer is not None

    def rescues(self, other: Task) -> bool:
        """This task is in the rescue: of a block whose block: part holds ``other``: it runs
        only when something there failed."""
        guarded = {id(block) for block, section in other.path if section == "block"}
        return any(section == "rescue" and id(block) in guarded for block, section in self.path)

    def number(self, key: str):
        """An integer keyword (async, poll, retries, delay), None when unset or templated."""
        return as_int(self.data.get(key))


def as_int(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None  # Ansible refuses 7.5 for an int
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true", "1", "on")
    return bool(value)


def tasks_of(plays) -> list[Task]:
    """Every task of every play, blocks flattened, in the order Ansible would meet them."""
    return [Task(item, play, path, index) for index, (item, play, path) in enumerate(walk_tasks(plays))]


def launches_of(tasks: list[Task], script: str) -> list[Task]:
    """Tasks that run the given script (with or without async), also through a loop's items."""
    return [t for t in tasks if t.command and (script in t.command or script in t.loop_source)]


def async_status_tasks(tasks: list[Task]) -> list[Task]:
    return [t for t in tasks if t.action == "async_status"]


def _bare(expression) -> str:
    """An expression as written, without braces, spaces or the kind of quotes."""
    return re.sub(r"[\s{}]", "", str(expression or "")).replace('"', "'")


def _defined_by_set_fact(tasks: list[Task], before: Task, name: str):
    for task in reversed([t for t in tasks if t.index < before.index and t.action == "set_fact"]):
        args = task.args
        if isinstance(args, dict) and name in args:
            return args[name]
    return None


def resolve(task: Task, expression, tasks: list[Task] | None = None) -> str:
    """An expression the task templates, with a variable that stands for another expression
    replaced by that one, as Ansible resolves it: the task's, its blocks' and its play's
    vars:, or an earlier set_fact (``jid: "{{ job_id }}"`` with ``job_id: "{{ r.ansible_job_id }}"``).
    Without braces and spaces."""
    bare = _bare(expression)
    for _ in range(5):  # a chain of variables, not a cycle
        if not re.fullmatch(r"[A-Za-z_]\w*", bare) or (task.loops and bare == task.loop_var):
            break
        found = task.variable(bare)
        if found is None and tasks is not None:
            found = _defined_by_set_fact(tasks, task, bare)
        if found is None:
            break
        bare = _bare(found)
    return bare


def jid_source(task: Task, tasks: list[Task] | None = None) -> str:
    """The jid expression of an async_status task, resolved, without the braces and spaces."""
    return resolve(task, task.arg("jid"), tasks)


def _results_of(register: str) -> tuple[str, ...]:
    return (f"{register}.results", f"{register}['results']")


def waits_for(status: Task, launch: Task, tasks: list[Task] | None = None) -> str | None:
    """How an async_status task takes its job id from a launch: 'direct', 'loop', 'first' or
    None. A loop follows Ansible's names: the loop variable (item, or loop_control's
    loop_var) over the launch's results, or over their ids mapped out of them."""
    register = str(launch.data.get("register") or "").strip()
    if not register:
        return None
    jid = jid_source(status, tasks)
    # async_status reads the job file at its async dir joined with jid: the results_file
    # path the launch registered names that same file (so Ansible 2.21 waits with it too).
    ids = ("ansible_job_id", "results_file")
    if jid in [f"{register}.{i}" for i in ids] + [f"{register}['{i}']" for i in ids]:
        return "direct"
    results = "|".join(re.escape(r) for r in _results_of(register))
    if re.fullmatch(rf"({results})(\[\d+\]|\|first)\.ansible_job_id|({results})\[\d+\]\['ansible_job_id'\]", jid):
        return "first"
    if not status.loops:
        return None
    var = status.loop_var
    source = resolve(status, status.loop_source, tasks)
    if jid in [f"{var}.{i}" for i in ids] + [f"{var}['{i}']" for i in ids]:
        if re.fullmatch(rf"({results})(\|list)?", source):
            return "loop"
    if jid == var and re.fullmatch(rf"({results})\|map\(attribute='ansible_job_id'\)(\|list)?", source):
        return "loop"
    return None


def defined_elsewhere(status: Task, tasks: list[Task]) -> dict | None:
    """The play whose vars: define the bare variable an async_status task's jid names, when
    that is not the task's own play (a play's vars do not carry over to the next play)."""
    name = jid_source(status, tasks)
    if not re.fullmatch(r"[A-Za-z_]\w*", name) or status.variable(name) is not None:
        return None
    for task in tasks:
        if task.play is not status.play and isinstance(task.play.get("vars"), dict) and name in task.play["vars"]:
            return task.play
    return None


def loops_over_results(status: Task, launch: Task, tasks: list[Task] | None = None) -> bool:
    """The async_status task loops over the launch's registered results."""
    register = str(launch.data.get("register") or "").strip()
    source = resolve(status, status.loop_source, tasks)
    return bool(register) and status.loops and source.split("|")[0] in _results_of(register)


def until_tests_finished(task: Task) -> bool:
    """until: tests the task's own registered result for finished (is finished, .finished)."""
    until = str(task.data.get("until") or "")
    register = re.escape(str(task.data.get("register") or "").strip())
    if not register:
        return False
    return bool(re.search(rf"\b{register}(\s+is\s+finished\b|\.finished\b|\[['\"]finished['\"]\])", until))


def reads_rc_unguarded(expression) -> bool:
    """A condition that reads a result's rc without a default: an error on a result that
    has none (a job still running, or timed out)."""
    text = str(expression or "")
    return bool(re.search(r"\.rc\b|\[['\"]rc['\"]\]", text)) and "default" not in text and " is defined" not in text
