"""The lab's own commands on the targets: each host's login (address, port, user, key) read
from the inventory as Ansible reads it, and a host that refuses or is not there. The logins'
commands themselves are tested on the host: tests/unit/grading/test_ssh_scripts.py."""

import time

import pytest

from asynclab.grading import ssh_scripts
from asynclab.grading.ssh_scripts import Login


@pytest.fixture
def inventory(tmp_path, monkeypatch):
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text("[defaults]\nremote_user = root\nprivate_key_file = /etc/lab-keys/id_ed25519\n")
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(
        "all:\n"
        "  children:\n"
        "    webservers:\n"
        "      vars: {ansible_user: deploy}\n"
        "      hosts:\n"
        "        web1: {ansible_host: 10.1.2.3, ansible_port: 2222}\n"
        "        web2: {ansible_user: other, ansible_ssh_private_key_file: /keys/web2}\n"
        "    dbservers:\n"
        "      hosts:\n"
        "        db1:\n"
        "        closed: {ansible_host: 127.0.0.1, ansible_port: 1}\n"
    )
    monkeypatch.setenv("ASYNCLAB_INVENTORY", str(hosts))
    monkeypatch.setenv("ASYNCLAB_IN_LAB", "1")
    return hosts, {"ANSIBLE_CONFIG": str(cfg)}


@pytest.mark.needs_ansible
def test_logins_take_address_port_user_and_key_as_ansible_does(inventory):
    hosts, env = inventory
    found = ssh_scripts.logins((str(hosts),), env)
    assert found["web1"] == Login("web1", "10.1.2.3", "deploy", 2222, "/etc/lab-keys/id_ed25519")
    assert found["web2"] == Login("web2", "web2", "other", None, "/keys/web2")  # host over group
    assert found["db1"] == Login("db1", "db1", "root", None, "/etc/lab-keys/id_ed25519")  # ansible.cfg's


@pytest.mark.needs_ansible
def test_logins_are_read_again_when_the_inventory_changes(inventory):
    hosts, env = inventory
    assert ssh_scripts.logins((str(hosts),), env)["web1"].address == "10.1.2.3"
    time.sleep(0.01)
    hosts.write_text(hosts.read_text().replace("10.1.2.3", "10.9.9.9"))
    assert ssh_scripts.logins((str(hosts),), env)["web1"].address == "10.9.9.9"


@pytest.mark.needs_ansible
def test_a_host_that_refuses_the_connection_or_is_not_in_the_inventory_did_not_answer(inventory):
    replies = ssh_scripts.run_scripts({"closed": "echo hi", "nowhere": "echo hi"}, timeout=30)
    assert replies["closed"].unreachable, replies["closed"]
    assert replies["nowhere"].unreachable and "not in the inventory" in replies["nowhere"].stderr


@pytest.mark.needs_ansible
def test_the_hosts_a_play_can_touch_are_resolved_as_ansible_resolves_its_patterns(inventory):
    assert ssh_scripts.hosts_matching(["webservers:!web2", "db1"]) == ["db1", "web1"]
    assert ssh_scripts.hosts_matching(["localhost"]) == []  # the implicit localhost is no target
    assert ssh_scripts.hosts_matching(["{{ target }}"]) is None  # only known when the play runs
