"""Metrics against hand-computed values, both protocols, and the baselines."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
import torch

from recommender.evaluation import (
    Hybrid,
    LLMSeqSim,
    MostPopular,
    RankAudit,
    SASRecRecommender,
    case_ranks,
    evaluate,
    evaluate_cases,
    ranking_metrics,
    standardise_rows,
    target_ranks,
)
from recommender.models import SASRec, SASRecConfig


class FixedScores:
    """Scores that depend only on the item id (row ``table``), for hand checks."""

    name = "fixed"

    def __init__(self, table: Sequence[float]) -> None:
        self.table = torch.tensor([float("-inf"), *table])  # column 0 = padding

    def score_batch(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        return self.table[None].expand(len(histories), -1).clone()


def test_toy_ranking_matches_hand_computed_metrics() -> None:
    # items 1..5 scored 0.9, 0.8, 0.1, 0.5, 0.3 for everybody
    recommender = FixedScores([0.9, 0.8, 0.1, 0.5, 0.3])
    histories = [[1], [], [2, 1]]
    targets = [4, 3, 5]
    # user 0: item 1 masked -> order 2, 4, ... -> rank 1
    # user 1: nothing masked -> order 1, 2, 4, 5, 3 -> rank 4
    # user 2: items 1, 2 masked -> order 4, 5 -> rank 1
    metrics = evaluate_cases(recommender, histories, targets, ks=(2, 10), progress=False)
    assert metrics["users"] == 3
    assert metrics["hr@2"] == pytest.approx(2 / 3)
    assert metrics["hr@10"] == pytest.approx(1.0)
    assert metrics["ndcg@2"] == pytest.approx((1 / math.log2(3) * 2) / 3)
    assert metrics["ndcg@10"] == pytest.approx((2 / math.log2(3) + 1 / math.log2(6)) / 3)
    assert metrics["mrr@2"] == pytest.approx((0.5 + 0.5) / 3)
    assert metrics["mrr@10"] == pytest.approx((0.5 + 0.2 + 0.5) / 3)


def test_batching_does_not_change_metrics() -> None:
    rng = np.random.default_rng(0)
    recommender = FixedScores(rng.random(30).tolist())
    histories = [
        rng.choice(np.arange(1, 31), size=rng.integers(0, 10), replace=False).tolist()
        for _ in range(17)
    ]
    targets = [int(rng.choice(sorted(set(range(1, 31)) - set(h)))) for h in histories]
    one = evaluate_cases(recommender, histories, targets, batch_size=1, progress=False)
    many = evaluate_cases(recommender, histories, targets, batch_size=64, progress=False)
    assert one == pytest.approx(many)


def test_ties_count_against_the_target() -> None:
    scores = torch.tensor([[float("-inf"), 1.0, 1.0, 1.0, 0.0]])
    assert target_ranks(scores, torch.tensor([2])).tolist() == [2]
    assert ranking_metrics(torch.tensor([0, 9, 10]), ks=(10,))["hr@10"] == pytest.approx(2 / 3)


def test_sampled_protocol_ranks_against_unseen_negatives() -> None:
    recommender = FixedScores([float(i) for i in range(1, 201)])  # higher id = better
    # target 150 with items 151..200 in the history: every allowed negative is lower
    top = evaluate_cases(
        recommender, [list(range(151, 201))], [150], protocol="sampled", progress=False
    )
    assert top["hr@10"] == 1.0 and top["ndcg@10"] == 1.0
    # target 1 is below every possible negative: rank 100 of 101
    bottom = evaluate_cases(recommender, [[]], [1], protocol="sampled", ks=(10,), progress=False)
    assert bottom["hr@10"] == 0.0
    # the same seed gives the same negatives
    args = ([[5, 6]] * 4, [100, 120, 140, 160])
    first = evaluate_cases(recommender, *args, protocol="sampled", seed=3, progress=False)
    again = evaluate_cases(recommender, *args, protocol="sampled", seed=3, progress=False)
    assert first == again


def test_sampled_protocol_on_a_catalogue_smaller_than_the_negatives() -> None:
    """30 items, 100 negatives asked: every unseen item is a negative, histories differ."""
    recommender = FixedScores([float(i) for i in range(1, 31)])  # higher id = better
    histories, targets = [[30, 29], list(range(20, 31)), []], [28, 19, 30]
    metrics = evaluate_cases(
        recommender, histories, targets, protocol="sampled", ks=(1, 10), progress=False
    )
    # each target is the best of its unseen items: rank 0 in all three cases
    assert metrics["hr@1"] == 1.0 and metrics["users"] == 3
    low = evaluate_cases(recommender, [[1]], [2], protocol="sampled", ks=(50,), progress=False)
    assert low["mrr@50"] == pytest.approx(1 / 29)  # items 3..30 score higher: rank 29


def test_most_popular_counts_training_items(tiny_dataset) -> None:
    split = tiny_dataset.split
    mostpop = MostPopular(split.train, tiny_dataset.num_items)
    counts = np.bincount(np.concatenate(split.train), minlength=tiny_dataset.num_items + 1)
    np.testing.assert_array_equal(mostpop.counts[1:].numpy(), counts[1:])
    metrics = evaluate(mostpop, tiny_dataset, "test", progress=False)
    assert metrics["users"] == len(split.test_users)
    assert 0.0 <= metrics["ndcg@10"] <= metrics["hr@10"] <= metrics["hr@20"] <= 1.0


def test_llmseqsim_mean_and_recency() -> None:
    vectors = np.eye(4, dtype=np.float32)  # item k only similar to itself ...
    vectors[3] = [0.0, 0.6, 0.0, 0.8]  # ... except item 4, which is close to item 2
    vectors[2] = [0.6, 0.0, 0.8, 0.0]  # and item 3, close to item 1
    mean = LLMSeqSim(vectors, "mean")
    recency = LLMSeqSim(vectors, "recency", decay=0.1)
    history = [1, 2]  # item 2 most recent
    mean_scores = mean.score_batch([history])[0]
    torch.testing.assert_close(mean_scores[3], mean_scores[4])  # symmetric under the mean
    recent_scores = recency.score_batch([history])[0]
    assert recent_scores[4] > recent_scores[3]  # the neighbour of the last item wins
    assert mean.name == "llmseqsim" and recency.name == "llmseqsim_recency"


def test_hybrid_weight_one_is_the_first_model() -> None:
    a = FixedScores([0.1, 0.9, 0.5, 0.2])
    b = FixedScores([0.9, 0.1, 0.2, 0.5])
    histories, targets = [[1], [4], []], [2, 3, 4]
    alone = evaluate_cases(a, histories, targets, progress=False)
    assert evaluate_cases(Hybrid(a, b, weight=1.0), histories, targets, progress=False) == alone
    mixed = Hybrid(a, b, weight=0.5).score_batch([[1]])
    assert torch.isinf(mixed[0, 0]) and torch.isfinite(mixed[0, 1:]).all()


def test_standardise_rows_ignores_masked_entries() -> None:
    z = standardise_rows(torch.tensor([[float("-inf"), 1.0, 2.0, 3.0]]))
    assert torch.isinf(z[0, 0])
    torch.testing.assert_close(z[0, 1:], torch.tensor([-1.2247, 0.0, 1.2247]), atol=1e-4, rtol=0)


class EchoHistory:
    """Scores every history item 2, item ``liked`` 1 and everything else 0: a model that
    recommends what the user already has, which only masking keeps from winning."""

    name = "echo"

    def __init__(self, num_items: int, liked: int) -> None:
        self.num_items, self.liked = num_items, liked

    def score_batch(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        scores = torch.zeros(len(histories), self.num_items + 1)
        scores[:, self.liked] = 1.0
        for row, history in enumerate(histories):
            scores[row, list(history)] = 2.0
        return scores


def test_history_items_are_masked_in_both_protocols() -> None:
    """Unmasked, the 4 history items would outrank the target (rank 4, a miss at k=1)."""
    echo = EchoHistory(num_items=50, liked=7)
    histories, targets = [[3, 9, 12, 40]], [7]
    for protocol in ("full", "sampled"):
        ranks = case_ranks(echo, histories, targets, protocol=protocol, progress=False)
        assert ranks.tolist() == [0], protocol


def test_sasrec_ranks_equal_a_direct_ranking_over_unseen_items(tiny_dataset) -> None:
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=tiny_dataset.num_items, hidden=8, max_len=5)).eval()
    histories, targets = tiny_dataset.split.cases("valid")
    ranks = case_ranks(SASRecRecommender(model), histories, targets, progress=False)
    with torch.no_grad():
        raw = SASRecRecommender(model).score_batch(histories)  # (B, N+1) unmasked
    for row, (history, target) in enumerate(zip(histories, targets, strict=True)):
        unseen = [i for i in range(1, tiny_dataset.num_items + 1) if i not in set(history)]
        better = sum(1 for i in unseen if i != target and raw[row, i] >= raw[row, target])
        assert ranks[row].item() == better


def test_nan_target_scores_rank_last_and_are_counted(caplog) -> None:
    """Before the guard a NaN target got rank -1: HR@10 = 1 and NDCG = MRR = inf."""
    recommender = FixedScores([0.9, float("nan"), 0.1, 0.5, 0.3])
    with caplog.at_level("WARNING", logger="recommender.evaluation"):
        metrics = evaluate_cases(recommender, [[1], []], [2, 4], ks=(3,), progress=False)
    assert all(math.isfinite(v) for v in metrics.values())
    # case 0: target 2 is NaN -> last (rank 5); case 1: target 4 below item 1 and NaN item 2
    assert metrics["hr@3"] == pytest.approx(0.5)
    assert metrics["mrr@3"] == pytest.approx(1 / 3 / 2)
    assert metrics["nonfinite"] == 2.0  # both rows hold a NaN
    assert "non-finite" in caplog.text
    assert target_ranks(torch.tensor([[0.0, float("inf"), 1.0]]), torch.tensor([1])).item() == 2


def test_all_nan_scores_score_zero_in_both_protocols() -> None:
    recommender = FixedScores([float("nan")] * 30)
    for protocol in ("full", "sampled"):
        metrics = evaluate_cases(
            recommender, [[1, 2], [3]], [5, 6], protocol=protocol, ks=(10,), progress=False
        )
        assert metrics["hr@10"] == 0.0 and metrics["ndcg@10"] == 0.0 and metrics["mrr@10"] == 0.0
        assert metrics["nonfinite"] == 2.0


def test_repeated_history_items_change_nothing() -> None:
    recommender = FixedScores([0.9, 0.8, 0.1, 0.5, 0.3])
    once = evaluate_cases(recommender, [[1, 2]], [4], progress=False)
    twice = evaluate_cases(recommender, [[1, 2, 1, 1, 2]], [4], progress=False)
    assert once == twice and once["hr@10"] == 1.0 and once["mrr@10"] == 1.0


def test_a_target_already_in_its_history_is_a_counted_miss(caplog) -> None:
    recommender = FixedScores([0.9, 0.8, 0.1, 0.5, 0.3])
    audit = RankAudit()
    with caplog.at_level("WARNING", logger="recommender.evaluation"):
        ranks = case_ranks(recommender, [[1, 4], [2]], [1, 4], progress=False, audit=audit)
    assert ranks[0].item() == 5  # item 1, the best-scored, was watched before: last, not first
    assert ranks[1].item() == 1  # only item 1 scores higher than item 4
    assert audit == RankAudit(cases=2, nonfinite=0, target_in_history=1)
    assert "already occur in their history" in caplog.text
    sampled = case_ranks(recommender, [[1, 4]], [1], protocol="sampled", progress=False)
    assert sampled.item() == 100  # 100 negatives asked, 3 unseen drawn + padding: last column
