"""The targets keep the bytecode of Ansible's module payloads (lab_bytecode_cache.py in the
target image): the same code runs, tracebacks name the current payload, each user's cache is
their own, and a cache others can write to is never read."""

import pytest

from asynclab import run_playbook

CACHE = "/root/.cache/lab-bytecode"

# Run on a target: import a module from a fresh ansible_*_payload.zip and print what it says.
# argv: the module's source, and "poison" to plant a cached entry that says POISONED first.
IMPORT_FROM_PAYLOAD = r"""
import hashlib, marshal, os, subprocess, sys, tempfile, zipfile
from _frozen_importlib_external import MAGIC_NUMBER
source, poison = sys.argv[1].encode(), sys.argv[2:] == ["poison"]
if poison:
    os.makedirs(os.path.expanduser("~/.cache/lab-bytecode"), mode=0o700, exist_ok=True)
    entry = os.path.expanduser("~/.cache/lab-bytecode/" + hashlib.sha256(MAGIC_NUMBER + source).hexdigest())
    with open(entry, "wb") as out:
        out.write(marshal.dumps(compile("def say():\n    print('POISONED')\n", "x", "exec")))
folder = tempfile.mkdtemp(prefix="ansible_probe_payload_")
archive = os.path.join(folder, "ansible_probe_payload.zip")
with zipfile.ZipFile(archive, "w") as payload:
    payload.writestr("probe.py", source)
run = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {archive!r}); import probe; probe.say()"],
                     capture_output=True, text=True)
print(run.stdout.strip(), "|", archive, "|", run.stderr.strip().splitlines()[-3:])
"""


def _import(lab, host, source, *extra, env=""):
    rc, out = lab.exec(host, ["env", *env.split(), "python3", "-c", IMPORT_FROM_PAYLOAD, source, *extra])
    assert rc == 0, out
    said, archive, stderr = (part.strip() for part in out.strip().split("|", 2))
    return said, archive, stderr


def _entries(lab, host):
    rc, out = lab.exec(host, f"ls {CACHE} 2>/dev/null | wc -l")
    return int(out.strip())


def test_module_runs_fill_roots_own_cache_and_reuse_it(lab):
    lab.exec("web2", f"rm -rf {CACHE}")
    ping = "- hosts: web2\n  gather_facts: false\n  tasks:\n    - ping:\n"
    assert run_playbook(ping, progress="none").ok
    first = _entries(lab, "web2")
    assert first > 20  # ansible.module_utils and the module itself
    assert run_playbook(ping, progress="none").ok
    assert _entries(lab, "web2") == first  # the second run found every source it needed
    rc, out = lab.exec("web2", f"stat -c '%a %U' {CACHE}; stat -c '%a %U' {CACHE}/* | sort -u")
    assert out.split() == ["700", "root", "600", "root"], out


def test_cached_code_is_the_same_code_and_tracebacks_name_the_current_payload(lab):
    source = "def say():\n    print('hello from', __file__)\n    raise RuntimeError('on purpose')\n"
    first = _import(lab, "web3", source)
    second = _import(lab, "web3", source)
    for said, archive, stderr in (first, second):
        assert said == f"hello from {archive}/probe.py"
        assert f'"{archive}/probe.py", line 3' in stderr and "RuntimeError: on purpose" in stderr
    assert first[1] != second[1]


def test_a_cache_that_others_can_write_is_never_read(lab):
    source = "def say():\n    print('genuine')\n"
    try:
        lab.exec("app1", f"mkdir -p {CACHE} && chmod 0777 {CACHE}")
        assert _import(lab, "app1", source, "poison")[0] == "genuine"
        lab.exec("app1", f"chmod 0700 {CACHE}")
        # The same planted entry in a cache only root can write is used: the check above is real.
        assert _import(lab, "app1", source, "poison")[0] == "POISONED"
    finally:
        lab.exec("app1", f"rm -rf {CACHE}")


@pytest.mark.parametrize("setting, cached", [("LAB_BYTECODE_CACHE=0", False), ("LAB_BYTECODE_CACHE=1", True)])
def test_LAB_BYTECODE_CACHE_0_turns_it_off(lab, setting, cached):
    lab.exec("db1", f"rm -rf {CACHE}")
    assert _import(lab, "db1", "def say():\n    print('ok')\n", env=setting)[0] == "ok"
    assert (_entries(lab, "db1") > 0) is cached
