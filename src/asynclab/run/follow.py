"""Follow a run: its work in a thread of its own, its events folded and shown as they come.

Shared by the lab's runner (asynclab.run.runner) and the host's way into the lab
(asynclab.remote.client)."""

from __future__ import annotations

import queue
import signal
import threading
from contextlib import contextmanager

from ..view.progress import ProgressView
from .result import EventFolder


@contextmanager
def _interrupt_sets(cancel: threading.Event):
    """While the run goes on, an interrupt (Ctrl-C, or interrupting the kernel) sets ``cancel``.

    A handler instead of catching KeyboardInterrupt: an exception raised at an arbitrary point
    can land inside a lock's ``with`` block (threading.Event.wait) and leave it held, so that
    the run never ends. Outside the main thread, where no signal arrives, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: cancel.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def follow(
    work,
    folder: EventFolder,
    events: queue.Queue,
    view: ProgressView,
    cancel: threading.Event,
    started: float,
    on_cancel=None,
):
    """Run ``work()`` in a thread of its own while this thread feeds its events to ``folder``
    and renders the progress; an interrupt only sets ``cancel`` (see _interrupt_sets), and
    ``on_cancel`` is called once when it does. Returns what ``work`` returned; raises what
    it raised."""
    done = threading.Event()
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as exc:  # reported in the main thread
            outcome["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=run, name="asynclab-run", daemon=True)

    def drain():
        while True:
            try:
                folder.feed(events.get_nowait())
            except queue.Empty:
                return

    told = False
    with _interrupt_sets(cancel):
        thread.start()
        while not done.wait(0.1):
            drain()
            view.update(folder, started)
            if cancel.is_set() and not told and on_cancel is not None:
                told = True
                on_cancel()
    thread.join()
    drain()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
