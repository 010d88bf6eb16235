"""The named-anchors benchmark's cases (the real run needs ML-1M and the app's checkpoint)."""

from __future__ import annotations

from benchmarks.named_anchors import HISTORY, cases, jaccard
from tests.conftest import make_tiny_catalogue


def test_outside_and_inside_cases() -> None:
    """Outside: the ten titles before X, X the last but one film, the target the last. Inside:
    the last ten titles, X one of them sharing a genre with the target. Too short or repeated:
    no case."""
    catalogue = make_tiny_catalogue()
    long = list(range(1, HISTORY + 3))  # 12 distinct films, oldest first
    short = [1, 2, 3]
    outside = list(cases([long, short], catalogue, [0, 1], inside=False))
    assert outside[1] is None
    pasted, anchor, target = outside[0]
    assert pasted == long[:HISTORY] and anchor == long[-2] and target == long[-1]
    inside = list(cases([long, short], catalogue, [0, 1], inside=True))
    assert inside[1] is None
    pasted, anchor, target = inside[0]
    assert pasted == long[-(HISTORY + 1) : -1] and target == long[-1] and anchor in pasted
    shares = [i for i in pasted if set(catalogue.get(i).genres) & set(catalogue.get(target).genres)]
    assert anchor in (shares or pasted)


def test_jaccard() -> None:
    assert jaccard({"Comedy"}, {"Comedy", "Drama"}) == 0.5
    assert jaccard(set(), set()) == 0.0
