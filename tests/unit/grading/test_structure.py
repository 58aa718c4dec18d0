"""The structure checks read playbooks as Ansible would: blocks, inherited become, loops,
and the job id wired from a launch to async_status. No hosts needed."""

import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
import yaml

from asynclab.grading import checks as c
from asynclab.grading.behaviour import play_ended_while_jobs_ran, sequential_cause
from asynclab.grading.exercises import EXERCISES, WEB, poll_chosen, status_in_rescued_block, timeout_handling_sound
from asynclab.grading.host_state import HostEvidence
from asynclab.grading.structure import as_int, tasks_of, waits_for
from asynclab.run.result import RunResult, TaskRun
from tests.helpers.paths import GRADING_CASES

MISTAKES = GRADING_CASES / "mistakes.yml"
CASES = yaml.safe_load(MISTAKES.read_text())


class FakeAnswer:
    def __init__(self, text):
        self.plays = yaml.safe_load(text)
        self.result = None


def ctx(text, exercise="fire_and_forget"):
    return c.Context(EXERCISES[exercise], FakeAnswer(text))


LOOP = """
- hosts: web1
  become: true
  become_user: postgres
  tasks:
    - name: launch
      command: "/opt/scripts/{{ item }}.sh"
      loop: [a, b]
      async: 30
      poll: 0
      register: jobs
    - block:
        - name: wait
          async_status:
            jid: "{{ item.ansible_job_id }}"
          loop: "{{ jobs.results }}"
          become: false
      rescue:
        - command: /opt/cleanup.sh
"""


def test_tasks_follow_blocks_and_inherit_become():
    launch, wait, cleanup = tasks_of(yaml.safe_load(LOOP))
    assert launch.become_user == "postgres" and wait.become_user == "root"
    assert wait.in_rescuable_block and cleanup.section == "rescue"
    assert waits_for(wait, launch) == "loop"
    assert launch.command == "/opt/scripts/{{ item }}.sh"


def test_a_free_form_launch_with_a_loop_of_paths_is_found():
    text = """
- hosts: web1
  tasks:
    - command: "{{ item }}"
      with_items: [/opt/scripts/backup_db.sh]
      async: 30
      poll: 0
      register: j
"""
    assert ctx(text).launch("/opt/scripts/") is not None


@pytest.mark.parametrize(
    "jid,how",
    [
        ("{{ job.ansible_job_id }}", "direct"),
        ("{{ job['ansible_job_id'] }}", "direct"),
        ("{{ job.results[0].ansible_job_id }}", "first"),
        ("{{ other.ansible_job_id }}", None),
    ],
)
def test_job_id_wiring(jid, how):
    plays = [
        {
            "hosts": "web1",
            "tasks": [
                {"command": "/opt/task.sh", "async": 9, "poll": 0, "register": "job"},
                {"async_status": {"jid": jid}},
            ],
        }
    ]
    launch, status = tasks_of(plays)
    assert waits_for(status, launch) == how


@pytest.mark.parametrize(
    "poll,ok,words",
    [
        (None, False, "15 s"),
        (0, False, "does not wait"),
        (2, True, "poll: 2"),
        (10, False, "10 s late"),
    ],
)
def test_choosing_poll(poll, ok, words):
    task = {"command": "/opt/long_task.sh", "async": 30}
    if poll is not None:
        task["poll"] = poll
    verdict = poll_chosen(ctx(yaml.safe_dump([{"hosts": "app1", "tasks": [task]}])))
    assert verdict.ok is ok and words in verdict.message


def test_poll_five_on_a_fire_and_forget_launch_is_named_in_the_feedback():
    text = "- hosts: webservers\n  tasks:\n    - command: /opt/backup.sh\n      async: 30\n      poll: 5\n"
    verdict = c.launched_in_background(ctx(text), "/opt/backup.sh", 8)
    assert not verdict.ok and "poll: 5" in verdict.message and "poll: 0" in verdict.message


@pytest.mark.parametrize(
    "name",
    [
        "fire_and_forget",
        "wait_with_async_status",
        "all_hosts_at_once",
        "loop_of_jobs",
        "wait_as_the_same_user",
        "detect_a_timeout",
        "size_async",
    ],
)
def test_each_typical_mistake_fails_a_structure_check_with_its_message(name):
    case = CASES[name]
    context = ctx(case["answer"], name)
    structural = {
        "fire_and_forget": lambda x: c.launched_in_background(x, "/opt/backup.sh", 8),
        "wait_with_async_status": lambda x: c.wait_sized(x, "/opt/scripts/generate_reports.sh", delay=3),
        "all_hosts_at_once": lambda x: c.status_wired(x, "/opt/task.sh"),
        "loop_of_jobs": lambda x: c.status_wired(x, "/opt/scripts/", loop=True),
        "wait_as_the_same_user": lambda x: c.same_become(x, "/opt/migrations/run_migration.sh"),
        "detect_a_timeout": timeout_handling_sound,
        "size_async": EXERCISES["size_async"].checks[0][1],
    }[name]
    verdict = structural(context)
    assert not verdict.ok
    assert case["says"] in verdict.message
    assert verdict.mistake == case["mistake_id"]  # the id the class report counts


def test_a_guarded_failed_when_is_not_flagged():
    text = """
- hosts: web2
  tasks:
    - command: /opt/operation.sh
      async: 5
      poll: 0
      register: op
    - async_status: {jid: "{{ op.ansible_job_id }}"}
      register: st
      until: st is finished
      failed_when: st is finished and (st.rc | default(-1)) != 0
      ignore_errors: true
    - shell: echo x >> /var/log/operation_failure.log
      when: st is failed
"""
    assert timeout_handling_sound(ctx(text, "detect_a_timeout")).ok


@pytest.mark.parametrize(
    "name,value,ok",
    [
        ("retries_needed", 9, True),
        ("retries_needed", "9", True),
        ("retries_needed", 10, False),
        ("retries_needed", "nine", False),
        ("poll_zero_means", "b", True),
        ("poll_zero_means", " (B) ", True),
        ("poll_zero_means", "a", False),
        ("poll_zero_means", "e", False),
        ("could_not_find_job", "c", True),
    ],
)
def test_value_answers(name, value, ok):
    verdict = EXERCISES[name].accept(value)
    assert verdict.ok is ok and verdict.message


def test_an_unset_value_is_not_answered_yet(capsys):
    from asynclab.grading.grade import _grade_value

    score, lines = _grade_value(EXERCISES["retries_needed"], {})
    assert score == 0 and "Not answered yet" in lines[0][1]


def test_an_answer_that_cannot_run_is_recorded_as_such_not_as_unanswered():
    from asynclab.errors import PlaybookSyntaxError
    from asynclab.grading import ANSWERS, run_exercise
    from asynclab.grading.grade import _grade_playbook

    with pytest.raises(PlaybookSyntaxError):
        run_exercise("fire_and_forget", "- hosts: web1\n  tasks: [\n")
    assert ANSWERS["fire_and_forget"].status == "invalid"
    score, lines = _grade_playbook(EXERCISES["fire_and_forget"])
    assert score == 0 and "could not be read" in lines[0][1] and "line" in lines[0][1]


# Ansible's indirections: loop variables, vars, blocks and their rescue --------------------

LOOPED_LAUNCH = {
    "command": "/opt/scripts/{{ item }}.sh",
    "loop": ["backup_db", "optimize_images"],
    "async": 60,
    "poll": 0,
    "register": "jobs",
}


@pytest.mark.parametrize(
    "wait,how",
    [
        (
            {"jid": "{{ job.ansible_job_id }}", "loop": "{{ jobs.results }}", "loop_control": {"loop_var": "job"}},
            "loop",
        ),
        ({"jid": "{{ item.ansible_job_id }}", "loop": "{{ jobs.results }}", "loop_control": {"loop_var": "job"}}, None),
        ({"jid": "{{ item }}", "loop": "{{ jobs.results | map(attribute='ansible_job_id') | list }}"}, "loop"),
        ({"jid": "{{ item['ansible_job_id'] }}", "with_items": "{{ jobs['results'] }}"}, "loop"),
        ({"jid": "{{ jobs.results.ansible_job_id }}"}, None),
    ],
)
def test_which_loops_of_async_status_wait_for_each_job_of_a_looped_launch(wait, how):
    status = {"async_status": {"jid": wait.pop("jid")}, **wait}
    launch, wait_task = tasks_of([{"hosts": "web1", "tasks": [LOOPED_LAUNCH, status]}])
    assert waits_for(wait_task, launch) == how


def test_a_loop_var_wait_with_item_is_told_its_own_loop_variable_not_item():
    plays = [
        {
            "hosts": "web1",
            "tasks": [
                LOOPED_LAUNCH,
                {
                    "async_status": {"jid": "{{ item.ansible_job_id }}"},
                    "loop": "{{ jobs.results }}",
                    "loop_control": {"loop_var": "job"},
                },
            ],
        }
    ]
    verdict = c.status_wired(ctx(yaml.safe_dump(plays), "loop_of_jobs"), "/opt/scripts/", loop=True)
    assert not verdict.ok and "loop variable job" in verdict.message
    assert 'jid: "{{ job.ansible_job_id }}"' in verdict.message


@pytest.mark.parametrize("where", ["play", "block", "set_fact"])
def test_a_job_id_passed_through_a_variable_is_followed(where):
    launch = {"command": "/opt/task.sh", "async": 60, "poll": 0, "register": "job"}
    wait = {"async_status": {"jid": "{{ job_id }}"}}
    defined = {"job_id": "{{ job.ansible_job_id }}"}
    play = {"hosts": "web1", "tasks": [launch, wait]}
    if where == "play":
        play["vars"] = defined
    elif where == "block":
        play["tasks"] = [launch, {"block": [wait], "vars": defined}]
    else:
        play["tasks"] = [launch, {"set_fact": defined}, wait]
    tasks = tasks_of([play])
    assert waits_for(tasks[-1], tasks[0], tasks) == "direct"


def test_a_wait_in_the_next_play_is_found_after_its_launch():
    text = """
- hosts: web1
  tasks:
    - {command: /opt/task.sh, async: 60, poll: 0, register: job}
- hosts: web1
  tasks:
    - async_status: {jid: "{{ job.ansible_job_id }}"}
"""
    assert c.status_wired(ctx(text, "all_hosts_at_once"), "/opt/task.sh").ok


def test_a_rescue_of_an_outer_block_rescues_a_wait_in_an_inner_one():
    text = """
- hosts: app1
  tasks:
    - {command: /opt/risky_operation.sh, async: 60, poll: 0, register: r}
    - block:
        - block:
            - async_status: {jid: "{{ r.ansible_job_id }}"}
              register: s
              until: s is finished
      rescue:
        - command: /opt/cleanup.sh
"""
    verdict = status_in_rescued_block(ctx(text, "rescue_a_failed_job"))
    assert verdict.ok, verdict.message


TIMEOUT_WAIT = """
- hosts: web2
  tasks:
    - {command: /opt/operation.sh, async: 5, poll: 0, register: op}
    - block:
        - async_status: {jid: "{{ op.ansible_job_id }}"}
          register: st
          until: st is finished
          retries: 10
          delay: 2
      SECTION:
        - shell: echo timed out >> /var/log/operation_failure.log
"""


@pytest.mark.parametrize("section,ok", [("rescue", True), ("always", False)])
def test_a_log_written_in_the_rescue_of_the_wait_is_written_only_when_the_wait_failed(section, ok):
    verdict = timeout_handling_sound(ctx(TIMEOUT_WAIT.replace("SECTION", section), "detect_a_timeout"))
    assert verdict.ok is ok, verdict.message


def test_a_when_on_the_enclosing_block_guards_the_log():
    text = TIMEOUT_WAIT.replace("      SECTION:\n", "    - when: st is failed\n      block:\n").replace(
        "          delay: 2\n", "          delay: 2\n          ignore_errors: true\n"
    )
    assert timeout_handling_sound(ctx(text, "detect_a_timeout")).ok


@pytest.mark.parametrize(
    "until,ok",
    [
        ("st is finished", True),
        ("st.finished == 1", True),
        ("st['finished']", True),
        ("result is finished", False),  # another name: Ansible says it is undefined
        ("st.done", False),
    ],
)
def test_until_must_test_the_waits_own_result_for_finished(until, ok):
    text = play_with_wait(f"until: {until}")
    verdict = c.wait_sized(ctx(text, "wait_with_async_status"), "/opt/scripts/generate_reports.sh", delay=3)
    assert verdict.ok is ok, verdict.message
    if not ok:
        assert "`until: st is finished`" in verdict.message


def play_with_wait(extra: str, asyn: int = 60) -> str:
    return f"""
- hosts: web1
  tasks:
    - {{command: /opt/scripts/generate_reports.sh, async: {asyn}, poll: 0, register: r}}
    - async_status: {{jid: "{{{{ r.ansible_job_id }}}}"}}
      register: st
      retries: 20
      delay: 3
      {extra}
"""


def test_an_async_budget_shorter_than_the_job_is_named_by_the_wait_check():
    text = play_with_wait("until: st is finished", asyn=5)
    verdict = c.wait_sized(ctx(text, "wait_with_async_status"), "/opt/scripts/generate_reports.sh", delay=3)
    assert not verdict.ok and "shorter than the job (10 s)" in verdict.message


def test_a_failed_when_on_rc_on_a_wait_gets_a_note_and_a_guarded_one_does_not():
    fragile = play_with_wait("until: st is finished\n      failed_when: st.rc != 0")
    guarded = play_with_wait("until: st is finished\n      failed_when: st is finished and (st.rc | default(1)) != 0")
    assert "reads rc" in c.fragile_failed_when(ctx(fragile, "wait_with_async_status"))
    assert c.fragile_failed_when(ctx(guarded, "wait_with_async_status")) is None


@pytest.mark.parametrize("value", [7.5, "7.5"])
def test_an_async_or_poll_that_is_not_a_whole_number_is_refused_as_ansible_refuses_it(value):
    text = yaml.safe_dump(
        [{"hosts": "db1", "tasks": [{"command": "/opt/scripts/backup_db.sh", "async": value, "poll": 2}]}]
    )
    verdict = EXERCISES["size_async"].checks[0][1](ctx(text, "size_async"))
    assert not verdict.ok and "async: 7.5 is not a whole number" in verdict.message
    assert as_int(7.0) == 7 and as_int(7.5) is None


@pytest.mark.parametrize(
    "value,ok,words",
    [
        (9.0, True, "9 is right"),
        ("9.0", True, "9 is right"),
        (9.5, False, "9.5 is a fraction"),
        ("9.5", False, "9.5 is a fraction"),
        (Fraction(19, 2), False, "19/2 is a fraction"),
        (True, False, "whole number"),
    ],
)
def test_a_whole_number_is_asked_and_a_fraction_is_refused_with_a_reason(value, ok, words):
    verdict = EXERCISES["retries_needed"].accept(value)
    assert verdict.ok is ok and words in verdict.message


# Causes named, not symptoms ------------------------------------------------------------


@pytest.mark.parametrize(
    "play_keys,launch_keys,words",
    [
        ({"serial": 2}, {"poll": 0}, "serial: 2"),
        ({}, {"poll": 2}, "the launch has poll: 2, so each host's task holds one of the 2 forks"),
        ({"strategy": "free"}, {"poll": 2}, "strategy: free lets each host go on at its own pace"),
        ({}, {"poll": 0, "loop": ["a", "b"], "loop_control": {"pause": 10}}, "loop_control: pause: 10"),
    ],
)
def test_jobs_run_one_after_another_are_told_the_keyword_that_made_them(play_keys, launch_keys, words):
    launch = {"command": "/opt/task.sh", "async": 60, **launch_keys}
    context = ctx(yaml.safe_dump([{"hosts": "servers", **play_keys, "tasks": [launch]}]), "all_hosts_at_once")
    assert words in sequential_cause(context, context.launch("/opt/task.sh"))


def test_a_looped_launch_that_polls_is_named_as_the_cause():
    launch = {**LOOPED_LAUNCH, "poll": 1}
    context = ctx(yaml.safe_dump([{"hosts": "web1", "tasks": [launch]}]), "loop_of_jobs")
    assert "The looped launch has poll: 1" in sequential_cause(context, context.launch("/opt/scripts/"))


# Fire and forget: the play's end against the jobs' ends -----------------------------------

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fire_and_forget(tasks: list[TaskRun], finished: float) -> c.Context:
    """A fire-and-forget answer's context: its run's tasks, and the backups finished at +finished s."""
    text = "- hosts: webservers\n  tasks:\n    - {name: launch, command: /opt/backup.sh, async: 60, poll: 0}\n"
    context = ctx(text)
    context.answer.result = RunResult(status="successful", tasks=tasks)
    record = f"started={at(0.5).isoformat()} finished={at(finished).isoformat()}"
    evidence = {h: HostEvidence(h, {"/var/lib/lab/results/backup.done": record}) for h in WEB}
    context._evidence[repr(sorted({h: ["backup"] for h in WEB}.items()))] = evidence
    return context


def launches(back: float) -> list[TaskRun]:
    return [TaskRun(h, "launch", "command", "u1", "p", "changed", at(0), at(back)) for h in WEB]


def test_a_play_that_ends_while_the_backups_run_passes():
    verdict = play_ended_while_jobs_ran(fire_and_forget(launches(1), 8.5), "/opt/backup.sh", "backup", WEB)
    assert verdict.ok and "still ran" in verdict.message


def test_a_play_that_waits_after_its_launch_is_told_which_task_held_it():
    wait = [TaskRun("web1", "Wait", "ansible.builtin.async_status", "u2", "p", "ok", at(1), at(10))]
    verdict = play_ended_while_jobs_ran(fire_and_forget(launches(1) + wait, 8.5), "/opt/backup.sh", "backup", WEB)
    assert not verdict.ok
    assert "'Wait' (async_status) held it for 9 s" in verdict.message
    assert "on web1, web2 and web3 2 s after the job had finished" in verdict.message


def test_a_launch_that_waited_says_by_how_long_not_at_what_clock_time():
    verdict = play_ended_while_jobs_ran(fire_and_forget(launches(10.5), 8.5), "/opt/backup.sh", "backup", WEB)
    assert not verdict.ok
    assert "the launch returned on web1, web2 and web3 2 s after the job ended" in verdict.message
    assert not re.search(r"\d\d:\d\d:\d\d", verdict.message)


def test_each_case_of_causes_yml_has_a_right_and_a_wrong_answer_of_its_kind():
    cases = yaml.safe_load((MISTAKES.parent / "causes.yml").read_text())
    kinds: dict[str, set] = {}
    for case in cases:
        assert {"exercise", "kind", "right", "score", "says"} <= case.keys() and ("answer" in case or "value" in case)
        assert case["exercise"] in EXERCISES
        kinds.setdefault(case["kind"], set()).add(case["right"])
    lonely = [k for k, sides in kinds.items() if sides != {True, False}]
    assert not lonely or all("said as a duration" in k or "no wait" in k for k in lonely), lonely


def test_a_log_in_the_rescue_of_a_wait_that_ignores_errors_is_never_written():
    text = TIMEOUT_WAIT.replace("SECTION", "rescue").replace(
        "          delay: 2\n", "          delay: 2\n          ignore_errors: true\n"
    )
    verdict = timeout_handling_sound(ctx(text, "detect_a_timeout"))
    assert not verdict.ok and "the rescue never runs" in verdict.message
