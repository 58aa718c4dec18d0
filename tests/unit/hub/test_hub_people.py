"""deploy/jupyterhub/people.py: each hub user a Unix user of their own in their server."""

import subprocess

import pytest

from tests.helpers.paths import ROOT

HUB_DIR = ROOT / "deploy" / "jupyterhub"


@pytest.fixture
def people(monkeypatch):
    monkeypatch.syspath_prepend(str(HUB_DIR))
    import people

    return people


def test_the_uid_comes_from_the_hub_id_and_is_the_same_at_every_start(people):
    ann = people.Person("ann", 3)
    assert (ann.uid, ann.gid, ann.groups) == (20003, 20003, [])
    assert people.Person("ann", 3).uid == ann.uid
    assert people.Person("teacher", 1, instructor=True).groups == [people.INSTRUCTORS_GID]


def test_the_class_files_list_everyone_and_the_instructors_group(people):
    everyone = [people.Person("teacher", 1, True), people.Person("ann", 2), people.Person("bob", 3)]
    assert people.passwd_lines(everyone) == (
        "teacher:x:20001:20001::/home/jovyan:/bin/bash\n"
        "ann:x:20002:20002::/home/jovyan:/bin/bash\n"
        "bob:x:20003:20003::/home/jovyan:/bin/bash\n"
    )
    assert people.group_lines(everyone).splitlines() == [
        "instructors:x:19000:teacher",
        "teacher:x:20001:",
        "ann:x:20002:",
        "bob:x:20003:",
    ]


@pytest.mark.parametrize("name", ["Ann", "ann smith", "ann.smith", "1ann", "a" * 33, "ann:x", "-ann", ""])
def test_a_name_that_cannot_be_a_unix_user_is_refused_with_the_rule(people, name):
    with pytest.raises(people.BadName, match="lower-case letters, digits"):
        people.check_name(name)
    assert people.passwd_lines([people.Person(name, 5)]) == ""


@pytest.mark.parametrize("name", ["ann", "bob-2", "c_d", "a" * 32])
def test_unix_names_pass(people, name):
    assert people.check_name(name) == name


def test_the_environment_points_nss_wrapper_at_the_class_files(people):
    env = people.Person("ann", 2).environment()
    assert env["USER"] == env["LOGNAME"] == "ann"
    assert env["LD_PRELOAD"] == "libnss_wrapper.so"
    assert env["NSS_WRAPPER_PASSWD"] == "/etc/labhub/passwd"
    assert env["HOME"] == "/home/jovyan"


def test_the_prepare_script_is_valid_shell_and_keeps_learners_out_of_the_exchange_root(people):
    script = people.prepare_script(people.Person("ann", 2), [people.Person("ann", 2)])
    assert subprocess.run(["bash", "-n", "-c", script]).returncode == 0
    assert "chmod 2775 /exchange" in script and "chown 0:19000 /exchange" in script
    assert "chown -R 20002:20002 /home/jovyan" in script and "chmod 0700 /home/jovyan" in script
