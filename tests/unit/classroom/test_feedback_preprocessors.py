"""The feedback preprocessors on synthetic autograded notebooks (no nbgrader needed); the page
nbgrader makes with them is tested in the lab image:
tests/by_image/lab/units/classroom/test_feedback_page.py."""

import nbformat
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from asynclab.classroom.feedback import HideHiddenTests, ShortenTracebacks
from asynclab.classroom.feedback_alt_text import DescribeImages
from asynclab.classroom.feedback_comments import DropEmptyComments
from asynclab.classroom.feedback_names import NameExercises
from asynclab.classroom.feedback_style import FeedbackStyle
from asynclab.classroom.feedback_timeline_once import DropRepeatedTimeline
from tests.helpers.paths import EVENTS

HIDDEN_CALL = 'check("fire_and_forget")'
TEST_SOURCE = "\n".join(
    [
        "# Hidden tests check your answer on the hosts.",
        "assert answer is not None",
        "### BEGIN HIDDEN TESTS",
        "from asynclab.grading import check",
        HIDDEN_CALL,
        "### END HIDDEN TESTS",
    ]
)
ANSI_TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mAssertionError\x1b[0m                            Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[3], line 5\x1b[0m\n\x1b[1;32m----> 5\x1b[0m " + HIDDEN_CALL,
    "\x1b[0;31mAssertionError\x1b[0m: the job was waited for",
]


def grade_meta(grade_id, solution=False, grade=True):
    return {
        "nbgrader": {
            "grade": grade,
            "solution": solution,
            "locked": not solution,
            "grade_id": grade_id,
            "points": 1,
            "schema_version": 3,
        }
    }


def autograded_notebook():
    error = new_output(
        "error", ename="\x1b[0;31mAssertionError\x1b[0m", evalue="the job was waited for", traceback=ANSI_TRACEBACK
    )
    return new_notebook(
        cells=[
            new_markdown_cell("### BEGIN HIDDEN TESTS is how the markers look (markdown is left alone)"),
            new_code_cell("answer = 1", metadata=grade_meta("answer", solution=True, grade=False)),
            new_code_cell(
                TEST_SOURCE,
                metadata=grade_meta("test_answer"),
                outputs=[
                    new_output("stream", name="stdout", text="ok: the job ran in the background\n"),
                    error,
                ],
            ),
            new_code_cell("print('### BEGIN HIDDEN TESTS')"),  # not a grade cell: untouched
        ]
    )


def run(preprocessor, nb):
    return preprocessor.preprocess(nb, {})[0]


def test_hidden_region_becomes_one_comment_line():
    nb = run(HideHiddenTests(), autograded_notebook())
    source = nb.cells[2].source
    assert HIDDEN_CALL not in source and "BEGIN HIDDEN" not in source and "import" not in source
    assert source.splitlines() == [
        "# Hidden tests check your answer on the hosts.",
        "assert answer is not None",
        HideHiddenTests().placeholder,
    ]
    # the result of the checks stays
    assert nb.cells[2].outputs[0].text == "ok: the job ran in the background\n"


def test_only_grade_cells_are_changed():
    original = autograded_notebook()
    nb = run(HideHiddenTests(), autograded_notebook())
    for index in (0, 1, 3):
        assert nb.cells[index].source == original.cells[index].source


def test_every_region_is_hidden_and_an_unclosed_one_to_the_end():
    hide = HideHiddenTests().hide
    source = (
        "a = 1\n    ### BEGIN HIDDEN TESTS\n    secret()\n    ### END HIDDEN TESTS\nb = 2\n"
        "### BEGIN HIDDEN TESTS\nsecret_two()\n### END HIDDEN TESTS\nc = 3\n### BEGIN HIDDEN TESTS\nsecret_three()"
    )
    lines = hide(source).splitlines()
    assert not any("secret" in line for line in lines)
    placeholder = HideHiddenTests().placeholder
    assert lines == ["a = 1", "    " + placeholder, "b = 2", placeholder, "c = 3", placeholder]


def test_error_outputs_keep_only_name_and_value():
    nb = run(ShortenTracebacks(), autograded_notebook())
    error = nb.cells[2].outputs[1]
    assert error.traceback == ["AssertionError: the job was waited for"]
    assert error.ename == "AssertionError"
    assert "\x1b" not in error.traceback[0]


def test_a_timeout_reads_well():
    nb = new_notebook(
        cells=[
            new_code_cell(
                "while True: pass",
                outputs=[
                    new_output(
                        "error",
                        ename="CellTimeoutError",
                        evalue="",
                        traceback=["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"],
                    ),
                    new_output("error", ename="KeyboardInterrupt", evalue="", traceback=["long", "trace"]),
                ],
            )
        ]
    )
    outputs = run(ShortenTracebacks(), nb).cells[0].outputs
    # the interrupt nbgrader sent to stop the cell is dropped: the timeout says it all
    assert [o.traceback for o in outputs] == [["CellTimeoutError: " + ShortenTracebacks().timeout_message]]


def test_an_interrupt_alone_is_kept_and_an_empty_value_reads_well():
    nb = new_notebook(
        cells=[
            new_code_cell(
                "input()",
                outputs=[
                    new_output("error", ename="KeyboardInterrupt", evalue="", traceback=["long", "trace"]),
                ],
            )
        ]
    )
    assert run(ShortenTracebacks(), nb).cells[0].outputs[0].traceback == ["KeyboardInterrupt"]


def test_feedback_html_shows_neither_hidden_tests_nor_traceback():
    exporter = HTMLExporter(template_name="classic")
    # registered as nbgrader's GenerateFeedback does it: classes, without enabled=True
    exporter.register_preprocessor(HideHiddenTests)
    exporter.register_preprocessor(ShortenTracebacks)
    nb = nbformat.from_dict(autograded_notebook())
    html, _ = exporter.from_notebook_node(nb)
    assert "fire_and_forget" not in html
    assert "most recent call last" not in html and "In[3], line 5" not in html
    assert "the job was waited for" in html
    assert "ok: the job ran in the background" in html
    assert "hidden checks of this cell are not shown" in html


def timeline_png(title="Your run: successful in 6.3 s") -> str:
    import base64

    from asynclab.run.folding import load_events
    from asynclab.run.result import result_from_events
    from asynclab.view.magic import figure_png
    from asynclab.view.timeline import plot_timeline

    run = result_from_events(load_events(EVENTS / "loop_jobs.jsonl"))
    return base64.b64encode(figure_png(plot_timeline(run, title=title))).decode()


def image(png: str):
    return new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})


def test_a_timeline_carries_its_description_into_the_feedbacks_alt_text():
    nb = new_notebook(cells=[new_code_cell("x", outputs=[image(timeline_png())])])
    alt = run(DescribeImages(), nb).cells[0].outputs[0].metadata["image/png"]["alt"]
    assert alt.startswith("Timeline chart. Your run: successful in 6.3 s.")
    assert "app1" in alt and "3 async jobs, at most 3 running at once" in alt


def test_an_answers_timeline_is_dropped_when_its_check_draws_the_run():
    answer = new_code_cell("%%playbook --exercise fire_and_forget\n- hosts: web1", outputs=[image("x")])
    answer.outputs.insert(0, new_output("stream", name="stdout", text="successful in 6.3 s\n"))
    check = new_code_cell("%self_check fire_and_forget", outputs=[image("a"), image("b")])
    other = new_code_cell("%%playbook --exercise size_async\n- hosts: db1", outputs=[image("y")])
    nb = run(DropRepeatedTimeline(), new_notebook(cells=[answer, check, other]))
    assert [o.output_type for o in nb.cells[0].outputs] == ["stream"]  # the summary stays
    assert len(nb.cells[1].outputs) == 2 and len(nb.cells[2].outputs) == 1  # no check draws size_async


def test_nbgraders_automatic_comment_is_dropped_and_an_instructors_kept():
    cells = [new_code_cell("a", metadata=grade_meta("a", solution=True)) for _ in range(3)]
    for cell, comment in zip(cells, ["No response.", "  ", "Look at poll again."], strict=True):
        cell.metadata.nbgrader["comment"] = comment
    nb = run(DropEmptyComments(), new_notebook(cells=cells))
    assert [c.metadata.nbgrader["comment"] for c in nb.cells] == [None, None, "Look at poll again."]


def test_graded_cells_are_named_after_their_exercises_heading():
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Graded exercises\n\nIntro."),
            new_markdown_cell("## 1. Fire and forget (3 points)\n\nWords."),
            new_code_cell("%%playbook", metadata=grade_meta("a", solution=True, grade=False)),
            new_code_cell("%self_check a", metadata=grade_meta("a_check")),
            new_markdown_cell("## 10. How many retries? (1 point)"),
            new_code_cell("%self_check b", metadata=grade_meta("b_check")),
            new_code_cell("print(1)"),
        ]
    )
    named = [c.metadata.get("asynclab", {}).get("exercise") for c in run(NameExercises(), nb).cells]
    assert named == [None, None, "1. Fire and forget", "1. Fire and forget", None, "10. How many retries?", None]


def test_the_feedbacks_style_comes_after_nbconverts():
    resources = {"inlining": {"css": ["nbconvert's"]}}
    _, resources = FeedbackStyle().preprocess(new_notebook(), resources)
    assert resources["inlining"]["css"][0] == "nbconvert's"
    assert "max-width: 100%" in resources["inlining"]["css"][1] and "pre-wrap" in resources["inlining"]["css"][1]
