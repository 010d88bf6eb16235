"""Sequel's chat UI: a thin Gradio layer over ``orchestrator.step_stream``.

``build_app(deps)`` makes the Blocks (tests call it with fake deps); ``python app.py`` builds
the real deps (preparing data, store and models on first run) and serves them. Per-user data
lives in ``gr.State`` during a visit and in ``gr.BrowserState`` (the user's own browser
storage, validated on the way back in) across reloads and restarts; the API's sessions live
in a ``SessionStore`` made by each app. ``deps`` is shared read-only by every session.
"""

from __future__ import annotations

import argparse
import logging
import os
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from recommender import api
from recommender.config import AppConfig, Config, ConfigError, SessionConfig, load_config
from recommender.conversation.orchestrator import Deps, Reply, apply_feedback, step_stream
from recommender.conversation.state import SessionState
from recommender.errors import SequelError
from recommender.memory import configure_malloc
from recommender.request_limits import BodySizeLimit, request_body_limit
from recommender.sessions import (
    SessionStore,
    browser_secret,
    catalogue_fingerprint,
    pack_browser,
    unpack_browser,
)
from recommender.startup import StartupStatus, StatusLogHandler, status_page
from recommender.turns import BUSY_NOTE, TurnLimiter
from recommender.ui import (
    CSS,
    NOTHING_REMEMBERED,
    card_html,
    footer_markdown,
    keeps_cards,
    personas_for,
    session_markdown,
    trace_markdown,
)
from recommender.wording import MOVIE_WORDS, CatalogueWords

log = logging.getLogger("sequel.app")
ROOT = Path(__file__).resolve().parent
LICENSE, NOTICE = ROOT / "LICENSE", ROOT / "NOTICE"  # served for the footer's links
STORAGE_KEY = "sequel-session"  # the browser-storage key (fixed, so a restart finds it)
# Gradio hands a BrowserState its default (None) both when nothing is stored and when what is
# stored cannot be decrypted or parsed; this tells the second case apart, so it gets a note.
UNREADABLE_JS = f"""(stored) => [(stored === null || stored === undefined)
  && window.localStorage.getItem({STORAGE_KEY!r}) !== null ? "unreadable" : stored]"""
MAX_CARDS = 10
SHOWN_PASTE_CHARS = 300


def welcome(words: CatalogueWords = MOVIE_WORDS) -> str:
    """The first chat message, in the catalogue's words."""
    return (
        f"Hi! I'm **Sequel**. Paste what you {words.did} (one title per line, or "
        f"{words.exports}) in the box on the right, or pick a demo persona — then tell me "
        f"what you're in the mood for, e.g. *“{words.example}”*."
    )


def _user_bubble(message: str, paste_lines: int) -> str:
    shown = message if len(message) <= SHOWN_PASTE_CHARS else message[:SHOWN_PASTE_CHARS] + " …"
    if paste_lines:
        note = f"📋 pasted a history ({paste_lines} lines)"
        return f"{shown}\n\n{note}" if shown.strip() else note
    return shown


def _read_upload(path: str | None, limit: int) -> bytes | None:
    if not path:
        return None
    with open(path, "rb") as fh:
        return fh.read(limit + 1)  # one byte more than allowed: the orchestrator refuses it


def build_app(
    deps: Deps,
    footer: str = "",
    sessions: SessionConfig | None = None,
    secret: str | None = None,
    personas: list | None = None,
    serving: AppConfig | None = None,
) -> gr.Blocks:
    """The chat app over ``deps``. ``footer``: start-up facts shown above the licence links;
    ``sessions``: storage limits; ``secret``: the browser-storage key (``None``: a random one,
    so stored sessions survive a reload but not a restart); ``personas``: demo personas
    (``name``, ``history``, ``request``), by default the film ones for a movie catalogue;
    ``serving``: how many turns are admitted and computed at once (``compute_slots``,
    ``admitted_turns``)."""
    sessions = sessions or SessionConfig()
    serving = serving or AppConfig()
    limiter = TurnLimiter(serving.compute_slots)  # this app's turns; see recommender/turns.py
    # every turn-making event shares one Gradio concurrency group: Gradio admits up to
    # ``admitted_turns`` of them, the limiter refuses a client's second one and meters the CPU
    turn_events: dict[str, Any] = dict(
        concurrency_id="turn", concurrency_limit=serving.admitted_turns
    )
    words = deps.words
    personas = personas_for(words.kind, personas)
    greeting = welcome(words)
    store = SessionStore(sessions)  # this app's API sessions; never shared with another app
    fingerprint = catalogue_fingerprint(deps.catalogue)

    def outputs_for(reply: Reply | None, statuses: dict[int, str]) -> list:
        cards = reply.cards if reply else []
        groups, htmls = [], []
        for slot in range(MAX_CARDS):
            if slot < len(cards):
                card = cards[slot]
                groups.append(gr.update(visible=True))
                htmls.append(card_html(card, slot + 1, statuses.get(card.item_id), words.did))
            else:
                groups.append(gr.update(visible=False))
                htmls.append("")
        trace = trace_markdown(reply.trace) if reply else trace_markdown({})
        return [trace, *groups, *htmls]

    def turn(message, paste, upload, chat, state: SessionState, request: gr.Request):
        """One chat turn, streamed: chat, state, shown cards, trace, cleared inputs. A turn
        sent while this browser's previous one is still running is answered with a note
        and changes nothing."""
        with limiter.turn([_client_key(request)]) as admitted:
            if not admitted:
                bubble = {"role": "user", "content": _user_bubble(message or "", 0)}
                busy = [*chat, bubble, {"role": "assistant", "content": BUSY_NOTE}]
                yield [busy, state, *[gr.update()] * (len(turn_outputs) - 2)]
                return
            yield from _turn(message, paste, upload, chat, state)

    def _turn(message, paste, upload, chat, state: SessionState):
        message = message or ""
        upload_bytes = _read_upload(upload, deps.config.max_paste_bytes)
        pasted = upload_bytes if upload_bytes is not None else (paste or None)
        lines = 0
        if pasted:
            lines = (pasted.count(b"\n") if isinstance(pasted, bytes) else pasted.count("\n")) + 1
        chat = [*chat, {"role": "user", "content": _user_bubble(message, lines)}]
        chat.append({"role": "assistant", "content": "…"})
        for new_state, reply in step_stream(state, message, deps, paste=pasted):
            chat[-1] = {"role": "assistant", "content": reply.text}
            if keeps_cards(reply, state, new_state):  # "why the 2nd one?": the cards stay
                unchanged = [gr.skip()] * (1 + 2 * MAX_CARDS)  # trace, groups, cards
                yield [chat, new_state, gr.skip(), "", None, None, *unchanged]
            else:
                yield [chat, new_state, list(reply.cards), "", None, None, *outputs_for(reply, {})]

    def persona_turn(index: int):
        # a plain function, not functools.partial: Gradio reads the gr.Request annotation
        def load_persona(chat, request: gr.Request):
            persona = personas[index]
            history = "\n".join(persona.history)
            yield from turn(persona.request, history, None, chat, SessionState(), request)

        return load_persona

    def feedback(slot: int, kind: str, chat, state: SessionState, cards: list):
        if slot >= len(cards):
            return chat, state, gr.update()
        card = cards[slot]
        new = apply_feedback(state, card.item_id, kind)  # type: ignore[arg-type]
        title = card.title
        said = {
            "like": f"Noted: you liked **{title}**. I'll look for more like it.",
            "dislike": f"Noted: **{title}** is not for you. I won't suggest it again.",
            "seen": f"Noted: you've seen **{title}**. I'll leave it out from now on.",
        }[kind]
        chat = [*chat, {"role": "assistant", "content": said}]
        return chat, new, card_html(card, slot + 1, kind, words.did)

    def save(state: SessionState, chat):
        """Keep the session in this browser (size-bounded); show what is remembered."""
        payload = pack_browser(state, chat, fingerprint, sessions)
        return payload, session_markdown(state, deps.catalogue, did=words.did)

    def restore(payload):
        """On page load: the session this browser kept, checked against the catalogue."""
        restored = unpack_browser(payload, fingerprint, deps.catalogue.num_items, sessions)
        chat = restored.chat or [{"role": "assistant", "content": greeting}]
        if restored.notes:
            chat = [*chat, {"role": "assistant", "content": " ".join(restored.notes)}]
        summary = session_markdown(
            restored.state, deps.catalogue, restored=restored.restored, did=words.did
        )
        return restored.state, chat, summary, pack_browser(restored.state, chat, fingerprint,
                                                           sessions)  # fmt: skip

    def forget():
        """Clear the session here and in the browser's storage (Gradio never writes a
        falsy value there, so an empty session is written instead)."""
        fresh = SessionState()
        chat = [{"role": "assistant", "content": greeting}]
        empty = pack_browser(fresh, [], fingerprint, sessions)
        return [chat, fresh, [], empty, NOTHING_REMEMBERED, *outputs_for(None, {})]

    with gr.Blocks(title="Sequel — conversational recommender", analytics_enabled=False) as demo:
        state = gr.State(SessionState())
        stored = gr.BrowserState(None, storage_key=STORAGE_KEY, secret=secret)
        shown_cards = gr.State([])  # the cards on screen, for the feedback buttons
        gr.Markdown(
            "# 🎬 Sequel\nA conversational recommender: real catalogue items only, "
            "each explained by your own history."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    value=[{"role": "assistant", "content": greeting}],
                    height=430,
                    label="Chat",
                    feedback_options=None,
                    elem_id="chat",
                )
                with gr.Row():
                    message = gr.Textbox(
                        placeholder="e.g. something funny from the 90s, no horror",
                        show_label=False,
                        scale=5,
                        max_lines=6,
                        elem_id="message",
                    )
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
            with gr.Column(scale=2):
                gr.Markdown("### Your history")
                paste = gr.Textbox(
                    lines=7,
                    max_lines=12,
                    show_label=False,
                    placeholder="Paste titles (one per line) or a CSV export…",
                    elem_id="paste",
                )
                upload = gr.File(
                    label="…or upload a CSV export",
                    file_types=[".csv", ".txt"],
                    type="filepath",
                    elem_id="upload",
                )
                use_history = gr.Button("Use this history", elem_id="use-history")
                remembered = gr.Markdown(NOTHING_REMEMBERED, elem_id="remembered")
                forget_button = gr.Button("Forget me", size="sm", elem_id="forget")
                gr.Markdown("### Demo personas")
                persona_buttons = [
                    gr.Button(p.name, size="sm", elem_id=f"persona-{n}")
                    for n, p in enumerate(personas)
                ]
        gr.Markdown("### Recommendations")
        groups, htmls, card_buttons = [], [], []
        for slot in range(MAX_CARDS):
            with gr.Group(visible=False, elem_id=f"card-{slot}") as group:
                htmls.append(gr.HTML(elem_id=f"card-html-{slot}"))
                with gr.Row():
                    card_buttons.append(
                        [
                            (kind, gr.Button(label, size="sm", elem_id=f"{kind}-{slot}"))
                            for kind, label in (
                                ("like", "👍 More like this"),
                                ("dislike", "👎 Not for me"),
                                ("seen", "✓ Seen it" if words.kind == "movies" else "✓ Have it"),
                            )
                        ]
                    )
            groups.append(group)
        with gr.Accordion("How this was chosen", open=False, elem_id="pipeline"):
            trace = gr.Markdown(trace_markdown({}), elem_id="trace")
        gr.Markdown(
            footer_markdown(
                footer,
                notice_url=_file_url(NOTICE),
                licence_url=_file_url(LICENSE),
                data_note=words.data_note,
            ),
            elem_id="footer",
        )

        turn_outputs = [chatbot, state, shown_cards, message, paste, upload, trace, *groups, *htmls]
        inputs = [message, paste, upload, chatbot, state]
        saving = dict(fn=save, inputs=[state, chatbot], outputs=[stored, remembered])
        saving.update(api_visibility="private")
        for trigger in (message.submit, send.click, use_history.click):
            trigger(turn, inputs, turn_outputs, api_visibility="private", **turn_events).then(
                **saving
            )
        for n, button in enumerate(persona_buttons):
            button.click(
                persona_turn(n), [chatbot], turn_outputs, api_visibility="private", **turn_events
            ).then(**saving)
        for slot, buttons in enumerate(card_buttons):
            for kind, button in buttons:
                button.click(
                    partial(feedback, slot, kind),
                    [chatbot, state, shown_cards],
                    [chatbot, state, htmls[slot]],
                    api_visibility="private",
                ).then(**saving)
        forget_button.click(
            forget,
            None,
            [chatbot, state, shown_cards, stored, remembered, trace, *groups, *htmls],
            api_visibility="private",
        )
        demo.load(
            restore,
            [stored],
            [state, chatbot, remembered, stored],
            js=UNREADABLE_JS,
            api_visibility="private",
        )

        def recommend(history: str, request: str, k: int = 5, http: gr.Request = None) -> dict:
            """Recommend ``k`` catalogue items for a pasted ``history`` and a free-text
            ``request``. Returns {"items": [{"item_id", "title", "year", "genres",
            "explanation"}], "matched_history": [...], "unmatched": [...], "notes": [...]}.
            One call at a time per client: a second one sent meanwhile gets a note and no
            items."""
            with limiter.turn([_client_key(http)]) as admitted:
                if not admitted:
                    return api.busy()
                return api.recommend(deps, history, request, k)

        def chat(
            session_id: str = "", message: str = "", paste: str = "", http: gr.Request = None
        ) -> dict:
            """One turn of a multi-turn conversation. Pass "" as ``session_id`` to start one,
            then the returned "session_id" on every later turn; ``paste`` is an optional
            history. Returns the ``recommend`` JSON plus "session_id" and "reply" (plain
            text). An unknown or expired id starts a new session and says so in "notes".
            One turn at a time per session and per client: a turn sent while the previous
            one runs is answered with a note, no items, and the session left unchanged."""
            sid = str(session_id or "").strip()
            with limiter.turn([_client_key(http), f"chat:{sid}" if sid else None]) as admitted:
                if not admitted:
                    return api.busy(session_id)
                return api.chat(store, deps, session_id, message, paste)

        gr.api(recommend, api_name="recommend", **turn_events)
        gr.api(chat, api_name="chat", **turn_events)
    return demo


def _client_key(request: gr.Request | None) -> str | None:
    """The limiter key of one client connection (its Gradio session)."""
    session_hash = getattr(request, "session_hash", None)
    return f"client:{session_hash}" if session_hash else None


def _file_url(path: Path) -> str:
    """The URL Gradio serves ``path`` at (when it is in ``launch(allowed_paths=...)``)."""
    return f"/gradio_api/file={path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start the Sequel chat app.")
    parser.add_argument("--host", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--config", type=Path, help="TOML config file")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}")
        return 2
    return run_app(config, args.host, args.port)


def queue_app(demo: gr.Blocks, config: Config) -> gr.Blocks:
    """Turn on Gradio's queue with the app's bound on waiting events (the turn events set
    their own concurrency in ``build_app``; the cheap ones, feedback and saving, run 4 at
    once)."""
    return demo.queue(default_concurrency_limit=4, max_size=config.app.queue_size)


def launch_options(config: Config) -> dict[str, Any]:
    """``demo.launch`` keyword arguments besides the address."""
    return dict(
        # an upload above the paste limit is refused while it streams in (HTTP 413), so it
        # is never written to disk in full; the browser checks the same limit before sending
        max_file_size=config.chat.max_paste_bytes,
        # any other body (a /chat call's JSON, a browser turn) above the cap is refused with
        # HTTP 413 before it is read, so it never reaches a session
        app_kwargs={
            "middleware": [Middleware(BodySizeLimit, max_bytes=request_body_limit(config))]
        },
        css=CSS,
        theme=gr.themes.Soft(primary_hue="indigo"),
        show_error=False,
        allowed_paths=[str(LICENSE), str(NOTICE)],
    )


def run_app(config: Config, host: str | None = None, port: int | None = None) -> int:
    """Build the deps ``config`` describes and serve the app until interrupted (also used by
    ``python -m recommender serve``). While the deps load (or, on an empty cache, are built)
    the same address serves a status page that turns into the chat when it is ready."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    host, port = host or config.app.host, port or config.app.port
    # before any worker thread allocates: see recommender/memory.py
    configure_malloc(config.app.malloc_arenas, config.app.malloc_trim_s)
    status = StartupStatus()
    page = status_page(status) if config.app.status_page else None
    try:
        if page is not None:
            page.launch(server_name=host, server_port=port, prevent_thread_lock=True, quiet=True)
            log.info("status page on http://%s:%d/ while the app prepares", host, port)
        deps, info, secret = _prepare(config, status)
    except (SequelError, ConfigError) as exc:
        return _failed(page, status, str(exc))
    except OSError as exc:
        return _failed(page, status, f"cannot start: {exc}")
    except BaseException:  # a bug or Ctrl-C: free the port, then let it show as it is
        if page is not None:
            page.close(verbose=False)
        raise
    footer = (
        f"{info.dataset}: {info.items:,} items · retriever: {info.sasrec} · ranking: "
        f"{info.ranking} · explanations: {info.explanations} · ready in {info.startup_s} s"
    )
    personas = info.personas or None
    demo = build_app(deps, footer, config.session, secret, personas, config.app)
    queue_app(demo, config)
    status.finish()
    if page is not None:
        page.close(verbose=False)  # the chat takes the port over; the page reloads into it
    demo.launch(
        server_name=host,
        server_port=port,
        **launch_options(config),
    )
    return 0


def _prepare(config: Config, status: StartupStatus):
    """The deps, their facts and the browser-storage key, with the log mirrored to ``status``."""
    from recommender.serving import build_deps

    handler = StatusLogHandler(status)
    project_log = logging.getLogger("recommender")
    project_log.addHandler(handler)
    try:
        deps, info = build_deps(config)
        secret_file = config.session.secret_file or config.data.cache_dir / "browser-state.key"
        try:
            secret = browser_secret(secret_file)
        except OSError as exc:
            raise SequelError(f"cannot keep the browser-state key: {exc}") from exc
    finally:
        project_log.removeHandler(handler)
    return deps, info, secret


def _failed(page, status: StartupStatus, message: str) -> int:
    status.finish(error=message)
    if page is not None:
        page.close(verbose=False)
    print(f"error: {message}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
