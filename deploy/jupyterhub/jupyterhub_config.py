# JupyterHub for the async lab: one lab server per learner (the lab image), each with its
# own five SSH targets and releases stand-in on a private network (lab_spawner.py), and
# nbgrader's exchange shared by every server. See README.md beside this file.
#
# The admin's settings come from the environment of the hub container:
#   ASYNCLAB_HUB_ADMINS          instructors, comma-separated: JupyterHub admins, and the
#                                only servers that hold the course's sources (solutions)
#   ASYNCLAB_HUB_USERS           learners allowed to log in, comma-separated
#   ASYNCLAB_HUB_PASSWORD        the learners' password (8 characters or more)
#   ASYNCLAB_HUB_ADMIN_PASSWORD  the instructors' password (32 characters or more)
#   ASYNCLAB_HUB_NETWORK         Docker network of the hub and the lab servers (labhub)
#   ASYNCLAB_HUB_HOST            the hub container's name on that network (labhub)
#   ASYNCLAB_LAB_IMAGE, ASYNCLAB_TARGET_IMAGE   images (asynclab/lab:0.1.0, asynclab/target:0.1.0)
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab_spawner import LabSpawner  # noqa: E402 (found beside this file)

c = get_config()  # noqa: F821 (provided by traitlets)


def setting(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, "").strip() or default
    if value is None:
        raise SystemExit(f"jupyterhub_config.py: set {name} in the hub's environment (see deploy/jupyterhub/README.md)")
    return value


def names(variable: str) -> set[str]:
    return {name.strip() for name in setting(variable).split(",") if name.strip()}


PREFIX = "labhub"  # lab servers labhub-<user>, targets labhub-<user>-web1, ...
NETWORK = setting("ASYNCLAB_HUB_NETWORK", "labhub")
EXCHANGE = "/srv/nbgrader/exchange"
EXCHANGE_VOLUME = f"{PREFIX}-exchange"
DATA = "/srv/jupyterhub"  # the hub's database and cookie secret: a volume of the hub container

# ---- the hub ------------------------------------------------------------------------------
# Inside the hub container: the proxy on 8000 (publish it on the host with
# `-p 127.0.0.1:8000:8000`), the hub's API on 8081 for the lab servers on NETWORK only.
c.JupyterHub.bind_url = "http://0.0.0.0:8000"
c.JupyterHub.hub_bind_url = "http://0.0.0.0:8081"
c.JupyterHub.hub_connect_url = f"http://{setting('ASYNCLAB_HUB_HOST', 'labhub')}:8081"
c.JupyterHub.db_url = f"sqlite:///{DATA}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{DATA}/jupyterhub_cookie_secret"
# Making a learner's targets takes a while: a few spawns at a time, with time to finish.
c.JupyterHub.concurrent_spawn_limit = 5

# ---- who logs in ----------------------------------------------------------------------------
# One password for the learners, another for the instructors. Anyone with the learners'
# password can log in as any allowed learner: for graded work, use a per-person
# authenticator (OAuthenticator, LDAPAuthenticator, NativeAuthenticator) instead.
c.JupyterHub.authenticator_class = "shared-password"
c.Authenticator.admin_users = names("ASYNCLAB_HUB_ADMINS")
c.Authenticator.allowed_users = names("ASYNCLAB_HUB_USERS")
c.SharedPasswordAuthenticator.user_password = setting("ASYNCLAB_HUB_PASSWORD")
c.SharedPasswordAuthenticator.admin_password = setting("ASYNCLAB_HUB_ADMIN_PASSWORD")

# ---- each learner's lab server ----------------------------------------------------------------
c.JupyterHub.spawner_class = LabSpawner
c.DockerSpawner.image = setting("ASYNCLAB_LAB_IMAGE", "asynclab/lab:0.1.0")
c.DockerSpawner.pull_policy = "never"  # the images are built here (`make lab`), not pulled
# The image's entrypoint copies the course into the work volume, then runs this command.
c.DockerSpawner.cmd = ["jupyterhub-singleuser"]
c.DockerSpawner.prefix = PREFIX
c.DockerSpawner.network_name = NETWORK
c.DockerSpawner.use_internal_ip = True  # reached by the hub on NETWORK: no port published
c.DockerSpawner.remove = True  # a stopped server's container goes; its work volume stays
c.DockerSpawner.volumes = {
    f"{PREFIX}-{{username}}-work": "/home/jovyan/work",
    EXCHANGE_VOLUME: EXCHANGE,
}
c.DockerSpawner.read_only_volumes = {f"{PREFIX}-{{username}}-keys": "/etc/lab-keys"}
c.DockerSpawner.environment = {"NBGRADER_EXCHANGE": EXCHANGE}
c.DockerSpawner.mem_limit = "1G"
c.DockerSpawner.cpu_limit = 1.0
# Never the Docker socket, never privileged; no capabilities, no setuid gains.
c.DockerSpawner.extra_host_config = {
    "privileged": False,
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges:true"],
    "pids_limit": 512,
}
c.DockerSpawner.extra_create_kwargs = {
    "hostname": "lab",
    # The image's health check asks /api; behind the hub the server lives under its prefix.
    "healthcheck": {
        "test": [
            "CMD-SHELL",
            'python3 -c "import os, urllib.request; urllib.request.urlopen('
            "'http://127.0.0.1:8888' + os.environ['JUPYTERHUB_SERVICE_PREFIX'] + 'api', timeout=4)\"",
        ],
        "interval": 10_000_000_000,
        "timeout": 5_000_000_000,
        "retries": 6,
    },
}
c.Spawner.notebook_dir = "/home/jovyan/work"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 360
c.Spawner.http_timeout = 120

# ---- each learner's targets (lab_spawner.LabSpawner) ----------------------------------------------
c.LabSpawner.target_image = setting("ASYNCLAB_TARGET_IMAGE", "asynclab/target:0.1.0")
# The limits of each target are docker-compose.yml's (LAB_TARGET_MEM_LIMIT and LAB_TARGET_PIDS_LIMIT in the
# hub's environment change them), unless c.LabSpawner.target_mem_limit / target_pids_limit are set here.
c.LabSpawner.targets_timeout = 240
c.LabSpawner.exchange_volume = EXCHANGE_VOLUME
