"""Series whose films do not all carry the series name: "no Bond films" (GoldenEye, Dr. No),
"none of the Indiana Jones films" (Raiders of the Lost Ark), "skip the Alien franchise"
(Aliens).

"Nothing from X" rules out every title that carries X; this adds the members that do not.
The series are data (``franchises.json``: name -> titles with years, plus aliases such as
"bond" and "007"), read once; a member counts only where the catalogue has that title of
that year (within a year), so another catalogue, or a remake, is never caught by mistake.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from recommender.data.catalogue import Catalogue, natural_title

YEAR_TOLERANCE = 1


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", "")))


@cache
def _data() -> dict:
    """``franchises.json`` as read (once)."""
    text = resources.files("recommender.conversation").joinpath("franchises.json").read_text()
    return json.loads(text)


@cache
def _table() -> tuple[dict[str, list[tuple[str, int]]], dict[str, str]]:
    data = _data()
    aliases = {_key(a): _key(name) for a, name in data.get("_aliases", {}).items()}
    series = {
        _key(name): [(title, int(year)) for title, year in members]
        for name, members in data.items()
        if not name.startswith("_")
    }
    return series, aliases


def series_names() -> tuple[str, ...]:
    """The series of ``franchises.json`` by their own names (no aliases), in file order."""
    return tuple(_table()[0])


def franchise_names() -> frozenset[str]:
    """Every series name and alias known here (normalised: lower case, words only)."""
    series, aliases = _table()
    return frozenset(series) | frozenset(aliases)


def series_subjects() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Series asked for by name ("a Rambo movie", "an Indy film"): name -> (its name as
    spelled, the words for it: its name and aliases). Not those whose name is an everyday
    word ("an alien movie" is a film about aliens): ``_not_subjects`` in the data."""
    series, aliases = _table()
    spelled = {_key(n): n for n in _data() if not n.startswith("_")}
    not_subjects = frozenset(_key(n) for n in _data().get("_not_subjects", []))
    return {
        name: (spelled[name], (name, *(a for a, target in aliases.items() if target == name)))
        for name in series
        if name not in not_subjects
    }


def series_of(name: str) -> str:
    """The series ``name`` or an alias of it names ("Bond", "007" -> "james bond"), else ""."""
    series, aliases = _table()
    key = aliases.get(_key(name), _key(name))
    return key if key in series else ""


def members(catalogue: Catalogue, name: str) -> set[int]:
    """The catalogue ids of the films of series ``name`` that do not carry its name."""
    series, aliases = _table()
    key = _key(name)
    wanted = series.get(aliases.get(key, key), [])
    if not wanted:
        return set()
    index = catalogue.derived("franchise titles", _titles)
    found: set[int] = set()
    for title, year in wanted:
        for item_id, item_year in index.get(_key(title), []):
            if item_year is None or abs(item_year - year) <= YEAR_TOLERANCE:
                found.add(item_id)
    return found


def _titles(catalogue: Catalogue) -> dict[str, list[tuple[int, int | None]]]:
    index: dict[str, list[tuple[int, int | None]]] = {}
    for item in catalogue:
        index.setdefault(_key(natural_title(item.title)), []).append((item.item_id, item.year))
    return index
