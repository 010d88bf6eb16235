"""SASRec: shapes, padding invariance, scoring of pasted histories of any length."""

from __future__ import annotations

import pytest
import torch

from recommender.data.catalogue import PADDING_ID
from recommender.models import SASRec, SASRecConfig, SequenceBatch, left_pad, score_histories

N = 24


@pytest.fixture
def model() -> SASRec:
    torch.manual_seed(0)
    return SASRec(SASRecConfig(num_items=N, hidden=16, max_len=8, num_heads=2, dropout=0.1)).eval()


def test_left_pad_keeps_the_most_recent_items() -> None:
    seqs = left_pad([[1, 2], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]], max_len=4)
    assert seqs.tolist() == [[0, 0, 1, 2], [9, 10, 11, 12]]


def test_shapes_and_padding_column(model: SASRec) -> None:
    seqs = left_pad([[1, 2, 3], [4]], 8)
    assert model(seqs).shape == (2, 3, 16)
    scores = model.score_all(seqs)
    assert scores.shape == (2, N + 1)
    assert torch.isinf(scores[:, PADDING_ID]).all()
    assert torch.isinf(scores[0, [1, 2, 3]]).all() and torch.isinf(scores[1, 4])
    assert torch.isfinite(scores[0, 4:]).all()
    items = torch.tensor([[5, 6], [7, 1]])
    full = model.score_all(seqs, mask_seen=False)
    torch.testing.assert_close(model.score(seqs, items), full.gather(1, items))


def test_padding_does_not_change_scores(model: SASRec) -> None:
    """Padded keys are hidden from attention: extra left padding changes nothing."""
    short = torch.tensor([[3, 5, 7]])
    padded = torch.tensor([[0, 0, 0, 0, 3, 5, 7]])
    torch.testing.assert_close(model.score_all(short), model.score_all(padded))


def test_loss_ignores_padded_targets(model: SASRec) -> None:
    model.train()
    torch.manual_seed(1)
    inputs = torch.tensor([[0, 1, 2], [3, 4, 5]])
    targets = torch.tensor([[0, 2, 3], [4, 5, 6]])
    loss = model.loss(SequenceBatch(inputs, targets))
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert model.item_emb.weight.grad[PADDING_ID].abs().sum() == 0


@pytest.mark.parametrize("length", [1, 3, 8, 30])
def test_score_histories_any_length_never_recommends_history(model: SASRec, length: int) -> None:
    history = [(7 * k) % N + 1 for k in range(length)]  # repeats once length > N
    scores = score_histories(model, [history])
    assert scores.shape == (1, N + 1)
    assert torch.isinf(scores[0, history]).all() and torch.isinf(scores[0, PADDING_ID])
    unseen = sorted(set(range(1, N + 1)) - set(history))
    assert torch.isfinite(scores[0, unseen]).all()
    top = scores[0].topk(len(unseen)).indices.tolist()
    assert set(top) == set(unseen)  # every finite item ranks above every masked one


def test_long_history_uses_the_most_recent_window(model: SASRec) -> None:
    long_history = list(range(1, 21))  # 20 items > max_len 8
    recent = long_history[-8:]
    with_all = score_histories(model, [long_history], exclude_seen=False)
    with_recent = score_histories(model, [recent], exclude_seen=False)
    torch.testing.assert_close(with_all, with_recent)


def test_score_histories_restores_training_mode(model: SASRec) -> None:
    model.train()
    first = score_histories(model, [[1, 2, 3]])
    second = score_histories(model, [[1, 2, 3]])
    torch.testing.assert_close(first, second)  # dropout off while scoring
    assert model.training


def test_batch_scores_equal_single_scores(model: SASRec) -> None:
    histories = [[1], [2, 3, 4, 5], [6, 7]]
    batch = score_histories(model, histories)
    for row, history in enumerate(histories):
        torch.testing.assert_close(batch[row], score_histories(model, [history])[0])


def test_order_free_scores_ignore_the_typed_order():
    from recommender.models.sasrec import SASRec, SASRecConfig, order_free_scores, score_histories

    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=30, max_len=8, hidden=16))
    typed, reordered = [3, 17, 5, 9], [9, 5, 3, 17]
    a = order_free_scores(model, typed, permutations=4)
    b = order_free_scores(model, reordered, permutations=4)
    assert torch.equal(a, b) and a.shape == (31,)
    assert torch.isinf(a[[0, 3, 17, 5, 9]]).all()  # padding and seen items never come back
    as_typed = score_histories(model, [typed])[0]
    assert not torch.allclose(torch.log_softmax(as_typed, 0), a)  # the order did matter


def _batch(seed: int = 0) -> SequenceBatch:
    ids = torch.randint(1, N + 1, (3, 7), generator=torch.Generator().manual_seed(seed))
    ids[0, :3] = PADDING_ID  # a left-padded row
    return SequenceBatch(ids[:, :-1], ids[:, 1:])


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_sampled_softmax_over_every_item_is_the_full_cross_entropy(
    model: SASRec, smoothing: float
) -> None:
    """All N items as negatives, no logQ correction: the target's own column is an accidental
    hit and left out, so the softmax (and its label smoothing) is the full one."""
    model.label_smoothing = smoothing
    batch = _batch()
    full = model.loss(batch)
    negatives = torch.randperm(N, generator=torch.Generator().manual_seed(1)) + 1  # (N,)
    sampled = SequenceBatch(batch.inputs, batch.targets, negatives, torch.zeros(N))
    torch.testing.assert_close(model.loss(sampled), full)


def test_sampled_softmax_applies_the_logq_correction(model: SASRec) -> None:
    """By hand: class 0 the target, then the K negatives with logits - log q."""
    model.label_smoothing = 0.0
    batch = _batch(2)
    negatives = torch.tensor([1, 5, 9, 13])
    log_q = torch.log(torch.tensor([0.1, 0.2, 0.3, 0.4]))
    loss = model.loss(SequenceBatch(batch.inputs, batch.targets, negatives, log_q))
    hidden = model(batch.inputs)  # (B, T, C)
    keep = batch.targets != PADDING_ID
    h, targets = hidden[keep], batch.targets[keep]  # (P, C), (P,)
    table = model.item_emb.weight
    negative = h @ table[negatives].T - log_q  # (P, K)
    negative[targets[:, None] == negatives[None]] = float("-inf")
    logits = torch.cat([(h * table[targets]).sum(1, keepdim=True), negative], 1)
    expected = torch.nn.functional.cross_entropy(logits, torch.zeros(len(h), dtype=torch.long))
    torch.testing.assert_close(loss, expected)


def test_sampled_softmax_with_accidental_hits_and_smoothing_stays_finite(model: SASRec) -> None:
    model.train()
    model.label_smoothing = 0.1
    batch = _batch(3)
    negatives = batch.targets[batch.targets > 0][:5]  # every negative is some position's target
    loss = model.loss(SequenceBatch(batch.inputs, batch.targets, negatives, torch.zeros(5)))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_attention_dropout_defaults_to_dropout_and_can_be_switched_off() -> None:
    def losses(**changes) -> tuple[float, float]:
        torch.manual_seed(0)
        config = SASRecConfig(num_items=N, hidden=16, max_len=8, **changes)
        net = SASRec(config).train()
        return net.loss(_batch()).item(), net.loss(_batch()).item()

    assert SASRecConfig().attn_dropout is None
    net = SASRec(SASRecConfig(num_items=N, hidden=16, max_len=8, dropout=0.3))
    assert all(block.attn_dropout == 0.3 for block in net.blocks)
    # no dropout anywhere: two training-mode passes agree; attention dropout alone: they differ
    first, second = losses(dropout=0.0)
    assert first == second
    first, second = losses(dropout=0.0, attn_dropout=0.5)
    assert first != second
