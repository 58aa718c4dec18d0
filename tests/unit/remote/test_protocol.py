"""The lab's errors cross `docker exec` as JSON and are raised again, the same, on the host."""

import json

from asynclab.errors import LabNotRunning, PlaybookSyntaxError, UnknownHostPattern
from asynclab.remote.protocol import decode_error, encode_error


def across(exc: BaseException) -> BaseException:
    return decode_error(json.loads(json.dumps(encode_error(exc))))


def test_a_syntax_error_keeps_its_message_line_and_column():
    back = across(PlaybookSyntaxError("mapping values are not allowed here", line=3, column=9))
    assert type(back) is PlaybookSyntaxError
    assert back.message == "mapping values are not allowed here (line 3, column 9)"
    assert (back.problem, back.line, back.column) == ("mapping values are not allowed here", 3, 9)


def test_an_unknown_pattern_keeps_its_names_and_the_lab_keeps_its_fault():
    back = across(UnknownHostPattern(["webserver"], ["webservers"], ["web1"]))
    assert type(back) is UnknownHostPattern and back.names == ["webserver"]
    assert across(LabNotRunning("no lab containers found")).fault == "lab"


def test_any_other_error_comes_back_as_a_runtime_error_that_names_it():
    back = across(ValueError("bad value"))
    assert type(back) is RuntimeError and str(back) == "ValueError in the lab: bad value"
