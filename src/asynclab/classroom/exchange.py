"""nbgrader's filesystem exchange, kept as nbgrader designed it where people are Unix users of
their own (the hub), with the two gaps of its defaults closed (lab side).

- StickyInboundRelease: nbgrader's inbound folder is write-only for learners (no listing),
  but not sticky, so a learner who learned another's submission's name could rename it away.
  Here the release gives it the sticky bit: only a submission's owner (and the inbound's)
  may rename or remove it.
- PrivateSubmit: nbgrader leaves a submission readable by everyone (files 0644) and its
  folder writable by everyone (0777), hidden only by its random name. Here the folder and
  its files are the learner's and the instructors' group's only: the group comes from the
  inbound folder (set-group-id), and others get nothing. Their secret, which names the
  feedback released for them, stays theirs too.
- OwnerCheckedCollect: nbgrader takes the learner's name from the submission's folder name,
  which the submitter writes (`--student`, $USER), and only warns when the folder's owner
  differs. Here a submission that a Unix user other than the learner it names made is
  refused as a forgery: the genuine ones are collected, then collect fails and names each
  forgery. Where the name is no Unix user of this lab the submission is refused as well.

Set in grader/nbgrader_config.py (ExchangeFactory), so the single lab, the hub and the
grading workers use the same classes.
"""

from __future__ import annotations

import glob
import os
import pwd
import stat
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.submit import ExchangeSubmit

SUBMISSION_DIR_MODE = stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP  # 0750
SUBMISSION_FILE_MODE = stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP  # 0640


def make_private(folder: str | Path) -> None:
    """Its files 0640 and folders 0750: the owner, and the group it has from the inbound folder."""
    folder = Path(folder)
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_symlink():
            continue
        path.chmod(SUBMISSION_DIR_MODE if path.is_dir() else SUBMISSION_FILE_MODE)
    folder.chmod(SUBMISSION_DIR_MODE)


class StickyInboundRelease(ExchangeReleaseAssignment):
    """nbgrader's release, with the inbound folder sticky."""

    def init_dest(self):
        super().init_dest()
        inbound = Path(self.inbound_path)
        mode = stat.S_IMODE(inbound.stat().st_mode)
        if not mode & stat.S_ISVTX:
            try:
                inbound.chmod(mode | stat.S_ISVTX)
            except PermissionError:  # another instructor's folder (groupshared): theirs to set
                self.log.warning("Could not make %s sticky: it belongs to another instructor", inbound)


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, with the submission readable by its learner and the instructors only."""

    def copy_files(self):
        super().copy_files()
        make_private(Path(self.inbound_path) / self.assignment_filename)


def forgery(path: str | Path, student: str) -> str | None:
    """Why a submission at `path` that names `student` is not theirs, or None when it is."""
    try:
        expected = pwd.getpwnam(student).pw_uid
    except KeyError:
        return f"{student} is not a user of this lab"
    owner = os.lstat(path).st_uid
    if owner == expected:
        return None
    try:
        who = pwd.getpwuid(owner).pw_name
    except KeyError:
        who = "an unknown user"
    return f"made by {who} (uid {owner}), not by {student} (uid {expected})"


class OwnerCheckedCollect(ExchangeCollect):
    """nbgrader's collect; a submission whose owner is not the learner it names is refused."""

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        record["forgery"] = forgery(path, record["username"])
        return record

    def _sort_by_timestamp(self, records):
        # The newest genuine submission of a learner first: a forgery made after it never
        # takes its place.
        return sorted(records, key=lambda r: (r["forgery"] is None, r["timestamp"]), reverse=True)

    def init_src(self):
        super().init_src()
        student = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, f"{student}+{self.coursedir.assignment_id}+*")
        self.forged = [r for r in map(self._path_to_record, sorted(glob.glob(pattern))) if r["forgery"]]
        self.src_records = [r for r in self.src_records if not r["forgery"]]

    def copy_files(self):
        super().copy_files()
        for record in self.forged:
            self.log.error("Refused %s: a forgery, %s", record["filename"], record["forgery"])
        if self.forged:
            self.fail(
                f"{len(self.forged)} submission(s) refused as forgeries (see above); "
                "the others were collected. The refused ones stay in the exchange as evidence."
            )
