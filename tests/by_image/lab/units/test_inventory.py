"""The lab's inventory: hosts, groups and the host patterns plays may use."""

import pytest

from asynclab.errors import UnknownHostPattern
from asynclab.inventory import check_patterns, groups_and_hosts, host_order

# Read by Ansible itself: these run in the lab image (`make test-unit`), not on the host.
pytestmark = pytest.mark.needs_ansible


def test_five_hosts_and_the_lessons_groups():
    groups, hosts = groups_and_hosts()
    assert hosts == ["app1", "db1", "web1", "web2", "web3"]
    assert groups["webservers"] == ["web1", "web2", "web3"]
    assert groups["dbservers"] == ["db1"]
    assert groups["appservers"] == ["app1"]
    assert groups["servers"] == groups["production"] == hosts


@pytest.mark.parametrize(
    "pattern",
    [
        "all",
        "servers",
        "webservers:&production",
        "webservers:!web2",
        "web*",
        "db1,app1",
        "~web[12]",
        "{{ target }}",
        "localhost",
    ],
)
def test_known_patterns_pass(pattern):
    check_patterns([pattern])


@pytest.mark.parametrize(
    "pattern, unknown",
    [
        ("webserver", ["webserver"]),
        ("db1:dbserver", ["dbserver"]),
        ("mail*", ["mail*"]),
        ("prod,web9", ["prod", "web9"]),
    ],
)
def test_unknown_hosts_and_groups_are_named(pattern, unknown):
    with pytest.raises(UnknownHostPattern) as info:
        check_patterns([pattern])
    assert info.value.names == sorted(unknown)
    for name in unknown:
        assert f"'{name}'" in str(info.value)
    assert "Groups: appservers, dbservers, production, servers, webservers" in str(info.value)


def test_host_order_follows_the_inventory():
    assert sorted(["app1", "web2", "zeta", "db1", "web1"], key=host_order) == ["web1", "web2", "db1", "app1", "zeta"]


def test_reading_the_inventory_in_a_kernel_prints_no_ansible_warning():
    # ipykernel's streams have no buffer and no reconfigure(); Ansible's Display warns when
    # it cannot patch them, into the learner's cell. A fresh interpreter, since Ansible's
    # Display is made once per process.
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import io, sys
        class KernelStream(io.TextIOBase):
            def __init__(self):
                self.text = []
            def write(self, s):
                self.text.append(s)
                return len(s)
        stream = KernelStream()
        sys.stdout = sys.stderr = stream
        from asynclab.inventory import groups_and_hosts
        groups_and_hosts()
        sys.__stdout__.write("".join(stream.text))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "failed to patch" not in done.stdout and "WARNING" not in done.stdout
