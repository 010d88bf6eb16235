"""Is a typed word a word? Tells a description the search can use from noise.

What no parser pass took from a message is searched as a description. When none of those
words means anything ("asdfghjkl", "qwzx vbnm", "lorem ipsum"), a search still returns five
films, chosen by nothing; the reply should say it did not understand instead. A word counts
as known when it is

- in an English dictionary: pyspellchecker's word-frequency list (MIT; ~160,000 words counted
  in film subtitles, so it knows "heist", "slasher", "wholesome", "whodunit");
- a word of some catalogue title (``TitleMatcher.knows_word``: "Fargo", "Amelie"), passed in
  as ``also_known``;
- a compound of two known words ("mindbending", "steampunk") or a known word with a common
  ending ("trippy" -> "trip").

Unknown words are quoted back only when short and few (``Readability.quoted``).
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

_LETTERS = re.compile(r"^[a-z]+$")
_ENDINGS = ("esque", "py", "y", "ish", "ness", "ies", "es", "s", "ed", "ing", "er", "ers", "ly")
# film words the subtitle counts miss, for descriptions ("a giallo", "kaiju stuff")
FILM_WORDS = frozenset(
    """noir neo giallo wuxia kaiju mockumentary bromance rom com scifi sci fi mecha tokusatsu
    chanbara jidaigeki hammer slasher splatter exploitation blaxploitation mumblecore dogme
    nouvelle vague telenovela anime manga oater biopic docudrama musicals dramedy esque""".split()
)
MIN_COMPOUND_PART = 3  # "steam" + "punk"; shorter parts make any string a compound
MAX_QUOTED_CHARS = 40  # unknown words longer than this are not quoted back
MAX_SCRAP_CHARS = 3  # a known word this short beside noise ("qwe", "zzz") is noise too


@cache
def english_words() -> frozenset[str]:
    """The dictionary, read once (~0.3 s): lower-case words."""
    path = resources.files("spellchecker").joinpath("resources", "en.json.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        return frozenset(word.lower() for word in json.load(text))


def _without_accents(word: str) -> str:
    """ "léon" -> "leon"; letters of other scripts stay (and are unknown)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stems(word: str) -> Iterable[str]:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_COMPOUND_PART:
            stem = word[: -len(ending)]
            yield stem
            if ending == "ies":
                yield stem + "y"
            if len(stem) > 3 and stem[-1] == stem[-2]:  # "trippy" -> "tripp" -> "trip"
                yield stem[:-1]


_BRITISH = (
    (r"our(?=s?$|ite|ed|ing|ful|able)", "or"),
    (r"tre(?=s?$)", "ter"),
    (r"is(?=e|ation|ing|ed)", "iz"),
    (r"yse(?=s?$|d$)", "yze"),
    (r"ogue(?=s?$)", "og"),
    (r"ence(?=s?$)", "ense"),
)


def _american(word: str) -> Iterable[str]:
    """The American spellings the dictionary lists for a British one ("favourite" ->
    "favorite", "centre" -> "center", "realise" -> "realize")."""
    for pattern, american in _BRITISH:
        spelt = re.sub(pattern, american, word)
        if spelt != word:
            yield spelt


def is_known(word: str, also_known: Callable[[str], bool] | None = None) -> bool:
    """True for a dictionary word, a catalogue word, or a compound / inflection of them."""
    typed = word.lower().strip("'-")
    if typed in english_words():  # "café" is listed with its accent
        return True
    word = _without_accents(typed)
    if "-" in word:  # "neo-noir", "coming-of-age", "tarantino-esque": every part known
        parts = [part for part in word.split("-") if part]
        return bool(parts) and all(is_known(part, also_known) for part in parts)
    if not word or not _LETTERS.match(word):  # "1994", "4th", "90s", "&": not noise
        return bool(word) and (
            any(ch.isdigit() for ch in word) or not any(ch.isalpha() for ch in word)
        )

    def known(w: str) -> bool:
        return w in english_words() or w in FILM_WORDS or (also_known is not None and also_known(w))

    if known(word) or any(known(stem) for stem in _stems(word)):
        return True
    if any(known(spelt) for spelt in _american(word)):  # "favourite", "colour", "centre"
        return True
    return any(
        known(word[:cut]) and known(word[cut:])
        for cut in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1)
    )


@dataclass(frozen=True)
class Readability:
    """How much of a leftover description is words: ``unknown`` are the words that are not."""

    words: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def unreadable(self) -> bool:
        """Nothing in it is a word, or half of it is noise and the rest no more than short
        scraps ("asdkjh qwe zzz": the word list counts "qwe" and "zzz"): searching it would
        return arbitrary items."""
        if not self.words or not self.unknown:
            return False
        known = [w for w in self.words if w not in self.unknown]
        return 2 * len(self.unknown) >= len(self.words) and all(
            len(w) <= MAX_SCRAP_CHARS for w in known
        )

    def quoted(self) -> str:
        """The unknown words as a reply may show them, or "" when they should not be echoed
        (long, or more than three: it may be pasted text, even instructions)."""
        shown = " ".join(self.unknown)
        if len(self.unknown) > 3 or len(shown) > MAX_QUOTED_CHARS:
            return ""
        return shown


def readability(query: str, also_known: Callable[[str], bool] | None = None) -> Readability:
    """Which words of ``query`` (a leftover description) are known."""
    words = tuple(w for w in re.findall(r"[\w'&-]+", query.lower()) if w.strip("'-&"))
    unknown = tuple(w for w in words if not is_known(w, also_known))
    return Readability(words, unknown)


MAX_QUOTED_WORDS = 4  # a description longer than this is not quoted back


def quotable(query: str, in_titles: Callable[[str], bool] | None = None) -> str:
    """``query`` as a reply may quote it ("christmas", "dinosaurs"), or "" when it should not
    be echoed: only a few dictionary words, nothing else (no markup, no instructions), and
    with ``in_titles`` only words that catalogue titles use ("vampire" for *Vampires*), so a
    reply never says back a word the catalogue would not show anyway ("hacked")."""
    words = query.lower().split()
    if not words or len(words) > MAX_QUOTED_WORDS or len(query) > MAX_QUOTED_CHARS:
        return ""
    if not all(re.fullmatch(r"[a-z]+(?:['-][a-z]+)*", w) and is_known(w) for w in words):
        return ""
    if in_titles is not None and not all(_in_titles(w, in_titles) for w in words):
        return ""
    return " ".join(words)


def _in_titles(word: str, in_titles: Callable[[str], bool]) -> bool:
    """``word`` or its singular / plural is a word of some title."""
    forms = {word, word + "s", word + "es", word.removesuffix("s"), word.removesuffix("es")}
    return any(form and in_titles(form) for form in forms)
