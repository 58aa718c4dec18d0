"""`make bench` reads the autograde report that parallel grading prints: keep them in step."""

import sys

from asynclab.classroom.autograde import GRADED, NOT_GRADED, Outcome, format_report
from asynclab.classroom.parallel import report_footer
from tests.helpers.paths import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from grading import _report  # noqa: E402


def test_the_bench_reads_times_graded_count_and_workers_from_the_report():
    outcomes = [
        Outcome("solution01", GRADED, 151.2, "", "27 / 27", "1"),
        Outcome("blank04", GRADED, 8.0, "", "0 / 27", "2"),
        Outcome("broken", NOT_GRADED, 3.1, "NotJSONError", "", "2"),
    ]
    text = format_report("async-basics", outcomes, report_footer([], outcomes, 162.4, 2))
    seconds, graded, workers = _report("grading 3 submission(s) ...\n" + text)
    assert seconds == {"solution01": 151.2, "blank04": 8.0}
    assert (graded, workers) == (2, 2)


def test_the_table_gives_mitogens_per_task_ratio_and_each_async_difference():
    from run import table

    mitogen = {
        "version": "0.3.54",
        "per_task": {"mitogen_per_task_s": 0.5, "ssh_per_task_s": 0.776, "ratio": 0.644},
        "parallel_async": {"job_s": 10, "ssh_s": 15.6, "mitogen_s": 13.8},
        "async": {"differences": ["past_its_budget_says: ssh 'Timeout exceeded', mitogen 'Job reached ...'"]},
    }
    shown = table({"mitogen": mitogen})
    assert "mitogen 0.3.54: a task (10 x 5)" in shown and "0.64" in shown
    assert "ssh 15.6 s" in shown and "Timeout exceeded" in shown


def test_the_table_gives_the_graders_reset_and_probe_over_ssh_beside_two_playbook_runs():
    from run import table

    shown = table({"lab_commands": {"hosts": 5, "playbook_s": 5.0, "ssh_s": 0.25, "saved_per_exercise_s": 4.75}})
    assert "grader's reset + probe, 5 hosts" in shown
    assert "ssh 0.25 s" in shown and "2 ansible-playbook runs 5.00 s" in shown and "0.05" in shown


def test_the_mitogen_wheel_is_pinned_to_one_release_in_pyproject():
    import re

    from mitogen_strategy import pinned

    assert re.fullmatch(r"mitogen==\d+\.\d+\.\d+", pinned(ROOT))
