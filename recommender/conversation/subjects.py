"""Subjects that no genre says: "no vampires", "a prison movie", "nothing with robots"; and
directors the catalogue does not record ("a Hitchcock film", "anything but Tarantino").

A subject is not a genre: ruling out vampires must not rule out every horror film, and a
prison film may be a drama, a comedy or an action film. The catalogue has no plots, so what
a film is about comes from two places (``subjects.json``, plain data: extend it freely):

- its title: a title with one of the subject's title words ("Interview with the Vampire");
- the app's own list: films known to be about it whose titles do not say so (Blade, Near Dark),
  matched like ``franchises.json`` (title and year within a year, so another catalogue, or a
  remake, is never caught by mistake), and whole series (James Bond for spies).

``subject_named`` reads a phrase; ``subjects_in`` finds the subjects a text names;
``subject_films`` gives a subject's films in one catalogue (computed once per catalogue).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from recommender.conversation.franchises import members as franchise_members
from recommender.conversation.franchises import series_subjects
from recommender.data.catalogue import Catalogue, natural_title

YEAR_TOLERANCE = 1


@dataclass(frozen=True)
class Subject:
    name: str  # "vampire"
    label: str  # "vampire films": how a reply names them
    words: tuple[str, ...]  # what people call it ("vampires", "dracula")
    title_words: tuple[str, ...]  # words that make a title one of them
    films: tuple[tuple[str, int], ...]  # (title, year) of films about it, titles silent
    franchises: tuple[str, ...] = ()  # series all about it ("james bond")
    # or "people": a director's films ("hitchcock"); "studio" ("pixar"); "series": a film
    # series by name ("a Rambo movie"; turned down, it is the title exclusions' to read)
    kind: str = "subject"
    # also the films whose catalogue titles carry a name in another language ("foreign")
    other_language_titles: bool = False
    not_films: tuple[tuple[str, int], ...] = ()  # never of it, whatever the rules above say
    role: str = ""  # of kind "people": "director" or "actor" ("same director as Alien")


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", "")))


@cache
def _table() -> dict[str, Subject]:
    text = resources.files("recommender.conversation").joinpath("subjects.json").read_text()
    data = json.loads(text)
    data.pop("_about", None)
    table = {}
    for name, entry in data.items():
        words = tuple(_key(w) for w in entry["words"])
        table[name] = Subject(
            name=name,
            label=entry["label"],
            words=words,
            title_words=tuple(_key(w) for w in entry.get("title_words", words)),
            films=tuple((title, int(year)) for title, year in entry.get("films", [])),
            franchises=tuple(entry.get("franchises", [])),
            kind=entry.get("kind", "subject"),
            other_language_titles=bool(entry.get("other_language_titles", False)),
            not_films=tuple((title, int(year)) for title, year in entry.get("not_films", [])),
            role=entry.get("role", ""),
        )
    for series, (spelled, words) in series_subjects().items():  # "a Rambo movie": its films
        if series not in table:
            table[series] = Subject(
                name=series,
                label=f"{_series_label(spelled)} films",
                words=words,
                title_words=(series,),
                films=(),
                franchises=(series,),
                kind="series",
            )
    return table


_SMALL = frozenset({"and", "on", "the", "of"})


def _series_label(series: str) -> str:
    """ "nightmare on elm street" -> "Nightmare on Elm Street", "child's play" -> "Child's
    Play"."""
    words = series.split()
    return " ".join(
        w if w in _SMALL and i > 0 else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


@cache
def _by_word() -> dict[str, Subject]:
    return {word: subject for subject in _table().values() for word in subject.words}


def subject(name: str) -> Subject | None:
    """The subject called ``name`` ("vampire"), None when there is none."""
    return _table().get(name)


def subject_named(phrase: str) -> Subject | None:
    """The subject a phrase names ("vampires", "Time-travel", "kung fu"), else None."""
    return _by_word().get(_key(phrase))


@cache
def subject_pattern() -> re.Pattern[str]:
    """Every word of every subject, longest first, as whole words (built once)."""
    words = sorted(_by_word(), key=len, reverse=True)
    body = "|".join(_not_after(w) + re.escape(w).replace(r"\ ", r"[\s-]+") for w in words)
    return re.compile(rf"(?<![\w'-])(?:{body})(?![\w']|-(?!free\b))", re.IGNORECASE)


# words that make a subject's word part of a name instead ("Washington DC" is no DC film)
_NOT_AFTER = {"dc": ("washington",)}


def _not_after(word: str) -> str:
    """Lookbehinds that keep ``word`` from matching right after one of its ``_NOT_AFTER``."""
    return "".join(
        rf"(?<!{re.escape(before)}\s)(?<!{re.escape(before)},\s)"
        for before in _NOT_AFTER.get(word, ())
    )


def subjects_in(text: str) -> list[Subject]:
    """The subjects ``text`` names, in order of first mention ("a prison movie with robots")."""
    found: dict[str, Subject] = {}
    for match in subject_pattern().finditer(text):
        named = subject_named(match.group())
        if named is not None:
            found.setdefault(named.name, named)
    return list(found.values())


# "Run Lola Run (Lola rennt)": MovieLens puts a film's name in its own language in brackets;
# "(a.k.a. Killbots)" is another English name
_OTHER_LANGUAGE = re.compile(r"\((?!a\.k\.a\.)[^)]+\)", re.IGNORECASE)


def has_other_language_name(title: str) -> bool:
    """Whether a catalogue title carries a name in another language ("Run Lola Run (Lola
    rennt)"; not "Chopping Mall (a.k.a. Killbots)")."""
    return _OTHER_LANGUAGE.search(title) is not None


def subject_films(catalogue: Catalogue, name: str) -> frozenset[int]:
    """The ids of the catalogue's films about subject ``name`` (empty for an unknown one)."""
    return catalogue.derived("subject films", _all_subject_films).get(name, frozenset())


def people_of(catalogue: Catalogue, item_id: int) -> list[Subject]:
    """The people and studios of the app's lists whose films include ``item_id`` ("who
    directed it?": the app's own answer, since the catalogue has no cast or crew)."""
    films = catalogue.derived("subject films", _all_subject_films)
    return [
        s
        for s in _table().values()
        if s.kind in ("people", "studio") and item_id in films.get(s.name, frozenset())
    ]


def _all_subject_films(catalogue: Catalogue) -> dict[str, frozenset[int]]:
    titles: dict[int, str] = {}
    by_title: dict[str, list[tuple[int, int | None]]] = {}
    for item in catalogue:
        key = _key(natural_title(item.title))
        titles[item.item_id] = f" {key} "
        by_title.setdefault(key, []).append((item.item_id, item.year))
    films: dict[str, frozenset[int]] = {}
    for name, entry in _table().items():
        found: set[int] = set()
        for word in entry.title_words:
            found |= {i for i, title in titles.items() if f" {word} " in title}
        for title, year in entry.films:
            for item_id, item_year in by_title.get(_key(title), []):
                if item_year is None or abs(item_year - year) <= YEAR_TOLERANCE:
                    found.add(item_id)
        for series in entry.franchises:
            found |= franchise_members(catalogue, series)
            found |= {i for i, title in titles.items() if f" {_key(series)} " in title}
        if entry.other_language_titles:
            found |= {item.item_id for item in catalogue if has_other_language_name(item.title)}
        for title, year in entry.not_films:
            for item_id, item_year in by_title.get(_key(title), []):
                if item_year is None or abs(item_year - year) <= YEAR_TOLERANCE:
                    found.discard(item_id)
        films[name] = frozenset(found)
    return films
