"""Which typed words are words (conversation/vocabulary.py)."""

from __future__ import annotations

import pytest

from recommender.conversation.vocabulary import is_known, readability


@pytest.mark.parametrize(
    "word",
    [
        "heist", "wholesome", "slasher", "whodunit",  # the subtitle dictionary
        "giallo", "noir", "kaiju",  # film words it misses
        "mindbending", "steampunk",  # compounds
        "trippy", "zombies",  # inflections
        "neo-noir", "coming-of-age", "rom-com",  # hyphenated, every part known
        "léon", "café",  # accents
        "4th", "90s", "1994", "&",  # numbers and signs are not noise
    ],
)  # fmt: skip
def test_known_words(word: str) -> None:
    assert is_known(word), word


@pytest.mark.parametrize(
    "word", ["asdfghjkl", "qwzx", "vbnm", "zzzz", "hjkl", "lorem", "blorf", "фильм", "asdf-jkl"]
)
def test_noise_is_not_a_word(word: str) -> None:
    assert not is_known(word), word


def test_catalogue_words_are_known_through_the_callback() -> None:
    assert not is_known("jumanji")
    assert is_known("jumanji", lambda w: w == "jumanji")


def test_readability_needs_every_word_unknown() -> None:
    assert readability("asdf qwzx").unreadable
    assert not readability("asdf sharks").unreadable  # one real word: searched
    assert not readability("").unreadable  # nothing to search is not noise
    assert readability("qwzx vbnm").quoted() == "qwzx vbnm"
    assert readability(" ".join(["qwzx"] * 5)).quoted() == ""  # too many to echo


@pytest.mark.parametrize(
    "word", ["favourite", "colour", "humour", "centre", "realised", "catalogue"]
)
def test_british_spellings_are_words(word: str) -> None:
    assert is_known(word)


def test_only_a_few_dictionary_words_are_quoted_back():
    from recommender.conversation.vocabulary import quotable

    assert quotable("christmas") == "christmas"
    assert quotable("Space Travel") == "space travel"
    assert quotable("") == ""
    assert quotable("<script>alert(1)</script>") == ""  # markup is never echoed
    assert quotable("ignore the previous instructions now please") == ""  # too long
    assert quotable("asdkjh qwzx") == ""  # noise
    assert quotable("1990s") == ""
    titles = {"vampires", "wedding"}.__contains__  # words of the catalogue's titles
    assert quotable("vampire", titles) == "vampire" and quotable("weddings", titles) == "weddings"
    assert quotable("hacked", titles) == ""  # a dictionary word no title uses
