# JupyterHub for the async lab: one lab server per person (the lab image), run as a Unix user
# of their own, each with their own five SSH targets and releases stand-in on a private
# network (lab_spawner.py, people.py), and nbgrader's exchange shared as nbgrader designed it.
# See README.md beside this file.
#
# The admin's settings come from the environment of the hub container: the ASYNCLAB_HUB_*
# variables and the images, ASYNCLAB_LAB_IMAGE and ASYNCLAB_TARGET_IMAGE. Each is declared,
# with its default and what it does, in asynclab.settings (the hub's image has the package);
# docs/settings.md lists them.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asynclab import settings as declared  # noqa: E402
from lab_spawner import LabSpawner  # noqa: E402 (found beside this file)
from people import UNIX_NAME  # noqa: E402

c = get_config()  # noqa: F821 (provided by traitlets)


def setting(name: str, fallback: str | None = None) -> str:
    """A declared setting's value as text: its default, else ``fallback``; a required one unset stops the hub."""
    try:
        value = declared.setting(name).get()
    except declared.SettingError as exc:
        raise SystemExit(f"jupyterhub_config.py: {exc.message}") from None
    if value is None:
        value = fallback
    if value is None:
        raise SystemExit(f"jupyterhub_config.py: set {name} in the hub's environment (see deploy/jupyterhub/README.md)")
    return str(value)


def names(variable: str) -> set[str]:
    return {name.strip() for name in setting(variable).split(",") if name.strip()}


# Lab servers <prefix>-<user>, targets <prefix>-<user>-web1, ..., volumes <prefix>-<user>-home, ...
PREFIX = setting("ASYNCLAB_HUB_PREFIX")
if not UNIX_NAME.match(PREFIX):
    raise SystemExit(f"jupyterhub_config.py: ASYNCLAB_HUB_PREFIX {PREFIX!r} is not a Docker-safe name")
NETWORK = setting("ASYNCLAB_HUB_NETWORK", PREFIX)
EXCHANGE = "/srv/nbgrader/exchange"
EXCHANGE_VOLUME = f"{PREFIX}-exchange"
DATA = "/srv/jupyterhub"  # the hub's database and cookie secret: a volume of the hub container

# ---- the hub ------------------------------------------------------------------------------
# Inside the hub container: the proxy on 8000 (publish it on the host with
# `-p 127.0.0.1:8000:8000`), the hub's API on 8081 for the lab servers on NETWORK only.
c.JupyterHub.bind_url = "http://0.0.0.0:8000"
c.JupyterHub.hub_bind_url = "http://0.0.0.0:8081"
c.JupyterHub.hub_connect_url = f"http://{setting('ASYNCLAB_HUB_HOST', PREFIX)}:8081"
c.JupyterHub.db_url = f"sqlite:///{DATA}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{DATA}/jupyterhub_cookie_secret"
# A restart of the hub (an upgrade, `docker restart`) leaves the servers and their targets
# running: people keep their work and their kernels, and the hub finds them again at start.
c.JupyterHub.cleanup_servers = False
# The proxy runs inside the hub's container: its pid file stays there, out of the data volume
# (a pid file left in the volume by a killed hub named a process of the next container).
c.ConfigurableHTTPProxy.pid_file = "/tmp/jupyterhub-proxy.pid"
# Making a learner's targets takes a while: a few spawns at a time, with time to finish.
c.JupyterHub.concurrent_spawn_limit = 5

# ---- who logs in ----------------------------------------------------------------------------
c.Authenticator.admin_users = names("ASYNCLAB_HUB_ADMINS")
bad = sorted(name for name in c.Authenticator.admin_users if not UNIX_NAME.match(name))
if bad:
    raise SystemExit(f"jupyterhub_config.py: ASYNCLAB_HUB_ADMINS names {bad}, which cannot be Unix user names")
AUTH = setting("ASYNCLAB_HUB_AUTH")  # native unless the shared password is asked for
if AUTH == "native":
    # A password per person; NativeAuthenticator approves who may log in, so every
    # authenticated name is allowed.
    c.JupyterHub.authenticator_class = "lab_authenticator.LabAuthenticator"
    c.Authenticator.allow_all = True
    c.LabAuthenticator.instructor_password = setting("ASYNCLAB_HUB_ADMIN_PASSWORD")
    if len(c.LabAuthenticator.instructor_password) < 32:
        raise SystemExit("jupyterhub_config.py: ASYNCLAB_HUB_ADMIN_PASSWORD needs 32 characters or more")
    c.NativeAuthenticator.minimum_password_length = 10
    c.NativeAuthenticator.check_common_password = True
    c.NativeAuthenticator.allowed_failed_logins = 5
    c.NativeAuthenticator.seconds_before_next_try = 300
elif AUTH == "shared-password":
    # One password for the learners, another for the instructors. Anyone with the learners'
    # password can log in as any allowed learner: for an ungraded workshop only.
    c.JupyterHub.authenticator_class = "shared-password"
    c.Authenticator.allowed_users = names("ASYNCLAB_HUB_USERS")
    c.SharedPasswordAuthenticator.user_password = setting("ASYNCLAB_HUB_PASSWORD")
    c.SharedPasswordAuthenticator.admin_password = setting("ASYNCLAB_HUB_ADMIN_PASSWORD")
    print(
        "jupyterhub_config.py: WARNING: ASYNCLAB_HUB_AUTH=shared-password: every learner shares one "
        "password, so anyone who has it can log in, and submit, as any learner. Use it for an "
        "ungraded workshop only.",
        file=sys.stderr,
    )
else:
    raise SystemExit(f"jupyterhub_config.py: ASYNCLAB_HUB_AUTH is {AUTH!r}; it is native or shared-password")

# ---- each learner's lab server ----------------------------------------------------------------
c.JupyterHub.spawner_class = LabSpawner
c.DockerSpawner.image = setting("ASYNCLAB_LAB_IMAGE", declared.image("lab"))
c.DockerSpawner.pull_policy = "never"  # the images are built here (`make lab`), not pulled
# The image's entrypoint copies the course into the work volume, then runs this command.
c.DockerSpawner.cmd = ["jupyterhub-singleuser"]
c.DockerSpawner.prefix = PREFIX
c.DockerSpawner.network_name = NETWORK
c.DockerSpawner.use_internal_ip = True  # reached by the hub on NETWORK: no port published
c.DockerSpawner.remove = True  # a stopped server's container goes; its work volume stays
# Each person's home volume (labhub-<user>-home at /home/jovyan, work/ in it) and the class's
# passwd and group (labhub-people, read-only) are added by LabSpawner.
c.DockerSpawner.volumes = {EXCHANGE_VOLUME: EXCHANGE}
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
# A storm of logins on a small machine: 18 servers starting at once on 2 cores left one
# unanswered after 120 s (make bench, hub.storm). A slow start is better than a failed one.
c.Spawner.http_timeout = 300

# ---- each learner's targets (lab_spawner.LabSpawner) ----------------------------------------------
c.LabSpawner.target_image = setting("ASYNCLAB_TARGET_IMAGE", declared.image("target"))
# The limits of each target are docker-compose.yml's (LAB_TARGET_MEM_LIMIT and LAB_TARGET_PIDS_LIMIT in the
# hub's environment change them), unless c.LabSpawner.target_mem_limit / target_pids_limit are set here.
c.LabSpawner.targets_timeout = float(setting("ASYNCLAB_HUB_TARGETS_TIMEOUT"))
c.LabSpawner.exchange_volume = EXCHANGE_VOLUME
c.LabSpawner.people_volume = f"{PREFIX}-people"
