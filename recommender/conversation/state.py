"""Per-session conversation state: what the user watched, said and was shown.

Both dataclasses are plain data (lists, ints, strings) so ``copy.deepcopy`` gives a fully
independent copy; the orchestrator never mutates a state it was given, it returns a new one.
``to_dict`` / ``from_dict`` turn them into JSON-ready dicts and back (browser storage, the
API session store); both walk the dataclass fields, so a field added later round-trips
without touching the (de)serialisation code.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

GenreMode = Literal["all", "any"]


@dataclass
class Constraints:
    """What the user asked for, accumulated across turns (all genre names are catalogue names)."""

    include_genres: list[str] = field(default_factory=list)  # wanted genres (see genre_mode)
    genre_mode: GenreMode = "all"  # "all": every included genre; "any": at least one ("a or b")
    exclude_genres: list[str] = field(default_factory=list)  # items with any of these are dropped
    # items with all genres of one of these are dropped ("no romcoms": [Comedy, Romance])
    exclude_genre_sets: list[list[str]] = field(default_factory=list)
    prefer_genres: list[str] = field(default_factory=list)  # soft boost only ("lighter" -> Comedy)
    year_min: int | None = None  # inclusive lower bound on the release year
    year_max: int | None = None  # inclusive upper bound on the release year
    exclude_years: list[list[int]] = field(default_factory=list)  # [lo, hi] ranges ruled out
    exclude_title_words: list[str] = field(default_factory=list)  # "nothing from Star Wars"
    # "no vampires", "nothing about time travel": subjects (subjects.json) whose films go,
    # rather than a whole genre
    exclude_subjects: list[str] = field(default_factory=list)
    exclude_sequels: bool = False  # "no sequels": titles that mark a later film of a series
    # "not part of any franchise": the first films of a series too (implies exclude_sequels)
    exclude_series: bool = False
    # "popular stuff" -> "popular" (only the most watched), "hidden gems" -> "obscure" (none
    # of them), "" -> either (retrieval.popular_share says how many count as most watched)
    popularity: str = ""
    anchors: list[int] = field(default_factory=list)  # item ids the user wants "more like"
    # "a cross between Alien and Groundhog Day", "Fargo meets Toy Story": like all the
    # anchors at once, not like any one of them
    blend: bool = False
    # "like Inception": well-known films the catalogue lacks (conversation/newer_titles.py,
    # "Inception (2010)"), whose genres stand in for them; read only through that table
    outside_anchors: list[str] = field(default_factory=list)
    avoid: list[int] = field(default_factory=list)  # "nothing like Heat": away from these
    k: int | None = None  # how many recommendations were asked for (None: the app default)
    query: str = ""  # sanitised leftover free text for semantic search ("" if none)
    # the part of ``query`` that describes ("christmas", "vampire"), without the names of
    # titles the catalogue lacks ("like Harry Potter" is searched by its name, but its words
    # are no topic): what the retriever lifts and an explanation may quote
    topic: str = ""
    said_topic: str = ""  # ``topic`` as a reply may quote it ("" when it must not: see quotable)
    unsupported: list[str] = field(default_factory=list)  # noted wishes the data cannot serve

    def is_empty(self) -> bool:
        """True when nothing at all was asked for (a cold start needs a question)."""
        return not (
            self.include_genres
            or self.exclude_genres
            or self.exclude_genre_sets
            or self.prefer_genres
            or self.year_min is not None
            or self.year_max is not None
            or self.exclude_years
            or self.exclude_title_words
            or self.exclude_subjects
            or self.exclude_sequels
            or self.popularity
            or self.anchors
            or self.outside_anchors
            or self.avoid
            or self.query
        )

    def allows(self, genres: tuple[str, ...] | list[str], year: int | None) -> bool:
        """Hard filter: genre include/exclude and year range (an unknown year passes ranges)."""
        have = set(genres)
        if have & set(self.exclude_genres):
            return False
        if any(set(together) <= have for together in self.exclude_genre_sets):
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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Constraints:
        """The inverse of ``to_dict``; raises ``StateFormatError`` on malformed input."""
        return _from_dict(cls, data, "constraints")


@dataclass
class SessionState:
    """One chat session. Item ids are catalogue ids (1..N); lists keep first-seen order."""

    history: list[int] = field(default_factory=list)  # watched items, oldest first, no repeats
    history_dated: bool = False  # the history's order comes from dates (an export), not typing
    liked: list[int] = field(default_factory=list)  # thumbs up (also used as soft anchors)
    disliked: list[int] = field(default_factory=list)  # thumbs down: never recommend again
    seen: list[int] = field(default_factory=list)  # "I've seen it": do not recommend again
    skipped: list[int] = field(default_factory=list)  # passed over ("something else")
    chosen: list[int] = field(default_factory=list)  # "I'll watch the 2nd": picks chosen
    # films named as a measure ("like Alien", "same director as Jaws"): the user knows them,
    # so they are never offered back, even after the request moves on ("more like that")
    named: list[int] = field(default_factory=list)
    # the last turn's verdict on picks ("seen", "liked", "disliked"; "" for any other turn):
    # what "and the 4th" goes on with
    last_feedback: str = ""
    # the genres the last turn asked about one pick ("is the first one scary?": Horror): what
    # "what about the third?" asks of that pick
    last_asked: list[str] = field(default_factory=list)
    constraints: Constraints = field(default_factory=Constraints)  # active constraints
    last_recommendations: list[int] = field(default_factory=list)  # last reply's items, in order
    # the pick last asked about ("why the 2nd one?"): what "it" / "that one" mean next
    focus: int | None = None
    turn: int = 0  # number of user turns processed so far
    birth_year: int | None = None  # "I was born in 1985" / "I'm 35": for "from my childhood"
    # life-relative periods said before the birth year was known ("childhood", "not:teens")
    pending_life_periods: list[str] = field(default_factory=list)
    # the constraints before the last turn that changed them: "undo that", "go back"
    undo_constraints: Constraints | None = None
    # the picks before the last swap ("replace the third with something funnier"): what
    # "undo" brings back (a swap changes the list, not the request)
    undo_picks: list[int] = field(default_factory=list)

    def copy(self) -> SessionState:
        """A fully independent deep copy."""
        return copy.deepcopy(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (constraints nested)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> SessionState:
        """The inverse of ``to_dict``; raises ``StateFormatError`` on malformed input.

        Missing fields take their defaults (a state saved before a field existed still
        loads); unknown fields are ignored; a value of the wrong type is an error, never
        silently coerced."""
        return _from_dict(cls, data, "state")

    def item_ids(self) -> set[int]:
        """Every catalogue id the state refers to (to check a restored state against the
        catalogue)."""
        found: set[int] = set()
        for name in ITEM_ID_FIELDS:
            found.update(getattr(self, name))
        for name in CONSTRAINT_ITEM_ID_FIELDS:
            found.update(getattr(self.constraints, name))
        return found

    def excluded_ids(self) -> set[int]:
        """Items that must not be recommended: history, seen, disliked, skipped and named."""
        return (
            set(self.history)
            | set(self.seen)
            | set(self.disliked)
            | set(self.skipped)
            | set(self.named)
        )

    def add_history(self, item_ids: list[int]) -> None:
        """Append watched items in order; a repeat moves to its latest position."""
        new = list(item_ids)
        fresh = set(new)
        self.history = [i for i in self.history if i not in fresh] + _dedupe_keep_last(new)

    def replace_history(self, old: int, new: int) -> None:
        """ "No, the other Titanic": ``new`` takes ``old``'s place in the history and in what
        the user said of it (liked, disliked, seen)."""
        for items in (self.history, self.liked, self.disliked, self.seen):
            if old in items:
                items[items.index(old)] = new
                while items.count(new) > 1:  # already there: keep the first
                    del items[len(items) - 1 - items[::-1].index(new)]

    def remove_history(self, item_id: int) -> None:
        """ "remove Alien from my list": no longer watched (it may be recommended again)."""
        _remove(self.history, item_id)

    @property
    def taste_history(self) -> list[int]:
        """The history the models read: without the titles the user said they disliked, or
        that the request is to be nothing like ("nothing like Fargo" after pasting Fargo had
        kept Fargo as the reason for Fargo-like picks)."""
        left_out = set(self.disliked) | set(self.constraints.avoid)
        return [i for i in self.history if i not in left_out]

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


# Fields that hold catalogue item ids (checked against the catalogue when a state is restored).
ITEM_ID_FIELDS = (
    "history",
    "liked",
    "disliked",
    "seen",
    "skipped",
    "chosen",
    "named",
    "last_recommendations",
    "undo_picks",
)
CONSTRAINT_ITEM_ID_FIELDS = ("anchors", "avoid")


def _add(values: list[int], item_id: int) -> None:
    if item_id not in values:
        values.append(item_id)


def _remove(values: list[int], item_id: int) -> None:
    if item_id in values:
        values.remove(item_id)


def _dedupe_keep_last(item_ids: list[int]) -> list[int]:
    last = {item_id: pos for pos, item_id in enumerate(item_ids)}
    return sorted(last, key=last.__getitem__)


class StateFormatError(ValueError):
    """A serialised state that cannot be read back (corrupt, wrong types, not a dict)."""


_D = TypeVar("_D")


def _from_dict(cls: type[_D], data: Any, where: str) -> _D:
    if not isinstance(data, dict):
        raise StateFormatError(f"{where}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    values = {
        f.name: _read(data[f.name], hints[f.name], f"{where}.{f.name}")
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.init and f.name in data
    }
    return cls(**values)


def _read(value: Any, hint: Any, where: str) -> Any:
    """``value`` (parsed JSON) checked against the type hint ``hint`` and converted to it."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return copy.deepcopy(value)
    if dataclasses.is_dataclass(hint):
        return _from_dict(hint, value, where)  # type: ignore[arg-type]
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _read(value, arg, where)
            except StateFormatError:
                continue
        raise StateFormatError(f"{where}: {value!r} is none of {hint}")
    if origin is Literal:
        if value in args:
            return value
        raise StateFormatError(f"{where}: {value!r} is not one of {args}")
    if origin in (list, tuple, set, frozenset):
        if not isinstance(value, list):
            raise StateFormatError(f"{where}: expected a list, got {type(value).__name__}")
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            args = (args[0],)
        if origin is tuple and len(args) > 1:
            if len(value) != len(args):
                raise StateFormatError(f"{where}: expected {len(args)} values")
            pairs = enumerate(zip(value, args, strict=True))
            return tuple(_read(v, a, f"{where}[{n}]") for n, (v, a) in pairs)
        inner = args[0] if args else Any
        return origin(_read(v, inner, f"{where}[{n}]") for n, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise StateFormatError(f"{where}: expected an object, got {type(value).__name__}")
        key_hint, value_hint = args or (Any, Any)
        return {
            _read(k, key_hint, where): _read(v, value_hint, f"{where}.{k}")
            for k, v in value.items()
        }
    if hint is type(None):
        if value is None:
            return None
        raise StateFormatError(f"{where}: expected null")
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise StateFormatError(f"{where}: expected true/false, got {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise StateFormatError(f"{where}: expected an integer, got {value!r}")
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise StateFormatError(f"{where}: expected a number, got {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise StateFormatError(f"{where}: expected a string, got {type(value).__name__}")
    raise StateFormatError(f"{where}: cannot read a value of type {hint}")
