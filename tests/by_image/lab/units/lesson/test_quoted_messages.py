"""The lesson's text quotes Ansible's messages only as its cells print them: a message of
Ansible's quoted in a notebook's Markdown and printed by none of its cells is reported,
unless the text says it belongs to another version. Messages are found in ansible-core's
own source, so these run in the lab image."""

import nbformat
import pytest

pytestmark = pytest.mark.needs_ansible


def notebook(markdown: str, printed: str = "") -> nbformat.NotebookNode:
    code = nbformat.v4.new_code_cell("print(...)")
    if printed:
        code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown), code])


def test_a_quoted_message_that_no_cell_prints_is_reported():
    from asynclab.lesson.quoted_messages import unprinted

    problems = unprinted(notebook("The wait fails with `could not find job` here."))
    assert len(problems) == 1 and "'could not find job'" in problems[0]


def test_a_quoted_message_that_a_cell_prints_is_fine():
    from asynclab.lesson.quoted_messages import unprinted

    printed = "web1: task 'Wait' failed: could not find job"
    assert unprinted(notebook('The wait fails with "could not find job" here.', printed)) == []


def test_a_message_marked_as_another_versions_is_fine():
    from asynclab.lesson.quoted_messages import unprinted

    text = "2.21 prints the message above; 2.19 said `async task did not complete within the requested time - 6s`."
    assert unprinted(notebook(text)) == []


def test_a_message_with_a_value_in_it_is_found_by_its_template():
    from asynclab.lesson.quoted_messages import ansibles_message, unprinted

    assert ansibles_message("Timed out after 2 second(s)") == "Timed out after 2 second(s)"
    assert unprinted(notebook("It says `Timed out after 2 second(s)`.")) != []


def test_the_message_inside_a_quoted_result_is_what_must_be_printed():
    from asynclab.lesson.quoted_messages import ansibles_message, unprinted

    assert ansibles_message('finished: true, msg: "Timeout exceeded"') == "Timeout exceeded"
    assert unprinted(notebook('The file says `finished: true, msg: "Timeout exceeded"`.', "Timeout exceeded")) == []


def test_code_and_words_of_the_lessons_own_are_not_taken_for_messages():
    from asynclab.lesson.quoted_messages import ansibles_message

    for quote in ("until: job is finished", "{{ job.ansible_job_id }}", "is finished", "the lab's own words here"):
        assert ansibles_message(quote) is None, quote
