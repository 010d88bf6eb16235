"""Sessions: state (de)serialisation, browser storage checks, the API session store, and the
stateful ``chat`` endpoint on the tiny catalogue."""

from __future__ import annotations

import dataclasses
import json
import stat
import threading
import types
import typing
from typing import Any, Literal

import pytest

from recommender import api
from recommender.config import SessionConfig
from recommender.conversation.orchestrator import ChatConfig, Deps
from recommender.conversation.state import Constraints, SessionState, StateFormatError
from recommender.llm.config import LLMConfig
from recommender.llm.explainer import Explainer
from recommender.retrieval.candidates import CandidateRetriever, RetrievalConfig
from recommender.sessions import (
    FORMAT_VERSION,
    NOTE_OLD_VERSION,
    NOTE_OTHER_CATALOGUE,
    NOTE_TRIMMED,
    NOTE_UNKNOWN_ITEMS,
    NOTE_UNREADABLE,
    SessionStore,
    browser_secret,
    catalogue_fingerprint,
    chat_messages,
    fit_state,
    pack_browser,
    unpack_browser,
)
from recommender.ui import NOTHING_REMEMBERED, session_markdown
from tests.conftest import make_tiny_catalogue

# ------------------------------------------------------------------ state (de)serialisation


def _sample(hint: Any, n: int) -> Any:
    """A non-default value of type ``hint`` (so every field's round trip is really checked)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return _filled(hint, n)
    if origin in (typing.Union, types.UnionType):
        return _sample(next(a for a in args if a is not type(None)), n)
    if origin is Literal:
        return args[-1]
    if origin in (list, tuple, set, frozenset):
        inner = args[0] if args else int
        return origin(_sample(inner, n + k) for k in range(2))
    if origin is dict:
        return {_sample(args[0], n): _sample(args[1], n)}
    if hint is bool:
        return True
    if hint in (int, float):
        return hint(n + 3)
    if hint is str:
        return f"text {n}"
    raise AssertionError(f"no sample for {hint}: teach _sample this type")


def _filled(cls: type, n: int = 1) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(
        **{f.name: _sample(hints[f.name], n + k) for k, f in enumerate(dataclasses.fields(cls))}
    )


def test_every_field_round_trips_through_json() -> None:
    state = _filled(SessionState)
    assert state != SessionState() and state.constraints != Constraints()
    data = json.loads(json.dumps(state.to_dict()))
    assert SessionState.from_dict(data) == state
    constraints = _filled(Constraints, 5)
    assert Constraints.from_dict(json.loads(json.dumps(constraints.to_dict()))) == constraints


def test_missing_fields_take_defaults_and_unknown_fields_are_ignored() -> None:
    data = {"history": [3, 1], "constraints": {"year_min": 1990}, "from_the_future": [1]}
    state = SessionState.from_dict(data)
    assert state.history == [3, 1] and state.constraints.year_min == 1990
    assert state.liked == [] and state.constraints.exclude_genres == [] and state.turn == 0
    assert SessionState.from_dict({}) == SessionState()


@pytest.mark.parametrize(
    "data",
    [
        None,
        "history",
        [1, 2],
        {"history": "1,2"},
        {"history": [1, "2"]},
        {"history": [1, 2.5]},
        {"history": [True]},  # a bool is not an item id
        {"turn": "3"},
        {"constraints": []},
        {"constraints": {"genre_mode": "some"}},
        {"constraints": {"year_min": "1990"}},
        {"constraints": {"include_genres": [None]}},
        {"constraints": {"query": 7}},
    ],
)
def test_malformed_state_raises_format_error(data) -> None:
    with pytest.raises(StateFormatError):
        SessionState.from_dict(data)


def test_from_dict_copies_so_the_source_cannot_change_the_state() -> None:
    data = {"history": [1, 2], "constraints": {"include_genres": ["Comedy"]}}
    state = SessionState.from_dict(data)
    data["history"].append(3)
    data["constraints"]["include_genres"].append("Drama")
    assert state.history == [1, 2] and state.constraints.include_genres == ["Comedy"]


def test_item_ids_covers_history_feedback_and_anchors() -> None:
    state = SessionState(
        history=[1], liked=[2], disliked=[3], seen=[4], skipped=[5],
        constraints=Constraints(anchors=[6], k=99, year_min=1990), last_recommendations=[7],
    )  # fmt: skip
    assert state.item_ids() == {1, 2, 3, 4, 5, 6, 7}


# --------------------------------------------------------------------------- size bounds


def test_fit_state_keeps_the_most_recent_entries_within_the_cap() -> None:
    state = SessionState(history=list(range(1, 5001)), liked=[1, 2])
    data, trimmed = fit_state(state.to_dict(), 4096)
    assert trimmed and len(json.dumps(data, separators=(",", ":"))) <= 4096
    assert data["history"][-1] == 5000 and data["history"] == sorted(data["history"])
    assert data["liked"] == [1, 2]  # the short list is untouched
    assert SessionState.from_dict(data).constraints == state.constraints
    same, trimmed = fit_state(SessionState(history=[1]).to_dict(), 4096)
    assert not trimmed and same == SessionState(history=[1]).to_dict()


def test_fit_state_cuts_long_strings_but_never_short_ones() -> None:
    state = SessionState(constraints=Constraints(query="x" * 20_000, genre_mode="any"))
    data, trimmed = fit_state(state.to_dict(), 4096)
    restored = SessionState.from_dict(data)
    assert trimmed and restored.constraints.genre_mode == "any"
    assert 0 < len(restored.constraints.query) < 4096


# ------------------------------------------------------------------------- browser storage

CONFIG = SessionConfig(max_state_bytes=4096, max_chat_messages=4, max_chat_chars=50)


@pytest.fixture(scope="module")
def catalogue():
    return make_tiny_catalogue()


def _pack(state: SessionState, catalogue, chat=None) -> dict:
    return pack_browser(state, chat or [], catalogue_fingerprint(catalogue), CONFIG)


def _unpack(payload: Any, catalogue):
    return unpack_browser(payload, catalogue_fingerprint(catalogue), len(catalogue), CONFIG)


def test_browser_round_trip_keeps_state_and_recent_chat(catalogue) -> None:
    state = SessionState(history=[3, 12], disliked=[7], constraints=Constraints(year_min=1990))
    chat = [
        {"role": "assistant", "content": "welcome"},
        {"role": "user", "content": [{"type": "text", "text": "Heat"}]},  # Gradio 6 parts
        {"role": "assistant", "content": "y" * 500},
        {"role": "system", "content": "not kept"},
        {"role": "user", "content": "no horror"},
        {"role": "assistant", "content": "ok"},
    ]
    payload = json.loads(json.dumps(_pack(state, catalogue, chat)))  # as the browser keeps it
    restored = _unpack(payload, catalogue)
    assert restored.state == state and restored.notes == [] and restored.restored
    assert [m["role"] for m in restored.chat] == ["user", "assistant", "user", "assistant"]
    assert restored.chat[0]["content"] == "Heat"
    assert (
        restored.chat[1]["content"].startswith("y" * 50) and len(restored.chat[1]["content"]) < 60
    )


def test_nothing_stored_is_a_quiet_fresh_start(catalogue) -> None:
    for payload in (None, {}, ""):
        restored = _unpack(payload, catalogue)
        assert restored.state == SessionState() and not restored.notes and not restored.restored


@pytest.mark.parametrize(
    ("change", "note"),
    [
        (lambda p: "garbage", NOTE_UNREADABLE),
        (lambda p: [1, 2, 3], NOTE_UNREADABLE),
        (lambda p: {**p, "state": "not a dict"}, NOTE_UNREADABLE),
        (lambda p: {**p, "state": {"history": ["Heat"]}}, NOTE_UNREADABLE),
        (lambda p: {k: v for k, v in p.items() if k != "state"}, NOTE_UNREADABLE),
        (lambda p: {**p, "format": FORMAT_VERSION - 1}, NOTE_OLD_VERSION),
        (lambda p: {**p, "format": None}, NOTE_OLD_VERSION),
        (lambda p: {**p, "catalogue": "0123456789abcdef"}, NOTE_OTHER_CATALOGUE),
        (lambda p: {**p, "state": {**p["state"], "history": [1, 25]}}, NOTE_UNKNOWN_ITEMS),
        (lambda p: {**p, "state": {**p["state"], "liked": [0]}}, NOTE_UNKNOWN_ITEMS),
        (lambda p: {**p, "state": {**p["state"], "constraints": {"anchors": [-3]}}},
         NOTE_UNKNOWN_ITEMS),
    ],
)  # fmt: skip
def test_bad_stored_sessions_are_dropped_with_a_note(catalogue, change, note) -> None:
    payload = change(_pack(SessionState(history=[1, 2], liked=[3]), catalogue))
    restored = _unpack(payload, catalogue)
    assert restored.state == SessionState() and restored.notes == [note]
    assert not restored.chat


def test_an_oversized_stored_session_is_trimmed_not_dropped(catalogue) -> None:
    payload = _pack(SessionState(), catalogue)
    payload["state"]["history"] = [1 + n % 24 for n in range(3000)]  # a tampered, huge list
    restored = _unpack(payload, catalogue)
    assert restored.notes == [NOTE_TRIMMED]
    assert 0 < len(restored.state.history) < 3000 and restored.state.history[-1] == 1 + 2999 % 24


def test_chat_messages_ignores_junk() -> None:
    junk = [None, 3, {"role": "user"}, {"role": "hacker", "content": "x"}, {"content": "y"}]
    assert chat_messages(junk, CONFIG) == []
    assert chat_messages("not a list", CONFIG) == []


def test_the_fingerprint_tells_catalogues_apart(catalogue) -> None:
    other = make_tiny_catalogue()
    assert catalogue_fingerprint(other) == catalogue_fingerprint(catalogue)
    other.items[0] = dataclasses.replace(other.items[0], title="Toy Story 2")
    assert catalogue_fingerprint(other) != catalogue_fingerprint(catalogue)


def test_browser_secret_is_created_once_private_and_stable(tmp_path) -> None:
    path = tmp_path / "keys" / "browser-state.key"
    first = browser_secret(path)
    assert len(first) >= 16 and browser_secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("short")
    renewed = browser_secret(path)
    assert renewed != first and len(renewed) >= 16 and browser_secret(path) == renewed


def test_session_markdown_lists_history_feedback_and_constraints(catalogue) -> None:
    assert session_markdown(SessionState(), catalogue) == NOTHING_REMEMBERED
    state = SessionState(
        history=list(range(1, 13)), disliked=[7],
        constraints=Constraints(exclude_genres=["Horror"], year_min=1990, year_max=1999),
    )  # fmt: skip
    text = session_markdown(state, catalogue, restored=True)
    assert "Restored" in text and "12 watched" in text and "and 4 more" in text
    assert text.index("Fargo (1996)") < text.index("The Matrix (1999)")  # most recent first
    assert "Heat (1995)" not in text  # only the 8 most recent are listed
    assert "not for me: Alien (1979)" in text and "asking for: no Horror; the 1990s" in text
    chose = session_markdown(SessionState(seen=[3, 5], chosen=[5]), catalogue)
    assert "chosen: The Matrix (1999)" in chose and "seen: Heat (1995)" in chose


# --------------------------------------------------------------------------- session store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _store(clock=None, **config) -> SessionStore:
    settings = {"max_sessions": 3, "ttl_s": 60.0, "max_state_bytes": 4096, **config}
    return SessionStore(SessionConfig(**settings), clock=clock or Clock())


def _new_session(store: SessionStore, history: list[int]) -> str:
    with store.open(None) as session:
        assert session.note is None and session.state == SessionState()
        session.state = SessionState(history=history)
    return session.session_id


def test_store_keeps_sessions_apart_and_ids_are_opaque() -> None:
    store = _store()
    a, b = _new_session(store, [1, 2]), _new_session(store, [3])
    assert a != b and len(a) >= 20 and len(store) == 2
    with store.open(a) as session:
        assert session.state.history == [1, 2]
        session.state.history.append(99)  # changes only what is saved for a
        session.state.constraints.include_genres.append("Comedy")
    with store.open(b) as session:
        assert session.state == SessionState(history=[3])
    with store.open(a) as session:
        assert session.state.history == [1, 2, 99]


def test_store_drops_the_least_recently_used_session() -> None:
    store = _store()
    ids = [_new_session(store, [n]) for n in range(1, 4)]
    with store.open(ids[0]):  # use the oldest: the second is now least recently used
        pass
    newest = _new_session(store, [4])
    assert len(store) == 3
    assert ids[1] not in store and ids[0] in store and ids[2] in store and newest in store


def test_store_expires_idle_sessions_and_says_so() -> None:
    clock = Clock()
    store = _store(clock)
    old = _new_session(store, [1])
    clock.now += 30
    kept = _new_session(store, [2])
    clock.now += 31  # old: 61 s idle, kept: 31 s
    assert old not in store and kept in store and len(store) == 1
    with store.open(old) as session:
        assert session.session_id != old and session.state == SessionState()
        assert session.note and "unknown or has expired" in session.note
    with store.open(kept) as session:  # used: its clock restarts
        assert session.state.history == [2] and session.note is None
    clock.now += 59
    assert kept in store


def test_store_unknown_id_gets_a_new_id_never_the_one_asked_for() -> None:
    store = _store()
    with store.open("made-up-id") as session:
        assert session.session_id != "made-up-id" and "made-up-id" in session.note
    assert "made-up-id" not in store and session.session_id in store


def test_store_caps_the_size_of_each_state() -> None:
    store = _store(max_state_bytes=4096)
    with store.open(None) as session:
        session.state = SessionState(history=list(range(1, 20_001)))
    with store.open(session.session_id) as again:
        size = len(json.dumps(again.state.to_dict(), separators=(",", ":")))
        assert size <= 4096 and again.state.history[-1] == 20_000


def test_store_does_not_save_a_failed_turn() -> None:
    store = _store()
    sid = _new_session(store, [1])
    with pytest.raises(RuntimeError), store.open(sid) as session:
        session.state = SessionState(history=[5])
        raise RuntimeError("the turn failed")
    with store.open(sid) as session:
        assert session.state.history == [1]


def test_store_is_thread_safe_and_serialises_turns_of_one_session() -> None:
    store = _store(max_sessions=50)
    shared = _new_session(store, [])
    errors = []

    def worker(n: int) -> None:
        try:
            for k in range(20):
                with store.open(shared) as session:
                    session.state.history.append(n * 100 + k + 1)
                _new_session(store, [n])  # churn the table at the same time
        except Exception as exc:  # asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with store.open(shared) as session:
        assert sorted(session.state.history) == sorted(
            n * 100 + k + 1 for n in range(8) for k in range(20)
        )  # no lost update
    assert len(store) == 50


def test_store_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        _store(max_sessions=0)
    with pytest.raises(ValueError):
        _store(ttl_s=0)
    with pytest.raises(ValueError):
        _store(max_state_bytes=100)


# ------------------------------------------------------------------------- chat endpoint

HISTORY = "Heat (1995)\nThe Matrix\nAlien\nTerminator, The\nFargo\n"


@pytest.fixture
def deps(tiny_retrieval) -> Deps:
    t = tiny_retrieval
    retriever = CandidateRetriever(
        t.catalogue, t.store, t.vectors, t.popularity, t.model, RetrievalConfig(num_candidates=12)
    )
    explainer = Explainer(None, t.catalogue, LLMConfig(), t.vectors)
    return Deps(t.catalogue, retriever, explainer, None, ChatConfig())


def _years(result: dict) -> list[int]:
    return [item["year"] for item in result["items"]]


def test_chat_refines_across_turns(deps) -> None:
    store = _store()
    first = api.chat(store, deps, "", "something from the 90s", HISTORY)
    sid = first["session_id"]
    assert first["items"] and all(1990 <= y <= 1999 for y in _years(first))
    assert first["reply"] and "**" not in first["reply"]
    assert {"items", "matched_history", "unmatched", "notes", "session_id", "reply"} <= set(first)
    second = api.chat(store, deps, sid, "no comedy")
    assert second["session_id"] == sid and second["items"]
    assert all(1990 <= y <= 1999 for y in _years(second))  # the 90s are kept
    assert not any("Comedy" in item["genres"] for item in second["items"])
    assert second["matched_history"] == []  # the history is remembered, not pasted again
    seen = {item["title"] for item in second["items"]}
    assert not seen & {"Heat (1995)", "Fargo (1996)"}


def test_chat_sessions_interleaved_stay_separate(deps) -> None:
    store = _store()
    a = api.chat(store, deps, "", "something from the 90s", HISTORY)
    b = api.chat(store, deps, "", "something from before 1985", "Toy Story\nAladdin\nBabe\n")
    a2 = api.chat(store, deps, a["session_id"], "more please")
    b2 = api.chat(store, deps, b["session_id"], "more please")
    assert a["session_id"] != b["session_id"]
    assert all(1990 <= y <= 1999 for y in _years(a2))
    assert all(y < 1985 for y in _years(b2))
    with store.open(a["session_id"]) as session:
        assert deps.catalogue.get(3).display_title == "Heat (1995)"
        assert 3 in session.state.history and 1 not in session.state.history
    with store.open(b["session_id"]) as session:
        assert 1 in session.state.history and 3 not in session.state.history


def test_chat_unknown_id_starts_a_fresh_session_and_says_so(deps) -> None:
    store = _store()
    result = api.chat(store, deps, "no-such-session", "something from the 90s", HISTORY)
    assert result["session_id"] != "no-such-session"
    assert "unknown or has expired" in result["notes"][0]
    again = api.chat(store, deps, result["session_id"], "more please")
    assert not any("unknown" in note for note in again["notes"])


def test_recommend_keeps_its_contract(deps) -> None:
    result = api.recommend(deps, HISTORY, "something from the 90s", 3)
    assert set(result) == {"items", "matched_history", "unmatched", "notes"}
    assert len(result["items"]) == 3
    contract = {"item_id", "title", "year", "genres", "explanation"}
    assert contract <= set(result["items"][0]) <= contract | {"evidence"}  # evidence: additive
    assert len(api.recommend(deps, HISTORY, "", "lots")["items"]) == deps.config.default_k
