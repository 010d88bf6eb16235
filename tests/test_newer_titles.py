"""Well-known films the catalogue lacks ("like Inception"): said, and stood in for by genre."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from recommender.conversation.newer_titles import newer_title
from recommender.conversation.orchestrator import step
from recommender.conversation.request_parser import parse_request
from recommender.conversation.state import Constraints, SessionState
from recommender.data import Catalogue, Item

MOVIELENS_GENRES = {
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
}  # fmt: skip


def test_every_entry_has_a_title_a_year_and_movielens_genres() -> None:
    text = resources.files("recommender.conversation").joinpath("newer_titles.json").read_text()
    rows = json.loads(text)["titles"]
    assert len(rows) > 100
    for title, year, genres, *other in rows:
        assert title.strip() and 1900 < year < 2100 and genres
        assert set(genres) <= MOVIELENS_GENRES, title
        assert len(other) <= 1 and all(name.strip() for names in other for name in names), title


def test_a_name_is_a_newer_film_only_when_the_catalogue_lacks_it() -> None:
    catalogue = Catalogue(
        [Item(1, "1", "Dune", 1984, ("Sci-Fi",)), Item(2, "2", "Heat", 1995, ("Action",))]
    )
    inception = newer_title("Inception", catalogue)
    assert inception is not None and inception.year == 2010
    assert set(inception.genres) == {"Action", "Sci-Fi"}  # the genres this catalogue has
    assert newer_title("the dark knight", catalogue).display_title == "The Dark Knight (2008)"
    assert newer_title("Dune", catalogue) is None  # the catalogue's Dune (1984)
    assert newer_title("Dune (2021)", catalogue).year == 2021  # the year says another film
    assert newer_title("Heat", catalogue) is None and newer_title("Nosuchfilm", catalogue) is None


def test_like_a_newer_film_asks_for_its_genres_not_its_name(tiny_catalogue) -> None:
    parsed = parse_request("a movie like Inception", tiny_catalogue)
    c = parsed.constraints
    assert c.outside_anchors == ["Inception (2010)"] and c.query == ""  # had searched its name
    assert any("Inception (2010) is not in the catalogue" in n for n in parsed.notes)
    later = parse_request(
        "something from the 80s", tiny_catalogue, c, state=SessionState(constraints=c)
    )
    assert later.constraints.outside_anchors == ["Inception (2010)"]  # kept, like "like Heat"


def test_films_of_its_kind_stand_in_and_say_why(make_deps, tiny_catalogue) -> None:
    state, reply = step(SessionState(), "something like Inception", make_deps())
    items = [tiny_catalogue.get(card.item_id) for card in reply.cards]
    assert items and all({"Action", "Sci-Fi", "Thriller"} & set(i.genres) for i in items)
    assert items[0].title in ("Matrix, The", "Terminator, The")  # all three of its genres
    assert "like Inception (2010) (by genre)" in reply.text
    assert "Inception (2010)" in reply.cards[0].explanation
    assert state.constraints.outside_anchors == ["Inception (2010)"]


def test_a_pasted_newer_film_is_said_and_leans_the_picks(make_deps, tiny_catalogue) -> None:
    paste = "Inception\nInterstellar\nFargo\nJoker - boring"
    state, reply = step(SessionState(), "more like these", make_deps(), paste=paste)
    assert [tiny_catalogue.get(i).title for i in state.history] == ["Fargo"]
    assert state.constraints.outside_anchors == ["Inception (2010)", "Interstellar (2014)"]
    assert "Not in the catalogue" in reply.text and reply.cards
    assert any("Joker" in u for u in reply.unmatched)  # turned down: no lean towards it


def test_a_state_from_a_browser_is_read_only_through_the_table(make_deps) -> None:
    tampered = SessionState(constraints=Constraints(outside_anchors=["<b>Pwned</b> (2020)"]))
    _, reply = step(tampered, "something from the 90s", make_deps())
    assert "Pwned" not in reply.text and reply.cards


@pytest.mark.parametrize("text", ["Inception, Interstellar, The Dark Knight"])
def test_a_list_of_newer_films_alone_gets_picks(make_deps, text: str) -> None:
    _, reply = step(SessionState(), text, make_deps())
    assert reply.cards and "Not in the catalogue" in reply.text


def test_short_forms_people_type_name_the_newer_film() -> None:
    """ "Kill Bill", "Eternal Sunshine", "Anchorman": the first words of a listed film, or its
    name before a colon; never a name a catalogue title starts with ("Star Wars", "Mad Max"
    are the catalogue's), and one word alone only as a whole name before a colon."""
    catalogue = Catalogue(
        [
            Item(1, "1", "Star Wars: Episode IV - A New Hope", 1977, ("Sci-Fi",)),
            Item(2, "2", "Mad Max", 1979, ("Action",)),
            Item(3, "3", "Avengers, The", 1998, ("Action",)),
        ]
    )
    shown = {
        name: (film.display_title if (film := newer_title(name, catalogue)) else None)
        for name in (
            "Kill Bill", "Eternal Sunshine", "Anchorman", "Pirates of the Caribbean",
            "Star Wars", "Mad Max", "Avengers", "Eternal", "Spotless Mind",
        )
    }  # fmt: skip
    assert shown == {
        "Kill Bill": "Kill Bill: Vol. 1 (2003)",  # the first of the two listed
        "Eternal Sunshine": "Eternal Sunshine of the Spotless Mind (2004)",
        "Anchorman": "Anchorman: The Legend of Ron Burgundy (2004)",
        "Pirates of the Caribbean": "Pirates of the Caribbean: The Curse of the Black Pearl (2003)",
        "Star Wars": None,
        "Mad Max": None,
        "Avengers": None,  # the catalogue's The Avengers (1998)
        "Eternal": None,
        "Spotless Mind": None,
    }


@pytest.mark.parametrize("text", ["something like Get Out", "movies like Get Out, but older"])
def test_a_newer_name_that_starts_with_a_common_word_is_read_whole(tiny_catalogue, text) -> None:
    """ "like Get Out": "Get" is a word requests are full of, and had ended the name, so
    "Out" was searched as a word (Out of Sight, In & Out)."""
    parsed = parse_request(text, tiny_catalogue)
    assert parsed.constraints.outside_anchors == ["Get Out (2017)"]
    assert parsed.constraints.query == ""
    assert (
        parse_request("more like Something Funny", tiny_catalogue).constraints.outside_anchors == []
    )


def test_original_titles_of_exports_are_known_too() -> None:
    """A Letterboxd export names films in their own language ("Sen to Chihiro no
    kamikakushi"): they had been listed as unmatched."""
    catalogue = Catalogue([Item(1, "1", "Heat", 1995, ("Action",))])
    for name, year in [
        ("Sen to Chihiro no kamikakushi", 2001),
        ("Le fabuleux destin d'Amélie Poulain", 2001),
        ("Gisaengchung (2019)", 2019),
    ]:
        film = newer_title(name, catalogue)
        assert film is not None and film.year == year, name


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("LOTR 2", "The Lord of the Rings: The Two Towers"),
        ("The Two Towers", "The Lord of the Rings: The Two Towers"),  # its name after the colon
        ("Return of the King", "The Lord of the Rings: The Return of the King"),
        ("Infinity War", "Avengers: Infinity War"),
        ("Harry Potter 2", "Harry Potter and the Chamber of Secrets"),
        ("Star Wars 7", "Star Wars: The Force Awakens"),
        ("X2", "X2: X-Men United"),
        ("Matrix 2", "The Matrix Reloaded"),
        ("Spiderman", "Spider-Man"),
    ],
)
def test_other_names_people_give_a_newer_film(name: str, title: str) -> None:
    """A paste of "LOTR 2", "The Two Towers", "Harry Potter 2" had been "no similar title"."""
    catalogue = Catalogue([Item(1, "1", "Lord of the Rings, The", 1978, ("Animation",))])
    found = newer_title(name, catalogue)
    assert found is not None and found.title == title, name


def test_a_subtitle_is_never_one_word_and_never_a_catalogue_film() -> None:
    catalogue = Catalogue([Item(1, "1", "Highlander: Endgame", 2000, ("Action",))])
    assert newer_title("Endgame", catalogue) is None  # one word: Highlander: Endgame's too
    assert newer_title("The Force", catalogue) is None
    towers = Catalogue([Item(1, "1", "Two Towers, The", 2002, ("Drama",))])
    assert newer_title("The Two Towers", towers) is None  # the catalogue's film


def test_a_films_other_names_are_that_one_film() -> None:
    """A paste with "Amelie" and "Le Fabuleux Destin d'Amélie Poulain" had been told two films
    were missing ("Amélie (2001), Le Fabuleux Destin d'Amélie Poulain (2001)"): the table had
    each name as a film of its own."""
    catalogue = Catalogue([Item(1, "1", "Heat", 1995, ("Action",))])
    for names in (
        ("Amélie", "Amelie", "Le fabuleux destin d'Amélie Poulain"),
        ("Crouching Tiger, Hidden Dragon", "Wo hu cang long"),
        ("Spirited Away", "Sen to Chihiro no kamikakushi"),
        ("Parasite (2019)", "Gisaengchung"),
        ("Harry Potter and the Sorcerer's Stone", "Harry Potter and the Philosopher's Stone"),
    ):
        found = {newer_title(name, catalogue) for name in names}
        assert len(found) == 1 and None not in found, names
    text = resources.files("recommender.conversation").joinpath("newer_titles.json").read_text()
    rows = json.loads(text)["titles"]
    keys = [(title.lower(), year) for title, year, *_ in rows]
    assert len(keys) == len(set(keys))  # no film listed twice


def test_well_known_older_films_the_catalogue_lacks_are_known_too() -> None:
    """MovieLens-1M lacks some well-known films older than 2000 (Bill & Ted, Totoro, They
    Live): a paste with them had said "no similar title"."""
    catalogue = Catalogue([Item(1, "1", "Lion King, The", 1994, ("Animation",))])
    for name, title in (
        ("Bill and Ted's Excellent Adventure", "Bill & Ted's Excellent Adventure (1989)"),
        ("Tonari no Totoro", "My Neighbor Totoro (1988)"),
        ("They Live", "They Live (1988)"),
        ("The Lion King 2", "The Lion King II: Simba's Pride (1998)"),
    ):
        found = newer_title(name, catalogue)
        assert found is not None and found.display_title == title, name
    assert newer_title("The Lion King", catalogue) is None  # the catalogue's own


def test_a_film_older_than_the_catalogues_end_is_not_said_to_be_newer() -> None:
    """ "Grave of the Fireflies (1988)" had been "not in the catalogue (its newest films are
    from 2000)", as if it were newer."""
    from recommender.conversation.newer_titles import NewerTitle, missing_films

    spirited = NewerTitle("Spirited Away", 2001, ("Animation",))
    grave = NewerTitle("Grave of the Fireflies", 1988, ("Animation", "Drama"))
    assert (
        missing_films([spirited], 2000)
        == "Spirited Away (2001), newer than its newest films (2000)"
    )
    assert missing_films([grave], 2000) == "Grave of the Fireflies (1988), which it lacks"
    both = missing_films([spirited, grave], 2000)
    assert both.startswith("Spirited Away (2001), newer") and both.endswith(
        "(1988), which it lacks"
    )
