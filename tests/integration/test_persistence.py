"""Learner work lives in a volume: it survives `make down` and `make lab` (which rebuilds
the images from its cache and starts the stack again)."""

import uuid

from asynclab.stack.containers import Stack

from .conftest import make


def settings_of(lab_container) -> dict[str, str]:
    """The settings this stack was started with, so that `make lab` starts the same lab."""
    lab_container.reload()
    binding = lab_container.attrs["HostConfig"]["PortBindings"]["8888/tcp"][0]
    env = dict(e.split("=", 1) for e in lab_container.attrs["Config"]["Env"] if "=" in e)
    return {
        "LAB_BIND": binding["HostIp"] or "0.0.0.0",
        "LAB_PORT": binding["HostPort"],
        "LAB_VERSION": lab_container.attrs["Config"]["Image"].rsplit(":", 1)[1],
        "JUPYTER_TOKEN": env.get("JUPYTER_TOKEN", ""),
        "JUPYTER_PASSWORD_HASH": env.get("JUPYTER_PASSWORD_HASH", ""),
    }


def test_a_file_written_in_the_lab_survives_make_down_and_make_lab(lab):
    marker = f"persist-{uuid.uuid4().hex}"
    path = f"/home/jovyan/work/notebooks/{marker}.txt"
    container = lab.container("lab")
    rc, _ = container.exec_run(["bash", "-c", f"echo {marker} > {path}"], user="jovyan")
    assert rc == 0
    settings = settings_of(container)

    down = make("down", lab.project, **settings)
    assert down.returncode == 0, down.stdout + down.stderr
    assert lab.status() == {}  # every container is gone, the volumes stay
    up = make("lab", lab.project, timeout=900, **settings)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "all healthy" in up.stdout

    again = Stack.find(lab.project)
    assert again.status()["lab"].ready
    rc, out = again.container("lab").exec_run(["cat", path], user="jovyan")
    assert rc == 0 and out.decode().strip() == marker
    again.container("lab").exec_run(["rm", path], user="jovyan")
