"""Is a request written in another language? Then say so instead of searching its words.

The parser reads English. "algo de comedia de los 90" is no gibberish (the catalogue has
titles with "de", "los" and "comedia"), so a search for its words returns *El Mariachi*; the
reply should say the request was not understood and how to ask. A message is taken to be in
another language when at least two of its words are unknown to English (the vocabulary check's
dictionary, film words and compounds) and the
words as a whole are far more likely in one of a few languages than in English: a naive-Bayes
comparison of word frequencies from pyspellchecker's lists (MIT; counted in film subtitles),
add-one smoothed. The lists are read only when the English check leaves doubt (~0.05 s each).
"""

from __future__ import annotations

import gzip
import heapq
import json
import math
import re
from functools import cache
from importlib import resources

from recommender.conversation.vocabulary import is_known

LANGUAGES = {
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
}
MIN_FOREIGN_WORDS = 2  # words unknown to English before another language is considered
MIN_FOREIGN_SHARE = 0.4  # ... and their share of the message's words
MIN_MEAN_LOG_RATIO = 3.0  # mean per-word log-likelihood ratio, the language against English
KEPT_WORDS = 30_000  # per language, by frequency
_WORD = re.compile(r"[^\W\d_]{2,}")


@cache
def _frequencies(code: str) -> tuple[dict[str, int], int]:
    """A language's word counts and their total, read once per process (read-only)."""
    path = resources.files("spellchecker").joinpath("resources", f"{code}.json.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        every = json.load(text)
    total = sum(every.values())
    # the most frequent words only: a request's words are common ones, and the full lists
    # would hold ~180 MB in memory; a word left out counts as unseen (add-one)
    common = heapq.nlargest(KEPT_WORDS, every.items(), key=lambda pair: pair[1])
    return {word.lower(): int(n) for word, n in common}, total


def _log_likelihood(words: list[str], code: str) -> float:
    counts, total = _frequencies(code)
    return sum(math.log((counts.get(word, 0) + 1) / total) for word in words)


def guess_language(text: str) -> str | None:
    """The name of the language ``text`` is in when it is surely not English, else ``None``
    ("algo de comedia de los 90" -> "Spanish"; "something like Amelie" -> None)."""
    words = [w.lower() for w in _WORD.findall(text)]
    foreign = [w for w in words if not is_known(w)]  # film words count ("neo-noir", "giallo")
    if len(foreign) < MIN_FOREIGN_WORDS or len(foreign) < MIN_FOREIGN_SHARE * len(words):
        return None
    baseline = _log_likelihood(words, "en")
    best, margin = None, MIN_MEAN_LOG_RATIO * len(words)
    for code, name in LANGUAGES.items():
        ratio = _log_likelihood(words, code) - baseline
        if ratio > margin:
            best, margin = name, ratio
    return best


def is_common_english(word: str) -> bool:
    """Among the most frequent English words ("magic", "heat"); a name such as "shawshank"
    or "kubrick" is not."""
    return word.lower() in _frequencies("en")[0]
