"""The app under abuse, in-process on the tiny catalogue: uploads above the paste limit are
refused by the server while they stream in, and a client's or a session's second
concurrent turn is answered at once with a note while other clients proceed."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

import app as app_module
from recommender.config import Config
from recommender.turns import BUSY_NOTE
from tests.helpers import free_port

LIMIT = 50_000  # bytes: the paste limit of these tests


@pytest.fixture
def served(make_deps, tmp_path: Path, monkeypatch):
    """The real app over the tiny deps, launched as ``run_app`` launches it."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    config = Config()
    config.chat.max_paste_bytes = LIMIT
    config.app.compute_slots = 2  # so another client's turn can run beside a held one
    demo = app_module.build_app(make_deps(), serving=config.app)
    app_module.queue_app(demo, config)
    port = free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **app_module.launch_options(config),
    )
    try:
        yield f"http://127.0.0.1:{port}/", tmp_path / "gradio"
    finally:
        demo.close()


def _upload(url: str, payload: bytes) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="h.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url + "gradio_api/upload",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_an_upload_above_the_paste_limit_is_refused_and_not_kept(served) -> None:
    url, temp = served
    status, text = _upload(url, b"Heat (1995)\n" * 100)  # 1.2 kB: accepted
    assert status == 200 and "h.csv" in text
    kept = {p: p.stat().st_size for p in _files(temp)}
    status, text = _upload(url, b"x" * (LIMIT * 40))  # 2 MB against a 50 kB limit
    assert status == 413
    assert f"maximum allowed size of {LIMIT} bytes" in text
    # nothing of it stays on disk, and nothing there is over the limit
    assert {p: p.stat().st_size for p in _files(temp)} == kept
    assert all(size <= LIMIT for size in kept.values())


def test_the_limit_is_the_configured_paste_limit() -> None:
    config = Config()
    assert app_module.launch_options(config)["max_file_size"] == config.chat.max_paste_bytes


def test_a_second_concurrent_turn_is_refused_while_others_proceed(served, monkeypatch) -> None:
    from gradio_client import Client

    url, _ = served
    started, release = threading.Event(), threading.Event()
    real_chat = app_module.api.chat

    def held_chat(store, deps, session_id, message, paste=""):
        if message == "hold":  # this turn stays in progress until the test releases it
            started.set()
            release.wait(30)
        return real_chat(store, deps, session_id, message, paste)

    monkeypatch.setattr(app_module.api, "chat", held_chat)
    first = Client(url, analytics_enabled=False, verbose=False)
    opened = first.predict("", "", "Heat (1995)\nFargo\nAlien", api_name="/chat")
    sid = opened["session_id"]
    held = first.submit(sid, "hold", "", api_name="/chat")
    assert started.wait(30)
    try:
        # the same session from another connection: refused at once, session unchanged
        second = Client(url, analytics_enabled=False, verbose=False)
        refused = second.predict(sid, "something else", "", api_name="/chat")
        assert refused["notes"] == [BUSY_NOTE] and refused["items"] == []
        assert refused["session_id"] == sid and refused["reply"] == BUSY_NOTE
        # the same connection, even for a new session or a stateless call: refused too
        assert first.predict("", "hi", "Toy Story", api_name="/chat")["notes"] == [BUSY_NOTE]
        busy = first.predict("Toy Story", "", 3, api_name="/recommend")
        assert busy == {"items": [], "matched_history": [], "unmatched": [], "notes": [BUSY_NOTE]}
        # another client with its own session is served meanwhile
        other = second.predict("", "", "Toy Story (1995)\nAladdin", api_name="/chat")
        assert other["items"] and other["session_id"] != sid
    finally:
        release.set()
    done = held.result(timeout=60)
    assert done["session_id"] == sid and done["notes"] != [BUSY_NOTE]
    after = second.predict(sid, "more please", "", api_name="/chat")
    assert after["session_id"] == sid and after["items"] and after["notes"] != [BUSY_NOTE]
    assert after["matched_history"] == [] and BUSY_NOTE not in after["reply"]


def test_the_browser_gets_a_note_for_a_turn_sent_while_its_last_one_streams(make_deps) -> None:
    from types import SimpleNamespace

    from recommender.config import AppConfig
    from recommender.conversation.state import SessionState

    # two compute slots: the held turn keeps one, the other browser's turn takes the other
    demo = app_module.build_app(make_deps(), serving=AppConfig(compute_slots=2))
    turn = next(f.fn for f in demo.fns.values() if f.name == "turn")
    tab, other_tab = SimpleNamespace(session_hash="tab-1"), SimpleNamespace(session_hash="tab-2")
    state = SessionState()
    streaming = turn("something", "Heat (1995)\nFargo", None, [], state, tab)
    first = next(streaming)  # the first snapshot is out; the turn is still in progress
    assert first[0][-1]["content"] != BUSY_NOTE
    refused = next(turn("more please", "", None, [], state, tab))
    assert refused[0][-1] == {"role": "assistant", "content": BUSY_NOTE}
    assert refused[1] is state  # the session is left as it was
    served = list(turn("something", "Toy Story (1995)", None, [], SessionState(), other_tab))
    assert served[-1][0][-1]["content"] != BUSY_NOTE  # another browser is not held up
    list(streaming)  # the first turn ends ...
    again = list(turn("more please", "", None, [], state, tab))
    assert again[-1][0][-1]["content"] != BUSY_NOTE  # ... and the tab may send again


def _post_json(url: str, body: bytes, chunked: bool = False) -> tuple[int, str]:
    """POST ``body`` as JSON with http.client (a declared length, or in chunks)."""
    import http.client
    from urllib.parse import urlparse

    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"}
        if chunked:
            step = 64 * 1024
            chunks = (body[i : i + step] for i in range(0, len(body), step))
            conn.request("POST", parts.path, body=chunks, headers=headers, encode_chunked=True)
        else:
            conn.request("POST", parts.path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_chat_body_is_refused_before_it_is_read(served, monkeypatch, chunked) -> None:
    import json

    from gradio_client import Client

    from recommender.request_limits import request_body_limit

    url, _ = served
    config = Config()
    config.chat.max_paste_bytes = LIMIT
    cap = request_body_limit(config)
    assert cap > 2 * LIMIT  # a paste at the limit fits, as JSON text
    calls = []
    real_chat = app_module.api.chat
    monkeypatch.setattr(
        app_module.api, "chat", lambda *a, **k: calls.append(a[2]) or real_chat(*a, **k)
    )
    client = Client(url, analytics_enabled=False, verbose=False)
    opened = client.predict("", "", "Heat (1995)\nFargo\nAlien", api_name="/chat")
    sid, history = opened["session_id"], opened["matched_history"]
    assert history and calls == [""]
    # the same call as the client makes it (POST /gradio_api/call/chat), with a huge paste
    paste = "Toy Story (1995)\n" * (cap // 17 + 1)
    body = json.dumps({"data": [sid, "more", paste]}).encode()
    status, text = _post_json(url + "gradio_api/call/chat", body, chunked=chunked)
    assert status == 413
    assert f"at most {cap} bytes" in json.loads(text)["error"]
    assert calls == [""]  # the app never ran the turn
    # the session is as it was: its history is still there, nothing of the paste is
    after = client.predict(sid, "more like these", "", api_name="/chat")
    assert after["session_id"] == sid and after["items"]
    assert not {i["title"] for i in after["items"]} & set(history)
    assert calls == ["", sid]
    # a paste at the paste limit still goes through as JSON text
    ok = "Heat (1995)\n" * (LIMIT // 12 - 1)
    status, _ = _post_json(
        url + "gradio_api/call/chat", json.dumps({"data": ["", "", ok]}).encode(), chunked
    )
    assert status == 200


def test_the_request_cap_follows_the_paste_limit_unless_set() -> None:
    from recommender.request_limits import ENVELOPE_BYTES, request_body_limit

    config = Config()
    derived = 2 * config.chat.max_paste_bytes + 4 * config.chat.max_message_chars
    assert request_body_limit(config) == derived + ENVELOPE_BYTES
    config.app.max_request_bytes = 1234
    assert request_body_limit(config) == 1234
