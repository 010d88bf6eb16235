"""SessionState / Constraints: deep copies are independent, feedback helpers, hard filters."""

from __future__ import annotations

import copy

from recommender.conversation.state import Constraints, SessionState


def _state() -> SessionState:
    return SessionState(
        history=[1, 2, 3],
        liked=[4],
        disliked=[5],
        seen=[6],
        constraints=Constraints(include_genres=["Comedy"], anchors=[3], year_min=1990),
        last_recommendations=[7, 8],
        turn=2,
    )


def test_copy_is_deep_and_independent() -> None:
    state = _state()
    for clone in (state.copy(), copy.deepcopy(state)):
        clone.history.append(9)
        clone.liked.append(10)
        clone.constraints.include_genres.append("Drama")
        clone.constraints.anchors.clear()
        clone.last_recommendations[0] = 11
        clone.turn += 1
    assert state == _state()


def test_constraints_copy_is_independent() -> None:
    constraints = Constraints(exclude_genres=["Horror"])
    clone = constraints.copy()
    clone.exclude_genres.append("War")
    assert constraints.exclude_genres == ["Horror"]


def test_add_history_keeps_order_and_moves_repeats_to_latest() -> None:
    state = SessionState(history=[1, 2, 3])
    state.add_history([2, 4, 4, 5])
    assert state.history == [1, 3, 2, 4, 5]


def test_feedback_helpers_are_exclusive_and_idempotent() -> None:
    state = _state()
    state.mark_disliked(4)
    state.mark_disliked(4)
    assert state.liked == [] and state.disliked == [5, 4]
    state.mark_liked(5)
    assert state.liked == [5] and state.disliked == [4]
    state.mark_disliked(3)  # an anchor that is disliked stops being an anchor
    assert state.constraints.anchors == []
    state.mark_seen(6)
    state.mark_skipped(7)
    assert state.seen == [6] and state.skipped == [7]
    assert state.excluded_ids() == {1, 2, 3, 4, 6, 7}


def test_constraints_allows_genres_and_years() -> None:
    both = Constraints(include_genres=["Comedy", "Romance"], genre_mode="all")
    assert both.allows(("Comedy", "Romance", "Drama"), 1993)
    assert not both.allows(("Comedy",), 1993)
    either = Constraints(include_genres=["Comedy", "Romance"], genre_mode="any")
    assert either.allows(("Comedy",), 1993) and not either.allows(("Drama",), 1993)
    excluded = Constraints(exclude_genres=["Horror"], year_min=1990, year_max=1999)
    assert excluded.allows(("Comedy",), 1995)
    assert not excluded.allows(("Comedy", "Horror"), 1995)
    assert not excluded.allows(("Comedy",), 1989) and not excluded.allows(("Comedy",), 2000)
    assert excluded.allows(("Comedy",), None)  # unknown year: ranges cannot judge it


def test_is_empty() -> None:
    assert Constraints().is_empty()
    assert Constraints(k=3).is_empty()  # a count alone asks for nothing in particular
    assert not Constraints(query="time travel").is_empty()
    assert not Constraints(year_max=1980).is_empty()
