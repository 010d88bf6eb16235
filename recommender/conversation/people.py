"""Names of film people and studios in a request ("something with Tom Hanks", "a Spielberg
film", "no John Wayne", "skip anything Disney").

The catalogue has no cast, crew or studio, so such a wish cannot be served: the reply says
so, and the name is never searched as text (a search for "Tom Hanks" finds *Tom Jones*). The
names are data (``names.json``: well-known actors, directors and studios, lower case), read
once on first use. A title that carries a name ("Chaplin", "Nixon") is matched as a title by
the request parser before this runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

NameKind = Literal["people", "studios"]

# what may come before a name and belongs to the wish: "nothing with", "a", "directed by"
_BEFORE = (
    r"(?:(?:(?:no|not|nothing|none|without|skip|avoid|anything but)\s+(?:anything\s+|any\s+"
    r"|more\s+|of\s+)?)?(?:with|starring|featuring|by|from|directed by|made by)\s+"
    r"|(?:no|not|nothing|without|skip|avoid)\s+(?:anything\s+|any\s+|more\s+)?)?"
)
# what may follow it: "Tom Hanks movies", "Spielberg's", "Disney stuff", "with De Niro in it"
_AFTER = (
    r"(?:[\s-]+(?:movies?|films?|stuff|ones|flicks?|type|style|esque|kind|classics?"
    r"|productions?|pictures?|in it|in them))?"
)


@dataclass(frozen=True)
class NameMention:
    name: str  # as found (lower case)
    kind: NameKind
    start: int  # the span to consume, with the words around the name that belong to it
    end: int
    name_start: int  # where the name itself is, to show it as the user typed it
    name_end: int


@cache
def _names() -> dict[str, NameKind]:
    text = resources.files("recommender.conversation").joinpath("names.json").read_text("utf-8")
    data = json.loads(text)
    found: dict[str, NameKind] = {}
    for kind in ("people", "studios"):
        for name in data[kind]:
            found[name.lower()] = kind
    return found


@cache
def _pattern() -> re.Pattern[str]:
    names = sorted(_names(), key=len, reverse=True)  # "tony scott" before "scott"
    alternatives = "|".join(re.escape(name).replace(r"\ ", r"\s+") for name in names)
    return re.compile(rf"{_BEFORE}(?<![\w'-])(?P<name>{alternatives})(?:'?s)?(?!\w){_AFTER}")


def find_names(work: str) -> list[NameMention]:
    """Every known name in ``work`` (lower case), left to right."""
    mentions = []
    for match in _pattern().finditer(work):
        name = re.sub(r"\s+", " ", match.group("name"))
        mentions.append(
            NameMention(
                name=name,
                kind=_names()[name],
                start=match.start(),
                end=match.end(),
                name_start=match.start("name"),
                name_end=match.end("name"),
            )
        )
    return mentions


def note_for(shown: str, kind: NameKind) -> str:
    """What the reply says about a wish for ``shown`` (a person or a studio)."""
    if kind == "studios":
        return (
            f"The catalogue doesn't say which studio made a film, so I can't look for {shown} "
            "(noted, but not applied)."
        )
    return (
        f"The catalogue has no cast or crew, so I can't look for {shown} (noted, but not applied)."
    )
