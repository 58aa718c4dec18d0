"""The reference runs: each playbook exercise's solution, run once on clean hosts and kept as
its events, so that the feedback draws the reference's timeline beside the learner's, on one
time scale: where did my play wait that the reference did not?

    make reference            (python -m asynclab.grading.reference SOURCE [NAME ...] --out DIR)

records them: it runs the solutions on the lab's hosts. Each file
data/reference/<name>.jsonl starts with a line naming the exercise and the sha256 of the
solution it ran, then the run's events, trimmed of what no timeline reads (stdout,
addresses). tests/unit/grading/test_reference.py fails when a solution has changed since.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from ..run.result import RunResult, result_from_events
from ..words import counted

FOLDER = Path(__file__).resolve().parents[1] / "data" / "reference"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
#: The fields of an event's event_data that a RunResult and its timeline read.
KEEP = frozenset(
    "host task task_uuid task_action resolved_action play name start end duration res jid "
    "ignore_errors retries ok changed failures dark skipped rescued ignored processed".split()
)


def trim(event: dict) -> dict:
    data = event.get("event_data") or {}
    return {
        "event": event.get("event"),
        "counter": event.get("counter"),
        "created": event.get("created"),
        "event_data": {k: v for k, v in data.items() if k in KEEP},
    }


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def solutions(notebook: dict) -> dict[str, str]:
    """Exercise name -> its solution's playbook, from a source notebook (nbformat JSON): the
    text of each ``%%playbook --exercise NAME`` cell after that line, without the markers."""
    found = {}
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        first, _, body = source.partition("\n")
        words = first.split()
        if cell["cell_type"] == "code" and words[:2] == ["%%playbook", "--exercise"] and len(words) > 2:
            lines = [line for line in body.splitlines() if line.strip() not in MARKERS]
            found[words[2]] = "\n".join(lines).strip() + "\n"
    return found


def header(name: str) -> dict | None:
    path = FOLDER / f"{name}.jsonl"
    if not path.exists():
        return None
    with path.open() as f:
        return json.loads(f.readline())


def reference_run(name: str) -> RunResult | None:
    """The recorded run of exercise name's solution, or None if there is none."""
    path = FOLDER / f"{name}.jsonl"
    if not path.exists():
        return None
    lines = path.read_text().splitlines()[1:]
    return result_from_events([json.loads(line) for line in lines if line.strip()])


def beside(learner: RunResult, reference: RunResult) -> tuple:
    """The learner's timeline and the reference's, drawn on one time scale."""
    from ..view.timeline import layout, plot_timeline

    plans = [layout(r) for r in (learner, reference)]
    horizon = max((p.horizon for p in plans if p), default=1.0)
    return (
        plot_timeline(learner, title=f"Your run: {learner.status} in {learner.wall_time:.1f} s", horizon=horizon),
        plot_timeline(
            reference,
            title=f"The reference solution's run: {reference.status} in {reference.wall_time:.1f} s",
            horizon=horizon,
        ),
    )


def show_beside(name: str, learner: RunResult | None) -> None:
    """In the check's output (so in the feedback): both timelines, one under the other."""
    reference = reference_run(name)
    if reference is None or learner is None or not learner.tasks:
        return
    from IPython.display import Image, display

    from ..view.magic import figure_png

    print(
        "Your run, and under it the run of the reference solution, on one time scale (hatched: a task waiting on jobs):"
    )
    for fig in beside(learner, reference):
        display(Image(data=figure_png(fig)))


def record(notebook: Path, names: list[str], out: Path = FOLDER) -> int:
    from .answers import run_exercise  # each run resets the hosts first

    found = solutions(json.loads(Path(notebook).read_text()))
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in names or sorted(found):
        answer = run_exercise(name, found[name], progress="none")
        result = answer.result
        if result is None or result.status != "successful":
            print(f"{name}: the solution's run did not succeed ({answer.status}); nothing written")
            failed += 1
            continue
        lines = [json.dumps({"exercise": name, "solution_sha256": digest(found[name])})]
        lines += [json.dumps(trim(e), sort_keys=True) for e in result.events]
        (out / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
        jobs, events = counted(len(result.jobs), "job"), counted(len(lines) - 1, "event")
        print(f"{name}: {result.wall_time:.1f} s, {jobs}, {events}")
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Record the reference runs of the exercises' solutions.")
    parser.add_argument("notebook", type=Path, help="the assignment's source notebook")
    parser.add_argument("names", nargs="*", help="exercises (default: every playbook exercise)")
    parser.add_argument("--out", type=Path, default=FOLDER, help="folder to write <name>.jsonl to")
    args = parser.parse_args(argv)
    return record(args.notebook, args.names, args.out)


if __name__ == "__main__":
    sys.exit(main())
