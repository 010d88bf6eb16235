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

LifeKind = Literal[
    "before_birth", "since_birth", "childhood", "teens", "college", "birth_decade", "birth_year"
]

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
_OLD_SUFFIX = r"(?:\s*-?\s*(?:years?|yrs?)(?:\s*-?\s*old)?)?"
# "when I was 8 (years old)": childhood; "when I was 15": the teens
_CHILD_AGE = (
    r"(?:[4-9]|1[0-2]|four|five|six|seven|eight|nine|ten|eleven|twelve)(?![\w'])" + _OLD_SUFFIX
)
_TEEN_AGE = (
    r"(?:1[3-9]|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)(?![\w'])"
    + _OLD_SUFFIX
)
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
        "birth_decade",  # "the decade I was born in", "my birth decade"
        re.compile(
            r"\b(?:from\s+|in\s+)?(?:the\s+)?decade\s+(?:that\s+|when\s+|in\s+which\s+)?"
            r"i\s+was\s+born(?:\s+in)?\b|\b(?:from\s+|in\s+)?my\s+birth\s+decade\b"
            r"|\b(?:from\s+)?the\s+decade\s+of\s+my\s+birth\b"
        ),
    ),
    (
        "birth_year",  # "the year I was born", "my birth year"
        re.compile(
            r"\b(?:from\s+|in\s+)?the\s+year\s+(?:that\s+|when\s+)?i\s+was\s+born(?:\s+in)?\b"
            r"|\b(?:from\s+|in\s+)?my\s+birth\s+year\b"
        ),
    ),
    (
        "teens",
        re.compile(
            r"\b(?:from\s+)?when\s+i\s+was\s+(?:a\s+)?(?:teen(?:ager)?|in\s+high\s+school)\b"
            rf"|\b(?:from\s+)?when\s+i\s+was\s+{_TEEN_AGE}"
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
            rf"|\b(?:from\s+)?when\s+i\s+was\s+{_CHILD_AGE}"
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
    "birth_decade": "from the decade you were born in",
    "birth_year": "from the year you were born",
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
        if self.kind == "birth_decade":
            return birth // 10 * 10, birth // 10 * 10 + 9
        if self.kind == "birth_year":
            return birth, birth
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


# ---------------------------------------------------------------- the age of who is watching

CHILD_MAX_AGE = 12  # a viewer this young or younger gets children's films
TEEN_MAX_AGE = 17  # ... up to this age, films that are not for small children
_AGE_WORDS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
        " fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_AGE_NUMBER = r"(?:\d{1,2}|" + "|".join(sorted(_AGE_WORDS, key=len, reverse=True)) + ")"
_YEARS_OLD = (
    r"(?:\s*-\s*|\s+)?(?:years?|yrs?|yr)(?:\s*-\s*|\s+)(?:old|olds)\b"
    r"|\s*y\.?\s?o\.?(?![\w])"  # "5yo", "5 y.o."
)
_VIEWER = (
    r"(?:son|sons|daughter|daughters|kids?|child|children|boy|boys|girl|girls|nephew|nephews"
    r"|niece|nieces|grandson|granddaughter|grandkids?|grandchild(?:ren)?|brother|sister"
    r"|little\s+(?:one|ones|brother|sister)|youngest|eldest|oldest)"
)
_VIEWER_AGES = re.compile(
    # "my 8-year-old", "a six year old", "my 5yo" (not "a 30-year-old movie": a film's age)
    rf"\b(?P<a>{_AGE_NUMBER})(?:{_YEARS_OLD})(?:'s)?(?!\s+(?:movies?|films?|classics?|flicks?))"
    # "my son is 7", "our kids are 6 and 9", "my daughter (she's 7)"
    rf"|\b(?:my|our|the)\s+{_VIEWER}\s*(?:,|\()?\s*(?:is|are|who's|who\s+is|she's|he's|they're)"
    rf"\s+(?P<b>{_AGE_NUMBER})(?:\s*(?:and|&|,)\s*(?P<b2>{_AGE_NUMBER}))?(?:{_YEARS_OLD})?\)?"
    # "ages 8 and up", "aged 10", "for ages 6-9", "age 7+"
    rf"|\bage[sd]?\s+(?P<c>{_AGE_NUMBER})(?:\s*(?:\+|-|to|and\s+up|and\s+over|or\s+older))?"
    rf"(?:\s*{_AGE_NUMBER})?\b\+?",
    re.IGNORECASE,
)
# "I'm 35 years old" is the user's own age (find_birth_year); "films that are 10 years old",
# "less than 5 years old", "when I was 8 years old" are no viewer's
_NOT_A_VIEWER = re.compile(
    r"(?:\bi'm|\bi\s+am|\bim|\bi\s+turned|\bturned|\bi'll\s+be|\bare|\bis|\bwas|\bwere|\bbe"
    r"|\bbeing|\bthan|\bunder|\bover|\bleast|\bmost)\s*$",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"\b(?:my|our|his|her|their)\s*$", re.IGNORECASE)
_TEEN_VIEWER = re.compile(
    r"\b(?:my|our)\s+(?:teen|teenager|teenage\s+(?:son|daughter|kids?|boy|girl)|teens)\b",
    re.IGNORECASE,
)


def _age(number: str) -> int:
    return int(number) if number.isdigit() else _AGE_WORDS[number.lower()]


def viewer_audience(age: int) -> str:
    """The audience phrase the request vocabulary knows for a viewer of ``age``: children's
    films up to CHILD_MAX_AGE, no children's films for teenagers, nothing for adults."""
    if age <= CHILD_MAX_AGE:
        return "for kids"
    if age <= TEEN_MAX_AGE:
        return "for teenagers"
    return ""


def rewrite_viewer_ages(text: str) -> str:
    """Say the age of who is watching with the words the request parser knows: "my 8-year-old"
    -> "for kids", "my son is 15" -> "for teenagers", "my 40 year old husband" -> nothing. The
    youngest age named decides ("our kids are 6 and 14": children's films). Without this the age
    had been searched as words ("8-year-old" found *The Adventures of Buckaroo Banzai Across the
    8th Dimension* and *Child's Play*)."""

    def audience(match: re.Match[str]) -> str:
        before = match.string[: match.start()]
        if match.group("a") and _NOT_A_VIEWER.search(before):
            return match.group()  # "I'm 35 years old", "films that are 10 years old"
        ages = [_age(match.group(g)) for g in ("a", "b", "b2", "c") if match.group(g)]
        phrase = viewer_audience(min(ages))
        if not phrase and match.group("a") and not _POSSESSIVE.search(before):
            return match.group()  # "a 40 year old": maybe a film's age; only "my ..." is a viewer
        return " " + phrase + " "

    text = _VIEWER_AGES.sub(audience, text)
    return _TEEN_VIEWER.sub(" for teenagers ", text)
