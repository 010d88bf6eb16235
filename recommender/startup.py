"""The app's start: a status page while the artefacts are loaded or built, then the chat.

On an empty cache the start fetches the data, embeds every item and builds the Chroma store
(``python -m recommender prepare`` does the same ahead of time). Instead of a port that
refuses connections meanwhile, ``app.py`` serves :func:`status_page` at once: it shows what
is being prepared (the log's steps and the live progress bars) and reloads itself into the
chat when the real app answers on the same port.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

PREPARING_TITLE = "Sequel — preparing"
SHOWN_STEPS = 12  # most recent log lines on the status page
# Polls the server's /config until it belongs to another app (the chat), then reloads;
# a refused connection during the swap is simply retried.
RELOAD_JS = f"""() => {{
  const poll = async () => {{
    try {{
      const response = await fetch("config", {{cache: "no-store"}});
      if (response.ok && (await response.json()).title !== {PREPARING_TITLE!r}) {{
        window.location.reload();
        return;
      }}
    }} catch (error) {{}}
    setTimeout(poll, 1000);
  }};
  setTimeout(poll, 1000);
}}"""


@dataclass
class StartupStatus:
    """What the start is doing, written by the building thread and read by the page."""

    started: float = field(default_factory=time.perf_counter)
    steps: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=SHOWN_STEPS))
    ready: bool = False
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note(self, message: str) -> None:
        """Record one step (shown with the seconds since the start)."""
        with self._lock:
            self.steps.append((time.perf_counter() - self.started, message))

    def finish(self, error: str | None = None) -> None:
        with self._lock:
            self.ready, self.error = error is None, error

    def markdown(self) -> str:
        """The status page's text: elapsed time, the steps so far and the live progress."""
        with self._lock:
            steps, ready, error = list(self.steps), self.ready, self.error
        elapsed = time.perf_counter() - self.started
        if error is not None:
            head = f"**The start failed:** {error}"
        elif ready:
            head = "**Ready.** Opening the chat…"
        else:
            head = (
                f"Preparing the catalogue for the first time can take a few minutes "
                f"(elapsed: {elapsed:.0f} s). This page turns into the chat when it is ready."
            )
        lines = [head, ""]
        bars = active_progress()
        if bars and not ready:
            lines += ["**In progress**", "", *(f"- {bar}" for bar in bars), ""]
        if steps:
            lines += ["**Steps**", "", *(f"- `{at:6.1f} s` {text}" for at, text in steps)]
        return "\n".join(lines)


def active_progress() -> list[str]:
    """The progress bars (``tqdm``) running now, as ``"embed: 1,200 / 3,416 text (35%)"``."""
    from tqdm import tqdm

    with tqdm.get_lock():
        bars = list(tqdm._instances)  # the registry tqdm itself keeps of open bars
    shown = []
    for bar in bars:
        if getattr(bar, "disable", True):
            continue
        desc = bar.desc or "working"
        if bar.total:
            share = 100.0 * bar.n / bar.total
            shown.append(f"{desc}: {bar.n:,} / {bar.total:,} {bar.unit} ({share:.0f}%)")
        else:
            shown.append(f"{desc}: {bar.n:,} {bar.unit}")
    return shown


class StatusLogHandler(logging.Handler):
    """Copies the project's INFO (and worse) log lines into a :class:`StartupStatus`."""

    def __init__(self, status: StartupStatus) -> None:
        super().__init__(level=logging.INFO)
        self.status = status

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.status.note(record.getMessage())
        except Exception:  # a log line must never break the start
            self.handleError(record)


def status_page(status: StartupStatus):
    """The page (a ``gr.Blocks``) served while the app starts: refreshed every second, it
    reloads itself into the chat once the chat answers on the same port."""
    import gradio as gr

    with gr.Blocks(title=PREPARING_TITLE, analytics_enabled=False) as page:
        gr.Markdown("# 🎬 Sequel is getting ready")
        text = gr.Markdown(status.markdown(), elem_id="startup-status")
        timer = gr.Timer(1.0)
        timer.tick(status.markdown, None, text, api_visibility="private", show_progress="hidden")
        page.load(None, js=RELOAD_JS)
    return page
