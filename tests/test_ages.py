"""Periods relative to the user's life: "nothing before I was born", "from my childhood"."""

from __future__ import annotations

import pytest

from recommender.conversation.ages import LifePeriod, find_birth_year, find_life_periods
from recommender.conversation.request_parser import apply_request, parse_request
from recommender.conversation.state import SessionState
from recommender.data import Catalogue
from tests.conftest import make_tiny_catalogue

YEAR = 2026


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return make_tiny_catalogue()


def say(text: str, catalogue: Catalogue, state: SessionState | None = None):
    state = state or SessionState()
    parsed = parse_request(text, catalogue, state=state, this_year=YEAR)
    return parsed, apply_request(state, parsed)


@pytest.mark.parametrize(
    ("text", "birth"),
    [
        ("I was born in 1985", 1985),
        ("born in '79, something funny", 1979),
        ("born in '05", 2005),
        ("I'm 35", 1991),
        ("i am 40 years old", 1986),
        ("im 28, and I like thrillers", 1998),
        ("I just turned 50.", 1976),
        ("I'm 5 titles in", None),  # not an age: no end of clause after the number
        ("I'm 135", None),
        ("born in 1850", None),
    ],
)
def test_birth_years(text: str, birth: int | None) -> None:
    assert find_birth_year(text.lower(), YEAR)[0] == birth


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("nothing before i was born", "before_birth"),
        ("films older than me", "before_birth"),
        ("stuff from before my time", "before_birth"),
        ("something from my lifetime", "since_birth"),
        ("newer than me", "since_birth"),
        ("films from my childhood", "childhood"),
        ("movies i grew up with", "childhood"),
        ("what i watched when i was a kid", "childhood"),
        ("comedies from when i was a teenager", "teens"),
        ("my high school years", "teens"),
        ("when i was in college", "college"),
    ],
)
def test_life_periods(text: str, kind: str) -> None:
    assert [p.kind for p in find_life_periods(text)] == [kind]


def test_years_of_each_period() -> None:
    assert LifePeriod("before_birth", 0, 0).years(1985) == (None, 1984)
    assert LifePeriod("since_birth", 0, 0).years(1985) == (1985, None)
    assert LifePeriod("childhood", 0, 0).years(1985) == (1989, 1999)
    assert LifePeriod("teens", 0, 0).years(1985) == (1998, 2004)


def test_a_period_with_the_birth_year_in_the_same_message(catalogue: Catalogue) -> None:
    parsed, state = say("I was born in 1985, nothing older than me", catalogue)
    c = state.constraints
    assert (c.year_min, c.year_max) == (1985, None) and c.query == ""
    assert state.birth_year == 1985
    assert any("“not before you were born” as 1985 or later" in n for n in parsed.notes)
    parsed, state = say("films from my childhood, I'm 35", catalogue)
    assert (state.constraints.year_min, state.constraints.year_max) == (1995, 2005)
    parsed, state = say("not from my childhood please, I was born in 1980", catalogue)
    assert state.constraints.exclude_years == [[1984, 1994]]
    assert state.constraints.year_min is None


def test_the_birth_year_is_remembered_across_turns(catalogue: Catalogue) -> None:
    _, state = say("I'm 40 years old, something funny", catalogue)
    assert state.birth_year == 1986 and state.constraints.include_genres == ["Comedy"]
    assert state.constraints.year_min is None  # an age alone is no period
    _, state = say("anything from before I was born?", catalogue, state)
    assert state.constraints.year_max == 1985
    _, state = say("start over", catalogue, state)
    assert state.birth_year == 1986  # a fact about the user, not a wish


def test_without_a_birth_year_it_asks_and_applies_the_answer(catalogue: Catalogue) -> None:
    parsed, state = say("nothing before I was born", catalogue)
    assert parsed.action == "ask" and "When were you born?" in parsed.question
    assert state.pending_life_periods == ["not:before_birth"]
    assert state.constraints.year_min is None and state.constraints.query == ""
    parsed, state = say("1988", catalogue, state)  # the answer, as a bare year
    assert parsed.action == "recommend"
    assert (state.constraints.year_min, state.birth_year) == (1988, 1988)
    assert state.pending_life_periods == []
    assert state.constraints.exclude_years == []  # "1988" was the birth year, not a period


def test_a_pending_period_beside_a_request_is_noted(catalogue: Catalogue) -> None:
    parsed, state = say("comedies from when I was a teenager", catalogue)
    assert parsed.action == "recommend" and state.constraints.include_genres == ["Comedy"]
    assert any("can't turn “from your teens” into years" in n for n in parsed.notes)
    parsed, state = say("I was born in '79", catalogue, state)
    assert (state.constraints.year_min, state.constraints.year_max) == (1992, 1998)
    assert state.constraints.include_genres == ["Comedy"]


def test_explicit_years_win_over_an_unknown_birth_year(catalogue: Catalogue) -> None:
    parsed, state = say("films I grew up with in the 80s", catalogue)
    assert (state.constraints.year_min, state.constraints.year_max) == (1980, 1989)
    assert state.pending_life_periods == [] and state.constraints.query == ""
    assert not any("born" in n for n in parsed.notes)


def test_an_age_is_not_a_childrens_film(catalogue: Catalogue) -> None:
    _, state = say("I'm 35 years old and want a thriller", catalogue)
    assert state.constraints.include_genres == ["Thriller"]
    _, state = say("something for my 6 year old", catalogue)
    assert state.constraints.include_genres == ["Children's"]


def test_the_state_round_trips_with_the_birth_year(catalogue: Catalogue) -> None:
    _, state = say("nothing before I was born", catalogue)
    assert SessionState.from_dict(state.to_dict()) == state


@pytest.mark.parametrize(
    ("text", "include", "exclude"),
    [
        ("something my 8-year-old would enjoy", ["Children's"], []),
        ("a movie for a six-year-old", ["Children's"], []),
        ("my son is 7", ["Children's"], []),
        ("for my 5yo", ["Children's"], []),
        ("our kids are 6 and 14", ["Children's"], []),  # the youngest decides
        ("ages 8 and up", ["Children's"], []),
        ("something for my 15-year-old", [], ["Children's"]),
        ("my teenage son likes sci-fi", ["Sci-Fi"], ["Children's"]),
        ("my 40 year old husband likes thrillers", ["Thriller"], []),
        ("I'm 35 years old and want a thriller", ["Thriller"], []),  # the user's own age
    ],
)
def test_the_age_of_who_is_watching(
    text: str, include: list[str], exclude: list[str], catalogue: Catalogue
) -> None:
    """An age is an audience, never search words: "8-year-old" had been searched and found
    *Buckaroo Banzai Across the 8th Dimension* and *Child's Play*."""
    parsed, state = say(text, catalogue)
    assert state.constraints.include_genres == include
    assert state.constraints.exclude_genres == exclude
    assert not any(ch.isdigit() for ch in state.constraints.query)
    assert "year" not in state.constraints.query and "yo" not in state.constraints.query.split()


def test_a_films_age_is_no_viewer(catalogue: Catalogue) -> None:
    for text in ("films that are 10 years old", "a 10-year-old movie"):
        _, state = say(text, catalogue)
        assert state.constraints.include_genres == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [("when I was 8 years old", "childhood"), ("stuff from when I was fifteen", "teens")],
)
def test_an_age_in_the_past_is_a_life_period(text: str, kind: str) -> None:
    assert [p.kind for p in find_life_periods(text.lower())] == [kind]
