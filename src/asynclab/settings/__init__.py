"""Every ``ASYNCLAB_*`` setting of the lab, declared once: its name, default, kind and help.

    from asynclab import settings
    settings.TIMEOUT.get()                 # 300.0, or $ASYNCLAB_TIMEOUT as a number
    settings.TIMEOUT.get({"ASYNCLAB_TIMEOUT": "60"})

A setting is read when it is used, never when a module is imported: a value set after the
import (a notebook's ``%env``, a test's monkeypatch) counts. An empty value is no value (the
default). A value of the wrong kind is an error that names the variable.

This package is the only place under src/ that reads an ``ASYNCLAB_*`` variable from the
environment; the others ask it. Standard library only: the host's plain python3 imports it
(``make`` runs asynclab.classroom.course_steps with it), and so does the hub.

The table for people, docs/settings.md, is generated from REGISTRY (declared.py):

    python -m asynclab.settings --markdown > docs/settings.md

The lab's image tag is declared once too: the package's version in pyproject.toml
(package_version). LAB_VERSION (environment, then .env) chooses another tag (lab_version);
scripts/lib.sh reads both the same way for the Makefile and the scripts.
"""

from __future__ import annotations

from .declared import (  # noqa: F401
    COMPOSE_FILE,
    HUB,
    HUB_ADMIN_PASSWORD,
    HUB_ADMINS,
    HUB_AUTH,
    HUB_DB_URL,
    HUB_HOST,
    HUB_NETWORK,
    HUB_PASSWORD,
    HUB_PREFIX,
    HUB_TARGETS_TIMEOUT,
    HUB_USERS,
    IN_LAB,
    INVENTORY,
    KEEP_RUNS,
    LAB_COMMANDS,
    LAB_IMAGE,
    PROJECT,
    RUNS_DIR,
    SUITE,
    TARGET_IMAGE,
    TIMEOUT,
    V2_ENGINE,
    V2_VM_DIR,
    Z2JH_CHART,
)
from .setting import AUDIENCES, KINDS, REGISTRY, Setting, SettingError, declare, markdown, setting  # noqa: F401
from .version import SOURCE_ROOT, env_file_value, image, lab_version, package_version  # noqa: F401
