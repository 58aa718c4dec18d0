"""Execute notebooks end to end, as a learner's kernel would, and check the cells that are
meant to fail.

    python -m asynclab.lesson.run_notebooks [--solutions] notebooks/*.ipynb

A cell meant to fail carries the tag ``raises-exception`` (JupyterLab's "Run All" goes on
past it, and so does this check) and, in its metadata, ``expect_error``: a text the error
must contain. Any other cell that errors fails the check, and so does a message of
Ansible's that the Markdown quotes and no cell prints (asynclab.lesson.quoted_messages). Each
notebook runs on a copy, in a fresh kernel, with its own folder as working directory.

The "Try it" solutions are not code cells (Run All would run them and print the answers):
each is a code block in a collapsed ``<details>`` of a Markdown cell, which the learner
copies into a cell to run. ``--solutions`` runs them too, after the notebook's own cells, so
that no lesson cell can lean on a solution having run.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

EXPECT_KEY = "expect_error"
TAG = "raises-exception"
SOLUTION = re.compile(r"<details><summary>Solution[^<]*</summary>\s*```(?:yaml|py)\n(.*?)```\s*</details>", re.S)


def solutions(nb) -> list[str]:
    """The notebook's "Try it" solutions, in order: the code of its <details> blocks."""
    return [m.group(1) for c in nb.cells if c.cell_type == "markdown" for m in SOLUTION.finditer(c.source)]


@dataclass
class NotebookReport:
    name: str
    wall_time: float = 0.0
    cells: int = 0
    expected_failures: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _error_text(cell) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename', '')}: {out.get('evalue', '')}"
    return None


def check_cells(nb) -> tuple[int, list[str]]:
    """After execution: each tagged cell failed with its expected text; no other cell failed."""
    problems, expected = [], 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        error = _error_text(cell)
        tagged = TAG in cell.metadata.get("tags", [])
        first_line = cell.source.splitlines()[0] if cell.source else ""
        where = f"cell {index} ({first_line[:40]!r})"
        if tagged:
            expected += 1
            want = cell.metadata.get(EXPECT_KEY)
            if error is None:
                problems.append(f"{where} is meant to fail but succeeded")
            elif want and want not in error:
                problems.append(f"{where} failed with {error[:200]!r}, expected it to say {want!r}")
        elif error is not None:
            problems.append(f"{where} failed: {error[:300]}")
    return expected, problems


def _unprinted_quotes(nb) -> list[str]:
    """Ansible's messages the text quotes and no cell printed (where Ansible is installed)."""
    try:
        from .quoted_messages import unprinted
    except ImportError:
        return []
    try:
        return unprinted(nb)
    except ModuleNotFoundError:  # no ansible-core here: nothing to compare with
        return []


def execute_notebook(
    path: Path, cell_timeout: int = 600, keep: Path | None = None, with_solutions: bool = False
) -> NotebookReport:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    report = NotebookReport(name=path.name)
    with tempfile.TemporaryDirectory(prefix="nbcheck-") as tmp:
        workdir = Path(tmp)
        for sibling in path.parent.iterdir():
            if sibling.is_file():
                shutil.copy2(sibling, workdir / sibling.name)
        nb = nbformat.read(workdir / path.name, as_version=4)
        if with_solutions:
            nb.cells.extend(nbformat.v4.new_code_cell(code, metadata={"tags": ["solution"]}) for code in solutions(nb))
        report.cells = sum(c.cell_type == "code" for c in nb.cells)
        client = NotebookClient(
            nb,
            timeout=cell_timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(workdir)}},
            allow_errors=False,
        )
        started = time.monotonic()
        try:
            client.execute()
        except CellExecutionError as exc:
            report.problems.append(f"stopped at an unexpected error: {str(exc).strip().splitlines()[-1][:300]}")
        except Exception as exc:  # kernel died, timeout
            report.problems.append(f"execution failed: {type(exc).__name__}: {exc}")
        report.wall_time = time.monotonic() - started
        report.expected_failures, problems = check_cells(nb)
        if not report.problems:
            report.problems.extend(problems)
            report.problems.extend(_unprinted_quotes(nb))
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, keep / path.name)
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--cell-timeout", type=int, default=600)
    parser.add_argument("--keep", type=Path, default=None, help="write the executed notebooks here")
    parser.add_argument("--solutions", action="store_true", help="run the Try it solutions too, at the end")
    args = parser.parse_args(argv)
    reports = []
    for nb in args.notebooks:
        report = execute_notebook(nb, args.cell_timeout, args.keep, with_solutions=args.solutions)
        reports.append(report)
        state = "ok" if report.ok else "FAILED"
        print(
            f"{report.name:<40} {state:<6} {report.wall_time:6.1f} s  {report.cells} cells, "
            f"{report.expected_failures} meant to fail",
            flush=True,
        )
        for problem in report.problems:
            print(f"    - {problem}", flush=True)
    total = sum(r.wall_time for r in reports)
    longest = max(reports, key=lambda r: r.wall_time)
    print(f"total {total:.1f} s; longest {longest.name} {longest.wall_time:.1f} s")
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
