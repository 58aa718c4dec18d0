"""A learner's answer to an exercise: recognised, parsed, run on clean hosts, kept for checking.

``%%playbook --exercise NAME`` hands its cell to :func:`run_exercise`. The answer is kept in
:data:`ANSWERS` for the exercise's hidden test cell, whatever happened: not answered yet,
YAML that does not parse, a run that failed, or a run the exercise's time limit cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import LabEnvironmentError, LabError
from ..inventory import in_lab_container
from ..run import runner
from ..run.playbook_input import host_patterns, load_playbook
from ..run.reach import lab_route
from ..run.result import RunResult
from ..run.runner import RunConfig, ansible_installed, run_playbook
from . import host_state

#: nbgrader's stub for an unanswered Python cell. Learners often keep the comment above
#: their answer, so only the raise line marks a cell as unanswered.
#: The stub nbgrader leaves in an answer cell of a release (ClearSolutions.code_stub in
#: grader/nbgrader_config.py): a comment, so that it is YAML under %%playbook and Python
#: elsewhere. Releases made before it have Python's `raise NotImplementedError()`.
STUB = "# YOUR ANSWER HERE: replace this line with your answer"
STUB_LINE = re.compile(r"^\s*raise NotImplementedError\(\)\s*$", re.M)
NOT_ANSWERED = "Not answered yet: write your answer in place of the `# YOUR ANSWER HERE` line."


@dataclass
class Answer:
    exercise: str
    text: str
    status: str = "unanswered"  # unanswered, invalid, ran, lab-failed
    plays: list = field(default_factory=list)
    problem: str = ""  # why it could not run, in words
    result: RunResult | None = None
    runs_after: int = 0  # runner.RUNS right after its run: more means the hosts have changed since

    @property
    def stale(self) -> bool:
        """Something ran on the hosts after this answer (another exercise, a scratch cell):
        its results there are no longer its own."""
        return self.status == "ran" and runner.RUNS != self.runs_after

    @property
    def cut_off(self) -> bool:
        return self.result is not None and self.result.status == "timeout"


#: The latest answer to each exercise in this kernel.
ANSWERS: dict[str, Answer] = {}


def is_stub(text: str) -> bool:
    """An answer not given: nothing but comments (the release's stub is one), or the older
    Python stub. A playbook written under the stub's comment is an answer."""
    written = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return bool(STUB_LINE.search(text)) or not written


def run_exercise(name: str, text: str, progress: str = "auto") -> Answer:
    """Check, run and record a learner's playbook for exercise ``name``."""
    from .exercises import EXERCISES

    spec = EXERCISES.get(name)
    if spec is None or spec.kind != "playbook":
        known = ", ".join(n for n, e in EXERCISES.items() if e.kind == "playbook")
        raise LabError(f"there is no playbook exercise called '{name}' (exercises: {known})")
    answer = Answer(name, text)
    ANSWERS[name] = answer
    if is_stub(text):
        answer.problem = NOT_ANSWERED
        print(answer.problem)
        return answer
    try:
        playbook = load_playbook(text)  # parsed once: the run takes it as it is
        answer.plays = playbook.plays
        # A host or group the lab does not have is refused before the hosts are touched
        # (where Ansible is: in the lab or a grading worker; from the host the lab refuses it).
        if in_lab_container() or ansible_installed():
            lab_route().check_patterns(host_patterns(answer.plays))
        host_state.prepare(spec.workloads_by_host(), host_state.hosts_to_reset(spec.hosts, answer.plays))
        config = RunConfig(timeout=spec.time_limit, forks=spec.forks, progress=progress)
        try:
            answer.result = run_playbook(playbook, config=config)
        finally:  # the exercise's workload settings never outlive its run
            host_state.restore_defaults(spec.workloads_by_host(), text)
    except LabError as exc:
        # The learner's to fix (YAML, an unknown group...) or the lab's (a host down).
        answer.status = "lab-failed" if exc.fault == "lab" else "invalid"
        answer.problem = exc.message
        raise
    answer.status = "ran"
    answer.runs_after = runner.RUNS
    if answer.result.unreachable_hosts:
        answer.status = "lab-failed"
        raise LabEnvironmentError(
            f"{', '.join(answer.result.unreachable_hosts)} could not be reached during your run. "
            "Ask your instructor to check the lab (`make status`) and run this cell again."
        )
    if answer.cut_off:
        print(
            f"Your run was stopped after {spec.time_limit:.0f} s, the time limit of this exercise: "
            "a job or a wait that outlasts it is cut off."
        )
    return answer
