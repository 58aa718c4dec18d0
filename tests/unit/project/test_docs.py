"""The README and the docs name only what exists.

What counts as a name, in README.md, images/lab/START.md (the page the lab opens on),
docs/*.md and deploy/*/README.md (fenced code blocks are left out: they are commands to
type, with the reader's own values):

- a **path**: a word of an inline code span (words split at blanks and ``=``) that has a
  ``/`` in it, or is a file name with one of SUFFIXES, or is one of ROOT_NAMES. A path with
  a ``/`` is read from the repository's root, whatever the document's folder; a bare file
  name must be the name of some file in the repository. Not a path: a URL or anything with
  a ``:`` (an image tag, an address), an absolute path or one under ``~`` (inside a
  container or a home, not in the repository), a flag, a glob or a placeholder (``*``,
  ``{}``, ``<>``, ``…``, ``$``), a name under a domain (``hub.jupyter.org/username``, a
  label's key). In a ``kubectl`` or ``helm`` command only words with a file suffix are
  paths (``deploy/hub`` there is a Deployment, ``jupyterhub/jupyterhub`` a chart). A
  trailing ``/`` says the path is a folder;
- a **module**: ``asynclab.`` followed by dotted names in an inline code span. Its longest
  leading part that is a package or a module under src/ must exist, and the next name, if
  any, must be written in that module (a class, a function, a constant);
- a **link**: the target of a Markdown link that is not a URL, read from the document's
  own folder; its ``#anchor``, if any, must be a heading of the file it points to.

What the lab or a make target writes (grader/report/, the bundle, …) is not in the
repository: MADE_AT_RUN_TIME lists it, and only code spans may name it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.paths import ROOT

SUFFIXES = {".py", ".md", ".ipynb", ".yml", ".yaml", ".sh", ".toml", ".cfg", ".ini", ".j2", ".json", ".jsonl", ".ts"}
ROOT_NAMES = {"Makefile", "Dockerfile", "LICENSE", ".env.example"}
NOT_IN_A_PATH = ("://", ":", "*", "?", "[", "]", "{", "}", "<", ">", "…", "...", "$", "|", "@", '"', "'", "(", ")")

# Written by the lab, a make target or a test, never tracked: named by the docs all the same.
MADE_AT_RUN_TIME = (
    "docker-compose.cgroup.yml",  # make config
    "bench/results.json",  # make bench
    ".venv/",  # make setup
    "grader/report/",  # make report
    "grader/feedback/",  # make feedback
    "grader/grades.csv",  # make grades
    "grader/autograde-report.txt",  # make autograde
    "grader/gradebook-backups/",
    "grader/gradebook.db",
    "bundle/",  # make bundle
    "build/",  # make test-v2-vm, images
    "test-artifacts/",  # the browser tests' screenshots, bench's logs
)

# Folders whose files are not the repository's own (tools, caches, built things).
NOT_SEARCHED = {".git", ".venv", "node_modules", "__pycache__", "build", "wheelhouse", "test-artifacts", "bundle"}

FENCE = re.compile(r"^\s*(```|~~~).*?^\s*\1", re.M | re.S)
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MODULE = re.compile(r"(?<![\w./-])asynclab(?:\.[A-Za-z_]\w*)+(?![\w/.-])")
DOMAIN = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.(org|com|io|net|dev|example)/")
CLUSTER_COMMANDS = ("kubectl", "helm")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


@dataclass(frozen=True)
class Name:
    kind: str  # "path", "module" or "link"
    text: str


def documents(root: Path = ROOT) -> list[Path]:
    """The documents whose names are checked: the README, the lab's start page, the docs,
    and the README of each deployment."""
    found = [root / "README.md", root / "images" / "lab" / "START.md"]
    found += sorted((root / "docs").glob("*.md"))
    found += sorted((root / "deploy").glob("*/README.md"))
    return [doc for doc in found if doc.is_file()]


def is_path(word: str) -> bool:
    if not word or any(mark in word for mark in NOT_IN_A_PATH):
        return False
    if word.startswith(("/", "~", "-", "%", "#", "+")):
        return False
    if word in ROOT_NAMES:
        return True
    if not re.fullmatch(r"[\w.+/-]+", word):
        return False
    if "/" in word:
        return "//" not in word and any(c.isalpha() for c in word) and not DOMAIN.match(word)
    return Path(word).suffix in SUFFIXES and Path(word).stem != ""


def names_in(markdown: str) -> list[Name]:
    """Every path, module and link a Markdown text names, in the order it names them."""
    text = FENCE.sub("", markdown)
    names: list[Name] = []
    for span in CODE_SPAN.finditer(text):
        code = span.group(2)
        names += [Name("module", m.group(0)) for m in MODULE.finditer(code)]
        cluster_command = code.split(" ", 1)[0] in CLUSTER_COMMANDS
        for word in re.split(r"[\s=]+", code):
            word = word.rstrip(",;.:")
            if is_path(word) and not (cluster_command and Path(word).suffix not in SUFFIXES):
                names.append(Name("path", word))
    for link in LINK.finditer(CODE_SPAN.sub("", text)):
        target = link.group(1)
        if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
            names.append(Name("link", target))
    return names


def slug(heading: str) -> str:
    """A heading's anchor, as GitHub makes it."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", text))


def file_names(root: Path) -> set[str]:
    names: set[str] = set()
    for _folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in NOT_SEARCHED and not d.endswith(".egg-info")]
        names.update(files)
    return names


def _written_in(module: Path, name: str) -> bool:
    return module.is_file() and re.search(rf"\b{re.escape(name)}\b", module.read_text()) is not None


def module_exists(dotted: str, root: Path) -> bool:
    parts = dotted.split(".")
    here = root / "src" / parts[0]
    for i, part in enumerate(parts[1:], start=1):
        if (here / part).is_dir():
            here = here / part
        elif (here / f"{part}.py").is_file():
            rest = parts[i + 1 :]
            return not rest or _written_in(here / f"{part}.py", rest[0])
        else:
            return _written_in(here / "__init__.py", part)
    return here.is_dir()


def path_exists(path: str, root: Path, known_files: set[str]) -> bool:
    if path.startswith(MADE_AT_RUN_TIME) or path.rstrip("/") in {p.rstrip("/") for p in MADE_AT_RUN_TIME}:
        return True
    if "/" not in path:
        return path in known_files
    where = root / path
    return where.is_dir() if path.endswith("/") else where.exists()


def link_exists(target: str, doc: Path) -> bool:
    path, _, anchor = target.partition("#")
    where = (doc.parent / path).resolve() if path else doc
    if not where.exists():
        return False
    if anchor and where.suffix == ".md":
        return anchor in {slug(h) for h in HEADING.findall(FENCE.sub("", where.read_text()))}
    return True


def missing(doc: Path, root: Path = ROOT, known_files: set[str] | None = None) -> list[str]:
    """The names in a document that do not exist, as `kind: name`."""
    known_files = file_names(root) if known_files is None else known_files
    gone = []
    for name in names_in(doc.read_text()):
        if name.kind == "path":
            ok = path_exists(name.text, root, known_files)
        elif name.kind == "module":
            ok = module_exists(name.text, root)
        else:
            ok = link_exists(name.text, doc)
        if not ok and f"{name.kind}: {name.text}" not in gone:
            gone.append(f"{name.kind}: {name.text}")
    return gone


def test_every_name_in_the_docs_exists():
    docs = documents()
    assert ROOT / "README.md" in docs
    known = file_names(ROOT)
    checked = sum(len(names_in(doc.read_text())) for doc in docs)
    assert checked > 100, f"only {checked} names found: the rule no longer finds them"
    gone = {str(doc.relative_to(ROOT)): missing(doc, ROOT, known) for doc in docs}
    gone = {doc: names for doc, names in gone.items() if names}
    assert not gone, "names that do not exist:\n" + "\n".join(
        f"  {doc}: {name}" for doc, names in gone.items() for name in names
    )


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines < 250, f"README.md has {lines} lines: move the detail to docs/"


def test_every_doc_is_linked_from_the_readme():
    readme = ROOT / "README.md"
    linked = {
        (readme.parent / name.text.partition("#")[0]).resolve()
        for name in names_in(readme.read_text())
        if name.kind == "link"
    }
    docs = sorted((ROOT / "docs").glob("*.md"))
    assert docs, "docs/ has no page"
    unlinked = [str(doc.relative_to(ROOT)) for doc in docs if doc.resolve() not in linked]
    assert not unlinked, f"docs not linked from README.md: {unlinked}"


SAMPLE = """\
# Sample

## The part, with `code_span`

Run `make lab` and read `src/pkg/here.py`, `src/pkg/gone.py`, `here.py` and `gone.py`;
`docs/` is a folder, `here.py/` is not. Not paths: `https://example.com/a/b`,
`/opt/long_task.sh`, `~/work/x.py`, `tests/*.py`, `grader/source/<assignment>/`,
`asynclab/lab:1.2.3`, `--trace`, `%%playbook`, `hub.jupyter.org/username=ann`,
`asynclab.org/pids-limit`. Made by the lab: `grader/report/index.html`.
On a cluster: `kubectl exec deploy/hub -- ls`, `kubectl apply -f deploy/gone.yaml`.
A command: `make test TESTS=tests/missing_test.py`. Modules: `asynclab.pkg.here.run_it`,
`asynclab.pkg.here.not_there`, `python -m asynclab.pkg.gone`, `org.asynclab.hub.user`.
Links: [here](src/pkg/here.py), [gone](src/pkg/gone.py), [web](https://example.com/x),
[part](#the-part-with-code_span), [no part](#no-such-part), [docs](docs/page.md#page).

```sh
cat src/pkg/in_a_fence.py
```
"""


def test_the_rule_finds_what_is_missing_and_only_that(tmp_path):
    (tmp_path / "src" / "asynclab" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "asynclab" / "__init__.py").write_text("")
    (tmp_path / "src" / "asynclab" / "pkg" / "here.py").write_text("def run_it():\n    pass\n")
    (tmp_path / "src" / "pkg").mkdir()
    (tmp_path / "src" / "pkg" / "here.py").write_text("")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text("# Page\n")
    (tmp_path / "README.md").write_text(SAMPLE)
    assert missing(tmp_path / "README.md", tmp_path) == [
        "path: src/pkg/gone.py",
        "path: gone.py",
        "path: here.py/",
        "path: deploy/gone.yaml",
        "path: tests/missing_test.py",
        "module: asynclab.pkg.here.not_there",
        "module: asynclab.pkg.gone",
        "link: src/pkg/gone.py",
        "link: #no-such-part",
    ]
    assert Name("path", "src/pkg/in_a_fence.py") not in names_in(SAMPLE)


def test_the_rule_counts_paths_as_paths():
    paths = ["README.md", "docs/", ".ci/run", "Makefile", "bench/in_lab/", "tests/unit/project/test_docs.py"]
    not_paths = ["make", "http://x/y", "/etc/ansible/hosts", "~/work", "a/*.py", "<user>/x", "asynclab.run", "-n"]
    not_paths += ["hub.jupyter.org/username", "asynclab.org/pids-limit", "releases.example.com/debian"]
    assert [w for w in paths if not is_path(w)] == []
    assert [w for w in not_paths if is_path(w)] == []
