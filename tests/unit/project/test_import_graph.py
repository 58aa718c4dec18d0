"""The import graph of src/asynclab: no cycles, and each side keeps to its own.

The host side drives Docker and has no Ansible; the lab side runs Ansible and has no Docker
socket. SIDES says where each module runs; a new module must be given a side here.

The imports are read with ``ast``, not run: every ``import`` and ``from ... import`` counts,
at module level and inside functions alike, except those under ``if TYPE_CHECKING:`` (they
never run). A function-level import still ties the two modules together: it only moves the
cycle from import time to call time.
"""

import ast
from pathlib import Path

from tests.helpers.paths import ROOT

PACKAGE = ROOT / "src" / "asynclab"


def module_names(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package at root (packages by __init__)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST):
    """Import nodes anywhere under node, leaving out the bodies of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes_in(other)
            continue
        yield from _import_nodes_in(child)


def _import_nodes_in(node: ast.AST):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    yield from _import_nodes(node)


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that the module `name` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            if node.level:
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            # `from pkg import sub` imports the submodule; `from mod import name`, the module.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for target in targets:
            while target and target not in modules:  # `import a.b.c` of an attribute: its module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = module_names(root)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a -> b -> ... -> a) through each strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected group has one


#: Where each module runs, by dotted prefix (the longest prefix that matches decides).
SIDES = {
    "asynclab.stack": "host",
    "asynclab.remote.client": "host",
    "asynclab.classroom.parallel": "host",
    "asynclab.classroom.workers": "host",
    "asynclab.classroom.course_steps": "host",
    "asynclab.run": "lab",
    "asynclab.view": "lab",
    "asynclab.lesson": "lab",
    "asynclab.grading": "lab",
    "asynclab.remote.server": "lab",
    "asynclab.classroom": "lab",
    # Both sides: the package's face, its errors, its words, what crosses between the sides.
    "asynclab": "both",
    "asynclab.remote": "both",
    "asynclab.remote.protocol": "both",
    "asynclab.classroom.outcome": "both",
}
#: What a side never imports, at module level or in a function.
NEVER = {"host": {"ansible", "ansible_runner", "IPython"}, "lab": {"docker"}}


def side_of(module: str) -> str:
    prefixes = [p for p in SIDES if module == p or module.startswith(p + ".")]
    return SIDES[max(prefixes, key=len)]


def third_party_imports(path: Path) -> set[str]:
    """The top-level names of the absolute imports of a module (anywhere but TYPE_CHECKING)."""
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return found


def test_the_host_side_never_imports_ansible_or_ipython_and_the_lab_side_never_docker():
    modules = module_names(PACKAGE)
    assert side_of("asynclab.stack.containers") == "host" and side_of("asynclab.run.runner") == "lab"
    crossing = {
        (name, imported)
        for name, path in modules.items()
        for imported in third_party_imports(path) & NEVER.get(side_of(name), set())
    }
    assert not crossing, crossing


def test_the_docker_and_ansible_imports_are_where_the_sides_say():
    """The other way round: the modules that do import Docker are host side, those that
    import Ansible or IPython lab side (so the rule above is not empty)."""
    modules = module_names(PACKAGE)
    docker = {n for n, p in modules.items() if "docker" in third_party_imports(p)}
    ansible = {n for n, p in modules.items() if {"ansible", "ansible_runner"} & third_party_imports(p)}
    assert docker and {side_of(n) for n in docker} == {"host"}
    assert "asynclab.run.runner" in ansible and "host" not in {side_of(n) for n in ansible}


def test_no_import_cycles_in_asynclab():
    graph = import_graph(PACKAGE)
    assert "asynclab.run.result" in graph and "asynclab.classroom.autograde" in graph
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_learners_checks_and_the_instructors_pipeline_do_not_import_each_other():
    """asynclab.grading runs in a learner's kernel, asynclab.classroom grades a class."""
    graph = import_graph(PACKAGE)
    for side, other in (("asynclab.grading", "asynclab.classroom"), ("asynclab.classroom", "asynclab.grading")):
        crossing = {
            (m, i) for m, imported in graph.items() if m.startswith(side) for i in imported if i.startswith(other)
        }
        assert not crossing, crossing


# ---- the checker itself ----------------------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_function_level_imports_close_a_cycle(tmp_path):
    root = _package(
        tmp_path,
        {
            "a.py": "from .b import thing\n",
            "b.py": "def thing():\n    from . import a\n    return a\n",
        },
    )
    assert cycles(import_graph(root)) == [["pkg.a", "pkg.b", "pkg.a"]]


def test_type_checking_imports_are_no_edges(tmp_path):
    root = _package(
        tmp_path,
        {
            "a.py": "from .b import thing\n",
            "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import X\nelse:\n    import os\n",
        },
    )
    graph = import_graph(root)
    assert graph["pkg.b"] == set()
    assert cycles(graph) == []


def test_absolute_and_parent_relative_imports_resolve(tmp_path):
    root = _package(
        tmp_path,
        {
            "top.py": "import pkg.sub.low\n",
            "sub/__init__.py": "",
            "sub/low.py": "from ..top import name\n",
            "sub/other.py": "from . import low\nfrom pkg.sub.low import something\n",
        },
    )
    graph = import_graph(root)
    assert graph["pkg.top"] == {"pkg.sub.low"}
    assert graph["pkg.sub.other"] == {"pkg.sub.low"}
    assert cycles(graph) == [["pkg.sub.low", "pkg.top", "pkg.sub.low"]]
