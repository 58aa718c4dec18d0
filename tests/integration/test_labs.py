"""The hands-on lab's playbooks, run with ansible-playbook in the learner's terminal."""

import io
import re
import tarfile

import pytest

from asynclab.run.records import parse_time
from asynclab.stack.waiting import wait_until
from tests.helpers.paths import ROOT

LAB = ROOT / "labs"


def copy_tree(container, folder, dest):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for f in sorted(folder.rglob("*")):
            info = tar.gettarinfo(str(f), arcname=str(f.relative_to(folder)))
            info.uid = info.gid = 1000
            if f.is_file():
                with open(f, "rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    container.exec_run(["rm", "-rf", dest], user="jovyan")
    container.exec_run(["mkdir", "-p", dest], user="jovyan")
    assert container.put_archive(dest, buf.getvalue())


@pytest.fixture
def lab2(lab, lab_exec, clean_lab):
    copy_tree(lab.container("lab"), LAB / "lab2" / "solutions", "/tmp/lab2")

    def play(args, timeout=300):
        return lab_exec(f"cd /tmp/lab2 && ansible-playbook {args}", timeout=timeout)

    return play


def test_step1_check_the_lab(lab_exec):
    rc, out = lab_exec("ansible all -m ping -o")
    assert rc == 0 and out.count("SUCCESS") == 5


def test_step2_fire_and_forget(lab2, lab_exec, clean_lab):
    # When the playbook was back (the lab's clock: containers share this machine's), against
    # when each backup finished on its host: no ad hoc check racing a busy machine.
    rc, out = lab2("1-fire-and-forget.yml -e backup_seconds=20; rc=$?; date -u +%Y-%m-%dT%H:%M:%S.%NZ; exit $rc")
    assert rc == 0, out
    assert "backup started as j" in out
    returned = parse_time(out.split()[-1])
    wait_until(
        lambda: lab_exec("ansible servers -m command -a 'cat /var/lib/lab/results/backup.done'")[0] == 0,
        timeout=180,
        interval=2,
        what="the backups",
    )
    rc, out = lab_exec("ansible servers -m command -a 'cat /var/lib/lab/results/backup.done'")
    finished = [parse_time(t) for t in re.findall(r"finished=(\S+)", out)]
    assert len(finished) == 5 and all(f > returned for f in finished), (returned, out)  # still running then
    job_id = "$(ansible web1 -m command -a 'cat /tmp/backup_job_id.txt' -o | awk '{print $NF}')"
    rc, out = lab_exec(f'ansible web1 -m async_status -a "jid={job_id}"')
    assert rc == 0 and '"finished": true' in out and '"rc": 0' in out, out


def test_step3_check_later(lab2):
    rc, out = lab2("2-check-later.yml")
    assert rc == 0, out
    # (retry lines appear only for hosts whose backup outlived the nginx restart)
    # a 6 s job: its delta is 6 s and a little more on a busy machine
    assert len(re.findall(r"backup rc=0 in 0:00:0[6-9]", out)) == 5, out


def test_step3_poll_then_status_could_not_find_job(lab2, lab_exec):
    lab_exec("sed 's/poll: 0/poll: 2/' /tmp/lab2/2-check-later.yml > /tmp/lab2/2-mistake.yml")
    rc, out = lab2("2-mistake.yml")
    assert rc == 2 and "could not find job" in out


def test_step4_sequential_against_parallel(lab2):
    rc, out = lab2("-f 1 3-sequential.yml")
    assert rc == 0 and out.count("changed=1") == 5
    rc, out = lab2("-f 1 4-parallel.yml")
    assert rc == 0 and out.count("changed=2") == 5


def test_step5_timeout_is_detected(lab2):
    rc, out = lab2("5-timeout.yml")
    assert rc == 0, out
    assert out.count("...ignoring") == 3
    for host in ("web1", "web2", "web3"):
        assert f"operation timed out on {host}: Timeout exceeded" in out


def test_step6_loop(lab2):
    rc, out = lab2("6-loop.yml")
    assert rc == 0, out
    for name, seconds in (("backup_db", 5), ("optimize_images", 3), ("generate_reports", 2)):
        assert re.search(rf"{name}: rc=0 in 0:00:0[{seconds}-{seconds + 3}]", out), (name, out)
