"""End to end: ``python -m recommender serve`` on the fixture shop (Amazon Reviews 2023 layout)
prepares, embeds, trains within its budget and starts the app; the running app answers a
pasted Amazon order history with shop products, in shop words. A rerun reuses every step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from recommender.commands.serve import model_size
from tests.helpers import chat_config_url, free_port, running_server, serves_chat

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SPEC = f"amazon2023:{FIXTURES / 'amazon2023'}"

pytestmark = [pytest.mark.integration]


def _env(cache: Path) -> dict:
    return dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", SEQUEL_CACHE_DIR=str(cache))


def _serve(*extra: str) -> list[str]:
    command = [sys.executable, "-m", "recommender", "serve", "--dataset", SPEC]
    return command + ["--train-minutes", "0.1", "--no-llm", "--no-progress", *extra]


def test_small_catalogues_get_a_narrower_model() -> None:
    assert model_size(3416)[0].hidden == 128 and model_size(3416)[1] == "text"
    assert model_size(36)[0].hidden == 32 and model_size(36)[1] == "text"
    assert model_size(10)[1] == "random"


def test_serve_a_shop_and_recommend_from_an_order_history(tmp_path: Path) -> None:
    from gradio_client import Client

    cache = tmp_path / "cache"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with running_server(
        _serve("--port", str(port)), chat_config_url(url), tmp_path / "serve.log",
        timeout_s=300, accept=serves_chat, cwd=ROOT, env=_env(cache),
    ):  # fmt: skip
        log = (tmp_path / "serve.log").read_text()
        assert "step 3/4: training" in log and "step 4/4: starting the app" in log
        with urllib.request.urlopen(url + "config", timeout=10) as response:
            page = response.read().decode()
        assert "Paste what you bought" in page and "shopper" in page
        assert "Paste what you watched" not in page and "MovieLens" not in page
        api = Client(url, analytics_enabled=False, verbose=False)
        paste = (FIXTURES / "pastes" / "amazon_order_history.csv").read_text()
        result = api.predict(paste, "something for the kitchen", 4, api_name="/recommend")
    assert len(result["items"]) == 4
    matched = result["matched_history"]
    assert "Wireless Ergonomic Mouse" in matched and "Stainless Steel Chef Knife 8 Inch" in matched
    catalogue = json.loads(next((cache / "processed").glob("amazon2023-*/items.json")).read_text())
    titles = {item["title"] for item in catalogue["items"]}
    assert all(item["title"] in titles and item["title"] not in matched for item in result["items"])
    text = json.dumps(result).lower()
    assert "movie" not in text and "watched" not in text
    checkpoints = list((cache / "models").glob("amazon2023-*/llm2sasrec_seed0.pt.done.json"))
    assert len(checkpoints) == 1

    again = subprocess.run(
        _serve("--no-launch"), capture_output=True, text=True, cwd=ROOT, env=_env(cache)
    )
    assert again.returncode == 0, again.stderr
    assert "trained model cached" in again.stderr and "training" not in again.stderr.replace(
        "trained model cached", ""
    )
