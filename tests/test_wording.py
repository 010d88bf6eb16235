"""Catalogue words and personas: films are watched, a shop's products are bought."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from recommender.config import DataConfig
from recommender.conversation.orchestrator import step
from recommender.conversation.state import SessionState
from recommender.data import load_dataset
from recommender.wording import MOVIE_WORDS, PRODUCT_WORDS, catalogue_personas, words_for

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "amazon2023"


@pytest.mark.parametrize(
    ("dataset", "kind", "words"),
    [
        ("ml-1m", "auto", MOVIE_WORDS),
        ("ml-100k", "auto", MOVIE_WORDS),
        ("amazon2023:/data/Beauty", "auto", PRODUCT_WORDS),
        ("/data/shop", "auto", PRODUCT_WORDS),
        ("/data/films", "movies", MOVIE_WORDS),
        ("ml-1m", "products", PRODUCT_WORDS),
    ],
)
def test_words_for(dataset: str, kind: str, words) -> None:
    assert words_for(dataset, kind) is words


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="data.kind"):
        words_for("ml-1m", "books")


def test_personas_come_from_the_catalogues_own_customers(tmp_path: Path) -> None:
    dataset = load_dataset(f"amazon2023:{FIXTURE}", DataConfig(cache_dir=tmp_path))
    personas = catalogue_personas(dataset, count=3, length=6)
    assert len(personas) == 3 and len({p.name for p in personas}) == 3
    titles = {item.display_title for item in dataset.catalogue}
    for persona in personas:
        assert persona.name.endswith("shopper") and len(persona.history) == 6
        assert set(persona.history) <= titles
    assert catalogue_personas(dataset, count=3, length=6) == personas  # deterministic


def test_replies_use_the_catalogues_words(make_deps) -> None:
    movies = make_deps()
    shop = replace(movies, words=PRODUCT_WORDS)
    _, reply = step(SessionState(), "", shop)
    assert "titles you bought" in reply.text and "watched" not in reply.text
    _, reply = step(SessionState(), "", movies)
    assert "titles you watched" in reply.text
    _, reply = step(SessionState(), "", shop, paste="Heat (1995)\nFargo\nAlien\n")
    assert "your 3 bought titles" in reply.text


def test_the_app_speaks_the_catalogues_words(make_deps) -> None:
    from app import build_app
    from recommender.wording import PersonaSpec

    shop = replace(make_deps(), words=PRODUCT_WORDS)
    persona = PersonaSpec("Kitchen shopper", ("Heat (1995)", "Fargo"), "")
    config = json.dumps(build_app(shop, personas=[persona]).get_config_file(), default=str)
    assert "Paste what you bought" in config and "Kitchen shopper" in config
    assert "watched" not in config and "MovieLens" not in config and "Have it" in config
    config = json.dumps(build_app(make_deps()).get_config_file(), default=str)
    assert "Paste what you watched" in config and "MovieLens" in config
    assert "Family movie night" in config


def test_markdown_escaping_round_trips() -> None:
    from recommender.api import plain_text
    from recommender.wording import md, unmd

    typed = "[click](http://x) <b>hi</b> **bold** a_b `code` #1 | ~"
    escaped = md(typed)
    assert "[" not in escaped.replace("\\[", "") and "<" not in escaped.replace("\\<", "")
    assert unmd(escaped) == typed
    assert plain_text(f"**1. Heat** _{escaped}_") == f"1. Heat {typed}"


def test_a_period_is_said_in_words() -> None:
    from recommender.wording import year_span

    assert year_span(1994, 1994) == "1994"
    assert year_span(1990, 1999) == "the 1990s"
    assert year_span(1990, 1995) == "1990–1995"
    assert year_span(1990, None) == "from 1990 on"
    assert year_span(None, 1976) == "up to 1976"  # had been "…–1976" in a reply's header
    assert year_span(None, None) == ""


def test_a_long_text_is_cut_between_words() -> None:
    from recommender.wording import cut_at_word

    assert cut_at_word("movie movie movie", 14) == "movie movie "  # not "movie movie mo"
    assert cut_at_word("movie movie", 6) == "movie "
    assert cut_at_word("short", 10) == "short"
    assert cut_at_word("abcdefgh", 4) == ""  # one word too long for the limit: nothing of it
