"""Turn what a learner gives us (YAML text, a list of plays, a path) into plays.

Problems are reported as :mod:`asynclab.errors` with the YAML line and column, before
anything runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import PlaybookStructureError, PlaybookSyntaxError

PLAY_KEYS_THAT_NAME_HOSTS = ("hosts",)


@dataclass
class Playbook:
    plays: list[dict]
    text: str
    path: Path | None = None  # set when the playbook came from a file


def _looks_like_path(source: str) -> bool:
    return "\n" not in source and source.strip().endswith((".yml", ".yaml")) and ":" not in source


def load_playbook(source) -> Playbook:
    """Load a playbook from YAML text, a path, or a list of plays (dicts). A Playbook that is
    already loaded is returned as it is: its text is parsed once."""
    if isinstance(source, Playbook):
        return source
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(os.path.expanduser(str(source)))
        if not path.is_file():
            raise PlaybookStructureError(f"no playbook file at {path}")
        text = path.read_text()
        plays = parse_yaml(text, name=str(path))
        _check_plays(plays)
        return Playbook(plays=plays, text=text, path=path.resolve())
    if isinstance(source, dict):
        source = [source]
    if isinstance(source, (list, tuple)):
        plays = list(source)
        _check_plays(plays)
        return Playbook(plays=plays, text=yaml.safe_dump(plays, sort_keys=False))
    if isinstance(source, str):
        plays = parse_yaml(source)
        _check_plays(plays)
        return Playbook(plays=plays, text=source)
    raise PlaybookStructureError(f"a playbook is YAML text, a path or a list of plays, not {type(source).__name__}")


def parse_yaml(text: str, name: str = "your playbook"):
    """Parse YAML; on error raise PlaybookSyntaxError naming the line and column."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "while scanning a simple key" in (exc.context or ""):
            # "could not find expected ':'" is noticed a line late: point at the key itself.
            mark = exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        hint = _hint_for(problem, text, mark)
        message = f"{name} is not valid YAML: {problem}{hint}"
        if mark is None:
            raise PlaybookSyntaxError(message) from None
        raise PlaybookSyntaxError(message, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as exc:  # errors without a position
        raise PlaybookSyntaxError(f"{name} is not valid YAML: {exc}") from None


def _hint_for(problem: str, text: str, mark) -> str:
    if mark is not None:
        lines = text.splitlines()
        if 0 <= mark.line < len(lines) and "\t" in lines[mark.line]:
            return " (YAML does not allow tabs for indentation: use spaces)"
    if "mapping values are not allowed" in problem:
        return " (often a missing space after ':' or a wrong indentation on the line before)"
    if "expected <block end>" in problem and "found '?'" in problem:
        return (
            " ('?' is YAML's word for a key: the key on this line is not indented like the keys "
            "around it. The keys of one task, such as async: and poll:, line up under its first key)"
        )
    if "expected <block end>" in problem:
        return " (check that this line is indented like its siblings)"
    return ""


def _check_plays(plays) -> None:
    if plays is None:
        raise PlaybookStructureError("the playbook is empty: write at least one play with `hosts:` and `tasks:`")
    if isinstance(plays, dict):
        raise PlaybookStructureError(
            "a playbook is a list of plays: start the play with '- name: ...' or '- hosts: ...'"
        )
    if not isinstance(plays, list):
        raise PlaybookStructureError(f"a playbook is a list of plays, but this is a {type(plays).__name__}")
    for number, play in enumerate(plays, start=1):
        if not isinstance(play, dict):
            raise PlaybookStructureError(f"play {number} is not a mapping of keys such as hosts: and tasks:")
        if "import_playbook" in play or "ansible.builtin.import_playbook" in play:
            continue
        if "hosts" not in play:
            where = f" ('{play['name']}')" if "name" in play else ""
            raise PlaybookStructureError(f"play {number}{where} has no `hosts:`: say which hosts it runs on")


def host_patterns(plays: list[dict]) -> list[str]:
    """The host patterns of all plays, as written (templated ones included)."""
    patterns = []
    for play in plays:
        hosts = play.get("hosts")
        if hosts is None:
            continue
        if isinstance(hosts, list):
            patterns.extend(str(h) for h in hosts)
        else:
            patterns.append(str(hosts))
    return patterns


#: The sections of a play that hold its tasks, in the order Ansible runs them.
TASK_SECTIONS = ("pre_tasks", "tasks", "post_tasks")


def walk_tasks(plays, sections: tuple[str, ...] = TASK_SECTIONS):
    """Every task of the plays as written, blocks flattened, in the order Ansible meets them:
    ``(task, play, path)``, where path lists the enclosing blocks, outermost first, each with
    the section the task is in (block, rescue or always)."""

    def walk(items, play, path):
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            if "block" in item:
                for part in ("block", "rescue", "always"):
                    yield from walk(item.get(part), play, [*path, (item, part)])
                continue
            yield item, play, path

    for play in plays if isinstance(plays, list) else []:
        if isinstance(play, dict):
            for section in sections:
                yield from walk(play.get(section), play, [])
