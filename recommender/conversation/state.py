"""Per-session conversation state: what the user watched, said and was shown.

Both dataclasses are plain data (lists, ints, strings) so ``copy.deepcopy`` gives a fully
independent copy; the orchestrator never mutates a state it was given, it returns a new one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Literal

GenreMode = Literal["all", "any"]


@dataclass
class Constraints:
    """What the user asked for, accumulated across turns (all genre names are catalogue names)."""

    include_genres: list[str] = field(default_factory=list)  # wanted genres (see genre_mode)
    genre_mode: GenreMode = "all"  # "all": every included genre; "any": at least one ("a or b")
    exclude_genres: list[str] = field(default_factory=list)  # items with any of these are dropped
    prefer_genres: list[str] = field(default_factory=list)  # soft boost only ("lighter" -> Comedy)
    year_min: int | None = None  # inclusive lower bound on the release year
    year_max: int | None = None  # inclusive upper bound on the release year
    exclude_years: list[list[int]] = field(default_factory=list)  # [lo, hi] ranges ruled out
    exclude_title_words: list[str] = field(default_factory=list)  # "nothing from Star Wars"
    anchors: list[int] = field(default_factory=list)  # item ids the user wants "more like"
    k: int | None = None  # how many recommendations were asked for (None: the app default)
    query: str = ""  # sanitised leftover free text for semantic search ("" if none)
    unsupported: list[str] = field(default_factory=list)  # noted wishes the data cannot serve

    def is_empty(self) -> bool:
        """True when nothing at all was asked for (a cold start needs a question)."""
        return not (
            self.include_genres
            or self.exclude_genres
            or self.prefer_genres
            or self.year_min is not None
            or self.year_max is not None
            or self.exclude_years
            or self.exclude_title_words
            or self.anchors
            or self.query
        )

    def allows(self, genres: tuple[str, ...] | list[str], year: int | None) -> bool:
        """Hard filter: genre include/exclude and year range (an unknown year passes ranges)."""
        have = set(genres)
        if have & set(self.exclude_genres):
            return False
        if self.include_genres:
            wanted = set(self.include_genres)
            if self.genre_mode == "all" and not wanted <= have:
                return False
            if self.genre_mode == "any" and not wanted & have:
                return False
        if year is not None:
            if self.year_min is not None and year < self.year_min:
                return False
            if self.year_max is not None and year > self.year_max:
                return False
            if any(lo <= year <= hi for lo, hi in self.exclude_years):
                return False
        return True

    def copy(self) -> Constraints:
        return copy.deepcopy(self)


@dataclass
class SessionState:
    """One chat session. Item ids are catalogue ids (1..N); lists keep first-seen order."""

    history: list[int] = field(default_factory=list)  # watched items, oldest first, no repeats
    liked: list[int] = field(default_factory=list)  # thumbs up (also used as soft anchors)
    disliked: list[int] = field(default_factory=list)  # thumbs down: never recommend again
    seen: list[int] = field(default_factory=list)  # "I've seen it": do not recommend again
    skipped: list[int] = field(default_factory=list)  # passed over ("something else")
    constraints: Constraints = field(default_factory=Constraints)  # active constraints
    last_recommendations: list[int] = field(default_factory=list)  # last reply's items, in order
    turn: int = 0  # number of user turns processed so far

    def copy(self) -> SessionState:
        """A fully independent deep copy."""
        return copy.deepcopy(self)

    def excluded_ids(self) -> set[int]:
        """Items that must not be recommended: history, seen, disliked and skipped."""
        return set(self.history) | set(self.seen) | set(self.disliked) | set(self.skipped)

    def add_history(self, item_ids: list[int]) -> None:
        """Append watched items in order; a repeat moves to its latest position."""
        new = list(item_ids)
        fresh = set(new)
        self.history = [i for i in self.history if i not in fresh] + _dedupe_keep_last(new)

    def mark_liked(self, item_id: int) -> None:
        _add(self.liked, item_id)
        _remove(self.disliked, item_id)

    def mark_disliked(self, item_id: int) -> None:
        _add(self.disliked, item_id)
        _remove(self.liked, item_id)
        if item_id in self.constraints.anchors:
            self.constraints.anchors.remove(item_id)

    def mark_seen(self, item_id: int) -> None:
        _add(self.seen, item_id)

    def mark_skipped(self, item_id: int) -> None:
        _add(self.skipped, item_id)


def _add(values: list[int], item_id: int) -> None:
    if item_id not in values:
        values.append(item_id)


def _remove(values: list[int], item_id: int) -> None:
    if item_id in values:
        values.remove(item_id)


def _dedupe_keep_last(item_ids: list[int]) -> list[int]:
    last = {item_id: pos for pos, item_id in enumerate(item_ids)}
    return sorted(last, key=last.__getitem__)
