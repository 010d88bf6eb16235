"""The app's programmatic endpoints, as plain functions (``app.py`` exposes them via Gradio).

- ``recommend(history, request, k)``: stateless, one turn on a fresh session.
- ``chat(session_id, message, paste)``: one turn of a server-side session, so a script can
  hold a multi-turn conversation ("something from the 90s", then "no comedy").

Both return the same JSON; ``chat`` adds ``session_id`` (pass it back next turn) and
``reply`` (the chat text, plain).
"""

from __future__ import annotations

import re
from typing import Any

from recommender.conversation.orchestrator import Deps, Reply, step
from recommender.conversation.state import SessionState
from recommender.sessions import SessionStore
from recommender.turns import BUSY_NOTE
from recommender.wording import unmd


def plain_text(markdown: str) -> str:
    """The chat's Markdown without emphasis markers (escaped user text as typed)."""
    return unmd(re.sub(r"(?<!\\)\*\*|(?<!\\)_", "", markdown)).strip()


def _result(reply: Reply) -> dict[str, Any]:
    result = reply.to_json()
    if reply.kind != "recommendations":
        result["notes"] = [*result["notes"], plain_text(reply.text)]
    return result


def busy(session_id: str | None = None) -> dict[str, Any]:
    """The answer to a turn sent while the same client or session still has one running:
    no items, ``BUSY_NOTE``; for ``/chat`` (``session_id`` given, "" included) also the
    session id, unchanged, and the note as the reply."""
    result: dict[str, Any] = {
        "items": [],
        "matched_history": [],
        "unmatched": [],
        "notes": [BUSY_NOTE],
    }
    if session_id is not None:
        result["session_id"] = str(session_id)
        result["reply"] = BUSY_NOTE
    return result


def recommend(deps: Deps, history: str, request: str, k: Any = None) -> dict[str, Any]:
    """``k`` catalogue items for a pasted ``history`` and a free-text ``request``: {"items":
    [{"item_id", "title", "year", "genres", "explanation"}], "matched_history", "unmatched",
    "notes"}. A ``k`` that is not a number means the default; it is clamped to 1..max_k."""
    fresh = SessionState()
    try:
        fresh.constraints.k = max(1, min(int(k), deps.config.max_k))
    except (TypeError, ValueError):
        fresh.constraints.k = deps.config.default_k
    _, reply = step(fresh, request or "", deps, paste=history or None)
    return _result(reply)


def chat(
    store: SessionStore, deps: Deps, session_id: str, message: str, paste: str = ""
) -> dict[str, Any]:
    """One turn of session ``session_id`` ("" starts one): the ``recommend`` JSON plus
    "session_id" and "reply". An unknown or expired id starts a new session, with a note."""
    with store.open(str(session_id or "").strip() or None) as session:
        session.state, reply = step(session.state, message or "", deps, paste=paste or None)
    result = _result(reply)
    if session.note:
        result["notes"] = [session.note, *result["notes"]]
    result["session_id"] = session.session_id
    result["reply"] = plain_text(reply.text)
    return result
