"""Training loop: batching, a one-epoch smoke train, checkpoints, resume and determinism."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from recommender.models import SASRecConfig
from recommender.models.sasrec import score_histories
from recommender.seeding import seed_everything
from recommender.training import (
    TrainConfig,
    build_model,
    improves,
    iter_batches,
    load_checkpoint,
    negative_distribution,
    sample_negatives,
    train_sasrec,
    training_examples,
)

MODEL = SASRecConfig(hidden=16, max_len=8, num_blocks=1, dropout=0.1)
TRAIN = TrainConfig(
    init="random", batch_size=8, lr=5e-3, warmup_steps=5, max_epochs=1, num_threads=1
)


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 32)).astype(np.float32)


def test_training_examples_cut_to_max_len() -> None:
    examples = training_examples([[1], [1, 2], list(range(1, 20))], max_len=4)
    assert examples == [[1, 2], [15, 16, 17, 18, 19]]


def test_all_windows_make_every_training_item_a_target_once() -> None:
    history = list(range(1, 20))  # 19 items: 18 targets
    examples = training_examples([[1], [1, 2], history], max_len=4, all_windows=True)
    assert examples[0] == [1, 2]
    windows = examples[1:]
    assert windows[0] == [15, 16, 17, 18, 19]  # the most recent window comes first, as before
    assert all(2 <= len(w) <= 5 for w in windows)
    targets = sorted(t for w in windows for t in w[1:])
    assert targets == history[1:]  # each item after the first is predicted exactly once
    for window in windows:  # every window is a contiguous piece of the history
        start = history.index(window[0])
        assert history[start : start + len(window)] == window


def test_iter_batches_cover_every_target_once_with_left_padding() -> None:
    examples = [[1, 2], [3, 4, 5], [6, 7, 8, 9], [10, 11], [12, 13, 14]]
    batches = list(iter_batches(examples, 2, np.random.default_rng(0)))
    assert len(batches) == 3
    targets = sorted(t for b in batches for t in b.targets[b.targets > 0].tolist())
    assert targets == sorted(t for e in examples for t in e[1:])
    for batch in batches:
        assert batch.inputs.shape == batch.targets.shape
        real = batch.inputs > 0
        assert real[:, -1].all()  # left padding: the last column is always a real item
        assert (real == (batch.targets > 0)).all()
        lengths = real.sum(1)
        assert batch.inputs.shape[1] == lengths.max()  # padded to its own longest only


def test_one_epoch_smoke_train_lowers_the_loss(tiny_dataset) -> None:
    """Loss on the training batches before and after one epoch (same model, eval mode)."""
    examples = training_examples(tiny_dataset.split.train, MODEL.max_len)
    config = dataclasses.replace(MODEL, num_items=tiny_dataset.num_items, dropout=0.0)
    seed_everything(0)
    fresh = build_model(config, TRAIN)
    batches = list(iter_batches(examples, 64, np.random.default_rng(1)))
    with torch.no_grad():
        before = sum(fresh.loss(b).item() for b in batches) / len(batches)
    result = train_sasrec(tiny_dataset, config, TRAIN, progress=False)
    with torch.no_grad():
        after = sum(result.model.loss(b).item() for b in batches) / len(batches)
    assert len(result.history) == 1 and result.best_epoch == 1
    assert after < before - 0.1
    assert result.history[0]["loss"] < before


def test_text_init_trains_and_checkpoint_stores_its_config(tiny_dataset, tmp_path) -> None:
    path = tmp_path / "model.pt"
    train = dataclasses.replace(TRAIN, init="text", max_epochs=3, patience=10)
    result = train_sasrec(
        tiny_dataset,
        MODEL,
        train,
        item_vectors=_vectors(tiny_dataset.num_items),
        checkpoint_path=path,
        progress=False,
        extra={"command": "test"},
    )
    assert path.exists() and path.with_suffix(".last.pt").exists()
    model, payload = load_checkpoint(path)
    assert payload["train_config"]["init"] == "text"
    assert payload["model_config"]["num_items"] == tiny_dataset.num_items
    assert payload["model_config"]["hidden"] == MODEL.hidden
    assert payload["command"] == "test" and payload["epoch"] == result.best_epoch
    assert len(payload["history"]) == result.best_epoch
    histories = [[1, 2, 3], [5]]
    torch.testing.assert_close(
        score_histories(model, histories), score_histories(result.model, histories)
    )


def test_training_is_reproducible_and_resumable(tiny_dataset, tmp_path) -> None:
    train = dataclasses.replace(TRAIN, max_epochs=2, patience=10)
    full = train_sasrec(tiny_dataset, MODEL, train, progress=False)
    again = train_sasrec(tiny_dataset, MODEL, train, progress=False)
    assert [h["loss"] for h in full.history] == [h["loss"] for h in again.history]

    # one epoch, then resume for the second: same losses as the uninterrupted run
    path = tmp_path / "resume.pt"
    train_sasrec(
        tiny_dataset,
        MODEL,
        dataclasses.replace(train, max_epochs=1),
        checkpoint_path=path,
        progress=False,
    )
    resumed = train_sasrec(
        tiny_dataset, MODEL, train, checkpoint_path=path, resume=True, progress=False
    )
    assert [h["epoch"] for h in resumed.history] == [1, 2]
    assert resumed.history[1]["loss"] == pytest.approx(full.history[1]["loss"], rel=1e-5)


def test_early_stopping_respects_patience(tiny_dataset) -> None:
    train = dataclasses.replace(TRAIN, max_epochs=50, patience=1, lr=0.0, warmup_steps=0)
    result = train_sasrec(tiny_dataset, MODEL, train, progress=False)
    # lr 0: validation never improves after epoch 1, so epoch 2 is the last one
    assert result.best_epoch == 1 and len(result.history) == 2


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_early_stopping_never_keeps_a_non_finite_epoch(tiny_dataset, monkeypatch, bad) -> None:
    """Epoch 2's validation NDCG@10 is inf or NaN: epoch 1 (finite) stays the best."""
    import recommender.evaluation as evaluation

    real = evaluation.evaluate_cases
    calls = {"n": 0}

    def scripted(*args, **kwargs):
        metrics = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:
            metrics["ndcg@10"] = bad
        return metrics

    monkeypatch.setattr(evaluation, "evaluate_cases", scripted)
    train = dataclasses.replace(TRAIN, max_epochs=3, patience=1)
    result = train_sasrec(tiny_dataset, MODEL, train, progress=False)
    assert result.best_epoch == 1 and math.isfinite(result.best_metrics["ndcg@10"])
    assert len(result.history) == 2  # the bad epoch counted towards the patience of 1


def test_improves_ignores_non_finite_values() -> None:
    assert improves(0.2, 0.1) and not improves(0.1, 0.2)
    assert not improves(float("inf"), 0.1) and not improves(float("nan"), -1.0)


def test_uniform_negatives_are_distinct_items_with_their_inclusion_probability() -> None:
    torch.manual_seed(0)
    ids, log_q = sample_negatives(50, 20)
    assert ids.shape == (20,) and len(set(ids.tolist())) == 20
    assert ids.min() >= 1 and ids.max() <= 50
    torch.testing.assert_close(log_q, torch.full((20,), math.log(20 / 50)))
    ids, log_q = sample_negatives(10, 30)  # more than the catalogue: every item once
    assert sorted(ids.tolist()) == list(range(1, 11)) and torch.allclose(log_q, torch.zeros(10))
    with pytest.raises(ValueError, match="at least 1"):
        sample_negatives(10, 0)


def test_popularity_negatives_follow_the_training_counts() -> None:
    q = negative_distribution([[1, 1, 1, 2], [1, 3]], num_items=4, sampler="popularity")
    # add-one counts: item 1 seen 4 times -> 5, item 2 -> 2, item 3 -> 2, item 4 never -> 1
    torch.testing.assert_close(q, torch.tensor([5, 2, 2, 1], dtype=torch.float64) / 10)
    assert negative_distribution([[1, 2]], 4, "uniform") is None
    with pytest.raises(ValueError, match="unknown negative sampler"):
        negative_distribution([[1, 2]], 4, "hard")
    torch.manual_seed(0)
    ids, log_q = sample_negatives(4, 2000, q)
    counts = torch.bincount(ids, minlength=5)[1:].double() / 2000
    assert torch.allclose(counts, q, atol=0.03)
    torch.testing.assert_close(log_q, torch.log(2000 * q[ids - 1]).float())


def test_sampled_softmax_training_runs_and_history_records_cpu_and_valid_seconds(
    tiny_dataset, tmp_path
) -> None:
    train = dataclasses.replace(TRAIN, max_epochs=2, patience=10, sampled_negatives=8)
    path = tmp_path / "sampled.pt"
    train_sasrec(
        tiny_dataset, MODEL, dataclasses.replace(train, max_epochs=1), path, progress=False
    )
    result = train_sasrec(tiny_dataset, MODEL, train, path, resume=True, progress=False)
    assert [h["epoch"] for h in result.history] == [1, 2]
    assert all(math.isfinite(h["loss"]) for h in result.history)
    first, second = result.history
    # cumulative process CPU time, carried over the resume; validation time per epoch
    assert 0 < first["cpu_seconds"] < second["cpu_seconds"]
    assert all(0 < h["valid_seconds"] <= h["seconds"] for h in result.history)
    again = train_sasrec(tiny_dataset, MODEL, train, progress=False)  # uninterrupted
    assert again.history[1]["loss"] == pytest.approx(second["loss"], rel=1e-5)


def test_sampled_softmax_rejects_what_it_does_not_support(tiny_dataset) -> None:
    from recommender.models.bert4rec import BERT4RecConfig

    with pytest.raises(ValueError, match="SASRec only"):
        train_sasrec(
            tiny_dataset,
            BERT4RecConfig(hidden=16, max_len=8, num_blocks=1),
            dataclasses.replace(TRAIN, sampled_negatives=8),
            progress=False,
        )
    with pytest.raises(ValueError, match=">= 0"):
        train_sasrec(
            tiny_dataset, MODEL, dataclasses.replace(TRAIN, sampled_negatives=-1), progress=False
        )
