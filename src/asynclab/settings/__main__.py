"""``python -m asynclab.settings``: which settings are set here, the table (--markdown), or the
lab's version (--version)."""

from __future__ import annotations

import argparse
import sys

from .setting import REGISTRY, markdown
from .version import package_version


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The lab's ASYNCLAB_* settings.")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--markdown", action="store_true", help="print docs/settings.md")
    what.add_argument("--version", action="store_true", help="print the lab's version (pyproject.toml)")
    args = parser.parse_args(argv)
    if args.version:
        print(package_version())
    elif args.markdown:
        sys.stdout.write(markdown())
    else:  # which are set here (not their values: some are passwords)
        for item in REGISTRY.values():
            print(f"{item.name}: {'set' if item.is_set() else 'default'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
