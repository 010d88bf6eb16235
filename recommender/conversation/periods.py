"""Years and decades as typed: "1995", "'85", "the 90s", "1990s", "late eighties".

``YEAR``, ``DECADE`` and ``PERIOD`` are pieces of the request parser's period patterns
("between the 80s and 1995", "nothing before 1970"); :func:`period_years` reads one period as
the range of years it covers.
"""

from __future__ import annotations

import re

# decades in words, and the year each starts
DECADE_WORDS = {
    "twenties": 1920,
    "thirties": 1930,
    "forties": 1940,
    "fifties": 1950,
    "sixties": 1960,
    "seventies": 1970,
    "eighties": 1980,
    "nineties": 1990,
    "noughties": 2000,
    "aughts": 2000,
    "twentys": 1920,  # common misspellings people type
    "thirtys": 1930,
    "fortys": 1940,
    "fiftys": 1950,
    "sixtys": 1960,
    "seventys": 1970,
    "eightys": 1980,
    "ninetys": 1990,
}
YEAR = r"(?:18|19|20)\d\d"
DECADE = (
    r"(?:(?:early|mid|late)[\s-]+)?(?:the\s+)?(?:'?\d0'?s|(?:18|19|20)\d0'?s|"
    + "|".join(DECADE_WORDS)
    + ")"
)
_SHORT_YEAR = r"'[2-9]\d(?![\w'])"  # "'85" (a year; "'80s" is a decade)
PERIOD = rf"(?:{DECADE}|{YEAR}|{_SHORT_YEAR})"
# a decade on its own, not part of a word: "90s comedies", "the late eighties"
DECADE_ALONE = re.compile(rf"(?<![\w']){DECADE}(?![\w'])")


def period_years(text: str) -> tuple[int, int]:
    """ "1995" -> (1995, 1995); "the 90s" / "1990s" / "nineties" / "late 80s" -> a range."""
    text = text.strip().replace("the ", "").strip()
    part = None
    found = re.match(r"(early|mid|late)[\s-]+", text)
    if found:
        part = found.group(1)
        text = text[found.end() :].strip()
    if re.fullmatch(_SHORT_YEAR, text):
        return 1900 + int(text[1:]), 1900 + int(text[1:])
    if re.fullmatch(YEAR, text):
        return int(text), int(text)
    if text in DECADE_WORDS:
        start = DECADE_WORDS[text]
    else:
        digits = re.sub(r"\D", "", text)
        start = (
            int(digits) if len(digits) == 4 else (1900 + int(digits) if digits != "00" else 2000)
        )
        if len(digits) == 2 and int(digits) < 30:
            start = 2000 + int(digits)
    if part == "early":
        return start, start + 3
    if part == "mid":
        return start + 3, start + 6
    if part == "late":
        return start + 6, start + 9
    return start, start + 9
