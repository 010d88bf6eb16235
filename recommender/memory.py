"""Keeping a long-running app's memory flat: glibc malloc's arenas, and trimming them.

Measured with the app under 12-20 ``/chat`` clients (``benchmarks/soak.py``; README
"Serving many users"): its live data stays flat (tracemalloc: the Python heap grows ~1
MB/min, the bounded session store filling; glibc's in-use bytes flat), while its resident
memory rose 7-20 MB/min with no plateau, almost all of it anonymous mappings outside the
main heap: glibc's per-thread arenas, whose free bytes grew ~100 MB in 2 minutes. Gradio
runs each turn on one of up to 40 worker threads; every thread that allocates gets an arena
(up to 8 per core), and what a turn frees (tensors, NumPy arrays, JSON) stays in that arena,
fragmented, instead of going back to the system.

Two glibc knobs bound it, both set by ``configure_malloc`` at the app's start:
``mallopt(M_ARENA_MAX, n)`` caps the arenas the worker threads share, and a daemon thread
calls ``malloc_trim(0)`` every few seconds, which hands every free page of every arena back
(milliseconds). On a C library other than glibc both are skipped (logged).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes, libc.mallopt.argtypes = [ctypes.c_size_t], [ctypes.c_int] * 2
        return libc
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return None


def limit_arenas(count: int) -> bool:
    """Cap glibc's malloc arenas at ``count`` for threads that get one from now on.
    Returns whether it took effect."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, int(count)) == 1)


def trim() -> bool:
    """Hand malloc's free pages back to the system; whether any were."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))


class Trimmer:
    """A daemon thread that calls ``malloc_trim(0)`` every ``every_s`` seconds until
    ``stop()``; ``runs`` and ``total_ms`` say what it cost."""

    def __init__(self, every_s: float) -> None:
        if every_s <= 0:
            raise ValueError("every_s must be > 0")
        self.every_s = every_s
        self.runs, self.total_ms = 0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="malloc-trim", daemon=True)

    def start(self) -> Trimmer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            started = time.perf_counter()
            trim()
            self.runs += 1
            self.total_ms += (time.perf_counter() - started) * 1000


def configure_malloc(arenas: int | None, trim_every_s: float | None) -> Trimmer | None:
    """The app's malloc settings (``app.malloc_arenas``, ``app.malloc_trim_s``; None or 0:
    leave glibc's default). Call it once at start-up, before the worker threads run.
    Returns the trimmer thread, if one was started."""
    if _glibc() is None:
        if arenas or trim_every_s:
            log.info("not glibc: app.malloc_arenas and app.malloc_trim_s have no effect")
        return None
    if arenas and not limit_arenas(arenas):
        log.warning("mallopt(M_ARENA_MAX, %d) was refused", arenas)
    return Trimmer(trim_every_s).start() if trim_every_s else None
