"""The lab's JupyterLab extension (images/lab/playbook-highlight/) is built against the
JupyterLab the image installs: its @jupyterlab packages are pyproject.toml's pin, locked once."""

import json
import re

from tests.helpers.paths import ROOT

FOLDER = ROOT / "images" / "lab" / "playbook-highlight"


def jupyterlab_pin() -> str:
    return re.search(r'"jupyterlab==([^"]+)"', (ROOT / "pyproject.toml").read_text()).group(1)


def test_its_jupyterlab_packages_are_the_images_jupyterlab():
    package = json.loads((FOLDER / "package.json").read_text())
    wanted = {**package["dependencies"], **package["devDependencies"]}
    lab = {name: version for name, version in wanted.items() if name.startswith("@jupyterlab/")}
    assert lab and set(lab.values()) == {jupyterlab_pin()}, lab


def test_the_lock_holds_one_copy_of_each_jupyterlab_package_and_the_pinned_ones():
    lock = json.loads((FOLDER / "package-lock.json").read_text())["packages"]
    copies = [path.rsplit("node_modules/", 1)[1] for path in lock if "node_modules/@jupyterlab/" in path]
    assert copies and len(copies) == len(set(copies)), "a @jupyterlab package locked twice: shared, it must be one"
    package = json.loads((FOLDER / "package.json").read_text())
    for name in package["dependencies"]:
        assert lock[f"node_modules/{name}"]["version"] == package["dependencies"][name]
