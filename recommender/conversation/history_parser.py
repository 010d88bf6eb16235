"""Turn what people paste (free lists, Netflix / Letterboxd / IMDb / generic CSV) into items.

``parse_history(text_or_bytes, catalogue)`` returns a :class:`HistoryParse`: the matched
catalogue items in viewing order (oldest first, deduplicated, each with the line it came
from and a match score), the ambiguous lines with their best options, the unmatched lines
and notes for the user. Titles in a paste are data: they are only ever matched against the
catalogue, never interpreted.
"""

from __future__ import annotations

import csv
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from recommender.data.catalogue import Catalogue, Item, natural_title, normalise_title

logger = logging.getLogger(__name__)

MAX_LINES = 2_000  # lines (or CSV rows) considered per paste; the rest is reported in a note
MAX_INPUT_BYTES = 4_000_000  # larger pastes / files are cut (at a line end) before decoding
MAX_LINE_CHARS = 300  # longer lines are cut before matching
SHOWN_CHARS = 80  # unmatched / ambiguous text is shown back cut to this length
FUZZY_THRESHOLD = 80.0  # minimum similarity (0-100) for a fuzzy match
AMBIGUITY_MARGIN = 3.0  # two different titles within this many points are ambiguous
MIN_FUZZY_CHARS = 5  # shorter keys must match exactly (typos in 4 letters are guesses)
ALIAS_PENALTY = 5.0  # a match on the part before a colon ("Star Wars") scores this much lower

_ARTICLES = frozenset({"the", "a", "an"})
_MOVED_ARTICLES = _ARTICLES | {"le", "la", "les", "l'", "el", "il", "der", "die", "das"}
_BULLET = re.compile(
    r"^\s*(?:[-*+•·‣◦▪●○>–—]+|\(?\d{1,4}[.)\]:](?!\d)|#\d{1,4}[.):]?)\s*",
)
_YEAR_PAREN = re.compile(r"\s*[(\[]\s*(?P<year>(?:18|19|20)\d\d)\s*[)\]]\s*")
_YEAR_TRAIL = re.compile(r"^(?P<title>.+?)[\s,\-–—/]+(?P<year>(?:18|19|20)\d\d)\s*$")
_TRAILING_JUNK = re.compile(
    r"(?:\s*[-–—|:]?\s*(?:[★☆✩✪⭐½]+|\d{1,2}(?:\.\d)?\s*/\s*(?:5|10|100)|\(rewatch\)))+\s*$",
    re.IGNORECASE,
)
_SERIES = re.compile(
    r":\s*(?:season|series|part|volume|vol\.|book|chapter|episode|limited series|collection)\b"
    r"|:\s*(?:staffel|temporada|saison)\b",
    re.IGNORECASE,
)
_BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x7fELF", b"MZ")
_HEADER_TITLE = ("title", "name", "movie", "film", "movie title", "movie_title", "film title")
_HEADER_YEAR = ("year", "release year", "release_year", "released")
_HEADER_DATE = (
    "watched date",
    "date watched",
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
    "%Y/%m/%d",
    "%d.%m.%Y",
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


@dataclass(frozen=True)
class AmbiguousLine:
    """A line that fits several catalogue items about equally well."""

    line_no: int  # 1-based physical line
    text: str  # cleaned text, cut to SHOWN_CHARS
    options: tuple[int, ...]  # candidate item ids, best first
    option_titles: tuple[str, ...]  # their display titles, same order


@dataclass(frozen=True)
class UnmatchedLine:
    """A line that matched nothing (or could not be read)."""

    line_no: int  # 1-based physical line (0 when not tied to a line)
    text: str  # cleaned text, cut to SHOWN_CHARS
    reason: str  # short reason for the user ("no similar title", "broken CSV row: ...")


@dataclass
class HistoryParse:
    """Everything the parser found; ``item_ids`` is the history to use, oldest first."""

    matched: list[MatchedLine] = field(default_factory=list)  # deduplicated, oldest first
    ambiguous: list[AmbiguousLine] = field(default_factory=list)  # in paste order
    unmatched: list[UnmatchedLine] = field(default_factory=list)  # in paste order
    notes: list[str] = field(default_factory=list)  # messages for the user
    format: str = "empty"  # list | netflix | letterboxd | imdb | csv | empty | binary
    encoding: str = ""  # how bytes were decoded ("" for text input)

    @property
    def item_ids(self) -> list[int]:
        return [m.item_id for m in self.matched]

    @property
    def ok(self) -> bool:
        """False when the input could not be read at all (binary, empty)."""
        return self.format not in ("binary", "empty")


@dataclass(frozen=True)
class TitleMatch:
    """Result of matching one title string: ``items`` best first, ``ambiguous`` when unsure."""

    items: tuple[Item, ...]  # best first; empty when nothing passed the threshold
    score: float  # score of the best item (0 when none)
    ambiguous: bool  # several items fit and nothing (year) decides


class TitleMatcher:
    """Exact then fuzzy title lookup over a catalogue; build once per parse (cheap: one pass)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        index: dict[str, list[Item]] = {}
        for key, items in catalogue.title_keys().items():
            index.setdefault(_strip_article(key), []).extend(items)
        # "Star Wars: Episode V - The Empire Strikes Back" is also found (a little lower) as
        # "Star Wars" and as "The Empire Strikes Back"
        aliases: dict[str, list[Item]] = {}
        for item in catalogue:
            name = natural_title(item.title)
            parts = re.split(r":| - ", name)
            candidates = [parts[0], parts[-1]] if len(parts) > 1 else []
            candidates.append(name)  # with sequel numbers spelled as digits (below)
            for part in candidates:  # "Star Wars", "The Empire Strikes Back", "Godfather 2"
                alias = _sequel_digits(_strip_article(normalise_title(part)))
                if alias and alias not in index and len(alias) >= MIN_FUZZY_CHARS:
                    if item not in aliases.get(alias, []):
                        aliases.setdefault(alias, []).append(item)
        self._index = index
        self._aliases = aliases
        self._keys = list(index) + list(aliases)

    def match(self, title: str, year: int | None = None, exact_only: bool = False) -> TitleMatch:
        """Match a title (any case, article moved, small typos); ``year`` disambiguates."""
        key = _strip_article(normalise_title(title))
        if not key:
            return TitleMatch((), 0.0, False)
        exact = self._index.get(key)
        if exact:
            return _decide([(item, 100.0) for item in exact], year)
        alias = self._aliases.get(key) or self._aliases.get(_sequel_digits(key))
        if alias:
            return _decide([(item, 100.0 - ALIAS_PENALTY) for item in alias], year)
        if exact_only or len(key) < MIN_FUZZY_CHARS:
            return TitleMatch((), 0.0, False)
        hits = process.extract(
            key, self._keys, scorer=_similarity, limit=8, score_cutoff=FUZZY_THRESHOLD
        )
        scored = [
            (item, float(score) - (0 if k in self._index else ALIAS_PENALTY))
            for k, score, _ in hits
            for item in self._index.get(k) or self._aliases[k]
        ]
        numbers = _numbers(key)
        scored = [
            (item, score)
            for item, score in scored
            if score >= FUZZY_THRESHOLD and numbers <= _numbers(normalise_title(item.title))
        ]  # "Godfather 2" is never "The Godfather"
        if not scored:
            return TitleMatch((), 0.0, False)
        return _decide(scored, year)


def _similarity(a: str, b: str, *, score_cutoff: float | None = None, **_: object) -> float:
    """Plain ratio, forgiving one swapped pair of letters ("Frago" -> "Fargo")."""
    score = fuzz.ratio(a, b)
    if score >= 60 and abs(len(a) - len(b)) <= 1:
        longest = max(len(a), len(b))
        score = max(score, 100.0 * (1 - OSA.distance(a, b) / longest))
    if score_cutoff is not None and score < score_cutoff:
        return 0.0
    return score


def _decide(scored: list[tuple[Item, float]], year: int | None) -> TitleMatch:
    """Pick the best item; year filters (exact, then +-1); close different items are ambiguous."""
    scored.sort(key=lambda pair: (-pair[1], pair[0].item_id))
    if year is not None:
        for tolerance in (0, 1):
            with_year = [(i, s) for i, s in scored if i.year and abs(i.year - year) <= tolerance]
            if with_year:
                best_item, best = with_year[0]
                close = [i for i, s in with_year if s >= best - AMBIGUITY_MARGIN]
                if len(close) > 1 and best < 100:
                    return TitleMatch(tuple(close), best, True)
                return TitleMatch((best_item,), best - 5 * tolerance, False)
        if scored[0][1] < 100:
            # a partial or fuzzy match from another year is a different film:
            # "Halloween (1978)" is not "Halloween: The Curse of Michael Myers (1995)"
            return TitleMatch((), 0.0, False)
    best = scored[0][1]
    close = [item for item, s in scored if s >= best - AMBIGUITY_MARGIN]
    if len(close) == 1:
        return TitleMatch((close[0],), best if year is None else best - 10, False)
    return TitleMatch(tuple(close), best, True)


_ROMAN = {"ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}


def _sequel_digits(key: str) -> str:
    """``"godfather part ii"`` -> ``"godfather 2"`` (normalised keys)."""
    words = [_ROMAN.get(w, w) for w in key.split()]
    return " ".join(w for i, w in enumerate(words) if not (w == "part" and i + 1 < len(words)))


def _numbers(key: str) -> set[str]:
    """Sequel and part numbers in a normalised key, roman numerals as digits."""
    return {w for w in _sequel_digits(key).split() if w.isdigit()}


def _strip_article(key: str) -> str:
    """``"the matrix"`` -> ``"matrix"`` and ``"matrix the"`` -> ``"matrix"`` (normalised keys)."""
    words = key.split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    elif len(words) > 1 and words[-1] in _ARTICLES:
        words = words[:-1]
    return " ".join(words)


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
    text = "".join(
        " " if ch in "\t\u00a0" else ch
        for ch in text
        if ch in "\t\u00a0" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
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


def _detect_csv(header_line: str) -> tuple[str, str, list[str]] | None:
    """(format, delimiter, lower-cased header) when the first line is a known CSV header."""
    for delimiter in (",", ";", "\t"):
        if delimiter not in header_line and delimiter != ",":
            continue
        fields = [f.strip().strip('"').strip().lower() for f in _split_csv(header_line, delimiter)]
        names = set(fields)
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
    else:
        title_col = column(*_HEADER_TITLE)
    year_col = column(*_HEADER_YEAR)
    date_col = column(*_HEADER_DATE)
    type_col = column("title type") if fmt == "imdb" else None
    assert title_col is not None
    rows: list[_Row] = []
    skipped_tv = 0
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
                out.notes.append(
                    f"Line {line_no}: {len(fields)} fields instead of {len(header)}; "
                    "read the title column anyway."
                )
        title = fields[title_col].strip()
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
        rows.append(_Row(line_no, title, year, date, series))
    if skipped_tv:
        out.notes.append(f"Skipped {skipped_tv} TV series / episode rows (movies only).")
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
        result.append(found)
    return result


# ----------------------------------------------------------------------------- free lists


def _clean_list_line(line: str) -> str:
    """Bullets, numbering, surrounding quotes, ratings and stars removed."""
    text = _BULLET.sub("", line, count=1)
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
            if parts and part.lower() in _MOVED_ARTICLES:
                parts[-1] = f"{parts[-1]}, {part}"  # "Matrix, The" was split at its comma
            elif parts and re.fullmatch(r"(?:18|19|20)\d\d", part):
                parts[-1] = f"{parts[-1]} ({part})"  # "Heat, 1995"
            else:
                parts.append(part)
    return parts


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
    detected = _detect_csv(clean_text(lines[0][1]).lstrip("\ufeff"))
    if detected:
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
    else:
        out.format = "list"
        if len(lines) > max_lines:
            out.notes.append(f"Only the first {max_lines} of {len(lines)} lines were considered.")
            lines = lines[:max_lines]
        found = [_match_list_line(n, line, matcher, out) for n, line in lines]

    _collect(found, out)
    out.unmatched.sort(key=lambda u: u.line_no)
    return out


def _collect(found: list[list[MatchedLine]], out: HistoryParse) -> None:
    """Flatten, then deduplicate keeping each item's last position."""
    flat = [m for group in found for m in group]
    last = {m.item_id: pos for pos, m in enumerate(flat)}
    out.matched = [flat[pos] for pos in sorted(last.values())]
    repeats = len(flat) - len(out.matched)
    if repeats:
        out.notes.append(f"{repeats} repeated entries were merged (latest position kept).")
    logger.debug(
        "history paste: %d matched, %d ambiguous, %d unmatched",
        len(out.matched),
        len(out.ambiguous),
        len(out.unmatched),
    )


def _match_row(row: _Row, matcher: TitleMatcher, out: HistoryParse) -> list[MatchedLine]:
    text = clean_text(row.title)[:MAX_LINE_CHARS]
    attempts = [text]
    if row.series:
        attempts = [_SERIES.split(text)[0].strip()]
    elif ":" in text:
        attempts.append(text.split(":")[0].strip())
    for attempt in attempts:
        title, year, _ = _title_and_year(attempt)
        result = matcher.match(title, row.year or year)
        if result.items:
            return _record(result, row.line_no, text, row.date, out)
    out.unmatched.append(UnmatchedLine(row.line_no, _shown(text), "no similar title"))
    return []


def _match_list_line(
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
        results = [(part, _match_text(part, matcher)) for part in parts]
        good = [(p, r) for p, r in results if r.items]
        if len(parts) > 1 and len(good) * 2 >= len(parts) and len(good) > (1 if whole.items else 0):
            matched: list[MatchedLine] = []
            for part, result in results:
                if result.items:
                    matched += _record(result, line_no, part, None, out)
                else:
                    out.unmatched.append(UnmatchedLine(line_no, _shown(part), "no similar title"))
            return matched
    if whole.items:
        return _record(whole, line_no, text, None, out)
    if ":" in text:
        head = _match_text(text.split(":")[0], matcher)
        if head.items and head.score >= 95:
            return _record(head, line_no, text, None, out)
    out.unmatched.append(UnmatchedLine(line_no, _shown(text), "no similar title"))
    return []


def _match_text(text: str, matcher: TitleMatcher) -> TitleMatch:
    """Try "Heat (1995)" / "Heat 1995" as title + year, then the text as written."""
    title, year, literal = _title_and_year(text.strip())
    result = matcher.match(title, year)
    if literal is not None:
        as_written = matcher.match(literal)
        if as_written.items and as_written.score > result.score:
            return as_written
    return result


def _record(
    result: TitleMatch, line_no: int, text: str, date: str | None, out: HistoryParse
) -> list[MatchedLine]:
    if result.ambiguous:
        out.ambiguous.append(
            AmbiguousLine(
                line_no,
                _shown(text),
                tuple(i.item_id for i in result.items[:5]),
                tuple(i.display_title for i in result.items[:5]),
            )
        )
        return []
    item = result.items[0]
    return [
        MatchedLine(item.item_id, item.display_title, line_no, _shown(text), result.score, date)
    ]
