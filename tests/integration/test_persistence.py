"""Learner work lives in a volume: it survives `down` and `up`."""
import subprocess
import uuid

from asynclab.hosts import Lab

from .conftest import ROOT, compose_command


def test_a_file_written_in_the_lab_survives_down_and_up(lab):
    marker = f"persist-{uuid.uuid4().hex}"
    rc, _ = lab.container("lab").exec_run(
        ["bash", "-c", f"echo {marker} > /home/jovyan/work/notebooks/{marker}.txt"], user="jovyan")
    assert rc == 0
    compose = compose_command()
    env_project = ["-p", lab.project]
    subprocess.run(compose + env_project + ["down"], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(compose + env_project + ["up", "-d"], cwd=ROOT, check=True, capture_output=True)
    again = Lab.find(lab.project)
    again.wait_healthy(timeout=240)
    from asynclab.hosts import wait_until

    wait_until(lambda: again.status().get("lab") and again.status()["lab"].ready, 180, 1, what="the lab container")
    rc, out = again.container("lab").exec_run(["cat", f"/home/jovyan/work/notebooks/{marker}.txt"], user="jovyan")
    assert rc == 0 and out.decode().strip() == marker
    again.container("lab").exec_run(["rm", f"/home/jovyan/work/notebooks/{marker}.txt"], user="jovyan")
