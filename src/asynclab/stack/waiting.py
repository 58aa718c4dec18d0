"""Waiting for a condition: the one helper the host side, the hub and the tests share."""

from __future__ import annotations

import time


def wait_until(predicate, timeout: float, interval: float = 0.5, what: str = "condition"):
    """Call predicate until it returns something truthy and return that; raise TimeoutError
    (naming what was awaited) once timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
