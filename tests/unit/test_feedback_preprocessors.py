"""The feedback preprocessors on synthetic autograded notebooks (no nbgrader needed)."""

import nbformat
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from asynclab.classroom.feedback import HideHiddenTests, ShortenTracebacks

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
