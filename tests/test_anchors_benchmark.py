"""The anchors benchmark's arithmetic (the real run needs ML-1M and the app's checkpoint)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.anchors import case_ndcg, metrics, rank_of


def test_rank_of_leaves_the_anchor_out_and_counts_better_items() -> None:
    scores = np.array([9.0, 1.0, 5.0, 3.0])  # item ids 1..4; item 1 is the anchor
    rank, top = rank_of(scores, anchor=1, target=4)
    assert rank == 1 and top[:3] == [3, 4, 2]
    assert scores[0] == 9.0  # the caller's scores are not changed


def test_metrics_and_case_ndcg_agree() -> None:
    ranks = [0, 3, None, 12]
    m = metrics(ranks, [1.0, 0.5])
    assert m["hr@10"] == 0.5 and m["users"] == 4 and m["genre_share@10"] == 0.75
    assert m["ndcg@10"] == pytest.approx(case_ndcg(ranks).mean())
    assert m["mrr@10"] == pytest.approx((1 + 1 / 4) / 4)
