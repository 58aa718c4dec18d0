"""Every snippet of Ansible the feedback suggests is valid Ansible: each one, from every check
of every exercise over the recorded answers and answers made to draw each suggestion out,
is templated with Ansible's own Templar against realistic registered results: a launch's
(and a looped launch's), and an async_status result running, finished, failed and timed out."""

import re

import pytest
import yaml

from asynclab.grading import checks as c
from asynclab.grading.exercises import EXERCISES
from asynclab.grading.structure import tasks_of
from tests.helpers.paths import GRADING_CASES

pytestmark = pytest.mark.needs_ansible

CASES = GRADING_CASES


def play(*tasks) -> str:
    return yaml.safe_dump([{"hosts": "web1", "gather_facts": False, "tasks": list(tasks)}], sort_keys=False)


def launch(script, register="job", **more):
    return {"name": "Launch", "command": script, "async": 60, "poll": 0, "register": register, **more}


def status(jid, register="job_status", **more):
    return {"name": "Wait", "async_status": {"jid": jid}, "register": register, **more}


LOOPED = {"command": "/opt/scripts/{{ item }}.sh", "loop": ["backup_db", "optimize_images"]}
# Answers made to draw out each suggestion the checks can make (exercise, answer).
DRAWN_OUT = [
    ("wait_with_async_status", play(launch("/opt/scripts/generate_reports.sh", "reports"))),
    ("wait_with_async_status", play(launch("/opt/scripts/generate_reports.sh", "r"), status("{{ x.ansible_job_id }}"))),
    ("wait_with_async_status", play(launch("/opt/scripts/generate_reports.sh", "r"), status("{{ r.ansible_job_id }}"))),
    (
        "wait_with_async_status",
        play(
            launch("/opt/scripts/generate_reports.sh", "r"),
            {"async_status": {"jid": "{{ r.ansible_job_id }}"}, "until": "x is finished"},
        ),
    ),
    (
        "wait_with_async_status",
        play(
            launch("/opt/scripts/generate_reports.sh", "r"),
            status("{{ r.ansible_job_id }}", until="job_status.done", retries=20, delay=3),
        ),
    ),
    ("loop_of_jobs", play({**launch("", "jobs"), **LOOPED})),
    ("loop_of_jobs", play({**launch("", "jobs"), **LOOPED}, status("{{ jobs.results[1].ansible_job_id }}"))),
    (
        "loop_of_jobs",
        play(
            {**launch("", "jobs"), **LOOPED},
            status("{{ item.ansible_job_id }}", loop="{{ jobs.results }}", loop_control={"loop_var": "one"}),
        ),
    ),
    ("loop_of_jobs", play({**launch("", "jobs"), **LOOPED}, status("{{ jobs.ansible_job_id }}"))),
    (
        "loop_of_jobs",
        play(
            {**launch("", "jobs"), **LOOPED},
            status("{{ jobs.results[0].ansible_job_id }}", loop=[1], loop_control={"loop_var": "one"}),
        ),
    ),
    (
        "detect_a_timeout",
        play(
            launch("/opt/operation.sh", "op", **{"async": 5}),
            status("{{ op.ansible_job_id }}", "st", until="st is finished", retries=10, delay=2, ignore_errors=True),
            {"shell": "echo x >> /var/log/operation_failure.log", "when": "st.finished == 0"},
        ),
    ),
    (
        "detect_a_timeout",
        play(
            launch("/opt/operation.sh", "op", **{"async": 5}),
            status("{{ op.ansible_job_id }}", "st", until="st is finished", retries=10, delay=2, ignore_errors=True),
            {"shell": "echo x >> /var/log/operation_failure.log"},
        ),
    ),
    (
        "all_hosts_at_once",
        play(
            launch("/opt/task.sh", "t"),
            status(
                "{{ t.ansible_job_id }}", "ts", until="ts is finished", retries=30, delay=2, failed_when="ts.rc != 0"
            ),
        ),
    ),
]


def answers():
    found = [(name, case["answer"]) for name, case in yaml.safe_load((CASES / "mistakes.yml").read_text()).items()]
    found += [
        (c_["exercise"], c_["answer"]) for c_ in yaml.safe_load((CASES / "causes.yml").read_text()) if "answer" in c_
    ]
    return found + DRAWN_OUT


class Written:
    def __init__(self, text):
        self.plays = yaml.safe_load(text)
        self.result = None


def feedback(name: str, text: str) -> list[str]:
    """What the checks say of an answer without running it (the structure checks' words)."""
    ctx = c.Context(EXERCISES[name], Written(text))
    said = [check(ctx).message for _, check in EXERCISES[name].checks]
    return said + [c.fragile_failed_when(ctx) or ""]


def suggestions(message: str) -> list[str]:
    """The snippets a message suggests: what it puts in backticks."""
    return re.findall(r"`([^`]+)`", message)


JOB = {"ansible_job_id": "j1.1", "results_file": "/root/.ansible_async/j1.1", "started": 1}
LAUNCHED = {**JOB, "finished": 0, "changed": True, "failed": False}
ENDED = {**JOB, "finished": 1, "stdout": "", "cmd": ["/opt/task.sh"], "changed": True}
STATES = {
    "running": {**JOB, "finished": 0, "changed": False},
    "done": {**ENDED, "rc": 0, "failed": False},
    "failed": {**ENDED, "rc": 3, "failed": True, "msg": "non-zero return code"},
    "timed out": {**JOB, "finished": 1, "failed": True, "msg": "Timeout exceeded", "changed": False},
}


def variables(text: str, snippet_names: set[str], state: str) -> dict:
    """What the playbook's registers hold, as Ansible registers them, with the job's state."""
    found = {}
    for task in tasks_of(yaml.safe_load(text)):
        register = str(task.data.get("register") or "").strip()
        if not register:
            continue
        if task.number("async"):
            items = [dict(LAUNCHED, item=i, ansible_loop_var="item") for i in range(3)]
            found[register] = (
                {"results": items, "changed": True, "msg": "All items completed"} if task.loops else LAUNCHED
            )
        elif task.action == "async_status":
            found[register] = STATES[state]
    for name in snippet_names - found.keys():  # a loop variable, or a register the advice adds
        found[name] = STATES[state] if name == "wait_result" else LAUNCHED
    return found


def drawn():
    """(exercise, answer, snippet) for each suggestion, each snippet once per exercise."""
    out = {}
    for name, text in answers():
        for message in feedback(name, text):
            for snippet in suggestions(message):
                if "{{" in snippet or ":" in snippet:
                    out.setdefault((name, snippet), (name, text, snippet))
    return list(out.values())


SUGGESTED = drawn()


def test_the_checks_suggest_each_kind_of_snippet():
    kinds = {re.match(r"\w+", s).group() for _, _, s in SUGGESTED}
    assert {"jid", "loop", "until", "when", "failed_when", "loop_control"} <= kinds, kinds


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("name,text,snippet", SUGGESTED, ids=[f"{n}: {s}" for n, _, s in SUGGESTED])
def test_each_suggested_snippet_is_valid_ansible(name, text, snippet, state):
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    key, _, value = snippet.partition(":")
    names = set(re.findall(r"loop_var:\s*(\w+)", snippet)) | set(re.findall(r"\b(item|wait_result)\b", snippet))
    names |= set(re.findall(r"\{\{\s*(\w+)\.", snippet))
    templar = Templar(loader=DataLoader(), variables=variables(text, names, state))
    if key in ("until", "when", "failed_when"):
        assert templar.evaluate_conditional(trust_as_template(value.strip())) in (True, False)
    elif key == "jid":
        assert templar.template(trust_as_template(yaml.safe_load(value))) == "j1.1"
    elif key == "loop":
        looped = templar.template(trust_as_template(yaml.safe_load(value)))
        assert isinstance(looped, list) and looped[0]["ansible_job_id"] == "j1.1"
    elif key == "loop_control":
        assert yaml.safe_load(value)["loop_var"].isidentifier()
    else:
        pytest.fail(f"a suggestion this test does not know how to check: {snippet}")
