"""`make bench` reads the autograde report that parallel grading prints: keep them in step."""

import sys
from pathlib import Path

from asynclab.classroom.autograde import GRADED, NOT_GRADED, Outcome, format_report
from asynclab.classroom.parallel import report_footer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
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
