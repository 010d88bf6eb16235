"""Who may compute a chat turn now: one turn at a time per client, a few at a time overall.

Gradio's queue is first come, first served: a client that fires fifty turns at once would
put fifty events ahead of everybody else. So the app admits many turns (Gradio's
``concurrency_limit``, ``app.admitted_turns``) and decides here, the moment a turn arrives:

- a turn whose keys (the client's Gradio session, and the chat session of ``/chat``) already
  have a turn in progress is refused at once, with ``BUSY_NOTE``; it costs microseconds,
  not a place in the queue;
- an admitted turn waits for one of ``app.compute_slots`` slots, in arrival order, so at
  most that many turns share the CPU (on 2 cores more at once only makes each slower).

One ``TurnLimiter`` per app (made in ``build_app``), never a module global.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

BUSY_NOTE = (
    "One turn at a time, please: your previous message in this session is still being "
    "answered. Send this one again when its reply has arrived."
)


class TurnLimiter:
    """At most one turn per key at a time (the others are refused, not queued) and at most
    ``slots`` turns computing at once (the others wait, first come first served)."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("slots must be >= 1")
        self.slots = slots
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self._running = 0
        self._waiting: deque[threading.Event] = deque()  # arrival order

    def busy(self, key: str) -> bool:
        """Whether ``key`` has a turn in progress (waiting for a slot or computing)."""
        with self._lock:
            return key in self._busy

    @property
    def running(self) -> int:
        with self._lock:
            return self._running

    @contextmanager
    def turn(self, keys: Iterable[str | None]) -> Iterator[bool]:
        """Run one turn for ``keys`` (empty ones are ignored). Yields ``False`` at once when
        any key already has a turn in progress (the caller answers with ``BUSY_NOTE``);
        otherwise waits for a compute slot and yields ``True``. Everything is released
        when the block ends, also on an exception or a closed generator."""
        keys = {key for key in keys if key}
        with self._lock:
            if keys & self._busy:
                admitted = False
            else:
                admitted = True
                self._busy |= keys
        if not admitted:
            yield False
            return
        try:
            self._acquire_slot()
            try:
                yield True
            finally:
                self._release_slot()
        finally:
            with self._lock:
                self._busy -= keys

    def _acquire_slot(self) -> None:
        with self._lock:
            if self._running < self.slots and not self._waiting:
                self._running += 1
                return
            ticket = threading.Event()
            self._waiting.append(ticket)
        ticket.wait()  # _release_slot hands the slot over (the count stays the same)

    def _release_slot(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # the slot passes to the longest waiter
            else:
                self._running -= 1
