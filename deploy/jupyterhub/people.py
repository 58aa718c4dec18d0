"""Who each person is inside their lab server: a Unix user of their own (hub side).

nbgrader's exchange keeps submissions apart only when people reach it under different
numeric uids. Each hub user gets the uid BASE_UID + their JupyterHub id, which the hub's
database keeps, so the same person has the same uid at every start, and the Unix name is
their hub name. The class's passwd and group files (every hub user, instructors in the
INSTRUCTORS group) are written to a volume that every server mounts read-only; the lab
image's nss_wrapper reads them, so `id`, `ls -l` and nbgrader's collect know every person
by name. Before a server starts, a one-shot root container (the lab image, no network)
also lays out the exchange and gives the person's home volume to their uid.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

BASE_UID = 20000
INSTRUCTORS = "instructors"
INSTRUCTORS_GID = 19000
HOME = "/home/jovyan"  # the lab image's paths stay: the uid and the name change
PEOPLE_DIR = "/etc/labhub"  # in every server, read-only: passwd and group of the class
UNIX_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
UNIX_NAME_RULE = (
    "a name here is also a Unix user name: lower-case letters, digits, '-' and '_', "
    "starting with a letter, at most 32 characters"
)


class BadName(ValueError):
    """A hub name that cannot be a Unix user."""


def check_name(name: str) -> str:
    if not UNIX_NAME.match(name):
        raise BadName(f"{name!r} cannot be used: {UNIX_NAME_RULE}")
    return name


@dataclass(frozen=True)
class Person:
    name: str
    hub_id: int
    instructor: bool = False

    @property
    def uid(self) -> int:
        return BASE_UID + self.hub_id

    @property
    def gid(self) -> int:
        return self.uid  # a group of one's own

    @property
    def groups(self) -> list[int]:
        """Supplementary groups: the instructors' for instructors, none for learners."""
        return [INSTRUCTORS_GID] if self.instructor else []

    def environment(self) -> dict[str, str]:
        return {
            "USER": self.name,
            "LOGNAME": self.name,
            "HOME": HOME,
            "LD_PRELOAD": "libnss_wrapper.so",
            "NSS_WRAPPER_PASSWD": f"{PEOPLE_DIR}/passwd",
            "NSS_WRAPPER_GROUP": f"{PEOPLE_DIR}/group",
        }


def passwd_lines(people: list[Person]) -> str:
    return "".join(f"{p.name}:x:{p.uid}:{p.gid}::{HOME}:/bin/bash\n" for p in people if UNIX_NAME.match(p.name))


def group_lines(people: list[Person]) -> str:
    valid = [p for p in people if UNIX_NAME.match(p.name)]
    members = ",".join(p.name for p in valid if p.instructor)
    return f"{INSTRUCTORS}:x:{INSTRUCTORS_GID}:{members}\n" + "".join(f"{p.name}:x:{p.gid}:\n" for p in valid)


def prepare_script(person: Person, people: list[Person]) -> str:
    """The one-shot root script: the class's passwd and group (the image's own entries first),
    the exchange's root for the instructors' group, and the person's home made theirs.

    Mounts: /people (rw), /exchange, and the person's home at HOME (the first mount of a new
    home volume copies the image's home into it)."""
    owner = f"{person.uid}:{person.gid}"
    return "\n".join(
        [
            "set -eu",
            "umask 022",
            # Two spawns at once each write a whole file, and each file is replaced at once.
            "p=$(mktemp /people/.passwd.XXXXXX) g=$(mktemp /people/.group.XXXXXX)",
            f'{{ cat /etc/passwd; printf %s {shlex.quote(passwd_lines(people))}; }} > "$p"',
            f'{{ cat /etc/group; printf %s {shlex.quote(group_lines(people))}; }} > "$g"',
            'chmod 0644 "$p" "$g" && mv "$p" /people/passwd && mv "$g" /people/group',
            "chmod 0755 /people",
            # Learners may enter the exchange, never make a course folder in it (a learner who
            # made the course's folder first would own its inbound and read every submission).
            f"chown 0:{INSTRUCTORS_GID} /exchange && chmod 2775 /exchange",
            # What a learner submits is theirs and the instructors' only (0640, 0750): the
            # instructors read it through this default ACL, which every folder and file made
            # below inherits whoever makes it (nbgrader writes two files of each submission
            # after the set-group-id bit of its folder is gone).
            f"setfacl -d -m g:{INSTRUCTORS_GID}:rwX /exchange",
            # The home volume is the person's alone (a new volume holds the image's jovyan files).
            f'if [ "$(stat -c %u:%g {HOME})" != {owner} ]; then chown -R {owner} {HOME}; fi',
            f"chmod 0700 {HOME}",
        ]
    )
