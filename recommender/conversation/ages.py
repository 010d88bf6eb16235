"""Periods said relative to the user's life: "nothing before I was born", "films from my
childhood", "stuff I grew up with", "when I was a teenager", with "I was born in 1985" or
"I'm 35" to anchor them.

Without a birth year such a period means nothing to a search (it found *The Kid* and *Kids*
for "from my childhood"); with one it is a year range the filters can apply. The phrases and
the ages they stand for are here, as data; the request parser consumes the spans, applies the
years (negated or not) and remembers the birth year for the rest of the session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

LifeKind = Literal["before_birth", "since_birth", "childhood", "teens", "college"]

# ages (from, to) each life period covers; the birth bounds are open on one side
LIFE_AGES: dict[str, tuple[int, int]] = {
    "childhood": (4, 14),
    "teens": (13, 19),
    "college": (18, 22),
}
MIN_AGE, MAX_AGE = 5, 99  # "I'm 35": ages outside this are not read as the user's age
OLDEST_BIRTH = 1900

_BIRTH = re.compile(
    r"\b(?:(?:i\s+was|i'm|i\s+am|im)\s+)?born\s+(?:in\s+|on\s+)?(?:the\s+year\s+)?"
    r"(?:(?P<year>(?:19|20)\d\d)|'(?P<short>\d\d))\b"
)
_AGE = re.compile(
    r"\b(?:i'm|i\s+am|im|i\s+turned|i\s+just\s+turned|i'll\s+be)\s+(?P<age>\d{1,2})"
    r"(?:\s*(?:years?|yrs?)(?:\s+old)?|\s*y/?o\b|(?=\s*(?:[,.;!?)]|$|and\b|so\b|but\b|now\b)))"
)
_KID = r"(?:a\s+)?(?:kid|child|little\s+(?:kid|one|girl|boy)|little|young|small|boy|girl)"
_LIFE: tuple[tuple[LifeKind, re.Pattern[str]], ...] = (
    (
        "before_birth",
        re.compile(
            r"\b(?:from\s+)?before\s+(?:i\s+was\s+born|my\s+birth|my\s+time)"
            r"|\b(?:older|earlier)\s+than\s+(?:me|i\s+am|myself)\b"
        ),
    ),
    (
        "since_birth",
        re.compile(
            r"\b(?:since|after)\s+(?:i\s+was\s+born|my\s+birth)"
            r"|\b(?:newer|younger|later)\s+than\s+(?:me|i\s+am|myself)\b"
            r"|\b(?:in|from)\s+my\s+lifetime\b"
        ),
    ),
    (
        "teens",
        re.compile(
            r"\b(?:from\s+)?when\s+i\s+was\s+(?:a\s+)?(?:teen(?:ager)?|in\s+high\s+school)\b"
            r"|\b(?:from\s+|in\s+)?my\s+(?:teens|teenage\s+years|high\s+school\s+(?:years|days))\b"
        ),
    ),
    (
        "college",
        re.compile(
            r"\b(?:from\s+)?when\s+i\s+was\s+(?:in|at)\s+(?:college|uni(?:versity)?)\b"
            r"|\b(?:from\s+|in\s+)?my\s+(?:college|uni(?:versity)?|student)\s+(?:years|days)\b"
        ),
    ),
    (
        "childhood",
        re.compile(
            rf"\b(?:from\s+)?when\s+i\s+was\s+{_KID}\b"
            r"|\b(?:from\s+|of\s+)?my\s+(?:childhood|youth)\b"
            r"|\b(?:(?:that|which)\s+)?i\s+grew\s+up\s+(?:with|on|watching)\b"
            r"|\b(?:from\s+)?(?:when\s+i\s+was\s+)?growing\s+up\b"
            rf"|\bi\s+(?:watched|saw|loved)\s+as\s+{_KID}\b"
        ),
    ),
)
_PHRASES = {
    "before_birth": "before you were born",
    "since_birth": "since you were born",
    "childhood": "from your childhood",
    "teens": "from your teens",
    "college": "from your college years",
}


@dataclass(frozen=True)
class LifePeriod:
    """A life-relative period found in a message."""

    kind: LifeKind
    start: int
    end: int

    def years(self, birth: int) -> tuple[int | None, int | None]:
        """The release years it means for someone born in ``birth`` (one side may be open)."""
        if self.kind == "before_birth":
            return None, birth - 1
        if self.kind == "since_birth":
            return birth, None
        lo, hi = LIFE_AGES[self.kind]
        return birth + lo, birth + hi

    @property
    def phrase(self) -> str:
        """How the reply names it ("from your childhood")."""
        return _PHRASES[self.kind]


def find_birth_year(work: str, this_year: int) -> tuple[int | None, list[tuple[int, int]]]:
    """The birth year a message states ("born in 1985", "born in '85", "I'm 35") and the
    spans that say it; ``None`` when it states none."""
    birth: int | None = None
    spans: list[tuple[int, int]] = []
    for match in _BIRTH.finditer(work):
        if match.group("year"):
            year = int(match.group("year"))
        else:
            short = int(match.group("short"))
            year = 2000 + short if 2000 + short <= this_year else 1900 + short
        if OLDEST_BIRTH <= year <= this_year:
            birth = year
            spans.append((match.start(), match.end()))
    for match in _AGE.finditer(work):
        age = int(match.group("age"))
        if MIN_AGE <= age <= MAX_AGE:
            birth = birth if birth is not None else this_year - age
            spans.append((match.start(), match.end()))
    return birth, spans


def find_life_periods(work: str) -> list[LifePeriod]:
    """Every life-relative period in ``work`` (lower case), left to right, not overlapping."""
    found: list[LifePeriod] = []
    for kind, pattern in _LIFE:
        for match in pattern.finditer(work):
            if not any(p.start < match.end() and match.start() < p.end for p in found):
                found.append(LifePeriod(kind, match.start(), match.end()))
    return sorted(found, key=lambda p: p.start)
