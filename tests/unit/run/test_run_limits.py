"""What a run keeps when a task prints megabytes, and what a time limit says it cut off."""

from asynclab.run.result import EventFolder, RunResult
from asynclab.run.runner import MAX_RUN_OUTPUT, _bounded_stdout, clip


def event(name: str, host: str, task: str = "Print a lot", res=None) -> dict:
    data = {
        "host": host,
        "task": task,
        "task_uuid": f"uuid-{task}",
        "task_action": "shell",
        "start": "2026-11-28T12:00:00+00:00",
        "end": "2026-11-28T12:00:05+00:00",
    }
    if res is not None:
        data["res"] = res
    return {"event": name, "event_data": data}


def test_clip_keeps_the_head_and_the_tail_around_a_note():
    assert clip("short", 100) == "short"
    text = "H" * 500 + "~" * 10_000 + "T" * 500
    cut = clip(text, 1000)
    assert cut.startswith("H" * 500) and cut.endswith("T" * 500) and "~" not in cut
    assert "[... 10000 characters of output not shown" in cut and "too much to keep" in cut


def test_a_huge_output_file_is_cut_down_in_place(tmp_path):
    (tmp_path / "stdout").write_text("fatal: [web1]: FAILED! => " + "x" * (3 * MAX_RUN_OUTPUT) + " PLAY RECAP")
    text = _bounded_stdout(str(tmp_path))
    assert text.startswith("fatal: [web1]: FAILED!") and text.endswith("PLAY RECAP")
    assert "characters of output not shown" in text
    assert len(text) < MAX_RUN_OUTPUT + 200
    assert (tmp_path / "stdout").read_text() == text
    assert _bounded_stdout(str(tmp_path / "no-run")) == ""


def test_a_result_too_large_to_keep_is_said_so():
    folder = EventFolder()
    folder.feed(event("runner_on_failed", "web1", res={}))  # ansible-runner dropped it
    folder.feed(event("runner_on_ok", "web2", res={}))
    folder.feed(event("runner_on_ok", "web3", res={"changed": True, "rc": 0}))
    r = folder.result
    failed, ok, small = r.tasks
    assert not failed.result_kept and not ok.result_kept and small.result_kept
    assert failed.status == "failed" and "too large to keep" in r.problems()[0]
    text = r.summary()
    assert "web1: task 'Print a lot' failed: its result was too large to keep" in text
    assert "web2: task 'Print a lot' ran, but its result was too large to keep" in text
    assert "web3" not in text.split("\n", 2)[-1]  # its result was kept: no note


def test_a_time_limit_names_the_tasks_it_cut_off():
    folder = EventFolder(RunResult(status="timeout", timeout=15))
    for host in ("web2", "web1"):
        folder.feed(event("runner_on_start", host, task="Never ends"))
    folder.feed(event("runner_on_start", "db1", task="Quick"))
    folder.feed(event("runner_on_ok", "db1", task="Quick", res={"changed": False}))
    (problem,) = folder.result.problems()
    assert problem.startswith(
        "the run was stopped after its time limit of 15 s while 'Never ends' still ran on web1, web2: "
        "its command may still be running there; "
    )
    assert "%reset_hosts in a cell, or lab-reset-hosts in the lab's terminal" in problem


def test_an_interrupted_synchronous_task_says_its_command_may_still_run_and_how_to_clear_it():
    folder = EventFolder(RunResult(status="canceled"))
    folder.feed(event("runner_on_start", "web3", task="Sleep a while"))
    (problem,) = folder.result.problems()
    assert problem.startswith("the run was cancelled while 'Sleep a while' still ran on web3: its command may")
    assert "%reset_hosts" in problem


def test_a_failing_cell_says_its_time_limit_once():
    """The cell prints the summary, then fails with PlaybookFailed: the reason is in one of them."""
    from asynclab.errors import PlaybookFailed

    folder = EventFolder(RunResult(status="timeout", timeout=15))
    folder.feed(event("runner_on_start", "web1", task="Never ends"))
    result = folder.result
    shown = result.summary(problems=False) + "\n" + PlaybookFailed(result).message
    assert shown.count("time limit of 15 s") == 1, shown
    assert result.summary().count("time limit of 15 s") == 1  # a run that is not raised says it itself
