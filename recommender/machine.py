"""One line describing the machine a benchmark ran on, so its timings can be judged."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe_machine() -> str:
    """CPU model, cores, memory, torch threads, load average, Python and torch versions."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {round(pages / 2**30)} GiB"
    except (ValueError, OSError, AttributeError):
        memory = ""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, {torch.get_num_threads()} torch threads, "
        f"load average {load:.2f}, Python {platform.python_version()}, torch {torch.__version__}"
    )
