"""Sequels read from titles, for "no sequels"."""

from __future__ import annotations

import pytest

from recommender.conversation.sequels import in_series, sequel_ids, series_ids
from recommender.data import Catalogue, Item

FILMS = [
    ("Toy Story", 1995),  # 1
    ("Toy Story 2", 1999),  # 2 numbered
    ("Godfather, The", 1972),  # 3
    ("Godfather: Part II, The", 1974),  # 4 "Part II"
    ("Star Wars: Episode IV - A New Hope", 1977),  # 5 the first of its series
    ("Star Wars: Episode V - The Empire Strikes Back", 1980),  # 6 a later film of the series
    ("Batman", 1989),  # 7
    ("Batman Returns", 1992),  # 8 "Returns"
    ("Alien", 1979),  # 9
    ("Alien³", 1992),  # 10 superscript number
    ("Aliens", 1986),  # 11 another word, not a number: a sequel by franchises.json
    ("Henry: Portrait of a Serial Killer", 1986),  # 12
    ("Henry V", 1989),  # 13 a king
    ("Apollo 13", 1995),  # 14 a number that is no sequel
    ("Jennifer 8", 1992),  # 15 no earlier "Jennifer"
    ("2001: A Space Odyssey", 1968),  # 16
    ("All Dogs Go to Heaven 2", 1996),  # 17 a long base, the first film not in the catalogue
    ("Jaws", 1975),  # 18
    ("Jaws 2", 1978),  # 19 a short base
]


def _catalogue() -> Catalogue:
    return Catalogue([Item(n, str(n), t, y, ("Drama",)) for n, (t, y) in enumerate(FILMS, 1)])


def test_sequels_are_read_from_titles() -> None:
    assert sequel_ids(_catalogue()) == {2, 4, 6, 8, 10, 11, 17, 19}


def test_a_series_is_its_sequels_and_the_films_they_continue() -> None:
    """ "Not part of any franchise": the sequels, their first films (Toy Story, The
    Godfather, A New Hope, Batman, Alien, Jaws), "Aliens" (franchises.json), and a film whose
    subtitle is an earlier title with that title (The Lost World: Jurassic Park)."""
    extra = [("Jurassic Park", 1993), ("Lost World: Jurassic Park, The", 1997), ("Heat", 1995)]
    films = [*FILMS, *extra]
    catalogue = Catalogue([Item(n, str(n), t, y, ("Drama",)) for n, (t, y) in enumerate(films, 1)])
    firsts = {1, 3, 5, 7, 9, 18}
    assert series_ids(catalogue) == sequel_ids(catalogue) | firsts | {11, 20, 21}


def test_the_first_film_of_a_series_is_never_a_sequel_whatever_its_episode() -> None:
    found = sequel_ids(_catalogue())
    assert 5 not in found and 1 not in found and 3 not in found


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Aliens", "alien"),
        ("Alien³", "alien"),
        ("Alien: Resurrection", "alien"),
        ("Rocky II", "rocky"),
        ("Batman & Robin", "batman"),
        ("Batman Forever", "batman"),
        ("Indiana Jones and the Last Crusade", "indiana jones"),
        ("Bride of Frankenstein", "frankenstein"),
        ("Bram Stoker's Dracula", "dracula"),
        ("The Lost World: Jurassic Park", "jurassic park"),
        ("Escape from the Planet of the Apes", "planet of the apes"),
        ("Mission: Impossible 2", "mission impossible"),
        ("Jaws 3-D", "jaws"),
        ("King Kong vs. Godzilla", "king kong"),
    ],
)
def test_a_series_name_where_a_series_title_has_it(title: str, name: str) -> None:
    assert in_series(title, name)


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Alien Nation", "alien"),
        ("Alien Escape", "alien"),
        ("The Rocky Horror Picture Show", "rocky"),
        ("The Adventures of Rocky and Bullwinkle", "rocky"),
        ("American Psycho", "psycho"),
        ("Psycho Beach Party", "psycho"),
        ("Fly Away Home", "fly"),
        ("The Boy Who Could Fly", "fly"),
    ],
)
def test_a_series_name_as_a_word_of_another_title_is_not_the_series(title: str, name: str) -> None:
    assert not in_series(title, name)


def test_a_later_film_of_a_listed_series_is_a_sequel_whatever_its_title() -> None:
    """ "something like Alien but no sequels" had offered Aliens first: its title carries no
    number, but franchises.json lists it after Alien."""
    films = Catalogue(
        [
            Item(1, "1", "Alien", 1979, ("Horror", "Sci-Fi")),
            Item(2, "2", "Aliens", 1986, ("Action", "Sci-Fi")),
            Item(3, "3", "Dr. No", 1962, ("Action",)),
            Item(4, "4", "Goldfinger", 1964, ("Action",)),
            Item(5, "5", "Heat", 1995, ("Action",)),
        ]
    )
    assert sequel_ids(films) == {2, 4}
