"""How busy this machine is: every figure in `make bench` assumes nothing else runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

# The running lab alone keeps about 0.13 core busy (its health checks, measured over 30 s);
# more than BUSY_WARNING before a measurement means something else is running.
IDLE_LAB_CORES = 0.13
BUSY_WARNING = 0.5


def busy_seconds() -> float:
    """CPU seconds this machine has spent busy (all cores, all processes) since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def busy_cores(seconds: float = 10) -> float:
    """Cores kept busy on average over the next `seconds`."""
    before, started = busy_seconds(), time.monotonic()
    time.sleep(seconds)
    return (busy_seconds() - before) / (time.monotonic() - started)
