"""Print the lab image's requirements, read from pyproject.toml (the one place pins live)."""
import sys
import tomllib

path = sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml"
with open(path, "rb") as f:
    project = tomllib.load(f)
build = project["build-system"]["requires"]
deps = project["project"]["dependencies"] + project["project"]["optional-dependencies"]["lab"]
print("\n".join(deps + build + ["wheel"]))
