"""Films of one name in a pasted list: settled on the most watched when it dominates."""

from __future__ import annotations

from collections.abc import Sequence

from recommender.conversation.history_parser import TitleMatcher, parse_history
from recommender.conversation.namesakes import settle_namesakes, unsettled_options
from recommender.data import Catalogue
from recommender.data.catalogue import Item

CATALOGUE = Catalogue(
    [
        Item(1, "1", "Titanic", 1997, ("Drama", "Romance")),
        Item(2, "2", "Titanic", 1953, ("Action", "Drama")),
        Item(3, "3", "Hamlet", 1996, ("Drama",)),
        Item(4, "4", "Hamlet", 1948, ("Drama",)),
        Item(5, "5", "Forrest Gump", 1994, ("Comedy", "Romance", "War")),
        Item(6, "6", "Batman", 1989, ("Action",)),
        Item(7, "7", "Batman Returns", 1992, ("Action",)),
        Item(8, "8", "Big Lebowski, The", 1998, ("Comedy",)),
    ]
)
WATCHED = {1: 3000, 2: 100, 3: 400, 4: 150, 5: 3300, 6: 2000, 7: 50, 8: 1100}


def viewers(ids: Sequence[int]) -> dict[int, int]:
    return {i: WATCHED[i] for i in ids}


def parse(text: str):
    parsed = parse_history(text, CATALOGUE, matcher=TitleMatcher(CATALOGUE))
    return settle_namesakes(parsed, CATALOGUE, viewers)


def test_the_most_watched_namesake_is_taken_and_said() -> None:
    settled = parse("Titanic\nForrest Gump")
    assert settled.item_ids == [1, 5]  # in the order pasted
    assert settled.ambiguous == []
    assert any("I took Titanic (1997)" in n and "Titanic (1953)" in n for n in settled.notes)
    assert unsettled_options(settled) == set()


def test_namesakes_without_a_clear_favourite_are_still_asked_and_kept_out() -> None:
    settled = parse("Hamlet\nForrest Gump")  # 400 vs 150: either could be meant
    assert settled.item_ids == [5]
    assert [set(a.options) for a in settled.ambiguous] == [{3, 4}]
    assert unsettled_options(settled) == {3, 4}


def test_a_year_or_a_dated_export_is_never_overruled() -> None:
    assert parse("Titanic (1953)").item_ids == [2]


def test_a_dated_export_without_years_is_settled_too() -> None:
    """A Netflix viewing history has dates and no years: "Titanic" had stayed a question."""
    settled = parse('Title,Date\n"Titanic",11/28/2021\n"Forrest Gump",11/01/2021')
    assert settled.dated and settled.ambiguous == []
    assert set(settled.item_ids) == {1, 5}
    assert any("I took Titanic (1997)" in n for n in settled.notes)


def test_an_unknown_viewer_count_settles_nothing() -> None:
    parsed = parse_history("Titanic", CATALOGUE, matcher=TitleMatcher(CATALOGUE))
    assert settle_namesakes(parsed, CATALOGUE, lambda ids: {}).ambiguous == parsed.ambiguous


def test_a_settled_line_keeps_what_the_user_said_of_it() -> None:
    [titanic] = parse("Titanic - hated it").matched
    assert (titanic.item_id, titanic.verdict) == (1, "disliked")


def test_the_one_title_a_short_name_can_be_is_taken_with_a_plain_note() -> None:
    settled = parse("Lebowski\nForrest Gump")
    assert settled.ambiguous == [] and settled.item_ids == [8, 5]
    [note] = settled.notes
    assert "I took The Big Lebowski (1998) for “Lebowski”" in note and "(not" not in note


def test_a_loose_likeness_of_one_title_is_still_asked() -> None:
    """One option whose title lacks words of the line ("Blade Runner: The Final Cut" read as
    "Urban Legends: Final Cut") is no short name of it: asked, never taken silently."""
    from recommender.conversation.history_parser import AmbiguousLine, HistoryParse

    line = AmbiguousLine(1, "Forrest Returns", (5,), ("Forrest Gump (1994)",))
    parsed = HistoryParse(ambiguous=[line])
    settled = settle_namesakes(parsed, CATALOGUE, viewers)
    assert settled.ambiguous == [line] and settled.item_ids == []
    short = AmbiguousLine(1, "Forrest", (5,), ("Forrest Gump (1994)",))
    assert settle_namesakes(HistoryParse(ambiguous=[short]), CATALOGUE, viewers).item_ids == [5]


def test_an_export_year_that_fits_no_namesake_is_never_settled() -> None:
    """A Letterboxd row "Batman, 2022" had been taken for Batman (1989) ("I took ... type the
    full title"): the export's own year rules every film of that name here out."""
    settled = parse("Date,Name,Year,Letterboxd URI\n2024-01-01,Batman,2022,https://boxd.it/b\n")
    assert settled.item_ids == [] and not any("I took" in n for n in settled.notes)
    assert [line.named_as for line in settled.ambiguous] == ["Batman (2022)"]


def test_a_film_the_catalogue_lacks_is_found_by_the_name_an_export_gives_it() -> None:
    """An IMDb row "Der Herr der Ringe: Die Gefährten" (original title The Lord of the Rings:
    The Fellowship of the Ring, 2001) had been "did you mean The Lord of the Rings (1978)?"."""
    from recommender.conversation.history_parser import AmbiguousLine
    from recommender.conversation.orchestrator import _newer

    catalogue = Catalogue([Item(1, "1", "Lord of the Rings, The", 1978, ("Animation",))])
    line = AmbiguousLine(
        7,
        "Der Herr der Ringe: Die Gefährten",
        (1,),
        ("The Lord of the Rings (1978)",),
        "The Lord of the Rings: The Fellowship of the Ring (2001)",
    )
    found = _newer(line, catalogue)
    assert found is not None and found.display_title == (
        "The Lord of the Rings: The Fellowship of the Ring (2001)"
    )


def test_a_line_naming_a_film_elsewhere_is_not_settled() -> None:
    """ "Traffic" (2000, a film the catalogue lacks) had been taken for Human Traffic, the
    one catalogue title it is part of; the caller says which lines name such a film."""
    parsed = parse_history("Lebowski", CATALOGUE, matcher=TitleMatcher(CATALOGUE))
    settled = settle_namesakes(parsed, CATALOGUE, viewers, lambda line: True)
    assert settled.item_ids == [] and len(settled.ambiguous) == 1
    assert settle_namesakes(parsed, CATALOGUE, viewers, lambda line: False).item_ids == [8]


def test_a_settled_line_keeps_its_score_as_a_verdict() -> None:
    """ "Titanic 3/10" had been settled on Titanic (1997) without its verdict: the score was
    no part of the name the question kept, and the film went on steering the picks."""
    settled = parse("Titanic 3/10\nForrest Gump 9/10")
    assert settled.item_ids == [1, 5]
    assert [m.verdict for m in settled.matched] == ["disliked", "liked"]
