"""BERT4Rec / LLM2BERT4Rec: the cloze masking, padding invariance, text init, a one-epoch train."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from benchmarks import new_users as nu
from benchmarks import retrieval as bench
from recommender.data import PADDING_ID
from recommender.models.bert4rec import BERT4Rec, BERT4RecConfig
from recommender.models.sasrec import SequenceBatch, score_histories
from recommender.models.text_init import text_embedding_table
from recommender.seeding import seed_everything
from recommender.training import (
    TrainConfig,
    build_model,
    iter_batches,
    load_checkpoint,
    train_sasrec,
    training_examples,
)
from tests.conftest import make_tiny_dataset

N = 24
MODEL = BERT4RecConfig(num_items=N, hidden=16, max_len=8, num_blocks=1, num_heads=2, dropout=0.0)
TRAIN = TrainConfig(
    init="random", batch_size=8, lr=5e-3, warmup_steps=5, max_epochs=1, num_threads=1
)


def test_cloze_masks_only_real_positions_and_labels_exactly_those() -> None:
    seed_everything(0)
    model = BERT4Rec(dataclasses.replace(MODEL, mask_prob=0.5))
    inputs = torch.tensor([[0, 0, 3, 4], [5, 6, 7, 8]])  # seq[:-1], left-padded
    targets = torch.tensor([[0, 0, 4, 9], [6, 7, 8, 10]])  # seq[1:]
    masked, labels = model.cloze(SequenceBatch(inputs, targets))
    window = torch.tensor([[0, 0, 3, 4, 9], [5, 6, 7, 8, 10]])
    chosen = masked == model.mask_id
    assert (masked[~chosen] == window[~chosen]).all()  # untouched elsewhere
    assert (labels[chosen] == window[chosen]).all() and (labels[~chosen] == PADDING_ID).all()
    assert not chosen[window == PADDING_ID].any()  # padding is never masked
    assert chosen.any(dim=1).all()  # every window predicts something


def test_a_window_that_drew_no_mask_predicts_its_last_item() -> None:
    model = BERT4Rec(dataclasses.replace(MODEL, mask_prob=1e-9))
    masked, labels = model.cloze(
        SequenceBatch(torch.tensor([[1, 2, 3]]), torch.tensor([[2, 3, 4]]))
    )
    assert masked.tolist() == [[1, 2, 3, model.mask_id]]
    assert labels.tolist() == [[0, 0, 0, 4]]


def test_scores_do_not_depend_on_left_padding_and_mask_what_was_seen() -> None:
    seed_everything(0)
    model = BERT4Rec(MODEL).eval()
    short = torch.tensor([[3, 4, 5]])
    padded = torch.tensor([[0, 0, 0, 3, 4, 5]])
    with torch.no_grad():
        a, b = model.score_all(short), model.score_all(padded)
    assert a.shape == (1, N + 1)
    assert torch.isinf(a[0, [0, 3, 4, 5]]).all() and torch.isfinite(a[0, 6:]).all()
    # positions count from the end, so only the padding differs: hidden from attention
    assert torch.allclose(a, b, atol=1e-5)
    scores = score_histories(model, [[3, 4, 5], list(range(1, 20))])  # cut to max_len
    assert scores.shape == (2, N + 1) and torch.isinf(scores[1, 1:20]).all()


@pytest.mark.parametrize("init", ["text", "random"])
def test_text_init_copies_the_table_and_random_does_not(init: str) -> None:
    vectors = np.random.default_rng(0).normal(size=(N, 32)).astype(np.float32)
    seed_everything(0)
    model = build_model(MODEL, dataclasses.replace(TRAIN, init=init), vectors)
    table = torch.from_numpy(text_embedding_table(vectors, MODEL.hidden, std=0.02))
    copied = torch.allclose(model.item_emb.weight.detach(), table)
    assert copied == (init == "text")
    assert model.item_emb.weight[PADDING_ID].abs().sum() == 0


def test_one_epoch_smoke_train_lowers_the_loss_and_reloads(tmp_path) -> None:
    """(the cloze task learns more slowly per epoch than SASRec's: 200 tiny users here)"""
    dataset = make_tiny_dataset(num_users=200)
    config = dataclasses.replace(MODEL, hidden=32, num_blocks=2)
    train = dataclasses.replace(TRAIN, batch_size=16, warmup_steps=10, lr=5e-3, label_smoothing=0.0)
    examples = training_examples(dataset.split.train, config.max_len)
    seed_everything(0)
    fresh = build_model(config, train)
    batches = list(iter_batches(examples, 64, np.random.default_rng(1)))

    def loss(model: BERT4Rec) -> float:
        torch.manual_seed(5)  # the same masks for both models
        with torch.no_grad():
            return sum(model.loss(b).item() for b in batches) / len(batches)

    path = tmp_path / "bert4rec.pt"
    result = train_sasrec(dataset, config, train, checkpoint_path=path, progress=False)
    assert isinstance(result.model, BERT4Rec) and result.best_epoch == 1
    assert loss(result.model) < loss(fresh) - 0.1
    reloaded, payload = load_checkpoint(path)
    assert isinstance(reloaded, BERT4Rec) and payload["architecture"] == "bert4rec"
    histories = [[1, 2, 3], [7, 8]]
    assert torch.equal(
        score_histories(reloaded, histories), score_histories(result.model, histories)
    )


def test_the_benchmark_trains_both_bert4rec_variants_under_the_new_user_protocol(
    retrieval_context, tiny_dataset, monkeypatch
) -> None:
    """(a width the tiny catalogue's PCA can give, so that the text init can run)"""
    original = bench.sasrec_configs

    def small(name, seed, max_epochs=None):
        model, train = original(name, seed, max_epochs)
        return dataclasses.replace(model, hidden=8, max_len=8), train

    monkeypatch.setattr(bench, "sasrec_configs", small)
    ctx = dataclasses.replace(
        retrieval_context, new_users=nu.NewUsers(tiny_dataset, nu.NewUserSpec(lengths=(2, 4)))
    )
    for name in ("llm2bert4rec", "bert4rec_random"):
        record = json.loads(bench.run_one(ctx, name, 0).read_text())
        assert record["config"]["model"]["mask_prob"] == BERT4RecConfig().mask_prob
        assert set(record["test"]) == {"2", "4"}
        payload = bench._load(ctx.checkpoints / f"{name}_seed0.pt")
        assert payload["architecture"] == "bert4rec"
        assert payload["train_config"]["init"] == bench.BERT4REC_INITS[name]
    # a SASRec checkpoint with a compatible-looking config is never reused for BERT4Rec
    sasrec = {"architecture": "sasrec"}
    assert not bench._same_architecture(sasrec, BERT4RecConfig())
    assert bench._same_architecture({}, bench.SASRecConfig())
