"""Which catalogue items are sequels: for "no sequels", "only the originals".

Catalogues rarely say so, so it is read from the titles (ML-1M has no series field):

- **numbered**: the main title, or its head before a ":" / " - " subtitle, ends in a number
  from 2 to 9, written or roman, with or without "Part" ("Toy Story 2", "Rocky V",
  "The Godfather: Part II", "Alien³", "Friday the 13th Part 2"), and what comes before the
  number is an earlier film's title, or is three or more words ("All Dogs Go to Heaven 2");
  "Henry V", "Jennifer 8", "Apollo 13", "8MM" and "2001: A Space Odyssey" are not numbered sequels,
  nor is a king ("Richard III", "Henry V", even next to "Henry: Portrait of a Serial Killer");
- **a later film of a series**: the head before a subtitle is the title (or head) of an
  earlier film ("Star Wars: Episode V - The Empire Strikes Back" after the 1977 "Star Wars:
  Episode IV - A New Hope", "Babe: Pig in the City" after "Babe", "Die Hard: With a
  Vengeance"), or the title is an earlier film's title plus "Returns" ("Batman Returns").

The first film of a series is never a sequel, whatever its episode number. A parody that
borrows a title with a subtitle ("Dracula: Dead and Loving It") counts as a later film of
that series: the rule reads titles, not plots.
"""

from __future__ import annotations

import re

from recommender.conversation.franchises import franchise_names, series_names
from recommender.conversation.franchises import members as franchise_members
from recommender.conversation.title_matcher import (
    move_article,
    split_catalogue_title,
    title_key,
)
from recommender.data.catalogue import Catalogue, Item, natural_title

_SUBTITLE = re.compile(r"\s*:\s+|\s+[-–—]{1,3}\s+")
_SEQUEL_NUMBERS = frozenset("23456789")
_CONTINUATIONS = ("returns", "strikes back")
MIN_SERIES_CHARS = 5  # a shorter head ("Big", "Heat") is too often just a common word
MIN_BASE_CHARS = 3  # before a sequel number even a short title is a series ("Jaws 2", "Fly II")
# a roman numeral after one of these names is a king, not a sequel ("Henry V", "Richard III")
_REGNAL_NAMES = frozenset(
    "henry richard edward george louis charles william james john elizabeth mary".split()
)


def _keys(item: Item) -> tuple[str, str]:
    """(key of the main title, key of its head before a subtitle; == the key without one)."""
    main = move_article(split_catalogue_title(item.title)[0])
    head = _SUBTITLE.split(main, maxsplit=1)[0]
    return title_key(main), title_key(head)


def _numbered(key: str, earlier: dict[str, int], year: int) -> bool:
    """``key`` ends in a sequel number and its base is an earlier title or long enough."""
    words = key.split()
    if len(words) < 2 or words[-1] not in _SEQUEL_NUMBERS:
        return False
    base = " ".join(words[:-1])
    if base in _REGNAL_NAMES:
        return False
    return len(words) >= 4 or earlier.get(base, 10_001) < year


def _earliest(pairs: list[tuple[str, int]], min_chars: int) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, year in pairs:
        if len(key) >= min_chars and year < found.get(key, 10_001):
            found[key] = year
    return found


def sequel_ids(catalogue: Catalogue) -> frozenset[int]:
    """Ids of the items whose titles mark them as sequels (see the module docstring), and the
    later films of a ``franchises.json`` series ("Aliens"); read once per catalogue."""
    return catalogue.derived("sequels", _read_sequels)


def series_ids(catalogue: Catalogue) -> frozenset[int]:
    """Ids of every film of a series, the first too ("nothing from a franchise"): the sequels,
    the films they continue (a title or head that is a sequel's base: "Toy Story" for "Toy
    Story 2", "Star Wars: Episode IV - A New Hope" for "Episode V", "Batman" for "Batman
    Returns"), a film whose subtitle is an earlier title and that title ("The Lost World:
    Jurassic Park", "Jurassic Park"), and the series of ``franchises.json`` ("Aliens", the
    Bond films); read once per catalogue."""
    return catalogue.derived("series", _read_series)


def _read_series(catalogue: Catalogue) -> frozenset[int]:
    sequels = sequel_ids(catalogue)
    keys = {item.item_id: _keys(item) for item in catalogue}
    bases: set[str] = set()
    for item_id in sequels:
        for key in set(keys[item_id]):
            words = key.split()
            if len(words) >= 2 and words[-1] in _SEQUEL_NUMBERS:
                bases.add(" ".join(words[:-1]))  # "toy story 2" -> "toy story"
            bases.add(key)  # "star wars" (a head), a later film's own title
            bases.update(key[: -len(tail) - 1] for tail in _CONTINUATIONS if key.endswith(tail))
    found = set(sequels) | {i for i, pair in keys.items() if bases.intersection(pair)}
    by_main: dict[str, list[Item]] = {}
    for item in catalogue:
        if len(keys[item.item_id][0]) >= MIN_SERIES_CHARS:
            by_main.setdefault(keys[item.item_id][0], []).append(item)
    for item in catalogue:  # "The Lost World: Jurassic Park": a subtitle that is a title
        main = move_article(split_catalogue_title(item.title)[0])
        for part in _SUBTITLE.split(main)[1:]:
            earlier = [
                other
                for other in by_main.get(title_key(part), [])
                if (other.year or 10_000) < (item.year or 10_000)
            ]
            if earlier:
                found.add(item.item_id)
                found.update(other.item_id for other in earlier)
    for name in franchise_names():  # the series whose films do not all carry the name
        found |= franchise_members(catalogue, name)
        found.update(i.item_id for i in catalogue if in_series(natural_title(i.title), name))
    return frozenset(found)


def _read_sequels(catalogue: Catalogue) -> frozenset[int]:
    keys = {item.item_id: _keys(item) for item in catalogue}
    years = {item.item_id: item.year if item.year is not None else 10_000 for item in catalogue}
    pairs = [(key, years[i]) for i in keys for key in set(keys[i])]
    bases = _earliest(pairs, MIN_BASE_CHARS)  # a title or head -> the earliest year it appears
    mains = _earliest([(keys[i][0], years[i]) for i in keys], MIN_SERIES_CHARS)
    heads = _earliest([(keys[i][1], years[i]) for i in keys], MIN_SERIES_CHARS)
    found: set[int] = set()
    for item_id, (main, head) in keys.items():
        year = years[item_id]
        subtitled = head != main
        if _numbered(main, bases, year) or (subtitled and _numbered(head, bases, year)):
            found.add(item_id)
        elif subtitled and min(mains.get(head, 10_001), heads.get(head, 10_001)) < year:
            found.add(item_id)
        elif any(
            main.endswith(" " + tail) and mains.get(main[: -len(tail) - 1], 10_001) < year
            for tail in _CONTINUATIONS
        ):
            found.add(item_id)
    # a later film of a franchises.json series whose title does not say so ("Aliens" after
    # "Alien": "something like Alien but no sequels" had offered Aliens first)
    for ids in catalogue.derived("series films", _series_films).values():
        if ids:
            first = min(years[i] for i in ids)
            found.update(i for i in ids if years[i] > first)
    return frozenset(found)


# Where a series' name stands in a title of that series: at the start, or after "of (the)",
# "for the", a possessive ("Bram Stoker's Dracula") or a subtitle mark ("The Lost World:
# Jurassic Park") ...
_SERIES_BEFORE = (
    r"(?:^(?:the\s+|an?\s+)?|'s\s+|\b(?:of|for|from|beneath|meets?|vs\.?|versus)\s+(?:the\s+)?"
    r"|[:–-]\s+)"
)
# ... and what may follow it: nothing, a number or numeral ("Alien³", "Rocky II", "Jaws 3-D"),
# a subtitle, a year or alias in brackets, a plural ("Aliens"), or a sequel's word ("Batman
# Forever", "King Kong Lives", "Indiana Jones and the Last Crusade", "Batman & Robin")
_SERIES_AFTER = (
    r"s?(?:$|\s*[:(–]|\s+-|\s*[\d²³]|\s+(?:[ivx]+|part|returns|forever|lives|beyond|again"
    r"|strikes|rises|begins|reloaded|meets?|vs|versus|goes|and the)\b|\s+(?:&|vs\.))"
)


def in_series(title: str, name: str) -> bool:
    """Whether ``title`` (natural order, no year: "The Rocky Horror Picture Show") reads as a
    film of the series ``name`` ("rocky"): the name stands where a series' name does, not as
    a word of another title ("Alien Nation", "American Psycho", "Fly Away Home")."""
    words = re.findall(r"[^\W_]+", name.lower())
    if not words:
        return False
    body = r"[\W_]+".join(re.escape(w) for w in words)
    pattern = rf"{_SERIES_BEFORE}{body}{_SERIES_AFTER}"
    return re.search(pattern, title.lower().strip()) is not None


def series_of(catalogue: Catalogue, item_id: int) -> tuple[str, list[Item]] | None:
    """The ``franchises.json`` series a film belongs to and its films in the catalogue, oldest
    first ("alien": Alien, Aliens, Alien³, Alien: Resurrection), or None."""
    for name, ids in catalogue.derived("series films", _series_films).items():
        if item_id in ids:
            films = sorted(catalogue.many(sorted(ids)), key=lambda i: (i.year or 10_000, i.item_id))
            return name, films
    return None


def _series_films(catalogue: Catalogue) -> dict[str, frozenset[int]]:
    return {
        name: frozenset(
            franchise_members(catalogue, name)
            | {i.item_id for i in catalogue if in_series(natural_title(i.title), name)}
        )
        for name in series_names()
    }
