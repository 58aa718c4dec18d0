"""Print an image's requirements, read from pyproject.toml (the one place pins live).

    lab-requirements.py [pyproject.toml] [--hub]

The lab image installs `dependencies` + the `lab` extra (+ the build backend, for the
asynclab package itself); with --hub, the hub image's `hub` extra alone."""

import sys
import tomllib

args = [a for a in sys.argv[1:] if not a.startswith("--")]
path = args[0] if args else "pyproject.toml"
with open(path, "rb") as f:
    project = tomllib.load(f)
extras = project["project"]["optional-dependencies"]
if "--hub" in sys.argv:
    print("\n".join(extras["hub"]))
else:
    build = project["build-system"]["requires"]
    print("\n".join(project["project"]["dependencies"] + extras["lab"] + build + ["wheel"]))
