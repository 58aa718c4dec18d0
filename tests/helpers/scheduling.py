"""How `pytest -n` shares the tests among its workers (each with a host set of its own).

The tests of a module that share a module-scoped fixture (a graded course, a second
Docker engine, a kernel, a browser, a bundle) run on one worker, one after the other;
every other test is a unit of its own, given to whichever worker is free. This is what
pytest-xdist's `--dist loadgroup` does with `xdist_group` marks, done by nodeid instead:
with pytest 9, xdist 3.8 cannot tag a nodeid with its group any more."""

from __future__ import annotations

try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # no pytest-xdist: the suite runs in one process
    LoadScopeScheduling = object

#: The modules whose tests share a module-scoped fixture (tests/unit/project/test_scheduling.py
#: checks this list against the fixtures the modules define).
ONE_WORKER = frozenset(
    {
        "tests/integration/test_browser.py",
        "tests/integration/test_browser_exercise.py",
        "tests/integration/test_bundle.py",
        "tests/integration/test_class_on_hub.py",
        "tests/integration/test_cgroup_v2.py",
        "tests/integration/test_faults.py",
        "tests/integration/test_grading_course.py",
        "tests/integration/test_validate.py",
    }
)


#: The modules that load the machine most: a class graded on two workers with host sets of
#: their own, and a hub with several learners' labs. One worker runs them one after the
#: other, so that neither times its runs on a machine the other also fills (on 2 cores
#: both at once slowed a graded solution past its exercise's time limit).
HEAVY = ("tests/integration/test_grading_course.py", "tests/integration/test_class_on_hub.py")
HEAVY_SCOPE = "heavy: " + " then ".join(HEAVY)


def scope_of(nodeid: str) -> str:
    """The unit of scheduling a test belongs to: the heavy modules together, else its
    module's path, or the test itself."""
    module = nodeid.split("::", 1)[0]
    if module in HEAVY:
        return HEAVY_SCOPE
    return module if module in ONE_WORKER else nodeid


class SharedFixtureScheduling(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)


class SchedulerPlugin:
    """Registered only where pytest-xdist is (its hook is unknown to pytest without it)."""

    def pytest_xdist_make_scheduler(self, config, log):
        return SharedFixtureScheduling(config, log)
