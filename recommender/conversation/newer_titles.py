"""Well-known films the catalogue lacks: "something like Inception", a paste with "Parasite".

MovieLens-1M ends in 2000, and a person today names newer films. Such a name had been
searched as words ("Inception" found Mortal Thoughts and a documentary). ``newer_titles.json``
(plain data: extend it freely) gives each film's year and genres in MovieLens's own genre
names; the app never recommends these films (they are not in the catalogue), it says so and
looks for catalogue films like them by what is known of them: the text of a catalogue item
with their title, year and genres (the item text the retriever embeds), and their genres.

``newer_title`` reads a name ("Inception", "Dune (2021)", "the dark knight"); it answers
only for a film the catalogue does not have (a name it has stays the catalogue's film).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from recommender.conversation.title_matcher import title_key
from recommender.data.catalogue import Catalogue, natural_title, split_title_year
from recommender.wording import join_words

YEAR_TOLERANCE = 1


@dataclass(frozen=True)
class NewerTitle:
    """A film the catalogue lacks, as the app knows it."""

    title: str  # "Inception"
    year: int
    genres: tuple[str, ...]  # MovieLens genre names

    @property
    def display_title(self) -> str:
        return f"{self.title} ({self.year})"

    @property
    def text(self) -> str:
        """What a catalogue item with this title, year and genres would embed as."""
        return f"{self.display_title} Genres: {', '.join(self.genres)}."


@cache
def _table() -> dict[str, list[NewerTitle]]:
    text = resources.files("recommender.conversation").joinpath("newer_titles.json").read_text()
    table: dict[str, list[NewerTitle]] = {}
    for title, year, genres, *other in json.loads(text)["titles"]:
        film = NewerTitle(title, int(year), tuple(genres))
        # its name, without its article, and the other names people give it ("LOTR 2")
        for name in [title, *(other[0] if other else [])]:
            for key in dict.fromkeys([title_key(name), title_key(_without_article(name))]):
                table.setdefault(key, []).append(film)
    return table


def _without_article(name: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.I)


MIN_SUBTITLE_WORDS = 2  # "The Two Towers", "Infinity War"; one word ("Endgame") is too loose


@cache
def _subtitles() -> dict[str, list[NewerTitle]]:
    """Each listed film by its name after its colon or dash, without an article ("two
    towers": The Lord of the Rings: The Two Towers), when that is two words or more."""
    table: dict[str, list[NewerTitle]] = {}
    for films in _table().values():
        for film in films:
            parts = re.split(r":\s+|\s+-\s+", film.title)
            key = title_key(_without_article(parts[-1])) if len(parts) > 1 else ""
            if len(key.split()) >= MIN_SUBTITLE_WORDS and film not in table.get(key, []):
                table.setdefault(key, []).append(film)
    return table


def missing_films(films: list[NewerTitle], newest: int | None) -> str:
    """The films a catalogue lacks, said with why: "Spirited Away (2001), newer than its
    newest films (2000), and Grave of the Fireflies (1988), which it lacks" (an older film is
    no newer than the catalogue: saying "its newest films are from 2000" misled)."""
    newer = [f for f in films if newest is not None and f.year > newest]
    older = [f for f in films if f not in newer]
    parts = []
    if newer:
        parts.append(
            f"{join_words([f.display_title for f in newer])}, newer than its newest films "
            f"({newest})"
        )
    if older:
        parts.append(f"{join_words([f.display_title for f in older])}, which it lacks")
    return ", and ".join(parts) if len(parts) > 1 else parts[0] if parts else ""


def newer_title(name: str, catalogue: Catalogue) -> NewerTitle | None:
    """The known film ``name`` means when the catalogue lacks it, else None: "Inception",
    "Dune (2021)" (the catalogue's Dune is from 1984), not "Dune" (that one is there)."""
    # "Amélie (2001) 🥰", "Parasite (2019)!": what follows the year is no part of the name
    title, year = split_title_year(re.sub(r"(?<=\))[^\w()]+$", "", name.strip()))
    key = title_key(title)
    films = (
        _table().get(key, [])
        or _short_form(key, catalogue)
        # "The Two Towers", "Return of the King": the name after a listed film's colon
        or _subtitles().get(title_key(_without_article(title)), [])
    )
    if year is not None:
        films = [f for f in films if abs(f.year - year) <= YEAR_TOLERANCE]
    if not films:
        return None
    film = films[0]
    if _in_catalogue(catalogue, film.title, year) or _in_catalogue(catalogue, title, year):
        return None  # "Mad Max" is the catalogue's, not Mad Max: Fury Road
    genres = tuple(g for g in film.genres if g in _genre_names(catalogue))
    return NewerTitle(film.title, film.year, genres)


MIN_SHORT_WORDS = 2  # "Kill Bill", "Eternal Sunshine": a short form is two words or more


def _short_form(key: str, catalogue: Catalogue) -> list[NewerTitle]:
    """The films whose names start with the words of ``key`` ("kill bill": Kill Bill: Vol. 1
    and Vol. 2, the first listed first; "eternal sunshine") or whose name before its colon
    is ``key`` ("anchorman"), unless a catalogue title starts with them too ("star wars",
    "mad max" are the catalogue's)."""
    prefix = f"{key} "
    if (
        not key
        or _catalogue_title_starts(catalogue, prefix)
        or key in catalogue.derived("titles by key", _titles_by_key)
    ):
        return []
    long_enough = len(key.split()) >= MIN_SHORT_WORDS
    return [
        film
        for film, whole, main in _listed_keys()
        if (long_enough and whole.startswith(prefix)) or main == key
    ]


@cache
def _listed_keys() -> list[tuple[NewerTitle, str, str]]:
    """Each film in the order the table lists them (the first of a series first), with the
    keys of its whole name and of its name before a colon."""
    films = dict.fromkeys(film for films in _table().values() for film in films)
    return [(f, title_key(f.title), title_key(f.title.split(":")[0])) for f in films]


def _catalogue_title_starts(catalogue: Catalogue, prefix: str) -> bool:
    keys = catalogue.derived("sorted title keys", lambda c: sorted(_titles_by_key(c)))
    at = bisect.bisect_left(keys, prefix)
    return at < len(keys) and keys[at].startswith(prefix)


def _in_catalogue(catalogue: Catalogue, title: str, year: int | None) -> bool:
    """Whether the catalogue has a film of this title (of this year, when one is given)."""
    index = catalogue.derived("titles by key", _titles_by_key)
    years = index.get(title_key(title), [])
    if year is None:
        return bool(years)
    return any(y is None or abs(y - year) <= YEAR_TOLERANCE for y in years)


def _titles_by_key(catalogue: Catalogue) -> dict[str, list[int | None]]:
    index: dict[str, list[int | None]] = {}
    for item in catalogue:
        index.setdefault(title_key(natural_title(item.title)), []).append(item.year)
    return index


def _genre_names(catalogue: Catalogue) -> frozenset[str]:
    return catalogue.derived(
        "genre names", lambda c: frozenset(g for item in c for g in item.genres)
    )
