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
