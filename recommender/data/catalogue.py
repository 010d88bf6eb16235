"""The item catalogue: ids, titles, years, genres and the text used for embeddings."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

PADDING_ID = 0  # item id 0 is reserved for padding in every model; real items are 1..N

_ARTICLE_SUFFIX = re.compile(
    r"^(?P<rest>.*?), (?P<article>The|A|An|Les|La|Le|L'|Il|Das|Der|Die|El)(?P<alt>\s*\(.*\))?$"
)
_TITLE_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)\s*$")


def split_title_year(text: str) -> tuple[str, int | None]:
    """``"Heat (1995)"`` -> ``("Heat", 1995)``; a title without a year gives ``None``."""
    match = _TITLE_YEAR.match(text.strip())
    if match:
        return match.group("title").strip(), int(match.group("year"))
    return text.strip(), None


def natural_title(title: str) -> str:
    """Move a trailing article to the front: ``"Matrix, The"`` -> ``"The Matrix"``.

    An alternative title in brackets stays at the end: ``"Shop, The (Sklep)"`` ->
    ``"The Shop (Sklep)"``.
    """
    match = _ARTICLE_SUFFIX.match(title.strip())
    if not match:
        return title.strip()
    article = match.group("article")
    sep = "" if article.endswith("'") else " "
    return f"{article}{sep}{match.group('rest')}{match.group('alt') or ''}"


def normalise_title(title: str) -> str:
    """Lower-case, accents and punctuation removed, article moved: the key for title lookups."""
    text = unicodedata.normalize("NFKD", natural_title(title.strip()))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Item:
    """One catalogue item. ``item_id`` is dense (1..N); ``raw_id`` is the source's own id."""

    item_id: int
    raw_id: str
    title: str  # as in the source, e.g. "Matrix, The"
    year: int | None = None
    genres: tuple[str, ...] = ()
    description: str = ""

    @property
    def display_title(self) -> str:
        """``"The Matrix (1999)"``: what users read."""
        name = natural_title(self.title)
        return f"{name} ({self.year})" if self.year else name

    @property
    def text(self) -> str:
        """The text that is embedded: title, year, genres and description."""
        parts = [self.display_title]
        if self.genres:
            parts.append("Genres: " + ", ".join(self.genres) + ".")
        if self.description:
            parts.append(self.description)
        return " ".join(parts)


T = TypeVar("T")


@dataclass
class Catalogue:
    """All items of a dataset, indexed by dense id and by normalised title."""

    items: list[Item]
    _by_title: dict[str, list[Item]] = field(init=False, repr=False)
    _by_raw_id: dict[str, Item] = field(init=False, repr=False)
    _derived: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        for position, item in enumerate(self.items, start=1):
            if item.item_id != position:
                raise ValueError(f"item ids must be dense 1..N; got {item.item_id} at {position}")
        index: dict[str, list[Item]] = defaultdict(list)
        for item in self.items:
            index[normalise_title(item.title)].append(item)
        self._by_title = dict(index)
        self._by_raw_id = {item.raw_id: item for item in self.items}

    def __len__(self) -> int:
        return len(self.items)

    def derived(self, name: str, build: Callable[[Catalogue], T]) -> T:
        """Something computed once from all the items and then kept (the items never change),
        so that a chat turn does not scan a large catalogue again: ``name`` identifies it."""
        if name not in self._derived:
            self._derived[name] = build(self)
        return self._derived[name]

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    @property
    def num_items(self) -> int:
        return len(self.items)

    def get(self, item_id: int) -> Item:
        """The item with this dense id; ``KeyError`` for padding or unknown ids."""
        if not 1 <= item_id <= len(self.items):
            raise KeyError(f"no item with id {item_id}")
        return self.items[item_id - 1]

    def many(self, item_ids: Iterable[int]) -> list[Item]:
        return [self.get(i) for i in item_ids]

    def by_title(self, title: str, year: int | None = None) -> list[Item]:
        """Exact lookup after normalisation; ``"Heat (1995)"`` and ``("heat", 1995)`` both work."""
        name, parsed_year = split_title_year(title)
        year = year if year is not None else parsed_year
        found = self._by_title.get(normalise_title(name), [])
        if year is not None:
            found = [item for item in found if item.year == year]
        return list(found)

    def by_raw_id(self, raw_id: str) -> Item | None:
        """The item with the source's own id (an ASIN, a CSV ``id``), or ``None``."""
        return self._by_raw_id.get(raw_id)

    def title_keys(self) -> dict[str, list[Item]]:
        """Normalised title -> items (for fuzzy matchers)."""
        return self._by_title

    @property
    def genres(self) -> list[str]:
        """Every genre name, sorted (computed once: the parser asks for it per genre word)."""
        return list(self.derived("genres", _all_genres))

    def texts(self, item_ids: Sequence[int] | None = None) -> list[str]:
        items = self.items if item_ids is None else self.many(item_ids)
        return [item.text for item in items]


def _all_genres(catalogue: Catalogue) -> tuple[str, ...]:
    return tuple(sorted({g for item in catalogue.items for g in item.genres}))
