"""LoRA fine-tuning: training examples from training sequences only, a tiny resumable run."""

from __future__ import annotations

import json

import pytest
import torch

from recommender.llm.backends import LocalBackend
from recommender.llm.config import LLMConfig
from recommender.llm.finetune import (
    ADAPTER_DIR,
    CHECKPOINT_DIR,
    FinetuneConfig,
    finetune,
    make_examples,
    retrieval_negatives,
    validation_examples,
)
from recommender.models.sasrec import SASRec, SASRecConfig, score_histories
from tests.helpers import tiny_llama_backend


def tiny_backend(seed: int = 0) -> LocalBackend:
    """A 2-layer random Llama with SmolLM2's tokenizer (the real model is too slow here)."""
    return tiny_llama_backend(LLMConfig(batch_size=4), seed=seed)


def test_examples_come_from_training_sequences(tiny_dataset):
    config = FinetuneConfig(num_candidates=6, min_history=3)
    examples = make_examples(tiny_dataset, 50, config, max_history=4, seed=1)
    assert examples == make_examples(tiny_dataset, 50, config, max_history=4, seed=1)
    assert examples != make_examples(tiny_dataset, 50, config, max_history=4, seed=2)
    train = tiny_dataset.split.train
    answers = set()
    for e in examples:
        assert len(e.candidates) == 6 == len(set(e.candidates))
        assert 3 <= len(e.history) <= 4
        target = e.candidates[e.answer]
        assert not set(e.candidates) & set(e.history)  # negatives exclude the history
        # history followed by target is a contiguous piece of some user's training sequence
        piece = [*e.history, target]
        assert any(seq[k : k + len(piece)] == piece for seq in train for k in range(len(seq)))
        answers.add(e.answer)
    assert len(answers) > 3  # the true item is shuffled over the positions


def test_retrieval_negatives_are_deduplicated_and_topped_up(tiny_dataset):
    config = FinetuneConfig(num_candidates=6, min_history=3)

    def retriever(history, n, rng):
        return [history[-1] % 24 + 1, history[-1] % 24 + 1, 2]  # a duplicate, and too few

    examples = make_examples(tiny_dataset, 30, config, 20, seed=0, negatives=retriever)
    for e in examples:
        assert len(e.candidates) == 6 == len(set(e.candidates))
        target = e.candidates[e.answer]
        proposed = {e.history[-1] % 24 + 1, 2} - {target} - set(e.history)
        assert proposed <= set(e.candidates)


def test_sasrec_negatives_are_the_retrievers_top_candidates(tiny_dataset):
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=tiny_dataset.num_items, hidden=16, max_len=8)).eval()
    negatives = retrieval_negatives(model)
    config = FinetuneConfig(num_candidates=6, min_history=3)
    for e in make_examples(tiny_dataset, 20, config, 20, seed=0, negatives=negatives):
        target = e.candidates[e.answer]
        scores = score_histories(model, [e.history])[0]
        top = [i for i in torch.topk(scores, 7).indices.tolist() if i != target][:5]
        assert set(e.candidates) == {target, *top}  # exactly the inference-time candidates
    valid = validation_examples(tiny_dataset, 8, config, 20, seed=0, negatives=negatives)
    for e in valid:
        target = e.candidates[e.answer]
        scores = score_histories(model, [e.history])[0]
        top = [i for i in torch.topk(scores, 7).indices.tolist() if i != target][:5]
        assert set(e.candidates) == {target, *top}
        assert not set(e.candidates) & set(e.history)


def test_validation_examples_target_the_validation_item(tiny_dataset):
    config = FinetuneConfig(num_candidates=5)
    split = tiny_dataset.split
    examples = validation_examples(tiny_dataset, 10, config, max_history=20, seed=0)
    targets = dict(zip(split.valid_users, split.valid_targets, strict=True))
    for e in examples:
        user = next(u for u in split.valid_users if split.history(u, "valid") == e.history)
        assert e.candidates[e.answer] == targets[user]


def test_tiny_lora_run_trains_only_the_adapter_and_resumes(tiny_dataset, tmp_path):
    llm = LLMConfig(max_history=4)
    config = FinetuneConfig(
        output_dir=tmp_path / "ft",
        max_steps=4,
        batch_size=2,
        lr=1e-2,
        warmup_steps=1,
        num_candidates=5,
        lora_r=4,
        lora_layers=1,
        checkpoint_every=2,
        eval_users=4,
        time_budget_min=5.0,
    )
    backend = tiny_backend()
    base_before = backend.model.model.layers[1].self_attn.q_proj.weight.detach().clone()
    result = finetune(tiny_dataset, llm, config, progress=False, backend=backend)
    assert result.steps == 4 and len(result.losses) == 4
    assert all(torch.isfinite(torch.tensor(result.losses)))
    assert set(result.before) == {"hr@1", "ndcg@10", "n"} and result.after["n"] == 4
    adapter = tmp_path / "ft" / ADAPTER_DIR
    assert (adapter / "adapter_config.json").exists()
    assert (adapter / "adapter_model.safetensors").exists()
    saved = json.loads((tmp_path / "ft" / "finetune_config.json").read_text())
    assert saved["finetune"]["lora_r"] == 4 and saved["lora_layers"] == [1]
    peft_model = backend.model
    layer = peft_model.get_base_model().model.layers[1].self_attn.q_proj
    assert torch.equal(layer.base_layer.weight, base_before)  # the base model is frozen
    assert layer.lora_B["default"].weight.abs().sum() > 0  # the adapter learnt something
    untouched = peft_model.get_base_model().model.layers[0].self_attn.q_proj
    assert not hasattr(untouched, "lora_A")  # only the top ``lora_layers`` blocks adapted

    # the app loads base + adapter by config (merged); it must score exactly like training's model
    base = tiny_backend()
    base.model.save_pretrained(tmp_path / "base")
    base.tokenizer.save_pretrained(tmp_path / "base")
    loaded = LocalBackend.from_config(
        LLMConfig(model_path=tmp_path / "base", adapter_path=adapter), progress=False
    )
    prompt = ["History: Heat (1995). Candidates: A. Up B. Alien C. Fargo. Answer:"]
    peft_model.eval()
    expected = backend.score_labels(prompt, ["A", "B", "C"])
    assert loaded.score_labels(prompt, ["A", "B", "C"]) == pytest.approx(expected, abs=1e-4)
    assert not loaded.score_labels(prompt, ["A", "B", "C"]) == pytest.approx(
        base.score_labels(prompt, ["A", "B", "C"]), abs=1e-6
    )  # and the adapter changed something

    # resume: a new process (fresh base model) continues at step 4 up to 6
    longer = FinetuneConfig(**{**config.__dict__, "max_steps": 6})
    resumed = finetune(tiny_dataset, llm, longer, progress=False, backend=tiny_backend())
    assert resumed.steps == 6 and len(resumed.losses) == 2
    log = json.loads((tmp_path / "ft" / "finetune_log.json").read_text())
    assert len(log["losses"]) == 6 and log["losses"][:4] == pytest.approx(result.losses)
    assert log["before"] == result.before
    assert (tmp_path / "ft" / CHECKPOINT_DIR / "trainer_state.pt").exists()


def test_time_budget_stops_the_run(tiny_dataset, tmp_path):
    config = FinetuneConfig(
        output_dir=tmp_path / "ft",
        max_steps=50,
        batch_size=2,
        num_candidates=4,
        lora_layers=1,
        eval_users=0,
        time_budget_min=0.0,
    )
    result = finetune(tiny_dataset, LLMConfig(), config, progress=False, backend=tiny_backend())
    assert result.stopped_by == "time_budget" and result.steps == 0
    assert (tmp_path / "ft" / ADAPTER_DIR / "adapter_config.json").exists()
