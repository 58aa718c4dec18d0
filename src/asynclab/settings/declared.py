"""Every ``ASYNCLAB_*`` setting, declared once, by audience: the lab, the hub, developers."""

from __future__ import annotations

from .setting import Setting, declare

# ---- the lab ----------------------------------------------------------------------------
TIMEOUT = declare(
    Setting(
        "ASYNCLAB_TIMEOUT",
        300.0,
        "Seconds a playbook run may take before it is stopped (a run's `timeout` option overrides it).",
        "number",
    )
)
KEEP_RUNS = declare(
    Setting(
        "ASYNCLAB_KEEP_RUNS",
        30,
        "How many of the latest runs keep their ansible-runner folder; older ones are removed.",
        "integer",
    )
)
RUNS_DIR = declare(
    Setting(
        "ASYNCLAB_RUNS_DIR",
        None,
        "Folder of the runs' ansible-runner folders.",
        "path",
        default_text="`$XDG_CACHE_HOME/asynclab/runs` (`~/.cache/asynclab/runs`)",
    )
)
INVENTORY = declare(
    Setting(
        "ASYNCLAB_INVENTORY",
        None,
        "An inventory of one's own: runs use it, wherever they run, instead of the lab's hosts.",
        "path",
        default_text="none: the lab's hosts",
    )
)
IN_LAB = declare(
    Setting(
        "ASYNCLAB_IN_LAB",
        False,
        "`1` inside the lab container (its image sets it): runs use the inventory there. The hub's image sets `0`.",
        "flag",
    )
)
LAB_COMMANDS = declare(
    Setting(
        "ASYNCLAB_LAB_COMMANDS",
        None,
        "`playbook`: the grader's commands on the hosts run as one playbook, the way before "
        "(`make bench` measures both); passed on to the grading workers.",
        "choice",
        choices=("playbook",),
        default_text="none: each host's script over SSH at once",
    )
)
PROJECT = declare(
    Setting(
        "ASYNCLAB_PROJECT",
        None,
        "Compose project of the lab that host-side runs and tests use (`make test-integration` sets it).",
        default_text="`$COMPOSE_PROJECT_NAME`, else the only lab running",
    )
)

# ---- the hub ------------------------------------------------------------------------------
HUB = declare(
    Setting(
        "ASYNCLAB_HUB",
        False,
        "`1` in a lab server the hub started (its spawner sets it): nbgrader's exchange as the hub shares it "
        "(grader/nbgrader_config.py).",
        "flag",
        "hub",
    )
)
COMPOSE_FILE = declare(
    Setting(
        "ASYNCLAB_COMPOSE_FILE",
        None,
        "docker-compose.yml that defines each learner's targets.",
        "path",
        "hub",
        default_text="the hub image's copy beside learner_lab.py, else the repository's",
    )
)
HUB_ADMINS = declare(
    Setting(
        "ASYNCLAB_HUB_ADMINS",
        None,
        "Instructors, comma-separated: JupyterHub admins, and the only servers that hold the course's "
        "sources (solutions). Required.",
        audience="hub",
    )
)
HUB_ADMIN_PASSWORD = declare(
    Setting(
        "ASYNCLAB_HUB_ADMIN_PASSWORD",
        None,
        "The instructors' initial password (32 characters or more); each changes it at /hub/change-password. Required.",
        audience="hub",
    )
)
HUB_AUTH = declare(
    Setting(
        "ASYNCLAB_HUB_AUTH",
        "native",
        "`native`: a password per person, sign-up with an instructor's approval or accounts from a class "
        "list (class_list.py); `shared-password`: one password for every learner, for an ungraded workshop.",
        audience="hub",
    )
)
HUB_USERS = declare(
    Setting(
        "ASYNCLAB_HUB_USERS",
        None,
        "`shared-password` only (then required): the learners allowed to log in, comma-separated.",
        audience="hub",
    )
)
HUB_PASSWORD = declare(
    Setting(
        "ASYNCLAB_HUB_PASSWORD",
        None,
        "`shared-password` only (then required): the learners' password (8 characters or more).",
        audience="hub",
    )
)
HUB_PREFIX = declare(
    Setting(
        "ASYNCLAB_HUB_PREFIX",
        "labhub",
        "First part of every container's, network's and volume's name.",
        audience="hub",
    )
)
HUB_NETWORK = declare(
    Setting(
        "ASYNCLAB_HUB_NETWORK",
        None,
        "Docker network of the hub and the lab servers.",
        audience="hub",
        default_text="the prefix",
    )
)
HUB_HOST = declare(
    Setting(
        "ASYNCLAB_HUB_HOST",
        None,
        "The hub container's name on that network.",
        audience="hub",
        default_text="the prefix",
    )
)
HUB_TARGETS_TIMEOUT = declare(
    Setting(
        "ASYNCLAB_HUB_TARGETS_TIMEOUT",
        240.0,
        "Seconds a person's targets may take to become healthy.",
        "number",
        "hub",
    )
)
HUB_DB_URL = declare(
    Setting(
        "ASYNCLAB_HUB_DB_URL",
        None,
        "The hub's database, for class_list.py (its --db-url).",
        audience="hub",
        default_text="the hub's own (`sqlite:////srv/jupyterhub/jupyterhub.sqlite`)",
    )
)
LAB_IMAGE = declare(
    Setting(
        "ASYNCLAB_LAB_IMAGE",
        None,
        "Image of each learner's lab server.",
        audience="hub",
        default_text="`asynclab/lab:<version>`",
    )
)
TARGET_IMAGE = declare(
    Setting(
        "ASYNCLAB_TARGET_IMAGE",
        None,
        "Image of each learner's five targets.",
        audience="hub",
        default_text="`asynclab/target:<version>`",
    )
)

# ---- developers ---------------------------------------------------------------------------
SUITE = declare(
    Setting(
        "ASYNCLAB_SUITE",
        None,
        "`make test` sets it: each test worker starts a host set of its own, named after it, "
        "instead of using the running lab.",
        audience="developer",
    )
)
V2_ENGINE = declare(
    Setting(
        "ASYNCLAB_V2_ENGINE",
        "netns",
        "Where tests/integration/test_cgroup_v2.py finds a cgroup v2 engine: `netns` (a dockerd beside "
        "this one) or `vm` (a Debian 12 VM under qemu, `make test-v2-vm`).",
        "choice",
        "developer",
        choices=("netns", "vm"),
    )
)
V2_VM_DIR = declare(
    Setting(
        "ASYNCLAB_V2_VM_DIR",
        None,
        "Folder of that VM's disk and files.",
        "path",
        "developer",
        default_text="`build/v2-vm`",
    )
)
Z2JH_CHART = declare(
    Setting(
        "ASYNCLAB_Z2JH_CHART",
        None,
        "Folder of the Zero to JupyterHub chart 4.4.0, unpacked (`helm pull jupyterhub/jupyterhub --version 4.4.0 "
        "--untar`): tests/unit/stack/test_kubernetes_spec.py then checks deploy/kubernetes/values.yaml against the "
        "chart's own values schema. Unset: those two tests are skipped (the chart is not kept in this repository).",
        "path",
        "developer",
    )
)
