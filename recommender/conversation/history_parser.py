"""Turn what people paste into items: free lists, "date, product" lists, and exports
(Netflix / Letterboxd / IMDb, an Amazon order history, a generic CSV).

``parse_history(text_or_bytes, catalogue)`` returns a :class:`HistoryParse`: the matched
catalogue items in viewing order (oldest first, deduplicated, each with the line it came
from and a match score), the ambiguous lines with their best options, the unmatched lines
and notes for the user. Titles in a paste are data: they are only ever matched against the
catalogue, never interpreted. Where an export has an id column (an Amazon order history's ``ASIN``),
a row is matched by that id (the catalogue item's ``raw_id``) first and by its title after.
"""

from __future__ import annotations

import csv
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from recommender.conversation.people import find_names
from recommender.conversation.structured_paste import json_entries, markdown_table
from recommender.conversation.title_matcher import TitleMatch, TitleMatcher, title_key
from recommender.conversation.verdict_words import BLOWN_AWAY, BORED, CRITICISM, MOVED, PRAISE
from recommender.data.catalogue import Catalogue, Item

__all__ = [
    "AmbiguousLine",
    "HistoryParse",
    "MatchedLine",
    "TitleMatch",
    "TitleMatcher",
    "UnmatchedLine",
    "clean_text",
    "decode_paste",
    "parse_history",
]

logger = logging.getLogger(__name__)

MAX_LINES = 2_000  # lines (or CSV rows) considered per paste; the rest is reported in a note
MAX_INPUT_BYTES = 4_000_000  # larger pastes / files are cut (at a line end) before decoding
MAX_LINE_CHARS = 300  # longer lines are cut before matching
SHOWN_CHARS = 80  # unmatched / ambiguous text is shown back cut to this length
_MOVED_ARTICLES = frozenset(
    {"the", "a", "an", "le", "la", "les", "l'", "el", "il", "der", "die", "das"}
)
# a remark after a title: "(the first one)", "- loved it", "-- rewatch", ", with Sam"
_PAREN_REMARK = re.compile(r"\s*[(\[](?!\s*(?:18|19|20)\d\d\s*[)\]])(?P<inside>[^()\[\]]*)[)\]]")
_DASH_REMARK = re.compile(r"\s+(?:-{1,3}|[–—]{1,2}|\|)\s+|\s*(?:--|[–—])\s*")
# words that mark a comment, not a subtitle ("Alien - loved it", "Heat -- rewatch"); words
# that subtitles use ("first", "best", "with", "cut": "Urban Legends: Final Cut") are left out
_REMARK_WORDS = frozenset(
    """
    loved liked hated meh ok okay rewatch rewatched rewatching rewatchable favourite favorite
    favourites favorites fave fav masterpiece boring amazing awesome overrated underrated
    watched seen saw twice cinema theatre theater cried rating rated recommend recommended
    terrible awful decent solid wow ugh lol slept asleep enjoyed underwhelming disappointing
    great classic brilliant fantastic excellent perfect imax dvd bluray remastered uncut
    director better worse than again my me we our us i im ive it
    """.split()
)
_SERIES_REMARK = re.compile(r"\b(?:tv|series|season|miniseries|show|episode|remake)\b", re.I)
_BULLET = re.compile(
    r"^\s*(?:[-*+•·‣◦▪●○>–—]+|\(?(?:\d{1,4}[.)\]]|\d{1,3}:)(?!\d)|#\d{1,4}[.):]?)\s*",
)
_YEAR_PAREN = re.compile(r"\s*[(\[]\s*(?P<year>(?:18|19|20)\d\d)\s*[)\]]\s*")
_YEAR_TRAIL = re.compile(r"^(?P<title>.+?)[\s,\-–—/]+(?P<year>(?:18|19|20)\d\d)\s*$")
_TRAILING_JUNK = re.compile(
    r"(?:\s*[-–—|:,]?\s*(?:[★☆✩✪⭐]+½?|(?<!\d)½|\d{1,2}(?:\.\d)?\s*/\s*(?:5|10|100)|\(rewatch\)"
    r"|\d(?:\.\d)?\s*(?:stars?|out of (?:5|10|five|ten))"  # "5 stars", "4.5 out of 5"
    r"|(?<=\s)[x×]\s?\d{1,2}|(?<=\s)\d{1,2}\s?[x×]"  # "Heat x2", "Fargo 3x": times watched
    r"|(?<=[)\]])\s*\d{1,2}(?:\.\d)?))+\s*$",  # "Fight Club (1999) 10": a score after the year
    re.IGNORECASE,
)
# "1994 Pulp Fiction", "1994 - Pulp Fiction": a year before the title (tried after the line
# as written, so "1941" and "2001: A Space Odyssey" stay titles)
_YEAR_LEAD = re.compile(r"^(?P<year>(?:18|19|20)\d\d)\s*[-–—:.)|]?\s+(?P<title>\S.*)$")
# what the user thought, typed before the title or after it with no punctuation ("hated
# Fargo", "really enjoyed Heat", "Fargo was meh", "Alien sucked"): cut when the line as written
# matched nothing; the verdict itself is read by ``line_verdict``
_VERDICT_LEAD = re.compile(
    r"^(?:and\s+|but\s+)?(?:(?:i|we)\s+)?(?:(?:really|absolutely|totally|just|also|kinda)\s+)?"
    r"(?:loved|liked|enjoyed|adored|hated|disliked|didn'?t\s+(?:like|enjoy)|did\s+not\s+(?:like"
    r"|enjoy)|couldn'?t\s+stand|can'?t\s+stand|not\s+a\s+fan\s+of)\s+(?P<title>\S.*)$",
    re.IGNORECASE,
)
_VERDICT_TAIL = re.compile(
    r"^(?P<title>\S.*?)\s+(?:(?:was|is|were)\s+(?:(?:so|really|very|pretty|just|kinda|a\s+bit"
    rf"|absolutely|totally)\s+)?(?:{PRAISE}|{CRITICISM}|ok|okay|fine|not\s+(?:great|good))"
    rf"|sucked|sucks|rocked|rocks|ruled|{BLOWN_AWAY}|{BORED})\s*[.!]*$",
    re.IGNORECASE,
)
_SERIES = re.compile(
    r":\s*(?:season|series|part|volume|vol\.|book|chapter|episode|limited series|collection)\b"
    r"|:\s*(?:staffel|temporada|saison|stagione|seizoen|teil|folge|temporada|episodio"
    r"|épisode|capítulo|parte|deel|aflevering|miniserie)\b",
    re.IGNORECASE,
)
_BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x7fELF", b"MZ")
_HEADER_TITLE = (
    "title",
    "name",
    "movie",
    "film",
    "movie title",
    "movie_title",
    "film title",
    "product name",
    "product",
    "product title",
    "item name",
    "item",
)
# an id column: matched against the catalogue's raw ids (an Amazon ASIN is a parent_asin when
# the product has no variants); a bare "id" is left out (a row number would match ML-1M ids)
_HEADER_ID = ("asin", "asin/isbn", "parent_asin", "parent asin", "product id", "item id", "sku")
_HEADER_YEAR = ("year", "release year", "release_year", "released")
_HEADER_DATE = (
    "watched date",
    "date watched",
    "order date",
    "purchase date",
    "date purchased",
    "order_date",
    "watched",
    "date rated",
    "start time",
    "date",
    "timestamp",
    "watched_at",
    "viewed",
)
_TV_TYPES = {"tv series", "tvseries", "tv episode", "tvepisode", "tv mini series", "tvminiseries"}
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d.%m.%y",  # a German Netflix export: "02.01.23"
    "%d %b %Y",
    "%b %d, %Y",
)


@dataclass(frozen=True)
class MatchedLine:
    """One pasted line (or CSV row) that matched a catalogue item."""

    item_id: int  # catalogue id
    title: str  # the item's display title, e.g. "The Matrix (1999)"
    line_no: int  # 1-based physical line in the decoded paste
    text: str  # the text that was matched (cleaned, cut to SHOWN_CHARS)
    score: float  # 100 = exact title (and year); lower = fuzzy similarity
    date: str | None = None  # the row's date as written, when the format has one
    # what a typed remark on the line said of the film: "liked" ("loved it", "10/10",
    # "★★★★★"), "disliked" ("hated it", "boring", "2/10") or "" (no remark, or an export)
    verdict: str = ""


@dataclass(frozen=True)
class AmbiguousLine:
    """A line that fits several catalogue items about equally well."""

    line_no: int  # 1-based physical line
    text: str  # cleaned text, cut to SHOWN_CHARS
    options: tuple[int, ...]  # candidate item ids, best first
    option_titles: tuple[str, ...]  # their display titles, same order
    # an export row's film as its other columns name it: original title and year ("The Lord
    # of the Rings: The Fellowship of the Ring (2001)" for "Der Herr der Ringe: Die Gefährten")
    named_as: str = ""
    verdict: str = ""  # what the line said of the film ("Titanic 3/10": "disliked")


@dataclass(frozen=True)
class UnmatchedLine:
    """A line that matched nothing (or could not be read)."""

    line_no: int  # 1-based physical line (0 when not tied to a line)
    text: str  # cleaned text, cut to SHOWN_CHARS
    reason: str  # short reason for the user ("no similar title", "broken CSV row: ...")
    named_as: str = ""  # as ``AmbiguousLine.named_as``


@dataclass
class HistoryParse:
    """Everything the parser found; ``item_ids`` is the history to use, oldest first."""

    matched: list[MatchedLine] = field(default_factory=list)  # deduplicated, oldest first
    ambiguous: list[AmbiguousLine] = field(default_factory=list)  # in paste order
    unmatched: list[UnmatchedLine] = field(default_factory=list)  # in paste order
    notes: list[str] = field(default_factory=list)  # messages for the user
    # list | dated-list | netflix | letterboxd | imdb | amazon | csv | json | empty | binary
    format: str = "empty"
    encoding: str = ""  # how bytes were decoded ("" for text input)
    dated: bool = False  # the order comes from real dates (an export), not from typing
    episodes_skipped: int = 0  # export rows of TV episodes whose show is no catalogue film

    @property
    def item_ids(self) -> list[int]:
        return [m.item_id for m in self.matched]

    @property
    def ok(self) -> bool:
        """False when the input could not be read at all (binary, empty)."""
        return self.format not in ("binary", "empty")


# ----------------------------------------------------------------------------- decoding


def decode_paste(data: str | bytes) -> tuple[str | None, str, list[str]]:
    """Bytes or text -> (text or None when binary, encoding used, notes)."""
    notes: list[str] = []
    if isinstance(data, str):
        if "\x00" in data:
            return None, "", [_BINARY_MESSAGE]
        return data, "", notes
    raw = bytes(data)
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig", notes
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), "utf-16", notes
    if raw.startswith(_BINARY_MAGIC):
        return None, "", [_BINARY_MESSAGE]
    sample = raw[:4096]
    if sample and b"\x00" in sample:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > len(sample) / 4 and even == 0:
            return raw.decode("utf-16-le", errors="replace"), "utf-16-le", notes
        if even > len(sample) / 4 and odd == 0:
            return raw.decode("utf-16-be", errors="replace"), "utf-16-be", notes
        return None, "", [_BINARY_MESSAGE]
    try:
        return raw.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        pass
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    if sample and controls / len(sample) > 0.05:
        return None, "", [_BINARY_MESSAGE]
    try:
        text, encoding = raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, encoding = raw.decode("latin-1"), "latin-1"
    notes.append(
        f"The file is not UTF-8; it was read as {encoding} (Latin-1). "
        "If accented titles look wrong, export it again as UTF-8."
    )
    return text, encoding, notes


_BINARY_MESSAGE = (
    "This looks like a binary file (an image, spreadsheet or archive), not text. "
    "Paste the titles, or upload a CSV export (Netflix, Letterboxd, IMDb) or a plain list."
)


def clean_text(text: str) -> str:
    """NFC, control and format characters (bidi marks, zero-width) removed, spaces collapsed."""
    if text.isascii() and text.isprintable():  # the common case, ~20x faster
        return " ".join(text.split())
    text = unicodedata.normalize("NFC", text)
    spaces = "\t\u00a0\n\r\v\f"  # a line break is a space, not nothing ("Hi\nthere")
    text = "".join(
        " " if ch in spaces else ch
        for ch in text
        if ch in spaces or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )
    return re.sub(r"\s+", " ", text).strip()


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


# ----------------------------------------------------------------------------- formats


@dataclass
class _Row:
    """One entry to match: the title, an optional year / date, and where it came from."""

    line_no: int  # 1-based physical line
    title: str  # raw title text
    year: int | None = None  # from a year column
    date: str | None = None  # as written
    series: bool = False  # a Netflix series episode (match the show name)
    original_title: str = ""  # IMDb's "Original Title" column, tried when the title is unsure
    item_code: str = ""  # an id column's value (an ASIN), tried before the title
    verdict: str = ""  # "liked" / "disliked" from a rating column ("Your Rating" 9 of 10)


# a Netflix export's two columns in the account's language (German, French, Spanish, Italian,
# Portuguese, Dutch, Polish): read as "Title" and "Date"
_LOCAL_HEADERS = {
    **dict.fromkeys(("titel", "titre", "título", "titulo", "titolo", "tytuł"), "title"),
    **dict.fromkeys(("datum", "fecha", "data"), "date"),
}


MAX_PREAMBLE_LINES = 2  # lines a paste may carry above its CSV header ("My Netflix history")


def _detect_csv(header_line: str) -> tuple[str, str, list[str]] | None:
    """(format, delimiter, lower-cased header) when the first line is a known CSV header."""
    for delimiter in (",", ";", "\t"):
        if delimiter not in header_line and delimiter != ",":
            continue
        fields = [f.strip().strip('"').strip().lower() for f in _split_csv(header_line, delimiter)]
        if len(fields) == 2 and all(f in _LOCAL_HEADERS or f in ("title", "date") for f in fields):
            fields = [_LOCAL_HEADERS.get(f, f) for f in fields]  # "Titel,Datum"
        names = set(fields)
        if "const" in names and "position" in names and "your rating" not in names:
            return "imdb-watchlist", delimiter, fields  # films to watch, not watched
        if ("order id" in names or "order date" in names) and names & {
            "asin",
            "asin/isbn",
            "product name",
        }:
            return "amazon", delimiter, fields
        if "letterboxd uri" in names and "name" in names:
            return "letterboxd", delimiter, fields
        if "const" in names and "title" in names:
            return "imdb", delimiter, fields
        if (
            "title" in names
            and ("date" in names or "start time" in names)
            and (len(fields) == 2 or "profile name" in names)
        ):
            return "netflix", delimiter, fields
        if len(fields) >= 2 and names & set(_HEADER_TITLE):
            return "csv", delimiter, fields
    return None


def _split_csv(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
    except (csv.Error, StopIteration):
        return line.split(delimiter)


def _rows_from_csv(
    lines: list[tuple[int, str]], fmt: str, delimiter: str, header: list[str], out: HistoryParse
) -> list[_Row]:
    def column(*names: str) -> int | None:
        for name in names:
            if name in header:
                return header.index(name)
        return None

    if fmt == "letterboxd":
        title_col = column("name")
    elif fmt == "imdb":
        title_col = column("title", "original title")
    elif fmt == "amazon":
        title_col = column("product name", "title")
    else:
        title_col = column(*_HEADER_TITLE)
    original_col = column("original title") if fmt == "imdb" else None
    year_col = column(*_HEADER_YEAR)
    date_col = column(*_HEADER_DATE)
    type_col = column("title type") if fmt == "imdb" else None
    id_col = column(*_HEADER_ID)
    status_col = column("order status") if fmt == "amazon" else None
    rating_col = column("your rating", "rating", "my rating", "stars")
    ratings: dict[int, float] = {}  # row index -> the user's rating
    if title_col is None:  # an Amazon export with an ASIN column but no product name
        title_col = id_col
    assert title_col is not None
    rows: list[_Row] = []
    skipped_tv = skipped_cancelled = 0
    for line_no, line in lines:
        fields = _split_csv(line, delimiter)
        if len(fields) != len(header):
            if fmt == "netflix" and len(header) == 2 and len(fields) > 2:
                # an unquoted comma in the title: the date is after the last delimiter
                fields = [part.strip().strip('"') for part in line.rsplit(delimiter, 1)]
            elif len(fields) < len(header) or title_col >= len(fields):
                out.unmatched.append(
                    UnmatchedLine(
                        line_no,
                        _shown(clean_text(line)),
                        f"broken CSV row: {len(fields)} fields, expected {len(header)}",
                    )
                )
                continue
            else:
                # an unquoted delimiter inside the title ("Lock, Stock and Two Smoking
                # Barrels"): the extra fields are the title's, the columns after it shift
                extra = len(fields) - len(header)
                fields = [
                    *fields[:title_col],
                    (delimiter if delimiter == "\t" else delimiter + " ").join(
                        field.strip() for field in fields[title_col : title_col + extra + 1]
                    ),
                    *fields[title_col + extra + 1 :],
                ]
                out.notes.append(
                    f"Line {line_no}: {len(fields) + extra} fields instead of {len(header)}; "
                    "read the extra ones as part of the title."
                )
        if status_col is not None and status_col < len(fields):
            if fields[status_col].strip().lower() in ("cancelled", "canceled"):
                skipped_cancelled += 1
                continue
        code = fields[id_col].strip() if id_col is not None and id_col < len(fields) else ""
        title = fields[title_col].strip() or code
        if not title:
            out.unmatched.append(UnmatchedLine(line_no, "", "empty title"))
            continue
        if type_col is not None and type_col < len(fields):
            if fields[type_col].strip().lower() in _TV_TYPES:
                skipped_tv += 1
                continue
        year = None
        if year_col is not None and year_col < len(fields):
            match = re.search(r"(?:18|19|20)\d\d", fields[year_col])
            year = int(match.group()) if match else None
        date = None
        if date_col is not None and date_col < len(fields):
            date = fields[date_col].strip() or None
        series = fmt == "netflix" and bool(_SERIES.search(title))
        original = ""
        if original_col is not None and original_col != title_col and original_col < len(fields):
            original = fields[original_col].strip()
        if rating_col is not None and rating_col < len(fields):
            value = re.fullmatch(r"\s*(\d{1,2}(?:\.\d)?)\s*", fields[rating_col])
            if value:
                ratings[len(rows)] = float(value.group(1))
        rows.append(_Row(line_no, title, year, date, series, original, code))
    # IMDb rates out of 10, Letterboxd out of 5; another export by what its ratings reach
    scale = (
        10 if fmt == "imdb" or (fmt != "letterboxd" and max(ratings.values(), default=0) > 5) else 5
    )
    for index, rating in ratings.items():
        rows[index].verdict = rating_verdict(rating, scale)
    if skipped_tv:
        out.notes.append(f"Skipped {skipped_tv} TV series / episode rows (movies only).")
    if skipped_cancelled:
        out.notes.append(f"Skipped {skipped_cancelled} cancelled order rows.")
    return rows


# "2024-03-01, Wireless Mouse", "03/01/2024 - Wireless Mouse", "2024-03-01<TAB>Wireless Mouse"
_DATED_LINE = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|\d{4}/\d{2}/\d{2}|\d{1,2}\.\d{1,2}\.\d{4})\s*(?:[,;\t|:]|\s[-–—]\s|\s)\s*"
    r"(?P<title>\S.*)$"
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# a date in front of one line of a typed list ("01/02/2023 - The Matrix", "Feb 10: Heat",
# "10 March 2023 - Alien"): cut when the line as written matched nothing
_DATE_LEAD = re.compile(
    r"^\s*(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4}/\d{2}/\d{2}"
    r"|\d{1,2}\.\d{1,2}\.\d{2,4}"
    rf"|(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{_MONTH}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?)"
    r"\s*(?:[,;|:]|\s[-–—]\s|\s)\s*(?P<title>\S.*)$",
    re.IGNORECASE,
)
DATED_LIST_SHARE = 0.8  # a list is "date, product" when at least this share of lines start so


LIKED_SHARE, DISLIKED_SHARE = 0.8, 0.4  # ratings at or above / at or below: liked / disliked


def rating_verdict(rating: float, scale: int) -> str:
    """ "liked" for 4 of 5 or 8 of 10 and more, "disliked" for 2 of 5 or 4 of 10 and less."""
    if not 0 < rating <= scale:
        return ""  # 0 is "not rated" in exports that have no empty cells
    if rating >= LIKED_SHARE * scale:
        return "liked"
    return "disliked" if rating <= DISLIKED_SHARE * scale else ""


def _dated_rows(lines: list[tuple[int, str]]) -> list[_Row] | None:
    """Rows of a "date, product" list (no header), or ``None`` when the lines are not one."""
    found = [(n, _DATED_LINE.match(clean_text(line))) for n, line in lines]
    hits = sum(1 for _, match in found if match)
    if len(lines) < 2 or not found[0][1] or hits < DATED_LIST_SHARE * len(lines):
        return None
    rows = []
    for (n, match), (_, line) in zip(found, lines, strict=True):
        if match:
            title = match.group("title").strip().strip("\"'")
            rows.append(_Row(n, title, date=match.group("date")))
        else:
            rows.append(_Row(n, clean_text(line)))
    return rows


def _order_by_date(rows: list[_Row], newest_first: bool, out: HistoryParse) -> list[_Row]:
    """Oldest first: sort by the parsed date when every row has one, else keep file order."""
    if newest_first:
        rows = rows[::-1]
    dated = [r for r in rows if r.date]
    if not dated:
        return rows
    parsed = _parse_dates([r.date or "" for r in rows])
    if any(d is None for d in parsed):
        out.notes.append("Some dates could not be read; kept the order of the file.")
        return rows
    order = sorted(range(len(rows)), key=lambda i: parsed[i])  # stable: ties keep file order
    out.dated = True
    return [rows[i] for i in order]


def _parse_dates(values: Sequence[str]) -> list[datetime | None]:
    """Parse dates; slash dates are month-first unless some first number exceeds 12."""
    day_first = False
    for value in values:
        match = re.match(r"^\s*(\d{1,2})/(\d{1,2})/(\d{2,4})", value)
        if match and int(match.group(1)) > 12:
            day_first = True
            break
    slash = ("%d/%m/%Y", "%d/%m/%y") if day_first else ("%m/%d/%Y", "%m/%d/%y")
    formats = _DATE_FORMATS + slash
    result: list[datetime | None] = []
    for value in values:
        value = value.strip()
        found = None
        for fmt in formats:
            try:
                found = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        if found is not None and found.tzinfo is not None:  # aware and naive do not compare
            found = found.astimezone(UTC).replace(tzinfo=None)
        result.append(found)
    return result


# ----------------------------------------------------------------------------- free lists


def _from_cells(line: str, matcher: TitleMatcher) -> str:
    """ "Heat<TAB>1995<TAB>5" -> "Heat (1995)": a tab-separated row without a header reads as
    its first cell, with the first cell that is a year; a row whose every cell is a title
    ("Heat<TAB>Fargo<TAB>Alien", a spreadsheet row) reads as a list ("Heat; Fargo; Alien")."""
    if "\t" not in line:
        return line
    cells = [cell.strip() for cell in line.split("\t") if cell.strip()]
    if not cells:
        return ""
    year = next((c for c in cells[1:] if re.fullmatch(r"(?:18|19|20)\d\d", c)), None)
    if year is None and len(cells) > 1:
        if all(matcher.match(cell, exact_only=True).items for cell in cells):
            return "; ".join(cells)
    return f"{cells[0]} ({year})" if year else cells[0]


# "★★★★½ Heat (1995)", "½ Batman & Robin": stars in front of a title (a Letterboxd diary)
_LEADING_STARS = re.compile(r"^\s*(?:[★☆✩✪⭐]+\s*½?|½)\s*(?=\S)")


def _clean_list_line(line: str) -> str:
    """Bullets, numbering, surrounding quotes, ratings and stars removed."""
    text = _BULLET.sub("", line, count=1)
    text = _LEADING_STARS.sub("", text, count=1)
    text = _TRAILING_JUNK.sub("", text)
    return text.strip().strip("\"'“”‘’`").strip()


def _title_and_year(text: str) -> tuple[str, int | None, str | None]:
    """(title, year, title with a bare trailing number kept) from "Heat (1995)" / "Heat 1995"."""
    match = _YEAR_PAREN.search(text)
    if match:
        title = (text[: match.start()] + " " + text[match.end() :]).strip()
        return title, int(match.group("year")), None
    match = _YEAR_TRAIL.match(text)
    if match:
        return match.group("title").strip(), int(match.group("year")), text
    return text, None, None


def _split_parts(text: str) -> list[str]:
    """Split "Heat; Fargo" / "Heat, Matrix, The, Alien" keeping moved articles attached."""
    pieces = [p.strip() for p in text.split(";")] if ";" in text else [text]
    parts: list[str] = []
    for piece in pieces:
        for part in (p.strip() for p in piece.split(",")):
            if not part:
                continue
            if parts and not _TRAILING_JUNK.sub("", part).strip():
                continue  # "American Beauty, 1999, 5 stars": a rating, no title
            if parts and part.lower() in _MOVED_ARTICLES:
                parts[-1] = f"{parts[-1]}, {part}"  # "Matrix, The" was split at its comma
            elif parts and re.fullmatch(r"(?:18|19|20)\d\d", part):
                parts[-1] = f"{parts[-1]} ({part})"  # "Heat, 1995"
            elif parts and parts[-1].endswith(")") and re.fullmatch(r"\d{1,2}(?:[.,]\d)?", part):
                continue  # "Heat;1995;5": a score after the year, no title
            elif parts and _is_credit(part):
                continue  # "Casablanca, 1942, Curtiz": who made it, no title
            else:
                parts.append(part)
    return parts


_CREDIT_WORDS = re.compile(
    r"\b(?:by|dir|directed|director|d|and|&|the|brothers|bros|(?:18|19|20)\d\d)\b|[.,()\[\]|/-]"
)


def _is_credit(text: str) -> bool:
    """ "Ridley Scott", "dir. Coppola", "Tarantino - 1994", "Coen brothers": names of film
    people (``names.json``) and credit words, nothing else."""
    lowered = text.lower()
    mentions = find_names(lowered)
    if not mentions:
        return False
    rest = lowered
    for mention in mentions:
        rest = rest.replace(mention.name, " ")
    return not _CREDIT_WORDS.sub(" ", rest).strip()


# ----------------------------------------------------------------------------- main entry


def parse_history(
    data: str | bytes,
    catalogue: Catalogue,
    max_lines: int = MAX_LINES,
    matcher: TitleMatcher | None = None,
) -> HistoryParse:
    """Match a pasted or uploaded history against the catalogue (see the module docstring).

    ``matcher`` may be passed to reuse an index built once for ``catalogue``.
    """
    out = HistoryParse()
    if len(data) > MAX_INPUT_BYTES:
        cut = data[:MAX_INPUT_BYTES]
        newline = cut.rfind("\n" if isinstance(cut, str) else b"\n")
        data = cut[:newline] if newline > 0 else cut
        out.notes.append(
            f"The paste is very large; only its first {MAX_INPUT_BYTES:,} characters were read."
        )
    text, encoding, notes = decode_paste(data)
    out.notes.extend(notes)
    out.encoding = encoding
    if text is None:
        out.format = "binary"
        return out
    raw_lines = text.splitlines()
    lines = [(n, line) for n, line in enumerate(raw_lines, start=1) if clean_text(line)]
    if not lines:
        out.format = "empty"
        out.notes.append("The paste is empty: paste one title per line, or a CSV export.")
        return out

    matcher = matcher or TitleMatcher(catalogue)
    entries = json_entries(text)
    table = markdown_table([line for _, line in lines]) if entries is None else None
    if table is not None:  # "| Title | Year |" rows: read as tab-separated lines
        lines = [(n, row) for n, row in enumerate(table, start=1)]
    detected = None
    for at, (_, line) in enumerate(lines[: MAX_PREAMBLE_LINES + 1] if entries is None else []):
        first = line if "\t" in line else clean_text(line)  # tabs delimit
        detected = _detect_csv(first.lstrip("\ufeff"))
        if detected is not None:  # "Netflix Viewing History" above the header: not titles
            lines = lines[at:]
            break
    if entries is not None:
        out.format = "json"
        rows = [
            _Row(e.index, e.title[:MAX_LINE_CHARS], e.year, e.date, series=e.tv) for e in entries
        ]
        if len(rows) > max_lines:
            out.notes.append(f"Only the first {max_lines} of {len(rows)} entries were considered.")
            rows = rows[:max_lines]
        rows = _order_by_date(rows, newest_first=False, out=out)
        found = [_match_row(row, matcher, out) for row in rows]
    elif detected and detected[0] == "imdb-watchlist":
        out.format = "imdb-watchlist"
        rows = len(lines) - 1
        out.notes.append(
            f"This is an IMDb watchlist: {rows} {'film' if rows == 1 else 'films'} you want to "
            "watch, not ones you have watched, so none of it went into your history. Paste your "
            "ratings export (Your Ratings, Export) or a few films you liked instead."
        )
        found = []
    elif detected:
        fmt, delimiter, header = detected
        out.format = fmt
        rows = _rows_from_csv(lines[1:], fmt, delimiter, header, out)
        rows = _order_by_date(rows, newest_first=fmt == "netflix", out=out)
        if len(rows) > max_lines:
            out.notes.append(
                f"Only the {max_lines} most recent of {len(rows)} rows were considered."
            )
            rows = rows[-max_lines:]
        found = [_match_row(row, matcher, out) for row in rows]
    elif (dated_rows := _dated_rows(lines[:max_lines])) is not None:
        out.format = "dated-list"
        if len(lines) > max_lines:
            out.notes.append(f"Only the first {max_lines} of {len(lines)} lines were considered.")
        rows = _order_by_date(dated_rows, newest_first=False, out=out)
        found = [_match_row(row, matcher, out) for row in rows]
    else:
        out.format = "list"
        lines = [(n, _from_cells(line, matcher)) for n, line in lines]
        if len(lines) > max_lines:
            out.notes.append(f"Only the first {max_lines} of {len(lines)} lines were considered.")
            lines = lines[:max_lines]
        found = [_match_list_line(n, line, matcher, out) for n, line in lines]

    _collect(found, out)
    out.unmatched.sort(key=lambda u: u.line_no)
    if out.episodes_skipped:
        rows_word = "row" if out.episodes_skipped == 1 else "rows"
        out.notes.append(
            f"Skipped {out.episodes_skipped} TV episode {rows_word}: the catalogue has films only."
        )
    return out


# a line written as a sentence, not a title: "Watched: Heat, Fargo and also Toy Story. Loved
# Alien but hated Titanic.", "my favourites are Heat, Fargo and Alien"
_PROSE = re.compile(
    r"\b(?:i|i'?ve|i'?m|my|we|watched|loved|liked|hated|enjoyed|disliked|seen|saw|also|but"
    r"|recently|favou?rites?|and then|last (?:week|night|month))\b",
    re.IGNORECASE,
)
MAX_PROSE_LINES = 10  # an export is never prose
MIN_PROSE_WORDS = 4
SURE_LINE = 95.0  # a line matched this well is a title, however it reads ("My Fair Lady")


def reads_as_prose(text: str, catalogue: Catalogue, matcher: TitleMatcher | None = None) -> bool:
    """Whether a plain pasted list is really a few sentences about films, better read as the
    chat reads a message (titles found in the text, "loved" and "hated" kept) than line by
    line: most of its lines use sentence words, and none of those is a title as typed. The
    paste is parsed only when its words already read as sentences (most pastes do not)."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if clean_text(line)]
    if not lines or len(lines) > MAX_PROSE_LINES:
        return False
    worded = {
        n for n, line in lines if len(line.split()) >= MIN_PROSE_WORDS and _PROSE.search(line)
    }
    if 2 * len(worded) < len(lines):
        return False
    parsed = parse_history(text, catalogue, matcher=matcher)
    titles = {m.line_no for m in parsed.matched if m.score >= SURE_LINE}
    return parsed.format == "list" and 2 * len(worded - titles) >= len(lines)


def _collect(found: list[list[MatchedLine]], out: HistoryParse) -> None:
    """Flatten, then deduplicate keeping each item's last position."""
    flat = [m for group in found for m in group]
    last = {m.item_id: pos for pos, m in enumerate(flat)}
    out.matched = [flat[pos] for pos in sorted(last.values())]
    repeats = len(flat) - len(out.matched)
    if repeats:
        out.notes.append(
            "1 repeated entry was merged (latest position kept)."
            if repeats == 1
            else f"{repeats} repeated entries were merged (latest position kept)."
        )
    logger.debug(
        "history paste: %d matched, %d ambiguous, %d unmatched",
        len(out.matched),
        len(out.ambiguous),
        len(out.unmatched),
    )


def _match_row(row: _Row, matcher: TitleMatcher, out: HistoryParse) -> list[MatchedLine]:
    text = clean_text(row.title)[:MAX_LINE_CHARS]
    if row.item_code:
        item = matcher.catalogue.by_raw_id(row.item_code) or matcher.catalogue.by_raw_id(
            row.item_code.upper()
        )
        if item is not None:  # an id names one product: no title guessing
            shown = _shown(text)
            return [
                MatchedLine(item.item_id, item.display_title, row.line_no, shown, 100.0, row.date)
            ]
    if row.series:
        # a film whose title carries the word ("Star Wars: Episode VI: Return of the Jedi",
        # "Friday the 13th: Part 2") is that film; else a show, and only a film of exactly its
        # name may stand for it (not "Star Wars" for every "Star Wars: Episode ...")
        result = matcher.match(text, row.year, exact_only=True)
        if not result.items:
            result = matcher.match(_SERIES.split(text)[0].strip(), row.year, exact_only=True)
    else:
        # exports are typed by machines: a near title without a year to confirm it is a
        # different title ("The Witcher" is not "The Watcher"), so it is listed back
        result = _match_text(text, matcher, row.year, typos=row.year is not None)
        if row.original_title and (not result.items or result.ambiguous):
            original = _match_text(clean_text(row.original_title), matcher, row.year)
            result = _combine(result, original)
    name = clean_text(row.original_title or row.title)[:MAX_LINE_CHARS]
    named_as = f"{name} ({row.year})" if row.year else name if row.original_title else ""
    if result.items:
        found = _record(result, row.line_no, text, row.date, out, named_as)
        return [replace(m, verdict=row.verdict) for m in found] if row.verdict else found
    if row.series:  # a catalogue of films: counted in one note, not listed row by row
        out.episodes_skipped += 1
        return []
    out.unmatched.append(UnmatchedLine(row.line_no, _shown(text), "no similar title", named_as))
    return []


def _combine(title: TitleMatch, original: TitleMatch) -> TitleMatch:
    """An IMDb row's title and original title: the original decides among the title's options
    or stands in when the title matched nothing (a confident title is not second-guessed: ML-1M
    holds "Maybe, Maybe Not (Bewegte Mann, Der)" and "Der Bewegte Mann" as two items)."""
    if not original.items:
        return title
    if not title.items:
        return original
    if not original.ambiguous and original.items[0] in title.items:
        return original
    items = tuple(dict.fromkeys(title.items + original.items))
    return TitleMatch(items, max(title.score, original.score), True, title.how)


_DISLIKED_REMARK = re.compile(
    rf"\b(?:hated|hate it|disliked|didn'?t (?:like|enjoy)|did not (?:like|enjoy)|sucked|sucks"
    r"|(?:couldn'?t|can'?t) stand|not a fan|gave up|walked out|(?:couldn'?t|didn'?t) finish"
    rf"|fell asleep|waste of time|{BORED}|dragged|{CRITICISM}"
    r"|not (?:very |that |so )?(?:good|great|fun)"
    # a score at most 2 of 5 or 4 of 10 (as an export's rating column: ``rating_verdict``)
    r"|(?<![\d.])(?:(?:[0-1](?:\.5)?|2)\s*/\s*5|(?:[0-3](?:\.5)?|4)\s*/\s*10))(?![\w/.])"
    r"|(?<![\d.])(?:[0-1](?:\.5)?|2|zero|one|two|half a) stars?\b"  # "Titanic 1 star"
    r"|(?<![★⭐☆✩✪])(?:[★⭐]{1,2}(?![★⭐½])|(?<![\w.])½)"  # up to two stars of five: "★★", "½"
    r"|👎|😴|🥱|🤮|🤢|💩|😡|😠|🙄|😒|🙁|☹",  # "Alien 👎", "Titanic 😴"
    re.IGNORECASE,
)
_LIKED_REMARK = re.compile(
    rf"\b(?:loved|love it|liked|enjoyed|adored|rocked|rocks|ruled|favou?rite|{PRAISE}"
    rf"|{MOVED}"
    r"|(?<![\d.])(?:(?:8(?:\.5)?|9(?:\.5)?|10)\s*/\s*10|(?:4(?:\.5)?|5)\s*/\s*5))(?![\w/.])"
    r"|(?<![\d.])(?:4(?:\.5)?|5|four|five) stars\b"  # "Alien 5 stars"
    r"|[★⭐]{4,}|❤|😍|🥰|👍|🔥|💯|🤩|🙌|👌",  # "The Matrix ❤️", "Heat 🔥"
    re.IGNORECASE,
)


_VERDICT_EMOJI = "👎😴🥱🤮🤢💩😡😠🙄😒🙁☹❤😍🥰👍🔥💯🤩🙌👌"  # what the verdicts read off a line


def _remark(line: str, titles: Sequence[str]) -> str:
    """The words typed around titles: ``line`` without the titles' own words ("Hate (La
    Haine)" holds no remark, "Someone to Watch Over Me" no "to watch")."""
    title_words = {w for title in titles for w in title_key(title).split()}
    words = re.findall(rf"[\w'’./★⭐{_VERDICT_EMOJI}]+", line)
    return " ".join(w for w in words if title_key(w) not in title_words)


# someone else's verdict ("Fargo with my wife (she hated it)"): not the user's
_OTHERS_VERDICT = re.compile(
    r"\b(?:she|he|they|my (?:wife|husband|partner|gf|bf|girlfriend|boyfriend|son|daughter"
    r"|kids?|friends?|mum|mom|dad|parents?|sister|brother))\s+(?:\w+\s+){0,2}?(?:hated|loved"
    r"|liked|disliked|enjoyed|adored|didn'?t (?:like|enjoy)|thought)\b[^,;()]*",
    re.IGNORECASE,
)


def line_verdict(line: str, item: Item) -> str:
    """What the words typed around a title say of it ("Alien - hated it")."""
    remark = _remark(_OTHERS_VERDICT.sub(" ", line), [item.title])
    if _DISLIKED_REMARK.search(remark):
        return "disliked"
    if _LIKED_REMARK.search(remark):
        return "liked"
    return ""


# a line of a typed list that says the film is still to watch ("[ ] The Shining", "Heat (want
# to watch)", "Fargo - not seen yet"): left out of the history, and said so
_UNTICKED = re.compile(r"^\s*(?:[-*•]\s*)?(?:\[\s\]|☐|□)")
_NOT_WATCHED = re.compile(
    r"\b(?:want(?:ing)? to (?:watch|see)|to[- ]watch|on my (?:watch)?list|watchlist(?:ed)?"
    r"|(?:haven'?t|have not|not) (?:seen|watched)(?: it)?(?: yet)?|not yet (?:seen|watched)"
    r"|still to (?:watch|see)|next to watch|plan(?:ning)? to (?:watch|see))\b",
    re.IGNORECASE,
)


def _match_list_line(
    line_no: int, line: str, matcher: TitleMatcher, out: HistoryParse
) -> list[MatchedLine]:
    asked = len(out.ambiguous)
    found = _match_list_line_items(line_no, line, matcher, out)
    if not found and len(out.ambiguous) == asked + 1:  # "Titanic 3/10": which Titanic, and
        # what the line said of it (the score is no part of the name kept for the question)
        pending = out.ambiguous[-1]
        verdict = line_verdict(line, matcher.catalogue.get(pending.options[0]))
        if verdict:
            out.ambiguous[-1] = replace(pending, verdict=verdict)
    remark = _remark(line, [m.title for m in found])
    if found and (_UNTICKED.match(line) or _NOT_WATCHED.search(remark)):
        shown = ", ".join(m.title for m in found)
        out.notes.append(f"Left out {shown}: the line says it is still to watch.")
        return []
    if len(found) == 1:  # one title on the line: a remark on it is about it
        verdict = line_verdict(line, matcher.catalogue.get(found[0].item_id))
        if verdict:
            return [replace(found[0], verdict=verdict)]
    return found


def _match_list_line_items(
    line_no: int, line: str, matcher: TitleMatcher, out: HistoryParse
) -> list[MatchedLine]:
    text = _clean_list_line(clean_text(line)[:MAX_LINE_CHARS])
    if not text:
        return []
    if text.endswith(":") and not matcher.match(text[:-1], exact_only=True).items:
        return []  # a heading such as "My favourites:"
    whole = _match_text(text, matcher)
    if whole.items and (whole.score >= 95 or not re.search(r"[,;]", text)):
        return _record(whole, line_no, text, None, out)
    if re.search(r"[,;]", text):
        parts = _split_parts(text)
        results = [(part, _match_text(part, matcher, typos=False)) for part in parts]
        # a part only maybe a title ("Monsters" of "Monsters, Inc.": Gods and Monsters?) is
        # no sign of a list, unless every part names some title ("Heat, Casablanca")
        sure = [(p, r) for p, r in results if r.items and not r.ambiguous]
        good = [(p, r) for p, r in results if r.items]
        good = good if len(good) == len(parts) else sure
        # one part left is a row whose other cells were no titles ("Heat;1995;5")
        split = len(parts) > 1 or (len(parts) == 1 and parts[0] != text)
        if split and len(good) * 2 >= len(parts) and len(good) > (1 if whole.items else 0):
            matched: list[MatchedLine] = []
            for part, result in results:
                if result.items:
                    matched += _record(result, line_no, part, None, out)
                else:
                    out.unmatched.append(UnmatchedLine(line_no, _shown(part), "no similar title"))
            return matched
    if whole.items:
        return _record(whole, line_no, text, None, out)
    out.unmatched.append(UnmatchedLine(line_no, _shown(text), "no similar title"))
    return []


@dataclass(frozen=True)
class _Reading:
    """One way to read a line: the title part, its year, and whether what was cut is surely a
    remark ("- loved it") rather than maybe part of another film's title ("- Covenant")."""

    title: str
    year: int | None
    sure: bool = True
    cut: bool = False  # something was cut from the line as written


# a release of the same film, named after its title: never part of what to match
_EDITION = re.compile(
    r"[\s:,\-–—]*[(\[]?\s*(?:the\s+)?(?:final cut|director'?s cut|extended (?:cut|edition|version)"
    r"|special edition|theatrical (?:cut|version|release)|unrated(?: cut| version)?|remastered"
    r"|redux|(?:\d+(?:th|st|nd|rd)\s+)?anniversary edition|ultimate (?:cut|edition)"
    r"|4k(?: remaster)?|imax|3d|(?:blu-?ray|dvd)(?: edition)?)\s*[)\]]?\s*$",
    re.IGNORECASE,
)


# a title in quotes with a remark around it ('"Memento" (2000), loved it!!')
_QUOTED = re.compile(
    r"^(?:[^\"“”„«»]{0,40}[\"“„«»])?\s*(?P<title>[^\"“”„«»]{1,150}?)\s*[\"”“»](?P<rest>.*)$"
)
_YEAR_IN_REST = re.compile(r"^\W{0,3}(?P<year>(?:18|19|20)\d\d)\b")
# a remark typed after the title with no punctuation ("Toy Story 2 w/ the kids", "Heat again
# last night"); cut only when the line as written matched nothing
_SPACE_REMARK = re.compile(
    r"\s+(?=w/|(?:with (?:my|the kids|our|his|her|some|friends|family)|again|twice"
    r"|on (?:a (?:plane|flight|train)|netflix|tv|dvd|blu-?ray|vhs|the (?:plane|train|couch))"
    r"|at (?:home|the (?:cinema|movies|theat(?:er|re)|drive-in))"
    r"|in (?:the )?(?:cinema|theat(?:er|re)s?)|last (?:night|week|month|year|weekend)"
    r"|this (?:week|month|year|weekend|morning)|yesterday|today|tonight"
    r"|for the (?:first|second|third|\w+th) time)\b)",
    re.IGNORECASE,
)


_CREDIT = re.compile(r"\s+(?:by|dir\.?|directed by|d\.)\s+(?=\S)", re.IGNORECASE)


_SHORT_YEAR = re.compile(r"^(?P<title>\S.*?)\s+['’]?(?P<yy>\d\d)$")


def _readings(text: str) -> list[_Reading]:
    """The line as written, then without a remark in brackets, after a dash or a colon, or after
    a comma ("jurassic park (the first one)", "Alien - loved it", "Heat: rewatch, with Sam"),
    a quoted title with a remark around it, and the words before a remark typed without
    punctuation ("Toy Story 2 w/ the kids")."""
    cuts: list[tuple[str, bool]] = [(text, True)]
    quoted = _QUOTED.match(text)
    if quoted and quoted.group("title").strip():
        year = _YEAR_IN_REST.match(quoted.group("rest"))
        title = quoted.group("title").strip()
        cuts.append((f"{title} ({year.group('year')})" if year else title, True))
    spaced = _SPACE_REMARK.split(text, maxsplit=1)
    if len(spaced) > 1 and spaced[0].strip():
        cuts.append((spaced[0].strip(), True))
    credit = _CREDIT.search(text)  # "Alien by Ridley Scott", "The Godfather dir. Coppola"
    if credit and text[: credit.start()].strip():
        cuts.append((text[: credit.start()].strip(), _is_credit(text[credit.start() :])))
    for verdict in (_VERDICT_LEAD.match(text), _VERDICT_TAIL.match(text)):
        if verdict:  # "hated Fargo", "Fargo was meh"
            cuts.append((verdict.group("title").strip(), True))
    lead = _YEAR_LEAD.match(text)
    if lead:
        cuts.append((f"{lead.group('title')} ({lead.group('year')})", True))
    short = _SHORT_YEAR.match(text)  # "Batman 89", "King Kong '76": the year in two digits
    if short:
        yy = int(short.group("yy"))
        cuts.append((f"{short.group('title')} ({1900 + yy if yy >= 20 else 2000 + yy})", True))
    edition = _EDITION.sub("", text).strip()
    if edition and edition != text:  # "Blade Runner: The Final Cut", "Apocalypse Now Redux"
        cuts.append((edition, True))
    bare = _PAREN_REMARK.sub("", text).strip()
    if bare and bare != text:
        # "Fargo (TV series)" is not the film Fargo: ask
        inside = " ".join(m.group("inside") for m in _PAREN_REMARK.finditer(text))
        cuts.append((bare, not _SERIES_REMARK.search(inside)))
    for source in dict.fromkeys((text, bare)):
        pieces = _DASH_REMARK.split(source)
        if len(pieces) > 1 and pieces[0].strip():
            for k in range(len(pieces) - 1, 0, -1):
                head, remark = " - ".join(pieces[:k]), " ".join(pieces[k:])
                cuts.append((head, _is_remark(remark, head)))
        if ":" in source:
            head, remark = source.split(":", 1)
            if head.strip():
                cuts.append((head, _is_remark(remark, head)))
            if remark.strip():  # "Movies I gave up on: Titanic": a label, then the title
                cuts.append((remark, _is_label(head)))
        if "," in source:
            head, remark = source.rsplit(",", 1)
            if head.strip() and _is_remark(remark, head, by_case=False):
                cuts.append((head, True))
    readings: list[_Reading] = []
    for n, (cut, sure) in enumerate(cuts):
        title, year, literal = _title_and_year(_TRAILING_JUNK.sub("", cut).strip())
        readings.append(_Reading(title, year, sure, n > 0))
        if literal is not None:
            readings.append(_Reading(literal, None, sure, n > 0))
    dated = _DATE_LEAD.match(text)  # "Feb 10: Heat", "03/02/2023 - Fight Club (rewatch)"
    if dated and dated.group("title").strip() != text:
        readings += [replace(r, cut=True) for r in _readings(dated.group("title").strip())]
    return list(dict.fromkeys(readings))


def _is_label(head: str) -> bool:
    """Words before a colon that label what follows ("Movies I gave up on", "TV", "rewatched")
    rather than a title's first part ("Alien: Resurrection" is matched whole before this)."""
    words = re.findall(r"[^\W\d_]+", head)
    return bool(words) and len(words) <= MAX_LABEL_WORDS and any(w[0].islower() for w in words)


MAX_LABEL_WORDS = 8


def _is_remark(remark: str, head: str, by_case: bool = True) -> bool:
    """A comment rather than a subtitle: no letters ("★★★★"), a remark word ("loved it",
    "rewatch"), or (``by_case``) lower case after a capitalised title ("Alien - with Sam")."""
    words = re.findall(r"[^\W\d_]+", remark.lower())
    if not words:
        return True
    if any(word in _REMARK_WORDS for word in words) or _is_credit(remark):
        return True  # "Alien - loved it", "Pulp Fiction - Tarantino - 1994"
    stripped = remark.strip()
    return by_case and stripped[:1].islower() and any(ch.isupper() for ch in head)


def _match_text(
    text: str, matcher: TitleMatcher, year: int | None = None, typos: bool = True
) -> TitleMatch:
    """The best reading of a line: exact names first (every reading), typos only after.

    ``year`` (from an export's year column) overrides a year found in the text. A match found
    only by cutting something that might be a subtitle is returned as ambiguous, so the user
    sees it listed back instead of a silent guess; so is a film named in brackets that differs
    from the one outside them. ``typos=False`` (pieces of a line split at commas, where a
    piece may be half a title: "Monsters, Inc.") lists typo-tolerant matches back.
    """
    readings = _readings(text.strip())
    as_written = [r for r in readings if not r.cut]
    unsure: TitleMatch | None = None  # the first result that is not confident
    # the line as written first, typos included ("Urban Legend: Final Cut" is one title with a
    # slip, not "Urban Legend" and a remark), then the readings with something cut
    for stage in (as_written, [r for r in readings if r.cut]):
        for exact_only in (True, False):
            asked: TitleMatch | None = None  # the name as written fits several films
            for reading in stage:
                result = matcher.match(reading.title, year or reading.year, exact_only=exact_only)
                if not result.items:
                    continue
                if not reading.sure or (result.how == "typo" and not typos):
                    unsure = unsure or TitleMatch(result.items, result.score, True, result.how)
                elif result.ambiguous:
                    asked = asked or result
                elif "(" in reading.title or "[" in reading.title:
                    return result  # the brackets were part of the name that matched
                else:
                    return _check_brackets(result, text, matcher, year or reading.year)
            if asked is not None:  # ask rather than guess from a typo or a cut, unless
                # a surely-cut reading names one of the options exactly ("12/24 - Home Alone")
                confirmed = _exact_cut(readings, matcher, year, among=asked.items)
                if confirmed is None and not exact_only and stage is as_written:
                    # "Blade Runner: The Final Cut": a loose likeness of the whole line to
                    # another title ("Urban Legends: Final Cut") yields to an exact title cut
                    confirmed = _exact_cut(readings, matcher, year)
                return confirmed or asked
    if unsure is not None:
        return unsure
    for reading in readings:  # nothing matched: maybe a short form ("Willy Wonka")
        result = matcher.match_short(reading.title, year or reading.year)
        if result.items:
            if reading.sure:
                return result
            return TitleMatch(result.items, result.score, True, result.how)
    return TitleMatch((), 0.0, False)


def _exact_cut(
    readings: list[_Reading],
    matcher: TitleMatcher,
    year: int | None,
    among: Sequence[Item] | None = None,
) -> TitleMatch | None:
    """The one film a surely-cut reading names exactly (one of ``among``, when given)."""
    for reading in readings:
        if reading.cut and reading.sure:
            found = matcher.match(reading.title, year or reading.year, exact_only=True)
            if found.items and not found.ambiguous and (among is None or found.items[0] in among):
                return found
    return None


def _check_brackets(
    result: TitleMatch, text: str, matcher: TitleMatcher, year: int | None
) -> TitleMatch:
    """ "Les Quatre cents coups (The 400 Blows)" agrees with itself; "Heat (Alien)" does not."""
    for inside in _PAREN_REMARK.finditer(text):
        other = matcher.match(inside.group("inside"), year, exact_only=True)
        if other.items and not other.ambiguous and other.items[0] not in result.items:
            return TitleMatch(result.items + other.items[:1], result.score, True, result.how)
    return result


def _record(
    result: TitleMatch,
    line_no: int,
    text: str,
    date: str | None,
    out: HistoryParse,
    named_as: str = "",
) -> list[MatchedLine]:
    if result.ambiguous:
        out.ambiguous.append(
            AmbiguousLine(
                line_no,
                _shown(text),
                tuple(i.item_id for i in result.items[:5]),
                tuple(i.display_title for i in result.items[:5]),
                named_as,
            )
        )
        return []
    item = result.items[0]
    return [
        MatchedLine(item.item_id, item.display_title, line_no, _shown(text), result.score, date)
    ]
