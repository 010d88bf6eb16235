"""Pastes that are data structures rather than lines: JSON exports and Markdown tables.

- **JSON** (a Trakt-style history, a script's output, an app's export): a list of strings, or
  of objects with a title (``title`` / ``name`` / ``movie``..., or a nested ``movie`` /
  ``item`` object that has one), an optional year and an optional date (``watched_at``,
  ``date``, ...); an object holding such a list under ``history`` / ``movies`` / ``items`` /
  ``watched`` / ``ratings`` works too. :func:`json_entries` reads them.
- **Markdown tables** (``| Title | Year |`` rows, a ``|---|`` separator): :func:`markdown_table`
  turns them into tab-separated lines, which the CSV reader then reads with its header logic.

Nothing in a paste is ever evaluated: JSON is parsed with ``json.loads`` only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

TITLE_KEYS = ("title", "name", "movie_title", "film", "movie", "product_name", "item_name")
YEAR_KEYS = ("year", "release_year", "released", "releaseyear")
DATE_KEYS = (
    "watched_at",
    "watcheddate",
    "watched_date",
    "date_watched",
    "last_watched_at",
    "date",
    "viewed_at",
    "rated_at",
    "timestamp",
)
LIST_KEYS = ("history", "movies", "films", "items", "watched", "ratings", "entries", "data")
NESTED_KEYS = ("movie", "film", "item", "show")
MAX_ENTRIES = 10_000
_SEPARATOR_CELL = re.compile(r"^:?-{2,}:?$")


@dataclass(frozen=True)
class Entry:
    """One title read from a structured paste."""

    index: int  # 1-based position in the paste's list
    title: str
    year: int | None = None
    date: str | None = None
    tv: bool = False  # a show or an episode (Trakt's "type": "episode"): a film only by name


_TV_TYPES = frozenset({"episode", "show", "season", "series", "tv", "tvshow", "tv_show"})


def _lowered(obj: dict[str, Any]) -> dict[str, Any]:
    return {str(k).strip().lower().replace(" ", "_"): v for k, v in obj.items()}


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((obj[k] for k in keys if obj.get(k) not in (None, "")), None)


def _entry(index: int, value: Any) -> Entry | None:
    if isinstance(value, str):
        return Entry(index, value.strip()) if value.strip() else None
    if not isinstance(value, dict):
        return None
    obj = _lowered(value)
    tv = str(obj.get("type", "")).strip().lower() in _TV_TYPES or isinstance(
        obj.get("episode"), dict
    )
    title = _first(obj, TITLE_KEYS)
    if isinstance(title, dict):  # {"movie": {"title": ...}}
        obj, title = {**obj, **_lowered(title)}, None
    if title is None:
        for key in NESTED_KEYS:
            if isinstance(obj.get(key), dict):
                nested = _lowered(obj[key])
                obj = {**nested, **{k: v for k, v in obj.items() if k != key}}
                title = _first(nested, TITLE_KEYS)
                break
    if not isinstance(title, str | int) or not str(title).strip():
        return None
    year_value = _first(obj, YEAR_KEYS)
    match = re.search(r"(?:18|19|20)\d\d", str(year_value)) if year_value is not None else None
    date = _first(obj, DATE_KEYS)
    return Entry(
        index,
        str(title).strip(),
        int(match.group()) if match else None,
        str(date).strip() if date is not None else None,
        tv,
    )


def json_entries(text: str) -> list[Entry] | None:
    """The titles of a JSON paste, or ``None`` when ``text`` is not JSON of a known shape."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        data = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict):
        lowered = _lowered(data)
        data = next((lowered[k] for k in LIST_KEYS if isinstance(lowered.get(k), list)), [data])
    if not isinstance(data, list):
        return None
    entries = [_entry(n, value) for n, value in enumerate(data[:MAX_ENTRIES], start=1)]
    found = [e for e in entries if e is not None]
    return found or None


def markdown_table(lines: list[str]) -> list[str] | None:
    """Tab-separated rows of a Markdown table (separator rows dropped), or ``None`` when most
    lines are not table rows."""
    rows = [line.strip() for line in lines if line.strip()]
    table = [row for row in rows if row.startswith("|") and row.endswith("|") and len(row) > 2]
    if len(rows) < 2 or len(table) < 0.8 * len(rows):
        return None
    out = []
    for row in table:
        cells = [cell.strip() for cell in row[1:-1].split("|")]
        if all(_SEPARATOR_CELL.match(cell) for cell in cells if cell):
            continue
        out.append("\t".join(cells))
    return out or None
