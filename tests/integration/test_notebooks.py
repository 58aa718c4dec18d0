"""Every notebook executed end to end inside the `lab` container, as a learner's kernel runs
it, against the real hosts, and then its "Try it" solutions. Cells meant to fail must fail
with their expected error."""

import io
import tarfile
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMES = ROOT / "test-artifacts" / "notebook-times.txt"


def copy_into(container, files, dest):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for f in files:
            info = tar.gettarinfo(str(f), arcname=f.name)
            info.uid = info.gid = 1000
            with open(f, "rb") as fh:
                tar.addfile(info, fh)
    container.exec_run(["mkdir", "-p", dest], user="jovyan")
    assert container.put_archive(dest, buf.getvalue())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_end_to_end(lab, path: Path):
    container = lab.container("lab")
    dest = f"/tmp/nbtest/{path.stem}"
    container.exec_run(["rm", "-rf", dest], user="jovyan")
    copy_into(container, [path], dest)
    rc, out = container.exec_run(
        [
            "python",
            "-m",
            "asynclab.lesson.run_notebooks",
            "--solutions",
            "--keep",
            f"{dest}/out",
            f"{dest}/{path.name}",
        ],
        user="jovyan",
    )
    text = out.decode(errors="replace")
    report = [line for line in text.splitlines() if "WARNING" not in line]
    TIMES.parent.mkdir(exist_ok=True)
    with TIMES.open("a") as f:
        f.write(report[0] + "\n")
    assert rc == 0, "\n".join(report)
