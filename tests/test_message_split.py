"""A chat message with a history and a request in it: both parts are read."""

from __future__ import annotations

import pytest

from recommender.conversation.message_split import split_message
from recommender.conversation.title_matcher import TitleMatcher
from recommender.data import Catalogue, Item
from tests.conftest import make_tiny_catalogue


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    items = list(make_tiny_catalogue())
    for title, year in (("Harold and Maude", 1971), ("Sex, Lies, and Videotape", 1989)):
        items.append(Item(len(items) + 1, str(len(items) + 1), title, year, ("Comedy",)))
    return Catalogue(items)


@pytest.mark.parametrize(
    ("message", "history", "wish"),
    [
        (
            "Fargo\nThe Matrix\nAlien\nsomething lighter from the 90s please",
            "Fargo\nThe Matrix\nAlien",
            "something lighter from the 90s please",
        ),
        (
            "I watched Fargo, Alien and The Matrix recently. Anything similar but funnier?",
            "Fargo\nAlien\nThe Matrix",
            "Anything similar but funnier?",
        ),
        (
            "I've seen Fargo and Alien, want something lighter",
            "Fargo\nAlien",
            "want something lighter",
        ),
        (
            "my history: Alien, Scream - nothing scary though",
            "Alien\nScream",
            "nothing scary though",
        ),
        ("Fargo, Alien\nno horror", "Fargo, Alien", "no horror"),
        (
            "Fargo\nAlien\nScream\nwhat should I watch next?",
            "Fargo\nAlien\nScream",
            "what should I watch next?",
        ),
        (
            "I loved Sex, Lies, and Videotape and Harold and Maude",
            "Sex, Lies, and Videotape\nHarold and Maude",
            "",
        ),
        ("Fargo\nAlien\nScream", "Fargo\nAlien\nScream", ""),
    ],
)
def test_history_and_request_are_told_apart(
    message: str, history: str, wish: str, catalogue: Catalogue
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and (split.history, split.request) == (history, wish)


def test_a_plain_request_carries_no_history(catalogue: Catalogue) -> None:
    assert split_message("something funny from the 90s", catalogue, TitleMatcher(catalogue)) is None


def test_a_title_line_stays_a_title_even_with_request_words(catalogue: Catalogue) -> None:
    items = list(catalogue) + [Item(len(catalogue) + 1, "x", "Something Wild", 1986, ("Comedy",))]
    films = Catalogue(items)
    split = split_message("Fargo\nAlien\nSomething Wild", films, TitleMatcher(films))
    assert split is not None and split.history == "Fargo\nAlien\nSomething Wild"
