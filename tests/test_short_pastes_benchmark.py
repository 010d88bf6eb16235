"""The short-pastes benchmark on the tiny retriever (the real run needs ML-1M and the
new-user checkpoint)."""

from __future__ import annotations

from benchmarks.short_pastes import K, markdown, ranks
from recommender.retrieval.candidates import CandidateRetriever, RetrievalConfig, RetrievalQuery


def test_ranks_are_the_targets_places_among_the_candidates(tiny_retrieval) -> None:
    t = tiny_retrieval
    config = RetrievalConfig(num_candidates=5, per_source=10)
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    got = ranks(retriever, [[3], [3, 12]], [1, 24])
    assert got.shape == (2,) and all(0 <= int(r) <= K for r in got)
    top = [c.item_id for c in retriever.retrieve(RetrievalQuery(history=[3])).candidates]
    assert int(ranks(retriever, [[3]], [top[0]])[0]) == 0  # the first candidate: rank 0
    missing = next(i for i in range(1, 25) if i not in top and i != 3)
    assert int(ranks(retriever, [[3]], [missing])[0]) == K  # not a candidate: a miss


def test_the_report_names_every_length_and_the_default() -> None:
    row = {
        "users": 10,
        "history only": {"ndcg@10": 0.1, "hr@10": 0.2},
        "also like them": {"ndcg@10": 0.15, "hr@10": 0.25},
        "also like them - history only": {"diff": 0.05, "ci95": [0.01, 0.09]},
    }
    text = markdown(
        {
            "checkpoint": "x.pt",
            "lengths": {"1": row, "5": row},
            "app_default": {"history_anchors_upto": 5},
            "command": "python benchmarks/short_pastes.py",
        }
    )
    assert "| 1 | 10 | 0.1000 | 0.1500 | +0.0500 [+0.0100, +0.0900]" in text
    assert "`retrieval.history_anchors_upto = 5`" in text
