"""The hub's spawner: DockerSpawner, plus a private lab for each person (learner_lab.py), who
is a Unix user of their own in their server (people.py).

start(): the person's name is checked; the class's passwd and group, the exchange's root and
the person's home volume are prepared (one-shot, as root, no network); the person's targets,
network and SSH keys are made and healthy; then the lab server is created on the hub's
network as the person's uid (no capability, no new privileges) and joined to the targets'
network. stop(): the lab server is removed, then the targets, network and key volumes. The
home volume stays. Only admins (the instructors) see the course's sources.
"""

import asyncio

import docker
from docker.types import Mount
from dockerspawner import DockerSpawner
from jupyterhub import orm
from traitlets import Float, Int, Unicode, default

from asynclab import settings
from learner_lab import LearnerLab
from people import HOME, PEOPLE_DIR, Person, check_name, prepare_script

# The solutions and hidden tests in the image: an empty read-only tmpfs covers them in a
# learner's server, so they are neither readable there nor copied into the work volume.
COURSE_SOURCES = "/opt/lab/course/grader/source"


class LabSpawner(DockerSpawner):
    """A lab server per person, run as their own Unix user, with five SSH targets of their own."""

    target_image = Unicode(config=True, help="Image of the five SSH targets (default: the lab's version's).")
    target_mem_limit = Unicode(
        "",
        config=True,
        help="Memory limit of each target (e.g. '384m'); empty: "
        "docker-compose.yml's, which is LAB_TARGET_MEM_LIMIT or 384m.",
    )
    target_pids_limit = Int(
        0,
        config=True,
        help="Process limit of each target; 0: docker-compose.yml's, which is LAB_TARGET_PIDS_LIMIT or 512.",
    )
    targets_timeout = Float(
        settings.HUB_TARGETS_TIMEOUT.default,
        config=True,
        help="Seconds a learner's targets may take to become healthy.",
    )
    exchange_volume = Unicode("labhub-exchange", config=True, help="Volume of nbgrader's shared exchange.")
    people_volume = Unicode(
        "labhub-people", config=True, help="Volume of the class's passwd and group files (read-only in servers)."
    )

    _sdk = None

    @default("target_image")
    def _target_image(self):
        return settings.image("target")

    @property
    def sdk(self):
        """One Docker SDK client for all spawners (DockerSpawner's own client is the low-level one)."""
        cls = type(self)
        if cls._sdk is None:
            cls._sdk = docker.from_env()
        return cls._sdk

    @property
    def person(self) -> Person:
        return Person(self.user.name, self.user.id, bool(self.user.admin))

    def class_list(self) -> list[Person]:
        """Every person of the hub, for the class's passwd and group files."""
        return [Person(u.name, u.id, bool(u.admin)) for u in self.user.db.query(orm.User).order_by(orm.User.id)]

    @property
    def home_volume(self) -> str:
        return f"{self.prefix}-{self.escaped_name}-home"

    def learner_lab(self) -> LearnerLab:
        person = self.person
        return LearnerLab(
            learner=self.escaped_name,
            prefix=self.prefix,
            client=self.sdk,
            lab_image=self.image,
            target_image=self.target_image,
            target_mem_limit=self.target_mem_limit,
            target_pids_limit=self.target_pids_limit,
            key_owner=f"{person.uid}:{person.gid}",
        )

    def get_env(self):
        env = super().get_env()
        # The lab image's entrypoint copies the course's sources into the work volume of
        # instructors only; for the others they are also hidden under a tmpfs (mount_binds).
        env["LAB_ROLE"] = "instructor" if self.user.admin else "learner"
        env[settings.HUB.name] = "1"  # nbgrader's exchange as the hub shares it (grader/nbgrader_config.py)
        env.update(self.person.environment())
        return env

    @property
    def volume_binds(self):
        binds = super().volume_binds
        binds[self.home_volume] = {"bind": HOME, "mode": "rw"}
        binds[self.people_volume] = {"bind": PEOPLE_DIR, "mode": "ro"}
        return binds

    @property
    def mount_binds(self):
        mounts = super().mount_binds
        if not self.user.admin:
            mounts.append(Mount(target=COURSE_SOURCES, source=None, type="tmpfs", read_only=True, tmpfs_size="64k"))
        return mounts

    def prepare(self, script: str) -> None:
        """The class's passwd and group, the exchange's root and this person's home (as root)."""
        self.sdk.containers.run(
            self.image,
            ["bash", "-c", script],
            entrypoint=[],
            user="root",
            network_mode="none",
            remove=True,
            volumes={
                self.people_volume: {"bind": "/people", "mode": "rw"},
                self.exchange_volume: {"bind": "/exchange", "mode": "rw"},
                self.home_volume: {"bind": HOME, "mode": "rw"},
            },
        )

    async def start(self):
        check_name(self.user.name)
        person = self.person
        # Run as the person's uid, in their own group, and in the instructors' if they are one.
        self.extra_create_kwargs = {**self.extra_create_kwargs, "user": f"{person.uid}:{person.gid}"}
        self.extra_host_config = {**self.extra_host_config, "group_add": [str(g) for g in person.groups]}
        lab = self.learner_lab()
        self.log.info("Preparing %s (uid %d) and their private lab (%s)", self.user.name, person.uid, lab.network)
        # The hub's database is read here, on the hub's own thread: its session is not shared
        # with the worker threads that wait for Docker.
        script = prepare_script(person, self.class_list())
        await asyncio.to_thread(self.prepare, script)
        try:
            await asyncio.to_thread(lab.create, self.targets_timeout)
            return await super().start()
        except Exception:
            await asyncio.to_thread(lab.remove)
            raise

    async def create_object(self):
        server = await super().create_object()
        await self.docker("connect_container_to_network", server["Id"], self.learner_lab().network)
        return server

    async def stop(self, now=False):
        try:
            await super().stop(now=now)
        finally:
            self.log.info("Removing the private lab of %s", self.user.name)
            await asyncio.to_thread(self.learner_lab().remove)
