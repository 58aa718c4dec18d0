"""The mistakes the checks can name: one stable identifier per distinct mistake, the sentence
the class report gives for it (general, never one learner's), and the lesson section that
teaches it.

A failed check passes ``mistake=<id>`` to :func:`asynclab.grading.checks.failed`. A *cause*
is what the learner wrote (poll > 0 on a launch); a *symptom* is what a run showed without
naming its cause (a job left no result). An exercise's mistakes are its failed checks'
causes, or its symptoms when no check named a cause: a mistake that breaks three checks
counts once. tests/unit/grading/test_mistakes.py checks that every id the checks use is here and
that every lesson section is a heading of that lesson.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    sentence: str
    lesson: str  # the lesson's file name in notebooks/, without .md or .ipynb
    section: str  # a Markdown heading of that lesson, as written (without the #s)
    symptom: bool = False

    @property
    def notebook(self) -> str:
        return f"{self.lesson}.ipynb"

    @property
    def anchor(self) -> str:
        """The section's anchor as JupyterLab and nbconvert make it from the heading's text."""
        return re.sub(r"[`*]", "", self.section).strip().replace(" ", "-")


SYNTAX = "01-async-poll-syntax"
FIRE = "02-fire-and-forget"
POLLING = "03-polling"
STATUS = "04-check-status-later"
PARALLEL = "05-parallel-execution"
LOOPS = "06-multiple-async-tasks"
ERRORS = "08-error-handling"
DEBUG = "09-debugging"
BECOME = '4. "could not find job": a `become` mismatch'
BUDGET = "How the `async` budget is counted"
SIZING = "Sizing the wait: `retries` × `delay`"
WAIT = "Launch, work, then wait"

# fmt: off
MISTAKES: dict[str, Mistake] = {
    # What the learner wrote --------------------------------------------------------------
    "no-playbook-magic": Mistake(
        "The answer cell does not start with %%playbook --exercise NAME, so the answer never ran.",
        "00-tour", "Running a playbook from a cell"),
    "answer-unreadable": Mistake(
        "The answer could not be read as a playbook (YAML, an unknown host or group, a malformed task).",
        "00-tour", "When something is wrong"),
    "no-launch": Mistake("No task launches the exercise's job.", FIRE, "Launch and move on"),
    "not-whole-number": Mistake(
        "async: or poll: is not a whole number of seconds, which Ansible refuses.", SYNTAX, "The two keywords"),
    "no-async": Mistake(
        "The job runs without async, so it runs synchronously and the play waits for all of it.",
        SYNTAX, "A normal task is synchronous"),
    "async-shorter-than-job": Mistake(
        "async is shorter than the job, so the target kills the job before it ends.", SYNTAX, BUDGET),
    "async-no-margin": Mistake(
        "async leaves no margin over the job's length: a slow moment and the job is killed.", SYNTAX, BUDGET),
    "async-too-long": Mistake(
        "async is far longer than the job needs, so a hung job holds on long before it is stopped.",
        SYNTAX, BUDGET),
    "launch-waits": Mistake(
        "The launch task waits (poll > 0), so it is not fire-and-forget: launch with poll: 0 and "
        "wait later with async_status.", FIRE, "Launch and move on"),
    "until-on-launch": Mistake(
        "until: is on the launch task, which launches a new job at every retry; it belongs on async_status.",
        STATUS, WAIT),
    "play-waits-for-jobs": Mistake(
        "A task after the launch waits for the jobs, so the play does not end while they run.",
        FIRE, "The play ended first"),
    "poll-zero-when-waiting": Mistake(
        "poll: 0 where the task must wait for its job: the task starts the job and moves on at once.",
        POLLING, "The lesson's pattern, sized for the lab"),
    "poll-default": Mistake(
        "poll is left out, so Ansible checks every 15 s (the default), not continuously.",
        SYNTAX, "Leaving out `poll` does *not* mean \"check continuously\""),
    "poll-too-slow": Mistake(
        "poll is so long that the end of the job is noticed seconds late.",
        POLLING, "How the interval shapes the wait"),
    "no-register": Mistake(
        "The launch task has no register:, so nothing can give async_status its job id.", STATUS, WAIT),
    "no-async-status": Mistake("No async_status task waits for the launched job.", STATUS, WAIT),
    "wrong-jid": Mistake(
        "async_status is not given the job id the launch registered.", DEBUG, "3. A lost job id"),
    "loop-waits-first-only": Mistake(
        "async_status waits for one job of the loop only: the other jobs are never waited for.",
        LOOPS, "Pitfall 1: waiting for the first job only"),
    "loop-jid-not-item": Mistake(
        "async_status loops over the launch's results but does not take each item's job id.",
        LOOPS, "What `register` holds after a loop"),
    "loop-results-not-waited": Mistake(
        "The launch runs in a loop, but the wait is not a loop over its results: each job needs its own wait.",
        LOOPS, "What `register` holds after a loop"),
    "wait-without-until": Mistake(
        "The async_status wait has no until: ... is finished, so it looks once and does not wait.", STATUS, SIZING),
    "retries-delay-missing": Mistake(
        "async_status has no numbers for retries: and delay:, so Ansible retries 3 times, 5 s apart.",
        STATUS, SIZING),
    "delay-not-as-asked": Mistake("async_status's delay: is not the one the exercise asks for.", STATUS, SIZING),
    "wait-shorter-than-async": Mistake(
        "retries × delay is shorter than the async budget, so the wait gives up before the job can.",
        STATUS, SIZING),
    "slow-task-before-wait": Mistake(
        "A long task between the launch and the wait lets the job end before async_status first looks.",
        STATUS, WAIT),
    "serial-batches": Mistake(
        "serial: makes the play run batch after batch, waits included, so the jobs do not overlap.",
        PARALLEL, "Knob 3: `serial`"),
    "loop-pause": Mistake(
        "loop_control: pause: waits between the loop's launches, so the jobs do not overlap.",
        LOOPS, "Pitfall 2: a loop with `poll > 0` runs the items one after another"),
    "ignore-errors-hides-failure": Mistake(
        "ignore_errors turns the job's failure into success, so the rescue: never runs.",
        ERRORS, "5. Where `ignore_errors` belongs"),
    "no-rescue": Mistake(
        "The async_status wait is not inside a block: with a rescue:, so the job's failure is not handled.",
        ERRORS, "1. A failed job makes `async_status` fail"),
    "rescue-incomplete": Mistake(
        "The rescue: section does not run the cleanup the exercise asks for.",
        ERRORS, "1. A failed job makes `async_status` fail"),
    "become-not-as-asked": Mistake(
        "The launch does not run as the user the exercise asks for.", DEBUG, BECOME),
    "become-mismatch": Mistake(
        "Launch and async_status run as different users, so async_status looks for the job file in "
        "the wrong home and says \"could not find job\".", DEBUG, BECOME),
    "failed-when-reads-rc": Mistake(
        "failed_when reads rc, which a timed-out job (or a job still running) does not have.",
        ERRORS, "4. `failed_when` next to `until`: a condition that must survive every result"),
    "timeout-tested-by-finished": Mistake(
        "A test on finished == 0 never fires: a timed-out job is reported finished, with failed: true.",
        ERRORS, "3. Detecting a timeout the right way"),
    "no-failure-log": Mistake(
        "No task records the failure the exercise asks to record.", ERRORS, "3. Detecting a timeout the right way"),
    "failure-log-unguarded": Mistake(
        "The task that records the timeout runs whether or not the job timed out.",
        ERRORS, "3. Detecting a timeout the right way"),
    "not-a-whole-number-answer": Mistake(
        "The answer is not a whole number (Ansible takes only whole numbers for retries:, delay: and async:).",
        STATUS, SIZING),
    "not-a-choice": Mistake("The answer is not one of the letters offered.", "00-tour", "Try it"),
    "retries-miscounted": Mistake(
        "The retries needed for an async budget are miscounted: retries × delay must cover async.", STATUS, SIZING),
    "poll-zero-misread": Mistake(
        "poll: 0 is misread: it starts the job and moves on; nothing checks it until async_status asks.",
        FIRE, "Launch and move on"),
    "job-file-misread": Mistake(
        "\"could not find job\" is misread: a task with poll > 0 deletes the job file when its job ends.",
        STATUS, "Why \"could not find job\" after `poll` > 0"),
    # What a run showed, when no check named its cause --------------------------------------
    "playbook-did-not-run": Mistake(
        "The playbook did not run.", "00-tour", "When something is wrong", symptom=True),
    "job-did-not-finish": Mistake(
        "The job left no result: killed at its async limit, never launched, or launched too late.",
        SYNTAX, BUDGET, symptom=True),
    "task-failed": Mistake("The task running the job failed.", DEBUG, "1. Checking a job by hand", symptom=True),
    "task-did-not-wait": Mistake(
        "The task came back before its job ended: it did not wait for it.",
        POLLING, "The lesson's pattern, sized for the lab", symptom=True),
    "async-status-failed": Mistake(
        "async_status failed or ended before the job finished.", DEBUG, "2. What `async_status` reads: the job file",
        symptom=True),
    "jobs-one-after-another": Mistake(
        "The jobs ran one after another, not side by side.", POLLING, "A polling task holds its fork", symptom=True),
    "play-ends-before-jobs": Mistake(
        "The play ended before every job had finished: they were not all waited for.",
        LOOPS, "Pitfall 1: waiting for the first job only", symptom=True),
    "failure-not-handled": Mistake(
        "The job's failure was not reported and handled, so the play did not end well.",
        ERRORS, "1. A failed job makes `async_status` fail", symptom=True),
    "timeout-not-detected": Mistake(
        "The job's timeout stopped the play or went unrecorded.", ERRORS, "2. The two shapes of a timeout",
        symptom=True),
}
# fmt: on

#: Checks that could not read an answer (a crash of the check itself): the grader's, not a mistake.
CHECK_FAILED = "check-could-not-read"


def distinct(ids) -> list[str]:
    """An exercise's mistakes from its failed checks' ids: the causes, in order and once each;
    the symptoms only when no cause was named. Unknown or empty ids are left out."""
    known = list(dict.fromkeys(i for i in ids if i in MISTAKES))
    causes = [i for i in known if not MISTAKES[i].symptom]
    return causes or known
