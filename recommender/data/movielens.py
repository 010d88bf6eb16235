"""Parsers for the MovieLens archives (GroupLens zips and the RecBole atomic files)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from recommender.data.catalogue import split_title_year
from recommender.data.sources import Source
from recommender.errors import DataError

ML_100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip


@dataclass(frozen=True)
class RawItem:
    raw_id: str
    title: str
    year: int | None
    genres: tuple[str, ...]
    description: str = ""


@dataclass
class RawData:
    """Items in catalogue order and interactions in source order, before any filtering."""

    items: list[RawItem] = field(default_factory=list)
    interactions: list[tuple[str, str, int]] = field(default_factory=list)  # (user, item, time)


def _lines(archive: zipfile.ZipFile, member: str, encoding: str) -> Iterator[tuple[int, str]]:
    try:
        raw = archive.read(member)
    except KeyError as exc:
        raise DataError(f"{member} is missing from the archive") from exc
    text = io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline=None)
    for number, line in enumerate(text, start=1):
        line = line.rstrip("\r\n")
        if line:
            yield number, line


def _int(value: str, member: str, number: int) -> int:
    try:
        return int(float(value))
    except ValueError as exc:
        raise DataError(f"{member}:{number}: {value!r} is not a number") from exc


def _grouplens_1m(archive: zipfile.ZipFile, prefix: str) -> RawData:
    data = RawData()
    member = prefix + "movies.dat"
    for number, line in _lines(archive, member, "latin-1"):
        parts = line.split("::")
        if len(parts) != 3:
            raise DataError(f"{member}:{number}: expected 3 fields, got {len(parts)}")
        title, year = split_title_year(parts[1])
        genres = tuple(g for g in parts[2].split("|") if g)
        data.items.append(RawItem(parts[0], title, year, genres))
    member = prefix + "ratings.dat"
    for number, line in _lines(archive, member, "latin-1"):
        parts = line.split("::")
        if len(parts) != 4:
            raise DataError(f"{member}:{number}: expected 4 fields, got {len(parts)}")
        data.interactions.append((parts[0], parts[1], _int(parts[3], member, number)))
    return data


def _grouplens_100k(archive: zipfile.ZipFile, prefix: str) -> RawData:
    data = RawData()
    member = prefix + "u.item"
    for number, line in _lines(archive, member, "latin-1"):
        parts = line.split("|")
        if len(parts) != 5 + len(ML_100K_GENRES):
            raise DataError(f"{member}:{number}: expected 24 fields, got {len(parts)}")
        title, year = split_title_year(parts[1])
        if year is None and parts[2][-4:].isdigit():
            year = int(parts[2][-4:])
        flags = parts[5:]
        genres = tuple(g for g, f in zip(ML_100K_GENRES, flags, strict=True) if f == "1")
        data.items.append(RawItem(parts[0], title, year, genres))
    member = prefix + "u.data"
    for number, line in _lines(archive, member, "latin-1"):
        parts = line.split("\t")
        if len(parts) != 4:
            raise DataError(f"{member}:{number}: expected 4 fields, got {len(parts)}")
        data.interactions.append((parts[0], parts[1], _int(parts[3], member, number)))
    return data


def _atomic(archive: zipfile.ZipFile, member: str) -> Iterator[tuple[int, dict[str, str]]]:
    """RecBole atomic files: tab-separated with a typed header (``name:type``)."""
    rows = _lines(archive, member, "utf-8")
    try:
        _, header = next(rows)
    except StopIteration as exc:
        raise DataError(f"{member} is empty") from exc
    names = [column.split(":")[0] for column in header.split("\t")]
    for number, line in rows:
        values = line.split("\t")
        if len(values) != len(names):
            raise DataError(f"{member}:{number}: expected {len(names)} fields, got {len(values)}")
        yield number, dict(zip(names, values, strict=True))


def _recbole(archive: zipfile.ZipFile, prefix: str) -> RawData:
    data = RawData()
    member = prefix + ".item"
    for _, row in _atomic(archive, member):
        title, year_in_title = split_title_year(row["movie_title"])
        year_text = row.get("release_year", "").strip()
        # the wheel's ML-100k has "unkonwn" for one item: an unknown year, not a broken file
        year = int(float(year_text)) if year_text.replace(".", "", 1).isdigit() else year_in_title
        genres = tuple((row.get("genre") or row.get("class") or "").split())
        data.items.append(RawItem(row["item_id"], title, year, genres))
    member = prefix + ".inter"
    for number, row in _atomic(archive, member):
        data.interactions.append(
            (row["user_id"], row["item_id"], _int(row["timestamp"], member, number))
        )
    return data


_PARSERS = {"grouplens-1m": _grouplens_1m, "grouplens-100k": _grouplens_100k, "recbole": _recbole}


def read_archive(path: Path, source: Source) -> RawData:
    """Parse a verified archive into items and interactions."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _PARSERS[source.layout](archive, source.member_prefix)
    except zipfile.BadZipFile as exc:
        raise DataError(f"{path} is not a readable zip archive") from exc
