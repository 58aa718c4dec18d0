"""Graded exercises: answers run on clean hosts, checked by structure and behaviour.

In a notebook, an answer cell is ``%%playbook --exercise NAME`` (or a plain variable for a
value exercise) and its test cell has ``%self_check NAME`` (the learner's check, visible)
and, hidden, ``check("NAME")`` (the grade). Names are imported on
first use, so that nbgrader loading the feedback preprocessors stays quick.
"""

from importlib import import_module

_WHERE = {
    "ANSWERS": ".answers",
    "Answer": ".answers",
    "run_exercise": ".answers",
    "EXERCISES": ".exercises",
    "check": ".grade",
    "self_check": ".grade",
}

__all__ = ["ANSWERS", "Answer", "EXERCISES", "check", "run_exercise", "self_check"]  # the names of _WHERE


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
