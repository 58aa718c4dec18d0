"""The ``%%playbook`` cell magic: write YAML in a cell, watch it run, see its timeline.

    %load_ext asynclab

    %%playbook --timeout 60
    - hosts: webservers
      tasks:
        - command: /opt/long_task.sh
          async: 30
          poll: 0

The result is kept in the notebook as ``last_run`` (or the name given with ``--name``).
A run that fails fails the cell with a one-line message (``--allow-fail`` to keep going).
"""

from __future__ import annotations

import io
import re

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..errors import LabError, PlaybookFailed, PlaybookRejected, PlaybookSyntaxError
from ..run.playbook_input import load_playbook
from ..run.runner import RunConfig, run_playbook

HELP = re.compile(r"(^|\s)(-h|--help)(\s|$)")


def figure_png(fig) -> bytes:
    if hasattr(fig, "_repr_png_"):
        return fig._repr_png_()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    return buf.getvalue()


def _extravars(pairs: list[str]) -> dict:
    import yaml

    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise LabError(f"-e takes key=value, got '{pair}'")
        key, value = pair.split("=", 1)
        out[key] = yaml.safe_load(value)
    return out


@magics_class
class PlaybookMagics(Magics):
    @magic_arguments()
    @argument("--timeout", type=float, default=None, help="stop the run after this many seconds")
    @argument("-e", "--extra-vars", action="append", default=[], help="key=value, repeatable")
    @argument("--limit", default=None, help="run on these hosts only (an Ansible pattern)")
    @argument("--forks", type=int, default=None, help="parallel connections (Ansible's default is 5)")
    @argument("--no-timeline", action="store_true", help="do not draw the timeline")
    @argument("--quiet", action="store_true", help="no live progress")
    @argument("--name", default="last_run", help="variable that receives the RunResult")
    @argument("--allow-fail", action="store_true", help="a failed run does not fail the cell")
    @argument("--exercise", default=None, help="a graded exercise: run on clean hosts within its limits")
    @argument("--trace", default=None, metavar="FILE", help="write the run as a Chrome trace (ui.perfetto.dev)")
    @argument("--summative", action="store_true", help="with --exercise: no verdict after the run (set by the release)")
    @cell_magic
    def playbook(self, line, cell):
        """Run the YAML playbook below this line on the lab's hosts, with live progress and a
        timeline. The result is kept as ``last_run`` (or ``--name``)."""
        if HELP.search(line):
            return self.playbook_help("")
        args = parse_argstring(self.playbook, line)
        if args.exercise:
            return self._exercise(args, cell)
        config = RunConfig(progress="none" if args.quiet else "auto")
        if args.timeout:
            config.timeout = args.timeout
        config.extravars = _extravars(args.extra_vars)
        config.forks = args.forks
        config.limit = args.limit
        # A cell's text is YAML: never let it be taken for a file name.
        text = cell if "\n" in cell else cell + "\n"
        try:
            playbook = load_playbook(text)
        except PlaybookSyntaxError as exc:
            raise in_cell(exc) from None
        result = run_playbook(playbook, config=config)
        if result.rejection:  # nothing ran: no run for the next cells to read as one
            self.shell.user_ns.pop(args.name, None)
        else:
            self.shell.user_ns[args.name] = result
        if args.trace:
            print(f"trace: {write_trace_for(result, args.trace)} (open it in ui.perfetto.dev)")
        failing = not result.ok and not args.allow_fail
        # What went wrong is said once: by the error when the cell fails, else in the summary.
        show_result(result, timeline=not args.no_timeline, problems=not failing)
        if failing:
            # The cell fails like ansible-playbook would exit non-zero: one line, no traceback.
            if result.rejection:  # Ansible's own words, at the cell's line (%%playbook is line 1)
                raise PlaybookRejected(result, line_offset=1, name="the cell")
            raise PlaybookFailed(result)

    @line_magic("playbook")
    def playbook_help(self, line):
        """``%playbook --help`` (or ``%playbook``): how to use the ``%%playbook`` cell magic."""
        usage = self.playbook.__doc__.strip().removeprefix("::").strip()
        print(usage.replace("%playbook [", "%%playbook [", 1).replace("``", ""))
        print(
            "\n%%playbook is a cell magic: its options go on its first line and the playbook "
            "below it, for example\n\n%%playbook --timeout 60\n- hosts: webservers\n  tasks:\n    ..."
        )

    @magic_arguments()
    @argument("exercise", help="the exercise's name, as in its answer cell's --exercise")
    @argument("--summative", action="store_true", help="no verdict before the feedback: only 'not answered yet'")
    @line_magic
    def self_check(self, line):
        """Check an exercise's answer now, with the grader's own checks and words (its test
        cell's visible line). Validate fails on an answer short of full marks."""
        from ..grading import self_check

        args = parse_argstring(self.self_check, line)
        self_check(args.exercise, summative=args.summative)

    @line_magic
    def reset_hosts(self, line):
        """Put your five hosts back at the lab's clean state: every job and workload stopped,
        results and logs gone, the lessons' default workload times, services running. Your
        notebooks and files are untouched. (In the lab's terminal: lab-reset-hosts.)"""
        from ..grading.host_state import reset_hosts

        for said in reset_hosts():
            print(said)

    def _exercise(self, args, cell):
        """An answer to a graded exercise: the exercise sets the hosts' state, forks and limit.

        A failed run does not fail the cell: the exercise's checks explain what went wrong,
        and the cell's output ends with them (asynclab.view.verdict_after_run)."""
        from ..grading import ANSWERS, run_exercise

        text = cell if "\n" in cell else cell + "\n"
        try:
            answer = run_exercise(args.exercise, text, progress="none" if args.quiet else "auto")
        except PlaybookSyntaxError as exc:
            error = in_cell(exc)
            ANSWERS[args.exercise].problem = error.message  # the feedback counts lines as the cell does
            raise error from None
        if answer.result is not None:
            self.shell.user_ns[args.name] = answer.result
            if args.trace:
                print(f"trace: {write_trace_for(answer.result, args.trace)} (open it in ui.perfetto.dev)")
            show_result(answer.result, timeline=not args.no_timeline)
            from .verdict_after_run import check_on_run

            check_on_run(args.exercise, summative=args.summative)


def write_trace_for(result, path: str) -> str:
    """Write a cell's trace; a file that cannot be written is the learner's to fix, said in one line."""
    try:
        return str(result.write_trace(path))
    except OSError as exc:
        raise LabError(f"--trace could not write {path}: {exc.strerror}") from None


def in_cell(exc: PlaybookSyntaxError) -> PlaybookSyntaxError:
    """A YAML error with its line counted as the learner sees the cell: the %%playbook line is line 1."""
    line = exc.line + 1 if exc.line is not None else None
    return PlaybookSyntaxError(exc.problem.replace("your playbook", "the cell"), line, exc.column)


def show_result(result, timeline: bool = True, problems: bool = True) -> None:
    """Print the run's summary and, unless told otherwise, draw its timeline."""
    from IPython.display import Image, display

    print(result.summary(problems=problems))
    if timeline and result.tasks:
        display(Image(data=figure_png(result.timeline())))


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(PlaybookMagics)


__all__ = ["PlaybookMagics", "load_ipython_extension", "show_result"]
