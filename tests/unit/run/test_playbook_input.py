"""Playbooks given as text, plays or paths; bad YAML named by line and column."""

import pytest

from asynclab.errors import PlaybookStructureError, PlaybookSyntaxError
from asynclab.run.playbook_input import host_patterns, load_playbook


def test_yaml_text_gives_plays():
    pb = load_playbook("- hosts: webservers\n  tasks:\n    - ping:\n")
    assert pb.plays[0]["hosts"] == "webservers"
    assert pb.path is None


def test_list_of_plays_is_dumped_to_text():
    pb = load_playbook([{"hosts": "db1", "tasks": [{"ping": None}]}])
    assert "hosts: db1" in pb.text


def test_path_is_read(tmp_path):
    f = tmp_path / "site.yml"
    f.write_text("- hosts: all\n  tasks: []\n")
    pb = load_playbook(str(f))
    assert pb.path == f.resolve()
    assert pb.plays[0]["hosts"] == "all"


def test_missing_path_is_named(tmp_path):
    with pytest.raises(PlaybookStructureError, match="no playbook file at .*nothere.yml"):
        load_playbook(str(tmp_path / "nothere.yml"))


@pytest.mark.parametrize(
    "text, line, column, words",
    [
        # a missing space after the colon on line 4
        (
            "- hosts: all\n  tasks:\n    - command: /opt/task.sh\n      async:300\n      poll: 0\n",
            4,
            7,
            "could not find expected ':'",
        ),
        # a wrongly indented key on line 3
        ("- hosts: all\n  tasks:\n   - ping:\n  poll: 0\n    async: 3\n", 5, 10, "mapping values are not allowed"),
        # a tab
        ("- hosts: all\n  tasks:\n\t- ping:\n", 3, 1, "tab"),
        # an unclosed quote
        (
            '- hosts: all\n  tasks:\n    - debug:\n        msg: "{{ job.ansible_job_id }}\n',
            5,
            1,
            "found unexpected end of stream",
        ),
    ],
)
def test_yaml_error_names_line_and_column(text, line, column, words):
    with pytest.raises(PlaybookSyntaxError) as info:
        load_playbook(text)
    err = info.value
    assert (err.line, err.column) == (line, column)
    assert f"line {line}, column {column}" in str(err)
    assert words in str(err).lower() or words in str(err)


def test_syntax_error_renders_without_traceback():
    with pytest.raises(PlaybookSyntaxError) as info:
        load_playbook("- hosts: all\n  tasks: [\n")
    rendered = info.value._render_traceback_()
    assert len(rendered) == 1 and rendered[0].startswith("PlaybookSyntaxError: ")


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "empty"),
        ("hosts: all\ntasks: []\n", "a playbook is a list of plays"),
        ("- name: no hosts\n  tasks: []\n", "play 1 ('no hosts') has no `hosts:`"),
        ("- just a string\n", "play 1 is not a mapping"),
        ("42\n", "a playbook is a list of plays"),
    ],
)
def test_structure_errors_say_what_is_missing(text, words):
    with pytest.raises(PlaybookStructureError, match=None) as info:
        load_playbook(text)
    assert words in str(info.value)


def test_host_patterns_of_all_plays():
    pb = load_playbook("- hosts: webservers\n  tasks: []\n- hosts: [db1, app1]\n  tasks: []\n")
    assert host_patterns(pb.plays) == ["webservers", "db1", "app1"]


def test_pyyamls_question_mark_is_said_in_the_lessons_words():
    text = "- hosts: web1\n  tasks:\n    - name: x\n      command: sleep 1\n    async: 10\n"
    with pytest.raises(PlaybookSyntaxError) as raised:
        load_playbook(text)
    assert "found '?'" in raised.value.message  # PyYAML's own words stay, for a search
    assert "'?' is YAML's word for a key" in raised.value.message and raised.value.line == 5
