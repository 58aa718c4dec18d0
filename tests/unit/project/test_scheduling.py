"""Which tests `pytest -n` keeps on one worker (tests/helpers/scheduling.py)."""

import re

from tests.helpers.paths import ROOT
from tests.helpers.scheduling import HEAVY, ONE_WORKER, scope_of


def test_the_modules_kept_on_one_worker_are_those_with_a_module_fixture():
    with_module_fixture = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests" / "integration").glob("test_*.py")
        if re.search(r"@pytest\.fixture\(scope=\"module\"", path.read_text())
    }
    assert with_module_fixture == ONE_WORKER


def test_a_test_of_such_a_module_is_scheduled_with_its_module_and_any_other_alone():
    assert (
        scope_of("tests/integration/test_cgroup_v2.py::test_ansible_pings_the_five_hosts")
        == "tests/integration/test_cgroup_v2.py"
    )
    spread = "tests/integration/test_notebooks.py::test_notebook_runs_end_to_end[03-polling]"
    assert scope_of(spread) == spread


def test_the_heaviest_modules_share_one_worker_and_never_run_at_once():
    scopes = {scope_of(f"{module}::test_x") for module in HEAVY}
    assert len(scopes) == 1 and set(HEAVY) <= ONE_WORKER
    assert scope_of("tests/integration/test_validate.py::test_x") != scopes.pop()
