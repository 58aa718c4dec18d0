"""The Validate button without a frozen lab: nbgrader's check runs in a process of its own.

nbgrader 0.9's Validate handler runs the whole check, a full run of the notebook with its
playbooks, inside the Jupyter server's one event loop. For those tens of seconds the
learner's JupyterLab gets no answer to anything: files do not save, other notebooks' output
stops, and on a busy machine JupyterLab gives up and shows "Server Connection Error".

This server extension keeps nbgrader's handler, its address and its answer, and changes
where the work happens: ``post`` starts ``python -m asynclab.classroom.validate_in_background
PATH`` and waits for it without blocking. That process calls nbgrader's own
``validate_notebook`` (the same path check, the same settings from the same folders, the
course's Validator) and prints its answer as JSON. Its environment is its own, so the
variables nbgrader sets while it validates (``NBGRADER_EXECUTION``) never reach a kernel the
learner starts meanwhile, and two checks at once do not meet.

The image enables the extension for every role (``jupyter_server_config.d``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import types

from nbgrader.server_extensions.validate_assignment import handlers
from tornado import web

#: How much of a failed check's own output the learner is shown.
TAIL = 4000


def answer_of(returncode: int, out: bytes, err: bytes) -> dict:
    """nbgrader's answer from the checking process, or a failure that says what happened."""
    if returncode == 0:
        try:
            answer = json.loads(out)
        except ValueError:
            pass
        else:
            if "refused" in answer:  # nbgrader's own refusal, a path outside the learner's folder
                raise web.HTTPError(*answer["refused"])
            return answer
    said = err.decode(errors="replace")[-TAIL:].strip()
    return {
        "success": False,
        "value": f"The check stopped before it gave a verdict (exit code {returncode}).\n{said}".strip(),
    }


async def validate_elsewhere(root_dir: str, path: str, log) -> dict:
    """Run nbgrader's check of path in a process of its own; its answer."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
        root_dir,
        path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    for line in err.decode(errors="replace").splitlines():
        log.info("validate %s: %s", path, line)
    return answer_of(process.returncode, out, err)


@web.authenticated
async def post(self) -> None:
    try:
        path = self.get_argument("path")
    except web.MissingArgumentError:
        path = self.get_json_body()["path"]
    self.finish(json.dumps(await validate_elsewhere(self.root_dir, path, self.log)))


def _load_jupyter_server_extension(serverapp) -> None:
    handlers.ValidateAssignmentHandler.post = post
    serverapp.log.info("asynclab: nbgrader's Validate runs in a process of its own")


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": __name__}]


def main(root_dir: str, path: str) -> int:
    """nbgrader's validate_notebook for path under root_dir; its answer as JSON on stdout.
    Whatever else writes to stdout meanwhile (the kernel, Ansible) goes to stderr."""
    answer = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    stand_in = types.SimpleNamespace(root_dir=root_dir, log=logging.getLogger("nbgrader.validate"))
    stand_in.load_config = lambda: handlers.ValidateAssignmentHandler.load_config(stand_in)
    try:
        result = handlers.ValidateAssignmentHandler.validate_notebook(stand_in, path)
    except web.HTTPError as refusal:
        result = {"refused": [refusal.status_code, refusal.log_message]}
    answer.write(json.dumps(result))
    answer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
