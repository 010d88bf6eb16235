"""Where chat sessions live between turns.

Two homes, one format (``SessionState.to_dict`` inside a small versioned envelope):

- the browser: ``pack_browser`` / ``unpack_browser`` make the value the app keeps in
  ``gr.BrowserState`` (the user's own localStorage), so a reload or an app restart keeps the
  history, feedback and constraints. The browser hands it back on every visit, so it is
  untrusted input: anything corrupt, from another format version, from another catalogue or
  naming item ids outside the catalogue is dropped with a note, never a crash.
- the server: ``SessionStore`` keeps API sessions (``chat(session_id, message, paste)``) in
  memory, keyed by an opaque random id, bounded in number (least recently used dropped
  first) and size, with expiry, safe to use from many threads. The app makes one store per
  app instance; a state is stored serialised, so no two sessions ever share an object.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recommender.config import SessionConfig
from recommender.conversation.state import SessionState, StateFormatError
from recommender.data import Catalogue

FORMAT_VERSION = 1  # bump when a stored state can no longer be read by this code
MAX_SESSION_ID_CHARS = 64
MIN_CUT_CHARS = 64  # shorter strings are never cut to fit (they may be enum-like values)
MIN_STATE_BYTES = 4096  # the smallest allowed max_state_bytes (an empty state is ~300 bytes)

NOTE_UNREADABLE = "Your saved session could not be read, so this is a fresh start."
NOTE_OLD_VERSION = "Your saved session is from another version of Sequel, so this is a fresh start."
NOTE_OTHER_CATALOGUE = (
    "Your saved session was made with another catalogue, so this is a fresh start."
)
NOTE_UNKNOWN_ITEMS = (
    "Your saved session names titles that are not in this catalogue, so this is a fresh start."
)
NOTE_TRIMMED = "Your saved session was too long to keep in full: its oldest entries were dropped."


def catalogue_fingerprint(catalogue: Catalogue) -> str:
    """A short hash of every (id, title): a stored state is only valid for the same catalogue."""
    digest = hashlib.sha256()
    for item in catalogue:
        digest.update(f"{item.item_id}\t{item.title}\n".encode())
    return digest.hexdigest()[:16]


def _json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def fit_state(data: dict[str, Any], max_bytes: int) -> tuple[dict[str, Any], bool]:
    """``data`` (a ``to_dict`` state) cut to at most ``max_bytes`` of JSON.

    The longest list anywhere in it loses its oldest half (lists keep first-seen order, so
    the most recent entries stay), a long string its tail, until it fits (strings of up to
    ``MIN_CUT_CHARS`` are left whole). Returns the cut
    copy and whether anything was cut."""
    data = json.loads(json.dumps(data))  # a deep, JSON-only copy
    trimmed = False
    while _json_size(data) > max_bytes:
        target = _largest_leaf(data)
        if target is None:
            break
        parent, key, value = target
        if isinstance(value, list):
            parent[key] = value[len(value) // 2 + (len(value) == 1) :]
        else:
            parent[key] = value[: len(value) // 2]
        trimmed = True
    return data, trimmed


def _largest_leaf(node: dict[str, Any]) -> tuple[dict[str, Any], str, Any] | None:
    best, best_size = None, 0
    for key, value in node.items():
        if isinstance(value, dict):
            found = _largest_leaf(value)
            if found is not None:
                size = _json_size(found[2])
                if size > best_size:
                    best, best_size = found, size
        elif (isinstance(value, list) and value) or (
            isinstance(value, str) and len(value) > MIN_CUT_CHARS
        ):
            size = _json_size(value)
            if size > best_size:
                best, best_size = (node, key, value), size
    return best


# ----------------------------------------------------------------------------- browser side


def browser_secret(path: Path) -> str:
    """The key the browser storage is encrypted with, kept in ``path`` (created once, owner
    read/write only) so that stored sessions survive an app restart."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            secret = path.read_text("ascii", errors="replace").strip()
            if len(secret) >= 16:
                return secret
            path.unlink(missing_ok=True)  # empty or cut short: make a new one
            continue
        secret = secrets.token_urlsafe(24)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secret)
        return secret
    raise OSError(f"cannot create the browser-state key file {path}")


@dataclass
class Restored:
    """What came back from the browser: a usable state, the chat to show, and why not more."""

    state: SessionState = field(default_factory=SessionState)
    chat: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def restored(self) -> bool:
        return self.state != SessionState() or bool(self.chat)


def chat_messages(chat: Any, config: SessionConfig) -> list[dict[str, str]]:
    """The last ``max_chat_messages`` of a Gradio chat value as plain {"role", "content"}
    dicts (text parts only, each cut to ``max_chat_chars``); anything else is skipped."""
    out: list[dict[str, str]] = []
    for message in chat if isinstance(chat, list) else []:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            continue
        text = _text_of(message.get("content"))
        if text:
            if len(text) > config.max_chat_chars:
                text = text[: config.max_chat_chars] + " …"
            out.append({"role": message["role"], "content": text})
    return out[-config.max_chat_messages :] if config.max_chat_messages > 0 else []


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict) and isinstance(content.get("text"), str):
        return content["text"]
    if isinstance(content, list):
        return "\n".join(t for t in (_text_of(part) for part in content) if t)
    return ""


def pack_browser(
    state: SessionState, chat: Any, fingerprint: str, config: SessionConfig
) -> dict[str, Any]:
    """The JSON value kept in the browser for ``state`` and its chat transcript."""
    data, _ = fit_state(state.to_dict(), config.max_state_bytes)
    return {
        "format": FORMAT_VERSION,
        "catalogue": fingerprint,
        "state": data,
        "chat": chat_messages(chat, config),
    }


def unpack_browser(
    payload: Any, fingerprint: str, num_items: int, config: SessionConfig
) -> Restored:
    """Read a value ``pack_browser`` made (or anything a browser sent instead of it)."""
    if payload in (None, "", {}, []):
        return Restored()
    if not isinstance(payload, dict) or "state" not in payload:
        return Restored(notes=[NOTE_UNREADABLE])
    if payload.get("format") != FORMAT_VERSION:
        return Restored(notes=[NOTE_OLD_VERSION])
    if payload.get("catalogue") != fingerprint:
        return Restored(notes=[NOTE_OTHER_CATALOGUE])
    notes = []
    data = payload["state"]
    if isinstance(data, dict):
        data, trimmed = fit_state(data, config.max_state_bytes)
        if trimmed:
            notes.append(NOTE_TRIMMED)
    try:
        state = SessionState.from_dict(data)
    except StateFormatError:
        return Restored(notes=[NOTE_UNREADABLE])
    if any(not 1 <= item_id <= num_items for item_id in state.item_ids()):
        return Restored(notes=[NOTE_UNKNOWN_ITEMS])
    return Restored(state, chat_messages(payload.get("chat"), config), notes)


# ------------------------------------------------------------------------------ server side


@dataclass
class OpenSession:
    """A session checked out of the store for one turn: replace ``state`` to save a new one."""

    session_id: str
    state: SessionState
    note: str | None = None  # set when an unknown / expired id was asked for


@dataclass
class _Entry:
    data: dict[str, Any]
    touched: float
    lock: threading.Lock = field(default_factory=threading.Lock)


class SessionStore:
    """Server-side chat sessions for the API, keyed by opaque random ids.

    At most ``config.max_sessions`` sessions (the least recently used is dropped first), each
    at most ``config.max_state_bytes`` of JSON, each expiring ``config.ttl_s`` seconds after
    its last use. Thread-safe: the store's lock guards the table, and a per-session lock
    makes two turns of one session run one after the other. States are kept as JSON data,
    so a caller never holds an object another session can see."""

    def __init__(self, config: SessionConfig, clock: Callable[[], float] = time.monotonic):
        if config.max_sessions < 1 or config.ttl_s <= 0:
            raise ValueError("session.max_sessions must be >= 1 and session.ttl_s > 0")
        if config.max_state_bytes < MIN_STATE_BYTES:
            raise ValueError(f"session.max_state_bytes must be >= {MIN_STATE_BYTES}")
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired()
            return len(self._entries)

    def __contains__(self, session_id: object) -> bool:
        with self._lock:
            self._drop_expired()
            return session_id in self._entries

    def _drop_expired(self) -> None:
        """Drop expired sessions; the table is in last-use order, so they are at the front."""
        deadline = self._clock() - self.config.ttl_s
        while self._entries:
            session_id, entry = next(iter(self._entries.items()))
            if entry.touched > deadline:
                break
            del self._entries[session_id]

    def _insert(self, session_id: str, entry: _Entry) -> None:
        self._entries[session_id] = entry
        self._entries.move_to_end(session_id)
        while len(self._entries) > self.config.max_sessions:
            self._entries.popitem(last=False)

    @contextmanager
    def open(self, session_id: str | None) -> Iterator[OpenSession]:
        """Check out ``session_id`` for one turn; its state is saved when the block ends
        without an exception. An empty id starts a new session; an unknown or expired one
        starts a new session with a new id and says so in ``note``."""
        note = None
        with self._lock:
            self._drop_expired()
            entry = self._entries.get(session_id) if session_id else None
            if entry is None:
                if session_id:
                    shown = session_id[:MAX_SESSION_ID_CHARS]
                    note = f"Session {shown!r} is unknown or has expired: this is a new session."
                session_id = secrets.token_urlsafe(18)
                entry = _Entry(SessionState().to_dict(), self._clock())
                self._insert(session_id, entry)
            entry.touched = self._clock()
            self._entries.move_to_end(session_id)
        with entry.lock:
            session = OpenSession(session_id, SessionState.from_dict(entry.data), note)
            yield session
            data, _ = fit_state(session.state.to_dict(), self.config.max_state_bytes)
            with self._lock:
                entry.data = data
                entry.touched = self._clock()
                self._insert(session_id, entry)  # back in, even if it was evicted meanwhile
