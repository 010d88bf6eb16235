"""Genre phrases in a message: where they are (:func:`genre_pattern`), what they mean
(:func:`genre_word`: their ``GENRE_VOCABULARY`` entry) and the catalogue's own name for a
genre (:func:`resolve_genre`: "Children's" in one catalogue, "Children" in another).
"""

from __future__ import annotations

import re
from functools import cache

from recommender.conversation.request_words import GENRE_VOCABULARY, GenreWord
from recommender.data.catalogue import Catalogue


def genre_word(phrase: str) -> GenreWord | None:
    """The vocabulary entry of a genre phrase as matched ("sci fi", "sci-fi", "rom com")."""
    phrase = re.sub(r"[\s-]+", " ", phrase).strip()
    return GENRE_VOCABULARY.get(phrase) or GENRE_VOCABULARY.get(phrase.replace(" ", "-"))


@cache
def genre_pattern() -> re.Pattern[str]:
    """Every genre phrase of the vocabulary, longest first (built once: a module constant)."""
    phrases = sorted(GENRE_VOCABULARY, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"[\s-]+") for p in phrases)
    return re.compile(rf"(?<![\w'-])(?P<g>{body})(?:e?s)?(?![\w']|-(?!free\b))")


def resolve_genre(name: str, catalogue: Catalogue) -> str | None:
    def key(text: str) -> str:
        return re.sub(r"[^a-z]", "", text.lower()).removesuffix("s")

    wanted = key(name)
    return next((g for g in catalogue.genres if key(g) == wanted), None)
