"""Faults and bad input on the real stack: a host killed mid-run, the lab container
restarted, malformed, huge, endless and misdirected playbooks run from a learner's kernel,
and the lab's safety bar (token, bindings, privileges, no keys in git, no target ports)."""

import io
import json
import os
import re
import subprocess
import tarfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from asynclab import run_playbook
from asynclab.errors import PlaybookFailed
from asynclab.grading import EXERCISES
from asynclab.inventory import LAB_HOSTS
from asynclab.stack.waiting import wait_until
from tests.helpers.paths import PLAYBOOKS, ROOT

from .conftest import make

CELLS_SEEN = ROOT / "test-artifacts" / "fault-cells.json"  # what each cell showed, and its time
PING_ALL = "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n"


def put_file(container, path: str, text: str) -> None:
    """Write a file into a container, owned by the learner."""
    folder, name = path.rsplit("/", 1)
    data = text.encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.uid, info.gid, info.mode = len(data), 1000, 1000, 0o644
        tar.addfile(info, io.BytesIO(data))
    container.exec_run(["mkdir", "-p", folder], user="jovyan")
    assert container.put_archive(folder, buf.getvalue())


# ---- a target killed in the middle of a run ------------------------------------------------

JOBS_ON_ALL = PLAYBOOKS / "jobs_on_all.yml"


def test_a_host_killed_mid_run_is_the_labs_fault_and_make_reset_brings_it_back(clean_lab):
    lab = clean_lab
    finished = threading.Event()
    outcome = {}

    def run():
        try:
            outcome["result"] = run_playbook(JOBS_ON_ALL, timeout=180, progress="none")
        finally:
            finished.set()

    threading.Thread(target=run, daemon=True).start()
    try:
        wait_until(lambda: lab.exec("web2", ["pgrep", "-f", "long_task.sh"])[0] == 0, 90, 0.5, what="the job on web2")
        lab.kill("web2")
        killed = time.monotonic()
        wait_until(finished.is_set, 150, 0.5, what="the run to end")
        after_kill = time.monotonic() - killed
        run = outcome["result"]
        assert run.status == "failed", run.summary()  # ended on its own, not at its time limit
        assert after_kill < 90, after_kill
        assert run.unreachable_hosts == ["web2"]
        assert PlaybookFailed(run).fault == "lab"
        text = run.summary()
        assert "web2 could not be reached" in text and "problem of the lab environment" in text
        assert "make reset" in text
        for host in ("web1", "web3", "db1", "app1"):
            assert run.recap[host]["ok"] == 2 and run.recap[host]["failures"] == 0, run.summary()
            assert all(job.finished and job.status == "ok" for job in run.jobs_on(host))

        done = make("reset", lab.project, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert lab.not_ready(["web2"]) == {}
        again = run_playbook(PING_ALL, timeout=300, progress="none")
        assert again.ok and sorted(again.recap) == sorted(LAB_HOSTS), again.summary()
    finally:
        if lab.container("web2").status != "running":
            lab.start("web2")


def test_a_frozen_host_is_reported_unreachable_instead_of_holding_the_run(lab):
    # A paused container still holds its TCP connections but answers nothing: without SSH
    # keepalives the run would wait for it until its time limit.
    finished = threading.Event()
    outcome = {}

    def run():
        try:
            outcome["result"] = run_playbook(
                "- hosts: web3\n  gather_facts: false\n  tasks:\n    - command: sleep 40\n",
                timeout=150,
                progress="none",
            )
        finally:
            finished.set()

    threading.Thread(target=run, daemon=True).start()
    web3 = lab.container("web3")
    try:
        wait_until(lambda: lab.exec("web3", ["pgrep", "-f", "^sleep 40$"])[0] == 0, 90, 0.5, what="the sleep on web3")
        web3.pause()
        paused = time.monotonic()
        wait_until(finished.is_set, 150, 0.5, what="the run to end")
        # SSH's keepalives (5 s x 3, the lab's ansible.cfg) end it in some 15 s; without them
        # it would hold until its 150 s limit. The margin is wide for a busy machine.
        assert time.monotonic() - paused < 100
    finally:
        web3.reload()
        if web3.status == "paused":
            web3.unpause()
    run = outcome["result"]
    assert run.status == "failed" and run.unreachable_hosts == ["web3"], run.summary()
    assert "problem of the lab environment" in run.summary()


# ---- the lab container restarted in the middle of a session --------------------------------


def test_restarting_the_lab_container_keeps_the_learners_work(lab, lab_exec):
    container = lab.container("lab")
    name = f"/home/jovyan/work/notebooks/restart-{uuid.uuid4().hex[:8]}.ipynb"
    notebook = json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": "a1",
                    "metadata": {},
                    "outputs": [],
                    "source": "%%playbook\n- hosts: web1\n  tasks:\n    - ping:\n",
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    put_file(container, name, notebook)
    try:
        container.reload()
        started_before = container.attrs["State"]["StartedAt"]
        container.restart(timeout=10)

        def healthy_again():
            container.reload()
            state = container.attrs["State"]
            return state["StartedAt"] != started_before and state.get("Health", {}).get("Status") == "healthy"

        wait_until(healthy_again, 120, 1, what="the lab container to be healthy after its restart")
        rc, out = container.exec_run(["cat", name], user="jovyan")
        assert rc == 0 and out.decode() == notebook
        rc, out = lab_exec(
            'python3 -c "from asynclab import run_playbook; '
            f"r = run_playbook('''{PING_ALL}''', progress='none'); print(r.status, sorted(r.recap))\"",
            timeout=120,
        )
        assert rc == 0, out
        assert "successful ['app1', 'db1', 'web1', 'web2', 'web3']" in out
    finally:
        container.exec_run(["rm", "-f", name], user="jovyan")


# ---- bad input from a learner's kernel --------------------------------------------------------
# One notebook, executed by a real kernel in the lab container, runs every case through the
# magic and through the grader, in turn: the kernel must come through all of them.

KERNEL_DRIVER = """
import json, sys, time
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
times = {}
client = NotebookClient(nb, timeout=300, allow_errors=True, kernel_name="python3")
client.on_cell_execute = lambda cell, cell_index: times.__setitem__(cell_index, time.monotonic())
client.on_cell_executed = lambda cell, cell_index, execute_reply: times.__setitem__(
    cell_index, time.monotonic() - times[cell_index])
client.execute()
cells = {}
for index, cell in enumerate(nb.cells):
    text, error = [], None
    for out in cell.outputs:
        if out.output_type == "stream":
            text.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            text.append(out.data.get("text/plain", ""))
        elif out.output_type == "error":
            error = f"{out.ename}: {out.evalue}"
    cells[cell.metadata["name"]] = {"text": "".join(text), "error": error, "seconds": times.get(index)}
print("CELLS " + json.dumps(cells))
"""

SETUP = """
%load_ext asynclab
import json, os, resource
from asynclab.grading import ANSWERS, check
from asynclab.run.runner import runs_dir

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

def run_dirs():
    return set(os.listdir(runs_dir())) if runs_dir().exists() else set()
"""


def printing(megabytes: int) -> str:
    """A play whose task prints megabytes on every host, then fails: the failure shows it all."""
    return f"""
- hosts: all
  gather_facts: false
  tasks:
    - name: Print {megabytes} MB
      shell: yes 'the same line of output, again and again' | head -c {megabytes}000000; exit 1
"""


NEXT_RUN = """%%playbook --name next_run --no-timeline --timeout 90
- hosts: all
  gather_facts: false
  tasks:
    - name: Launch
      command: /opt/long_task.sh --seconds 1
      async: 30
      poll: 0
      register: job
    - name: Wait
      async_status: {jid: "{{ job.ansible_job_id }}"}
      register: st
      until: st is finished
      retries: 20
      delay: 1
- hosts: web2
  gather_facts: false
  tasks:
    - name: What the endless run left
      command: pgrep -f 'operation.sh --hang'
      changed_when: false
"""

KERNEL_CELLS = [
    ("setup", SETUP),
    # Malformed YAML: the error names the line, as the cell counts its lines.
    (
        "yaml_magic",
        "%%playbook\n- hosts: all\n  gather_facts: false\n  tasks:\n    - command: /opt/task.sh\n      async:300\n",
    ),
    (
        "yaml_grader",
        "%%playbook --exercise fire_and_forget\n- hosts: webservers\n  gather_facts: false\n"
        "  tasks:\n    - command: /opt/backup.sh\n      async: 300\n     poll: 0\n",
    ),
    ("yaml_check", 'check("fire_and_forget")'),
    # Hosts that are not the lab's: refused by name, before anything runs.
    ("outside_before", "before = run_dirs()"),
    ("outside_magic", "%%playbook\n- hosts: google.com\n  gather_facts: false\n  tasks:\n    - ping:\n"),
    ("outside_magic_ip", "%%playbook\n- hosts: web1,10.0.0.5\n  gather_facts: false\n  tasks:\n    - ping:\n"),
    (
        "outside_grader",
        "%%playbook --exercise fire_and_forget\n- hosts: google.com\n  gather_facts: false\n"
        "  tasks:\n    - command: /opt/backup.sh\n      async: 60\n      poll: 0\n",
    ),
    ("outside_check", 'check("fire_and_forget")\nprint("NEW RUNS", len(run_dirs() - before))'),
    # Megabytes of output on every host.
    # The baseline holds what check() loads to draw its timelines (matplotlib: about 55 MB), so
    # that the growth counted is what the output left behind.
    ("huge_before", "import asynclab.view.timeline, matplotlib.pyplot\nrss_before = rss_mb()"),
    # 4 MB on each of the five hosts through the magic; 1 MB each through the grader.
    ("huge_magic", "%%playbook --name huge --no-timeline --timeout 150" + printing(4)),
    (
        "huge_sizes",
        'print("SIZES", json.dumps({"stdout": len(huge.stdout), "events": len(json.dumps(huge.events)),'
        ' "note": "characters of output not shown" in huge.stdout}))',
    ),
    ("huge_grader", "%%playbook --exercise fire_and_forget --quiet --no-timeline" + printing(1)),
    (
        "huge_check",
        'check("fire_and_forget")\ngraded = ANSWERS["fire_and_forget"].result\n'
        'print("SIZES", json.dumps({"stdout": len(graded.stdout),'
        ' "events": len(json.dumps(graded.events))}))\n'
        'print("RSS", json.dumps({"before": rss_before, "after": rss_mb(),'
        ' "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))',
    ),
    # A playbook that never ends: cut off at its limit; what it left does not stop the next run.
    (
        "endless_magic",
        "%%playbook --timeout 15 --no-timeline\n- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - name: Never ends\n      command: /opt/long_task.sh --hang\n",
    ),
    (
        "endless_grader",
        "%%playbook --exercise detect_a_timeout --quiet --no-timeline\n- hosts: web2\n"
        "  gather_facts: false\n  tasks:\n"
        "    - name: Never ends\n      command: /opt/operation.sh --hang\n",
    ),
    ("endless_check", 'check("detect_a_timeout")'),
    ("next_run", NEXT_RUN),
    ("alive", 'print("ALIVE", next_run.ok, next_run.task("What the endless run left", "web2")[0].status)'),
]


@pytest.fixture(scope="module")
def kernel_cells(lab):
    """Execute KERNEL_CELLS in a fresh kernel in the lab container; per cell its text, error and time."""
    container = lab.container("lab")
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": name,
                "metadata": {"name": name},
                "outputs": [],
                "source": textwrap.dedent(source).strip("\n"),
            }
            for name, source in KERNEL_CELLS
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    put_file(container, "/tmp/faults/faults.ipynb", json.dumps(notebook))
    put_file(container, "/tmp/faults/driver.py", KERNEL_DRIVER)
    started = time.monotonic()
    rc, out = container.exec_run(
        ["timeout", "900", "python3", "/tmp/faults/driver.py", "/tmp/faults/faults.ipynb"],
        user="jovyan",
        workdir="/tmp/faults",
    )
    text = out.decode(errors="replace")
    assert rc == 0, f"the kernel or its notebook failed ({time.monotonic() - started:.0f} s):\n{text[-3000:]}"
    cells = json.loads(text.split("CELLS ", 1)[1])
    CELLS_SEEN.parent.mkdir(exist_ok=True)
    CELLS_SEEN.write_text(json.dumps(cells, indent=1))
    return cells


def shown(cell: dict) -> str:
    return cell["text"] + (cell["error"] or "")


def test_malformed_yaml_names_its_line_in_the_magic_and_the_grader(kernel_cells):
    magic = kernel_cells["yaml_magic"]
    assert magic["error"].startswith("PlaybookSyntaxError") and "line 6, column 7" in magic["error"], magic
    grader = kernel_cells["yaml_grader"]
    assert grader["error"].startswith("PlaybookSyntaxError") and "line 7, column 6" in grader["error"], grader
    feedback = kernel_cells["yaml_check"]
    assert feedback["error"] is None
    assert "Your answer could not be read" in feedback["text"] and "line 7, column 6" in feedback["text"]
    assert all(kernel_cells[c]["seconds"] < 10 for c in ("yaml_magic", "yaml_grader", "yaml_check"))


def test_hosts_outside_the_lab_are_named_and_nothing_runs(kernel_cells):
    assert "no host or group called 'google.com'" in kernel_cells["outside_magic"]["error"]
    assert "no host or group called '10.0.0.5'" in kernel_cells["outside_magic_ip"]["error"]
    assert "no host or group called 'google.com'" in kernel_cells["outside_grader"]["error"]
    feedback = kernel_cells["outside_check"]["text"]
    assert "Your answer could not be read: no host or group called 'google.com'" in feedback
    assert "NEW RUNS 0" in feedback  # not even the exercise's reset of the hosts
    assert all(kernel_cells[c]["seconds"] < 15 for c in ("outside_magic", "outside_magic_ip", "outside_grader"))


def test_huge_output_is_cut_with_a_note_and_memory_stays_bounded(kernel_cells):
    magic = kernel_cells["huge_magic"]
    assert magic["error"].startswith("PlaybookFailed"), magic
    assert "too large to keep" in magic["error"]
    assert len(shown(magic)) < 20_000  # the cell shows a summary, not megabytes
    sizes = json.loads(kernel_cells["huge_sizes"]["text"].split("SIZES ", 1)[1])
    assert sizes["note"] and sizes["stdout"] < 210_000 and sizes["events"] < 1_000_000, sizes

    grader = kernel_cells["huge_grader"]
    assert grader["error"] is None and len(shown(grader)) < 20_000
    assert "too large to keep" in grader["text"]
    feedback = kernel_cells["huge_check"]
    assert feedback["error"] is None and "points" in feedback["text"]
    sizes = json.loads(feedback["text"].split("SIZES ", 1)[1].splitlines()[0])
    assert sizes["stdout"] < 210_000 and sizes["events"] < 1_000_000, sizes
    rss = json.loads(feedback["text"].split("RSS ", 1)[1].splitlines()[0])
    # 20 MB printed by the hosts, twice: the kernel keeps a small part of it.
    assert rss["after"] - rss["before"] < 100 and rss["peak"] < 400, rss
    for cell in ("huge_magic", "huge_grader"):
        assert kernel_cells[cell]["seconds"] < 150, (cell, kernel_cells[cell]["seconds"])


def test_an_endless_playbook_is_cut_off_and_the_lab_works_afterwards(kernel_cells):
    magic = kernel_cells["endless_magic"]
    assert magic["error"].startswith("PlaybookFailed"), magic
    assert "stopped after its time limit of 15 s while 'Never ends' still ran on web1" in magic["error"]
    assert magic["seconds"] < 45
    limit = EXERCISES["detect_a_timeout"].time_limit
    grader = kernel_cells["endless_grader"]
    assert grader["error"] is None
    assert f"Your run was stopped after {limit:.0f} s, the time limit of this exercise" in grader["text"]
    assert grader["seconds"] < limit + 60  # the limit, plus the reset before the run
    feedback = kernel_cells["endless_check"]["text"]
    assert f"Your run was stopped at this exercise's time limit ({limit:.0f} s)" in feedback
    # The endless command is still running on web2, and the next run works all the same.
    assert kernel_cells["next_run"]["error"] is None, kernel_cells["next_run"]
    assert "ALIVE True ok" in kernel_cells["alive"]["text"]


# ---- the safety bar ----------------------------------------------------------------------------


def test_jupyterlab_without_its_token_sends_to_the_login_page_and_refuses_the_api(lab):
    c = lab.container("lab")
    c.reload()
    published = {port: binds for port, binds in c.attrs["NetworkSettings"]["Ports"].items() if binds}
    assert list(published) == ["8888/tcp"]
    assert {b["HostIp"] for b in published["8888/tcp"]} == {"127.0.0.1"}  # no 0.0.0.0, no ::
    port = published["8888/tcp"][0]["HostPort"]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as page:
        opener.open(f"http://127.0.0.1:{port}/lab", timeout=10)
    assert page.value.code == 302 and "/login" in page.value.headers["Location"]
    start_kernel = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernels", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as api:
        opener.open(start_kernel, timeout=10)
    assert api.value.code == 403


def test_no_container_is_privileged_has_added_capabilities_or_the_docker_socket(lab):
    names = set(lab.status())
    assert names >= {"lab", "releases", *LAB_HOSTS}
    for c in map(lab.container, names):
        c.reload()
        host_config = c.attrs["HostConfig"]
        assert host_config["Privileged"] is False, c.name
        assert not host_config.get("CapAdd"), (c.name, host_config.get("CapAdd"))
        assert not host_config.get("Devices"), c.name
        assert not any("unconfined" in opt for opt in host_config.get("SecurityOpt") or []), c.name
        assert not any("docker.sock" in (m.get("Source", "") + m.get("Destination", "")) for m in c.attrs["Mounts"])


def test_the_targets_publish_no_ports(lab):
    for name in (*LAB_HOSTS, "releases"):
        c = lab.container(name)
        c.reload()
        assert not c.attrs["HostConfig"].get("PortBindings"), name
        assert not any(c.attrs["NetworkSettings"]["Ports"].values()), name


def test_git_tracks_no_private_key():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    files = [name for name in listed.decode().split("\0") if name]
    assert len(files) > 50
    key_text = b"PRIVATE" + b" KEY"  # spelled in two parts, so that this file does not hold it
    named_like_keys = [f for f in files if re.match(r"id_[a-z0-9]+", os.path.basename(f))]
    assert named_like_keys == []
    holding_keys = [f for f in files if os.path.isfile(ROOT / f) and key_text in (ROOT / f).read_bytes()]
    assert holding_keys == []
