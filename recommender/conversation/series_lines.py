"""Lines of a pasted list that name several films of a series at once: "the Godfather
trilogy", "all the Star Wars movies", "the first two Alien films", "Back to the Future 1-3",
"Toy Story 1&2", "Indiana Jones 1 and 2".

The history parser matches one title per line and lists these back as unmatched. Here each
such line becomes the films it names, in release order (a number is the film of that name and
number when the catalogue has one, else the series' n-th film by year), with a note saying
which. A line that names no series of the catalogue stays unmatched.
"""

from __future__ import annotations

import re
from dataclasses import replace

from recommender.conversation.history_parser import HistoryParse, MatchedLine, UnmatchedLine
from recommender.conversation.request_parser import series_films
from recommender.conversation.subjects import subject_films, subject_named
from recommender.conversation.title_matcher import TitleMatcher
from recommender.data.catalogue import Catalogue

MAX_SERIES_LINE = 12  # the most films one line may stand for
MAX_PEOPLE_LINE = 60  # "every Hitchcock film": the most one person's or studio's line gives
NOTE_TITLES = 6  # a note names this many of a line's films, then says how many more
SERIES_SCORE = 95.0  # the match score of a film read off a series line (a title part's)
_COUNT = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
_FILMS = r"(?:films?|movies?|flicks?|ones|trilogy|quadrilogy|saga|series|franchise|collection)"
_WHOLE = re.compile(
    rf"^(?:all|every one)?\s*(?:of\s+)?(?:the\s+)?(?P<name>.+?)\s+(?:trilogy|quadrilogy|saga"
    rf"|series|franchise|collection|box ?set|films|movies)$"
    rf"|^(?:all|every)\s+(?:of\s+)?(?:the\s+)?(?P<all>.+?)(?:\s+{_FILMS})?$",
    re.IGNORECASE,
)
_FIRST = re.compile(
    rf"^(?:the\s+)?first\s+(?P<n>two|three|four|five|[2-5])\s+(?:of\s+the\s+)?(?P<name>.+?)"
    rf"(?:\s+{_FILMS})?$",
    re.IGNORECASE,
)
# "everything by Kubrick", "Kubrick's whole filmography", "everything Pixar made"
_EVERYTHING = re.compile(
    r"^(?:everything|all|anything)\s+(?:(?:by|from|of)\s+)?(?P<name>.+?)(?:\s+(?:made|did"
    r"|has made|has done|directed|ever made|ever did))?$"
    r"|^(?:all\s+(?:of\s+)?)?(?P<own>.+?)'s?\s+(?:whole\s+|entire\s+|complete\s+)?"
    r"(?:filmography|back catalogue|back catalog|body of work|work|oeuvre)$",
    re.IGNORECASE,
)
_RANGE = re.compile(r"^(?P<name>.+?)\s+(?P<a>[1-9])\s*(?:-|–|to|thru|through)\s*(?P<b>[1-9])$")
_LISTED = re.compile(
    r"^(?P<name>.+?)\s+(?P<nums>[1-9](?:\s*(?:&|and|\+|,|/)\s*[1-9]){1,5})$", re.IGNORECASE
)


def expand_series_lines(
    parsed: HistoryParse, catalogue: Catalogue, matcher: TitleMatcher
) -> HistoryParse:
    """``parsed`` with each unmatched line that names films of a series turned into them, and
    each line that names a whole body of work ("everything by Spielberg", read as two titles
    with "everything" in them)."""
    if not parsed.unmatched and not parsed.ambiguous:
        return parsed
    known = set(parsed.item_ids)
    matched, notes = list(parsed.matched), list(parsed.notes)
    still, unsure = [], []
    lines = [(line, series_line(line.text, catalogue, matcher)) for line in parsed.unmatched]
    lines += [(line, people_line(line.text, catalogue)) for line in parsed.ambiguous]
    for line, films in lines:
        ids = [i for i in films if i not in known]
        if not ids:
            (still if isinstance(line, UnmatchedLine) else unsure).append(line)
            continue
        known.update(ids)
        titles = [catalogue.get(i).display_title for i in ids]
        matched += [
            MatchedLine(i, title, line.line_no, line.text, SERIES_SCORE)
            for i, title in zip(ids, titles, strict=True)
        ]
        shown = ", ".join(titles[:NOTE_TITLES])
        if len(titles) > NOTE_TITLES:
            shown += f" and {len(titles) - NOTE_TITLES} more"
        notes.append(f"I read “{line.text}” as {len(ids)} films: {shown}.")
    if len(still) + len(unsure) == len(lines):
        return parsed
    matched.sort(key=lambda m: m.line_no)  # stable: a line's films stay in release order
    return replace(parsed, matched=matched, unmatched=still, ambiguous=unsure, notes=notes)


def names_series_films(text: str, catalogue: Catalogue, matcher: TitleMatcher) -> bool:
    """A message that is only films of a series by number or as a trilogy ("Toy Story 1&2",
    "the Godfather trilogy"); "all the Bond movies" alone may be a request, so not it."""
    bare = text.strip(" .!")
    numbered = _RANGE.match(bare) or _LISTED.match(bare)
    trilogy = re.search(r"\b(?:trilogy|quadrilogy|saga)$", bare, re.IGNORECASE)
    return bool((numbered or trilogy) and series_line(bare, catalogue, matcher))


def series_line(text: str, catalogue: Catalogue, matcher: TitleMatcher) -> list[int]:
    """The films ``text`` names as a series ("the Godfather trilogy"); [] when it names none."""
    text = text.strip(" .!")
    if found := _FIRST.match(text):
        films = series_films(catalogue, found.group("name"), limit=MAX_SERIES_LINE)
        return films[: _COUNT[found.group("n").lower()]] if len(films) >= 2 else []
    if found := _RANGE.match(text):
        a, b = int(found.group("a")), int(found.group("b"))
        return (
            _numbered(found.group("name"), list(range(a, b + 1)), catalogue, matcher)
            if a < b
            else []
        )
    if found := _LISTED.match(text):
        numbers = [int(n) for n in re.findall(r"[1-9]", found.group("nums"))]
        return _numbered(found.group("name"), numbers, catalogue, matcher)
    if found := _WHOLE.match(text):
        name = found.group("name") or found.group("all")
        return series_films(catalogue, name, limit=MAX_SERIES_LINE) or people_line(text, catalogue)
    return people_line(text, catalogue)


def people_line(text: str, catalogue: Catalogue) -> list[int]:
    """ "every Hitchcock film", "all of Kubrick's movies", "everything by Spielberg", "Pixar's
    whole back catalogue": the films of a person or studio of the app's lists; [] for others
    (and for "Hitchcock films" alone, which may be a wish)."""
    text = text.strip(" .!")
    whole = _WHOLE.match(text)
    if whole and re.match(r"(?:all|every)\b", text, re.IGNORECASE):
        return people_films(whole.group("name") or whole.group("all"), catalogue)
    if found := _EVERYTHING.match(text):
        return people_films(found.group("name") or found.group("own"), catalogue)
    return []


def people_films(name: str, catalogue: Catalogue) -> list[int]:
    """ "Hitchcock", "Kubrick's", "the Pixar", "vampire": the films of a person, studio or
    subject of the app's lists, by release (a person's first ``MAX_PEOPLE_LINE``; a subject
    with more is none); [] when ``name`` is none of them."""
    bare = re.sub(r"^(?:the|a)\s+|'s?$", "", name.strip(), flags=re.IGNORECASE)
    named = subject_named(bare) or subject_named(re.sub(r"\s+(?:films|movies|ones)$", "", bare))
    if named is None:
        return []
    films = sorted(
        subject_films(catalogue, named.name), key=lambda i: (catalogue.get(i).year or 0, i)
    )
    if named.kind == "subject" and len(films) > MAX_PEOPLE_LINE:
        return []  # "all the foreign films": too many to have seen, so no history of them
    return films[:MAX_PEOPLE_LINE]


def _numbered(
    name: str, numbers: list[int], catalogue: Catalogue, matcher: TitleMatcher
) -> list[int]:
    """ "Indiana Jones" 1 and 2: each number's film, by its own title when the catalogue has
    "Name N" ("Toy Story 2"), else the series' n-th film by year; [] unless every one is found."""
    films = series_films(catalogue, name, limit=MAX_SERIES_LINE)
    if len(films) < 2 or len(numbers) > MAX_SERIES_LINE:
        return []
    out: list[int] = []
    for n in numbers:
        found = matcher.match(f"{name} {n}", exact_only=True)
        if found.items and not found.ambiguous and found.items[0].item_id in films:
            out.append(found.items[0].item_id)
        elif n <= len(films):
            out.append(films[n - 1])
        else:
            return []
    return list(dict.fromkeys(out))
