"""The lesson quotes Ansible's messages as its cells print them.

A notebook that quotes a message of Ansible's in its Markdown must print that message in its
own cells when it runs, or say that the message belongs to another version of Ansible (a
version such as "2.19" next to the quote). Otherwise a learner reads one message in the text
and another under the cell, and takes the lab for broken.

What counts as Ansible's message is read from ansible-core's own source: every string it can
print (its module documentation aside), with its placeholders (``%s``, ``{timeout}``) standing
for any value. A quote is a span in backticks or in double quotes of two words or more.

Lab side: needs ansible-core installed (the lab image).
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

#: Module-level names whose strings are documentation, not messages.
DOCS = {"DOCUMENTATION", "EXAMPLES", "RETURN"}
QUOTE = re.compile(r"`([^`\n]+)`|\"([^\"\n]+)\"")
PLACEHOLDER = re.compile(r"%(\([a-z_]+\))?[-0-9.]*[sdrf]|\{[^{}]*\}")
#: A version other than the one the lab runs, near a quote: the quote is marked as that version's.
OTHER_VERSION = re.compile(r"\b2\.(?!21\b)\d{1,2}\b")
NEAR = 100  # characters each side of a quote where a version mark counts
WORD = re.compile(r"[A-Za-z]{2,}")
#: Quotes that are code, not messages: templates, commands, magics, Jinja tests, conditions.
CODE = re.compile(r"\{\{|^[-%$]|^is |^when: |^until: ")


@dataclass(frozen=True)
class Template:
    parts: tuple[str, ...]  # literal text between placeholders

    @property
    def pattern(self) -> re.Pattern:
        parts = [p for p in self.parts if p]
        parts[-1:] = [parts[-1].rstrip(".:!; ")] if parts else []  # a quote ends a sentence its own way
        return re.compile(".+?".join(re.escape(p) for p in parts), re.S)

    @property
    def longest(self) -> str:
        return max(self.parts, key=len)


def _templates_in(tree: ast.AST) -> list[Template]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in DOCS for t in node.targets):
            skip |= {id(n) for n in ast.walk(node.value)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            parts, current = [], ""
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    current += value.value
                else:
                    parts.append(current)
                    current = ""
            parts.append(current)
            skip |= {id(v) for v in node.values}
            found.append(Template(tuple(parts)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value:
            found.append(Template(_clean(tuple(PLACEHOLDER.split(node.value)))))
    return [t for t in found if len(WORD.findall(" ".join(t.parts))) >= 2]


@functools.cache
def ansible_templates() -> tuple[Template, ...]:
    """Every message template in ansible-core's source."""
    import ansible

    out: list[Template] = []
    for path in Path(ansible.__file__).parent.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        out += _templates_in(tree)
    return tuple(out)


def _clean(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The literal parts of a %-template: PLACEHOLDER.split also returns its group (a
    ``(name)`` or None), which is not text."""
    return tuple(p for p in parts if p is not None and not re.fullmatch(r"\([a-z_]+\)", p))


def ansibles_message(quote: str, templates=None) -> str | None:
    """The message of Ansible's that ``quote`` quotes (all of it, or the part that is
    Ansible's when the quote also shows a key, as in ``msg: "Timeout exceeded"``), or None."""
    best = None
    for template in templates if templates is not None else ansible_templates():
        longest = template.longest
        if len(longest) >= len(quote) and quote in longest:
            return quote
        if len(longest) >= 6 and longest in quote and (found := template.pattern.search(quote)):
            if best is None or len(found.group(0)) > len(best):
                best = found.group(0)
    return best


def quotes(markdown: str):
    """(quote, text around it) for each quote of two words or more that is not code."""
    for match in QUOTE.finditer(markdown):
        quote = (match.group(1) or match.group(2)).strip()
        if " " not in quote or len(WORD.findall(quote)) < 2 or CODE.search(quote):
            continue
        around = markdown[max(0, match.start() - NEAR) : match.end() + NEAR]
        yield quote, around


def printed_text(nb) -> str:
    """Everything the notebook's cells printed: streams, results, errors, HTML."""
    out = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            out.append(output.get("text", ""))
            out.append(output.get("evalue", ""))
            out += output.get("traceback", [])
            data = output.get("data", {})
            out.append(data.get("text/plain", ""))
            out.append(re.sub(r"<[^>]+>", "", data.get("text/html", "")))
    return " ".join(" ".join(x) if isinstance(x, list) else str(x) for x in out)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def unprinted(nb, templates=None) -> list[str]:
    """The quoted Ansible messages that the notebook's cells do not print, unmarked as another
    version's: one problem line each."""
    printed = _squash(printed_text(nb))
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for quote, around in quotes(cell.source):
            if OTHER_VERSION.search(around):
                continue
            message = ansibles_message(quote, templates)
            if message and _squash(message) not in printed:
                problems.append(
                    f"the text quotes Ansible's message {message!r}, which no cell of this notebook prints "
                    "(print it, or say which version of Ansible prints it)"
                )
    return list(dict.fromkeys(problems))
