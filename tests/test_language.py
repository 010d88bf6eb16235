"""Requests in another language are recognised (and asked about), English ones never are."""

from __future__ import annotations

import pytest

from recommender.conversation.language import guess_language
from recommender.conversation.request_parser import parse_request
from recommender.conversation.state import Constraints, SessionState
from tests.conftest import make_tiny_catalogue


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("algo de comedia de los", "Spanish"),
        ("quelque chose de drôle des années", "French"),
        ("etwas Lustiges aus den Achtzigern", "German"),
        ("qualcosa di divertente degli anni", "Italian"),
        ("algo engraçado dos anos", "Portuguese"),
        ("iets grappigs uit de jaren", "Dutch"),
    ],
)
def test_another_language_is_named(text: str, language: str) -> None:
    assert guess_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "something funny from the eighties",
        "a giallo or some neo-noir",
        "something with dogs",
        "asdfghjkl qwer",  # noise is the vocabulary check's job
        "la haine",  # one unknown word: a title, maybe
        "",
    ],
)
def test_english_and_short_text_is_not_foreign(text: str) -> None:
    assert guess_language(text) is None


def test_a_foreign_request_changes_nothing_and_is_not_searched() -> None:
    catalogue = make_tiny_catalogue()
    before = Constraints(include_genres=["Horror"])
    state = SessionState(constraints=before, last_recommendations=[1, 2], turn=1)
    parsed = parse_request("algo de comedia de los 90, no quiero terror", catalogue, state=state)
    assert (parsed.action, parsed.language) == ("unreadable", "Spanish")
    assert parsed.constraints == before and parsed.skipped == []
