"""Two films side by side, from genres, years and co-watching only."""

from __future__ import annotations

import pytest

from recommender.conversation.compare import Together, compare
from recommender.conversation.orchestrator import step
from recommender.conversation.request_parser import parse_request
from recommender.conversation.state import SessionState
from recommender.data import Catalogue
from recommender.data.catalogue import Item
from recommender.wording import MOVIE_WORDS, md

SEVEN = Item(1, "1", "Seven", 1995, ("Crime", "Thriller"))
HEAT = Item(2, "2", "Heat", 1995, ("Action", "Crime", "Thriller"))
BABE = Item(3, "3", "Babe", 1995, ("Children's", "Comedy"))
CASABLANCA = Item(4, "4", "Casablanca", 1942, ("Drama", "Romance"))


def test_shared_genres_years_and_co_watching_are_said() -> None:
    text = " ".join(compare(SEVEN, HEAT, Together(540, 940, 3.1), MOVIE_WORDS))
    assert "Both are Crime and Thriller; Heat (1995) is also Action." in text
    assert "Both are from 1995." in text
    assert "Of the 940 people here who watched Heat (1995), 540 (57%)" in text
    assert "3.1 times the usual rate" in text
    assert "no plots, cast or tone" in text  # what it cannot compare is said, not invented


def test_no_shared_genre_a_year_gap_and_too_few_co_watchers() -> None:
    text = " ".join(compare(BABE, CASABLANCA, Together(3, 900, 0.4), MOVIE_WORDS))
    assert text.startswith("They share no genre: Babe (1995) is Children's and Comedy")
    assert "Babe (1995) came 53 years after Casablanca (1942)." in text
    assert "too few to say" in text and "times the usual rate" not in text


def test_without_watch_data_only_the_catalogue_is_used() -> None:
    text = " ".join(compare(SEVEN, HEAT, None, MOVIE_WORDS))
    assert "people here" not in text and "Both are Crime and Thriller" in text


@pytest.mark.parametrize(
    ("text", "explained", "other"),
    [
        ("how is the first one like Heat (1995)?", 1, 3),
        ("what makes the second one similar to Fargo?", 2, 12),
        ("what do Fargo and Alien have in common?", 12, 7),
        ("how does it compare to Alien?", 1, 7),  # "it": the first pick without a focus
        ("how is Heat (1995) like the second one", 2, 3),  # the pick is the one explained
        ("why is the 2nd like Fargo?", 2, 12),
        ("what does the third have to do with Alien?", 4, 7),
        ("what has the second one got to do with Fargo?", 2, 12),
        ("how is it connected to Alien?", 1, 7),
        # had been new picks: "different from" read as "nothing like", "scarier" as Horror
        ("how is the first one different from the second?", 1, 2),
        ("what's the difference between the first and the third?", 1, 4),
        ("which is scarier, the first or the third?", 1, 4),
        ("which one is older, the second or the third?", 2, 4),
    ],
)
def test_comparisons_are_parsed(
    text: str, explained: int, other: int, tiny_catalogue: Catalogue
) -> None:
    state = SessionState(last_recommendations=[1, 2, 4])
    parsed = parse_request(text, tiny_catalogue, state=state)
    assert parsed.action == "explain", text
    assert (parsed.explain, parsed.compare_with) == ([explained], other), text


def test_not_a_comparison(tiny_catalogue: Catalogue) -> None:
    state = SessionState(last_recommendations=[1, 2, 4])
    question = parse_request("is Heat (1995) a comedy?", tiny_catalogue, state=state)
    assert question.compare_with is None and question.asked_genres == ["Comedy"]
    assert parse_request("Heat and Fargo", tiny_catalogue, state=state).action != "explain"


def test_the_reply_sets_the_pick_beside_the_title(make_deps) -> None:
    deps = make_deps()
    state, reply = step(SessionState(), "", deps, paste="Heat (1995)\nFargo\nAlien\n")
    first = reply.cards[0].title
    state, reply = step(state, "how is the first one like Fargo?", deps)
    assert reply.kind == "explanation" and not reply.cards
    assert first in reply.text and ("Both are" in reply.text or "share no genre" in reply.text)
    assert state.last_recommendations  # the picks stay what "the first one" means
    _, reply = step(state, "what do Heat (1995) and Fargo have in common?", deps)
    assert "Both are Crime and Thriller" in reply.text
    assert "It is in your history" in reply.text and "#" not in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "which one should I watch first?",
        "which is the best one?",
        "pick one for me",
        "what's your top pick?",
        "if you had to choose one?",
        "which of them would you go with",
    ],
)
def test_which_pick_to_watch_is_the_first(text: str, tiny_catalogue: Catalogue) -> None:
    """The app's own choice among its picks, never a search ("first" had been searched)."""
    state = SessionState(last_recommendations=[4, 1, 2])
    parsed = parse_request(text, tiny_catalogue, state=state)
    assert (parsed.action, parsed.explain, parsed.asked_about) == ("explain", [4], "best"), text
    assert parsed.constraints.query == ""


def test_better_than_is_answered_by_the_order_of_fit(make_deps) -> None:
    deps = make_deps()
    state, reply = step(SessionState(), "", deps, paste="Heat (1995)\nFargo\nAlien\n")
    first, third = reply.cards[0].title, reply.cards[2].title
    _, reply = step(state, "is the third one better than the first?", deps)
    assert reply.kind == "explanation" and "no reviews" in reply.text
    assert f"{first} fits what you told me better than {third}" in reply.text
    _, reply = step(state, "which one should I watch first?", deps)
    assert (
        reply.kind == "explanation"
        and f"**{md(first)}**" in reply.text  # "Airplane\\! (1980)": escaped as shown
        and "heads the list" in reply.text
    )


@pytest.mark.parametrize(
    ("text", "explained"),
    [
        ("which of my movies is it closest to?", [1]),  # "it": the first pick without a focus
        ("which of my films is the third one most like?", [4]),
        ("which of my movies made you pick the second one?", [2]),
        # had searched "influenced", "matters" as words for new picks
        ("which of my movies influenced the first pick most?", [1]),
        ("which of my titles matters most for the third one?", [4]),
    ],
)
def test_which_of_my_titles_leads_to_a_pick_is_its_reason(
    text: str, explained: list[int], tiny_catalogue: Catalogue
) -> None:
    state = SessionState(last_recommendations=[1, 2, 4])
    parsed = parse_request(text, tiny_catalogue, state=state)
    assert parsed.action == "explain" and parsed.explain == explained, text
    assert parsed.compare_with is None and not parsed.constraints.query


def test_which_pick_is_most_like_a_title_is_set_beside_it(tiny_catalogue: Catalogue) -> None:
    """ "which one is most like Alien?" had made new picks like Alien: the pick sharing the
    most genres with it (the higher among equals) is set beside it."""
    state = SessionState(last_recommendations=[1, 20, 2])  # Toy Story, The Terminator, Jumanji
    parsed = parse_request("which one is most like Alien?", tiny_catalogue, state=state)
    assert parsed.action == "explain" and (parsed.explain, parsed.compare_with) == ([20], 7)


def test_which_is_scarier_is_answered_by_the_genres(make_deps) -> None:
    """ "which is scarier, the first or the third?" had set the two side by side and never
    said which: only the genres can, and the reply says so."""
    from recommender.conversation.orchestrator import _by_genre

    deps = make_deps()
    state, reply = step(SessionState(), "", deps, paste="Heat (1995)\nFargo\nAlien\n")
    parsed = parse_request("which is scarier, the first or the third?", deps.catalogue, state=state)
    assert parsed.asked_degree == "scarier" and parsed.asked_genres == ["Horror"]
    _, reply = step(state, "which is scarier, the first or the third?", deps)
    assert reply.kind == "explanation" and "scarier" in reply.text
    alien, heat = Item(1, "1", "Alien", 1979, ("Horror",)), Item(2, "2", "Heat", 1995, ("Crime",))
    assert _by_genre(heat, alien, "Horror", "scarier").startswith(
        "Alien (1979) is listed as Horror and Heat (1995) is not"
    )
    assert "can't say which is scarier" in _by_genre(alien, alien, "Horror", "scarier")
