"""Print an image's requirements, read from pyproject.toml (the one place pins live).

    lab-requirements.py [pyproject.toml] [--hub | --removes | --wheelhouse-builds]

The lab image installs `dependencies` + the `lab` extra (+ the build backend, for the
asynclab package itself); with --hub, the hub image's `hub` extra alone; with --removes, the
packages the lab image uninstalls after that ([tool.asynclab] lab-image-removes); with
--wheelhouse-builds, the source-only packages the wheelhouse builds wheels of."""

import sys
import tomllib

args = [a for a in sys.argv[1:] if not a.startswith("--")]
path = args[0] if args else "pyproject.toml"
with open(path, "rb") as f:
    project = tomllib.load(f)
extras = project["project"]["optional-dependencies"]
if "--wheelhouse-builds" in sys.argv:
    print("\n".join(project["tool"]["asynclab"]["wheelhouse-builds"]))
elif "--removes" in sys.argv:
    print("\n".join(project["tool"]["asynclab"]["lab-image-removes"]))
elif "--hub" in sys.argv:
    print("\n".join(extras["hub"]))
else:
    build = project["build-system"]["requires"]
    print("\n".join(project["project"]["dependencies"] + extras["lab"] + build + ["wheel"]))
