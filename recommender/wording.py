"""What the app calls things, by catalogue: films are "watched", a shop's products "bought".

``words_for(dataset, kind)`` picks the words (``data.kind``: ``auto`` means movies for the
MovieLens sets and products for everything else), and ``catalogue_personas`` makes demo
personas from a catalogue's own held-out customers when the built-in film personas do not
apply.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from recommender.data.dataset import Dataset

KINDS = ("auto", "movies", "products")


@dataclass(frozen=True)
class CatalogueWords:
    """The nouns and verbs of one kind of catalogue, used in chat and UI text."""

    kind: str  # "movies" | "products"
    item: str  # one item: "movie" | "product"
    items: str  # several: "movies" | "products"
    did: str  # what a history records: "watched" | "bought"
    history: str  # "watch history" | "order history"
    exports: str  # the exports people can paste
    example: str  # an example request
    data_note: str  # the data source's terms, for the footer


MOVIE_WORDS = CatalogueWords(
    kind="movies",
    item="movie",
    items="movies",
    did="watched",
    history="watch history",
    exports="a Netflix / Letterboxd / IMDb export",
    example="something lighter from the 90s, no horror",
    data_note="MovieLens data: GroupLens terms, not redistributed",
)
PRODUCT_WORDS = CatalogueWords(
    kind="products",
    item="product",
    items="products",
    did="bought",
    history="order history",
    exports="an Amazon order-history CSV or “date, product” lines",
    example="something for the kitchen",
    data_note="catalogue data: its owner's terms",
)


def words_for(dataset: str, kind: str = "auto") -> CatalogueWords:
    """The words for ``dataset`` (``kind``: auto | movies | products)."""
    if kind not in KINDS:
        raise ValueError(f"data.kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "auto":
        kind = "movies" if dataset.startswith("ml-") else "products"
    return MOVIE_WORDS if kind == "movies" else PRODUCT_WORDS


@dataclass(frozen=True)
class PersonaSpec:
    """A demo persona: a name, a pasted history (display titles) and a request."""

    name: str
    history: tuple[str, ...]
    request: str


def catalogue_personas(
    dataset: Dataset, count: int = 3, length: int = 8, request: str = ""
) -> list[PersonaSpec]:
    """Up to ``count`` personas from the catalogue's own customers, one per main category.

    Each is a real user's history without its test item (their last ``length`` titles), named
    after the most common most-specific category in it; users are taken longest history first,
    so the result is deterministic.
    """
    order = sorted(range(dataset.num_users), key=lambda u: (-len(dataset.sequences[u]), u))
    personas: list[PersonaSpec] = []
    names: set[str] = set()
    for user in order:
        history = dataset.split.history(user, "test")[-length:]
        if len(history) < 3:
            continue
        items = dataset.catalogue.many(history)
        genres = Counter(item.genres[-1] for item in items if item.genres)
        label = genres.most_common(1)[0][0] if genres else "Regular"
        name = f"{label} shopper"
        if name in names:
            continue
        names.add(name)
        personas.append(PersonaSpec(name, tuple(i.display_title for i in items), request))
        if len(personas) == count:
            break
    return personas


_MARKUP = re.compile(r"([\\`*_{}\[\]#+!|<>~])")  # not "()": a link needs "]("
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]#+!|<>~])")


def md(text: str) -> str:
    """``text`` escaped for a Markdown reply: a pasted "[click](http://…)", "<b>" or
    "**" shows as typed, never as a link, tag or emphasis."""
    return _MARKUP.sub(r"\\\1", text)


def unmd(text: str) -> str:
    """The inverse of :func:`md`, for plain-text replies (the API)."""
    return _ESCAPED.sub(r"\1", text)


def join_words(words: Sequence[str], conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b and c" (or "a, b or c")."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def year_span(lo: int | None, hi: int | None) -> str:
    """A period as a reply says it: "1994", "the 1990s", "1990–1995", "from 1990 on",
    "up to 1976" (never "…–1976"); "" when neither end is set."""
    if lo is not None and hi is not None:
        if lo == hi:
            return str(lo)
        if lo % 10 == 0 and hi == lo + 9:
            return f"the {lo}s"
        return f"{lo}–{hi}"
    if lo is not None:
        return f"from {lo} on"
    return f"up to {hi}" if hi is not None else ""


def cut_at_word(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, never inside a word ("movie movie mo"
    had been searched as "mo")."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit].isalnum() and cut[-1:].isalnum():
        cut = re.sub(r"\w+$", "", cut)
    return cut
