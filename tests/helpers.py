"""Test helpers importable from subprocesses (``PYTHONPATH=tests``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np

GENRE_AXES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Romance", "Sci-Fi", "Thriller", "War",
)  # fmt: skip


class GenreEmbedder:
    """Deterministic fake embedder: genre words become axes, the rest a small text hash.

    Counts how many texts it embedded, so cache and reuse behaviour can be asserted.
    """

    name = "fake-genre"
    dim = len(GENRE_AXES) + 8

    def __init__(self) -> None:
        self.calls = 0
        self.texts_embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for axis, genre in enumerate(GENRE_AXES):
                if genre.lower() in text.lower():
                    out[row, axis] = 1.0
            digest = hashlib.sha256(text.encode()).digest()
            out[row, len(GENRE_AXES) :] = np.frombuffer(digest[:8], dtype=np.uint8) / 2550.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def tiny_llama_backend(config=None, seed: int = 0, name: str = "tiny"):
    """A 2-layer random Llama with SmolLM2's real tokenizer: the local backend's code paths in
    milliseconds (the real 135M model is too slow for unit tests)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from recommender.llm.backends import LocalBackend, resolve_model_folder
    from recommender.llm.config import LLMConfig

    config = config or LLMConfig()
    folder = resolve_model_folder(LLMConfig(), progress=False)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    torch.manual_seed(seed)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=2048,
            tie_word_embeddings=True,
        )
    )
    return LocalBackend(model, tokenizer, config, name=name)


def chat_config_url(url: str) -> str:
    """Where ``running_server`` polls an app started by ``app.py`` (its Gradio config)."""
    return url.rstrip("/") + "/config"


def serves_chat(body: bytes) -> bool:
    """True when a Gradio ``/config`` body is the chat's, not the start's status page."""
    import json

    from recommender.startup import PREPARING_TITLE

    return json.loads(body).get("title") != PREPARING_TITLE


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(command, ready_url: str, log_path, timeout_s: float, accept=None, **popen):
    """Start ``command``, wait until ``ready_url`` answers 200 (and, with ``accept``, until
    ``accept(body)`` is true), yield the process, and stop it (by its own handle) when the
    block ends. Raises ``RuntimeError`` with the log tail if it exits or does not come up in
    ``timeout_s``."""
    import subprocess
    import time
    import urllib.request
    from pathlib import Path

    log_path = Path(log_path)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **popen)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    log.flush()
                    tail = log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"{command[:3]} exited with {process.returncode}: {tail}")
                try:
                    with urllib.request.urlopen(ready_url, timeout=2) as response:
                        if response.status == 200 and (accept is None or accept(response.read())):
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command[:3]} did not come up in {timeout_s:.0f} s")
                time.sleep(0.2)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
