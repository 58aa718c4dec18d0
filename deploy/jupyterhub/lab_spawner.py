"""The hub's spawner: DockerSpawner, plus a private lab for each learner (learner_lab.py).

start(): the learner's targets, network and SSH keys are made and healthy first; then the
lab server is created on the hub's network and joined to the learner's target network.
stop(): the lab server is removed, then the learner's targets, network and key volumes.
The learner's work volume stays. Only admins (the instructors) see the course's sources.
"""

import asyncio

import docker
from docker.types import Mount
from dockerspawner import DockerSpawner
from traitlets import Float, Int, Unicode

from learner_lab import LearnerLab, prepare_exchange

# The solutions and hidden tests in the image: an empty read-only tmpfs covers them in a
# learner's server, so they are neither readable there nor copied into the work volume.
COURSE_SOURCES = "/opt/lab/course/grader/source"


class LabSpawner(DockerSpawner):
    """A lab server per learner, each with its own five SSH targets and releases stand-in."""

    target_image = Unicode("asynclab/target:0.1.0", config=True, help="Image of the five SSH targets.")
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
    targets_timeout = Float(240, config=True, help="Seconds a learner's targets may take to become healthy.")
    exchange_volume = Unicode("labhub-exchange", config=True, help="Volume of nbgrader's shared exchange.")

    _sdk = None

    @property
    def sdk(self):
        """One Docker SDK client for all spawners (DockerSpawner's own client is the low-level one)."""
        cls = type(self)
        if cls._sdk is None:
            cls._sdk = docker.from_env()
        return cls._sdk

    def learner_lab(self) -> LearnerLab:
        return LearnerLab(
            learner=self.escaped_name,
            prefix=self.prefix,
            client=self.sdk,
            lab_image=self.image,
            target_image=self.target_image,
            target_mem_limit=self.target_mem_limit,
            target_pids_limit=self.target_pids_limit,
        )

    def get_env(self):
        env = super().get_env()
        # The lab image's entrypoint copies the course's sources into the work volume of
        # instructors only; for the others they are also hidden under a tmpfs (mount_binds).
        env["LAB_ROLE"] = "instructor" if self.user.admin else "learner"
        return env

    @property
    def mount_binds(self):
        mounts = super().mount_binds
        if not self.user.admin:
            mounts.append(Mount(target=COURSE_SOURCES, source=None, type="tmpfs", read_only=True, tmpfs_size="64k"))
        return mounts

    async def start(self):
        lab = self.learner_lab()
        self.log.info("Making the private lab of %s (%s)", self.user.name, lab.network)
        await asyncio.to_thread(prepare_exchange, self.sdk, self.exchange_volume, self.image)
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
