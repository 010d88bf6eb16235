"""Bring your own catalogue: two CSV files in a folder, read into the same ``RawData``.

``items.csv``: ``id,title[,year][,genres][,description]`` (genres separated by ``|``).
``interactions.csv``: ``user,item,timestamp`` (unix seconds or an ISO date / datetime).
See ``data/README.md`` for the full format.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

from recommender.data.catalogue import split_title_year
from recommender.data.movielens import RawData, RawItem
from recommender.errors import DataError

ITEM_COLUMNS = ("id", "title")
OPTIONAL_ITEM_COLUMNS = ("year", "genres", "description")
INTERACTION_COLUMNS = ("user", "item", "timestamp")
MAX_REPORTED = 10


def _parse_time(value: str) -> int:
    value = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return int(float(value))
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _rows(path: Path, required: tuple[str, ...]) -> tuple[list[str], list[tuple[int, dict]]]:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in required if c not in header]
            if missing:
                raise DataError(
                    f"{path}:1: missing column(s) {', '.join(missing)}; header is {header}"
                )
            reader.fieldnames = header
            rows = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise DataError(f"{path}: unreadable CSV ({exc})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    return header, rows


def _raise_if(problems: list[str]) -> None:
    if problems:
        more = len(problems) - MAX_REPORTED
        text = "\n  ".join(problems[:MAX_REPORTED])
        suffix = f"\n  ... and {more} more" if more > 0 else ""
        raise DataError(f"bad rows in your data:\n  {text}{suffix}")


def read_csv_folder(folder: Path) -> RawData:
    """Read ``items.csv`` and ``interactions.csv``; every bad row is reported with file:line."""
    folder = Path(folder)
    items_path, inter_path = folder / "items.csv", folder / "interactions.csv"
    problems: list[str] = []
    data = RawData()
    seen: set[str] = set()
    _, rows = _rows(items_path, ITEM_COLUMNS)
    for line, row in rows:
        if None in row:
            problems.append(f"{items_path}:{line}: more fields than columns")
            continue
        item_id, title = (row.get("id") or "").strip(), (row.get("title") or "").strip()
        if not item_id:
            problems.append(f"{items_path}:{line}: empty id")
            continue
        if not title:
            problems.append(f"{items_path}:{line}: empty title for item {item_id!r}")
            continue
        if item_id in seen:
            problems.append(f"{items_path}:{line}: duplicate id {item_id!r}")
            continue
        title, year_in_title = split_title_year(title)
        year_text = (row.get("year") or "").strip()
        if year_text and not year_text.isdigit():
            problems.append(f"{items_path}:{line}: year {year_text!r} is not a number")
            continue
        year = int(year_text) if year_text else year_in_title
        genres = tuple(g.strip() for g in (row.get("genres") or "").split("|") if g.strip())
        description = (row.get("description") or "").strip()
        seen.add(item_id)
        data.items.append(RawItem(item_id, title, year, genres, description))
    _, rows = _rows(inter_path, INTERACTION_COLUMNS)
    for line, row in rows:
        if None in row:
            problems.append(f"{inter_path}:{line}: more fields than columns")
            continue
        user, item = (row.get("user") or "").strip(), (row.get("item") or "").strip()
        if not user or not item:
            problems.append(f"{inter_path}:{line}: empty user or item")
            continue
        if item not in seen:
            problems.append(f"{inter_path}:{line}: item {item!r} is not in items.csv")
            continue
        try:
            timestamp = _parse_time(row.get("timestamp") or "")
        except ValueError:
            problems.append(
                f"{inter_path}:{line}: timestamp {row.get('timestamp')!r} is neither unix "
                "seconds nor an ISO date"
            )
            continue
        data.interactions.append((user, item, timestamp))
    _raise_if(problems)
    if not data.items:
        raise DataError(f"{items_path}: no items")
    if not data.interactions:
        raise DataError(f"{inter_path}: no interactions")
    return data
