"""The start's status page: what it says while the app prepares, and the swap to the chat."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from tqdm import tqdm

from recommender.startup import (
    PREPARING_TITLE,
    StartupStatus,
    StatusLogHandler,
    active_progress,
)
from tests.helpers import free_port
from tests.test_app_e2e import CHROMIUM, CHROMIUM_ARGS


def test_status_lists_the_steps_and_the_live_progress_bars() -> None:
    status = StartupStatus()
    status.note("dataset ml-1m: 6040 users")
    with tqdm(total=3416, desc="embed", unit="text", file=io.StringIO()) as bar:
        bar.update(1200)
        assert "embed: 1,200 / 3,416 text (35%)" in active_progress()
        text = status.markdown()
    assert "dataset ml-1m: 6040 users" in text
    assert "embed: 1,200 / 3,416 text (35%)" in text
    assert "turns into the chat" in text
    assert not any(line.startswith("embed") for line in active_progress())  # closed bars go


def test_disabled_bars_are_not_shown() -> None:
    with tqdm(total=10, desc="hidden-bar", disable=True) as bar:
        bar.update(5)
        assert not any("hidden-bar" in line for line in active_progress())


def test_ready_and_failed_states() -> None:
    status = StartupStatus()
    status.finish()
    assert status.ready and "Opening the chat" in status.markdown()
    failed = StartupStatus()
    failed.finish(error="no data at /nowhere")
    assert not failed.ready and "The start failed:** no data at /nowhere" in failed.markdown()


def test_log_handler_copies_the_projects_log_lines() -> None:
    status = StartupStatus()
    handler = StatusLogHandler(status)
    logger = logging.getLogger("recommender.test_startup")
    logger.setLevel(logging.INFO)
    logging.getLogger("recommender").addHandler(handler)
    try:
        logger.info("item store ready: %d items", 3416)
        logger.debug("not shown")
    finally:
        logging.getLogger("recommender").removeHandler(handler)
    assert [text for _, text in status.steps] == ["item store ready: 3416 items"]


def _config_title(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url + "config", timeout=2) as response:
            return json.loads(response.read()).get("title")
    except OSError:
        return None


def _wait_for(predicate, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.mark.integration
def test_browser_sees_the_status_page_then_the_chat(monkeypatch, make_deps) -> None:
    """``run_app`` answers at once with the status page, which shows the build's log lines as
    they come; when the deps are built the chat takes the port over and the same browser tab
    reloads itself into it."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    import gradio as gr
    from playwright.sync_api import expect, sync_playwright

    import app
    from recommender.config import Config
    from recommender.serving import ServingInfo

    release = threading.Event()

    def slow_prepare(config, status):
        handler = StatusLogHandler(status)
        logging.getLogger("recommender").addHandler(handler)
        try:
            logging.getLogger("recommender.serving").warning("embedding 3416 new texts")
            release.wait(120)
        finally:
            logging.getLogger("recommender").removeHandler(handler)
        info = ServingInfo("tiny", 24, "none", "retrieval order", "templates", 0.1)
        return make_deps(), info, None

    monkeypatch.setattr(app, "_prepare", slow_prepare)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    runner = threading.Thread(target=app.run_app, args=(Config(), "127.0.0.1", port), daemon=True)
    runner.start()
    try:
        _wait_for(lambda: _config_title(url) == PREPARING_TITLE)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url)
            status = page.locator("#startup-status")
            expect(status).to_contain_text("turns into the chat", timeout=30_000)
            expect(status).to_contain_text("embedding 3416 new texts", timeout=30_000)
            expect(page.locator("#chat")).to_have_count(0)
            release.set()
            expect(page.locator("#chat")).to_be_visible(timeout=60_000)  # same tab, reloaded
            expect(page.locator("#startup-status")).to_have_count(0)
            browser.close()
        assert "conversational recommender" in _config_title(url)
    finally:
        release.set()
        gr.close_all()


@pytest.mark.integration
def test_a_failed_start_frees_the_port_and_says_why(monkeypatch, capsys) -> None:
    import socket

    import app
    from recommender.config import Config
    from recommender.errors import SequelError

    def broken(config, status):
        raise SequelError("no data at /nowhere")

    monkeypatch.setattr(app, "_prepare", broken)
    port = free_port()
    assert app.run_app(Config(), "127.0.0.1", port) == 2
    assert "error: no data at /nowhere" in capsys.readouterr().out
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # the status page let the port go
