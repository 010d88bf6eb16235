"""Two films side by side: "how is Seven like Heat?", "what do the third one and Fargo have
in common?", answered from what the catalogue and the watch data know, never guessed.

The facts: the genres both have and the ones only one has, how far apart their years are,
and how often the people who watched one also watched the other (against the usual rate).
Plots, cast and tone are not in the data; the answer says so instead of inventing them.
"""

from __future__ import annotations

from dataclasses import dataclass

from recommender.data.catalogue import Item
from recommender.wording import CatalogueWords, join_words

MIN_PAIR_VIEWERS = 20  # a co-watching rate is quoted only with this many people behind it
NEAR_LIFT = 1.2  # a lift under this is "about as often as anyone"


@dataclass(frozen=True)
class Together:
    """How often the watchers of ``other`` also watched ``item``."""

    both: int  # people who watched both
    other_viewers: int  # people who watched ``other``
    lift: float  # P(item | other) / P(item)


def compare(item: Item, other: Item, together: Together | None, words: CatalogueWords) -> list[str]:
    """Sentences that set ``item`` beside ``other``, from genres, years and co-watching."""
    lines = [_genres(item, other)]
    years = _years(item, other)
    if years:
        lines.append(years)
    if together is not None and together.both >= MIN_PAIR_VIEWERS:
        share = together.both / max(1, together.other_viewers)
        rate = (
            f"{together.lift:.1f} times the usual rate"
            if together.lift >= NEAR_LIFT
            else "about as often as anyone here"
        )
        lines.append(
            f"Of the {together.other_viewers:,} people here who {words.did} {other.display_title}, "
            f"{together.both:,} ({share:.0%}) also {words.did} {item.display_title}: {rate}."
        )
    elif together is not None:
        lines.append(
            f"Few people here {words.did} both ({together.both}), too few to say they go together."
        )
    lines.append(
        "I have no plots, cast or tone to compare, only genres, years and who watched what."
    )
    return lines


def _genres(item: Item, other: Item) -> str:
    shared = [g for g in item.genres if g in other.genres]
    only_item = [g for g in item.genres if g not in other.genres]
    only_other = [g for g in other.genres if g not in item.genres]
    if not shared:
        mine, theirs = join_words(item.genres) or "unlisted", join_words(other.genres) or "unlisted"
        return (
            f"They share no genre: {item.display_title} is {mine}, "
            f"{other.display_title} is {theirs}."
        )
    text = f"Both are {join_words(shared)}"
    extras = []
    if only_item:
        extras.append(f"{item.display_title} is also {join_words(only_item)}")
    if only_other:
        extras.append(f"{other.display_title} is also {join_words(only_other)}")
    return text + ("; " + ", ".join(extras) if extras else "") + "."


def _years(item: Item, other: Item) -> str:
    if item.year is None or other.year is None:
        return ""
    gap = abs(item.year - other.year)
    if gap == 0:
        return f"Both are from {item.year}."
    older, newer = (item, other) if item.year < other.year else (other, item)
    return (
        f"{newer.display_title} came {gap} year{'s' if gap != 1 else ''} after "
        f"{older.display_title}."
    )
