"""Lines that name several films of a series: "the Godfather trilogy", "Toy Story 1&2"."""

from __future__ import annotations

import pytest

from recommender.conversation.history_parser import parse_history
from recommender.conversation.series_lines import (
    expand_series_lines,
    names_series_films,
    series_line,
)
from recommender.conversation.title_matcher import TitleMatcher
from recommender.data import Catalogue
from recommender.data.catalogue import Item

CATALOGUE = Catalogue(
    [
        Item(1, "1", "Godfather, The", 1972, ("Crime", "Drama")),
        Item(2, "2", "Godfather: Part II, The", 1974, ("Crime", "Drama")),
        Item(3, "3", "Godfather: Part III, The", 1990, ("Crime", "Drama")),
        Item(4, "4", "Toy Story", 1995, ("Animation", "Comedy")),
        Item(5, "5", "Toy Story 2", 1999, ("Animation", "Comedy")),
        Item(6, "6", "Back to the Future", 1985, ("Comedy", "Sci-Fi")),
        Item(7, "7", "Back to the Future Part II", 1989, ("Comedy", "Sci-Fi")),
        Item(8, "8", "Back to the Future Part III", 1990, ("Comedy", "Western")),
        Item(9, "9", "Heat", 1995, ("Action", "Crime")),
        Item(10, "10", "Alien", 1979, ("Horror", "Sci-Fi")),
        Item(11, "11", "Aliens", 1986, ("Action", "Sci-Fi")),
        Item(12, "12", "Alien Nation", 1988, ("Crime", "Sci-Fi")),
        Item(13, "13", "Alien³", 1992, ("Action", "Horror", "Sci-Fi")),
    ]
)
MATCHER = TitleMatcher(CATALOGUE)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("the Godfather trilogy", [1, 2, 3]),
        ("all the Alien movies", [10, 11, 13]),  # not Alien Nation: another film's title
        ("all the Godfather movies", [1, 2, 3]),
        ("the first two Godfather films", [1, 2]),
        ("Back to the Future 1-3", [6, 7, 8]),
        ("Back to the Future 2 and 3", [7, 8]),
        ("Toy Story 1&2", [4, 5]),
        ("Godfather 1, 2", [1, 2]),
        ("Heat 1-2", []),  # one film is no series
        ("Toy Story 1-4", []),  # a number the series lacks: nothing guessed
        ("the Heat trilogy", []),
    ],
)
def test_a_line_names_the_films_of_a_series(text: str, ids: list[int]) -> None:
    assert series_line(text, CATALOGUE, MATCHER) == ids


def test_the_lines_become_the_films_in_release_order_and_are_said() -> None:
    parsed = parse_history("Heat\nthe Godfather trilogy\nToy Story 1&2", CATALOGUE, matcher=MATCHER)
    assert [u.text for u in parsed.unmatched] == ["the Godfather trilogy", "Toy Story 1&2"]
    expanded = expand_series_lines(parsed, CATALOGUE, MATCHER)
    assert expanded.item_ids == [9, 1, 2, 3, 4, 5] and expanded.unmatched == []
    assert any(n.startswith("I read “the Godfather trilogy” as 3 films") for n in expanded.notes)


def test_a_message_alone_is_a_series_only_by_number_or_trilogy() -> None:
    assert names_series_films("Toy Story 1&2", CATALOGUE, MATCHER)
    assert names_series_films("the Godfather trilogy", CATALOGUE, MATCHER)
    assert not names_series_films("all the Godfather movies", CATALOGUE, MATCHER)  # a request?


BODIES = Catalogue(
    [
        Item(1, "1", "Psycho", 1960, ("Horror", "Thriller")),
        Item(2, "2", "Rear Window", 1954, ("Mystery", "Thriller")),
        Item(3, "3", "Vertigo", 1958, ("Mystery", "Thriller")),
        Item(4, "4", "Toy Story", 1995, ("Animation", "Comedy")),
        Item(5, "5", "Toy Story 2", 1999, ("Animation", "Comedy")),
        Item(6, "6", "Everything You Always Wanted to Know About Sex", 1972, ("Comedy",)),
        Item(7, "7", "To Wong Foo, Thanks for Everything! Julie Newmar", 1995, ("Comedy",)),
        Item(8, "8", "Interview with the Vampire", 1994, ("Drama", "Horror")),
        Item(9, "9", "Near Dark", 1987, ("Horror", "Western")),
        Item(10, "10", "Heat", 1995, ("Action", "Crime")),
    ]
)
BODY_MATCHER = TitleMatcher(BODIES)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("every Hitchcock movie", [2, 3, 1]),  # by release
        ("all of Hitchcock's films", [2, 3, 1]),
        ("all the Hitchcock ones", [2, 3, 1]),
        ("everything by Hitchcock", [2, 3, 1]),
        ("Hitchcock's whole filmography", [2, 3, 1]),
        ("all the Pixar movies", [4, 5]),
        ("all the vampire movies", [9, 8]),  # a subject of the app's lists too
        ("Hitchcock films", []),  # no "all": maybe a wish, never a body of work seen
        ("everything", []),
        ("all the Heat films", []),
    ],
)
def test_a_line_names_a_whole_body_of_work(text: str, ids: list[int]) -> None:
    """ "I've seen every Hitchcock movie" had asked for Hitchcock films and offered them back."""
    assert series_line(text, BODIES, BODY_MATCHER) == ids


def test_a_body_of_work_read_as_two_namesakes_becomes_its_films() -> None:
    """ "everything by Hitchcock" had been "did you mean Everything You Always Wanted to ...?"."""
    parsed = parse_history("everything by Hitchcock\nHeat", BODIES, matcher=BODY_MATCHER)
    expanded = expand_series_lines(parsed, BODIES, BODY_MATCHER)
    assert expanded.item_ids == [2, 3, 1, 10] and not expanded.ambiguous
    assert any(
        "as 3 films: Rear Window (1954), Vertigo (1958), Psycho (1960)" in n for n in expanded.notes
    )


def test_a_long_body_of_work_is_named_in_part() -> None:
    films = [
        ("Psycho", 1960),
        ("Vertigo", 1958),
        ("Rear Window", 1954),
        ("North by Northwest", 1959),
        ("Birds, The", 1963),
        ("Rebecca", 1940),
        ("Notorious", 1946),
        ("Dial M for Murder", 1954),
    ]
    names = Catalogue([Item(i, str(i), t, y, ("Thriller",)) for i, (t, y) in enumerate(films, 1)])
    matcher = TitleMatcher(names)
    parsed = parse_history("all the Hitchcock films", names, matcher=matcher)
    expanded = expand_series_lines(parsed, names, matcher)
    assert len(expanded.item_ids) == 8
    assert expanded.notes[-1].startswith("I read “all the Hitchcock films” as 8 films: Rebecca")
    assert expanded.notes[-1].endswith("and 2 more.")
