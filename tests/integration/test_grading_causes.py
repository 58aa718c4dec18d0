"""Answers that read Ansible's indirections, or hide a cause behind a symptom, get the
verdict Ansible's run gives them and feedback that names the cause: each case of
tests/fixtures/grading_cases/causes.yml (one right and one wrong answer of each kind) runs
for real on the lab's hosts and is graded as a learner's answer is."""

import pytest
import yaml

from asynclab.grading import EXERCISES, check, run_exercise
from tests.helpers.paths import GRADING_CASES

CASES = yaml.safe_load((GRADING_CASES / "causes.yml").read_text())


def words(value) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def case_id(case) -> str:
    def key(c):
        return c["exercise"], c["kind"], c["right"]

    same = [c for c in CASES if key(c) == key(case)]
    number = f" {same.index(case) + 1}" if len(same) > 1 else ""
    return f"{case['exercise']}: {case['kind']} ({'right' if case['right'] else 'wrong'}{number})"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_each_recorded_answer_gets_its_verdict_and_the_words_that_name_its_cause(case, request, capsys, monkeypatch):
    name = case["exercise"]
    if "value" in case:
        from asynclab.grading import grade

        monkeypatch.setattr(grade, "_user_namespace", lambda: {EXERCISES[name].variable: case["value"]})
    else:
        request.getfixturevalue("lab")  # the hosts: a playbook case runs on them
        run_exercise(name, case["answer"], progress="none")
        capsys.readouterr()
    score = check(name)
    said = capsys.readouterr().out
    assert score == case["score"], said
    if case["right"]:
        assert score == EXERCISES[name].points, said
    for phrase in words(case.get("says")):
        assert phrase in said, said
    for phrase in words(case.get("never_says")):
        assert phrase not in said, said
