"""Answers to questions about the whole list of picks ("why these?", "why so many crime
films?", "are they all from the 90s?"), from the picks and their evidence only."""

from __future__ import annotations

from recommender.conversation.pick_summary import summarise_picks
from recommender.data import Item
from recommender.llm.evidence import Evidence
from recommender.wording import MOVIE_WORDS

HEAT = Item(1, "1", "Heat", 1995, ("Action", "Crime", "Thriller"))
FARGO = Item(2, "2", "Fargo", 1996, ("Crime", "Drama", "Thriller"))
ALIEN = Item(3, "3", "Alien", 1979, ("Horror", "Sci-Fi"))
PICKS = [
    Item(10, "10", "Bound", 1996, ("Crime", "Thriller")),
    Item(11, "11", "Se7en", 1995, ("Crime", "Thriller")),
    Item(12, "12", "Aliens", 1986, ("Action", "Sci-Fi")),
    Item(13, "13", "Casino", 1995, ("Crime", "Drama")),
]


def led_by(item: Item, cited: Item | None) -> Evidence:
    if cited is None:  # no single title decides: similarity evidence
        return Evidence(item, (FARGO,), (0.5,), (), method="similarity")
    return Evidence(item, (cited,), (100.0,), (), method="counterfactual", pivotal=True)


EVIDENCE = [led_by(PICKS[0], FARGO), led_by(PICKS[1], FARGO), led_by(PICKS[2], ALIEN), None]


def answer(kind: str, **asked) -> str:
    return summarise_picks(kind, PICKS, EVIDENCE, [HEAT, FARGO, ALIEN], MOVIE_WORDS, **asked)


def test_why_these_says_what_they_share_and_which_titles_lead() -> None:
    said = answer("summary")
    assert said.startswith("3 of the 4 are Crime; they are from 1986 to 1996.")  # 2 of 4: no
    assert "Fargo (1996) leads 2 of them and Alien (1979) 1." in said


def test_a_genre_question_counts_the_picks_and_names_the_users_own_titles() -> None:
    said = answer("genre", asked_genres=["Crime"])
    assert said.startswith("3 of the 4 are listed as Crime: 2 of your 3 titles are too")
    assert "Heat (1995) and Fargo (1996)" in said and "Fargo (1996) leads 2 of them" in said
    assert "“no crime”" in said
    assert answer("genre", asked_genres=["Western"]) == "None of the 4 picks is listed as Western."


def test_are_they_all_is_a_yes_or_a_no_with_the_exceptions() -> None:
    assert answer("all", asked_years=(1990, 1999)) == (
        "No: 3 of the 4 are from 1990–1999; Aliens (1986) is not."
    )
    assert answer("all", asked_genres=["Crime", "Action"]) == (
        "Yes: all 4 are listed as Crime or Action."
    )
    assert answer("all", asked_genres=["Horror"]) == "No: none of the 4 is listed as Horror."


def test_the_method_is_said_before_the_summary() -> None:
    said = answer("method")
    assert said.startswith("From your 3 watched titles, a sequence model (LLM2SASRec")
    assert "3 of the 4 are Crime" in said
    no_history = summarise_picks("method", PICKS, [None] * 4, [], MOVIE_WORDS)
    assert no_history.startswith("With no movie of yours to go on")


def test_the_picks_in_an_order_and_the_answer_first() -> None:
    from recommender.conversation.pick_summary import order_picks

    viewers = {10: 50, 11: 900, 12: 300, 13: 10}
    oldest = order_picks("oldest", PICKS, viewers)
    assert [i.item_id for i in oldest] == [12, 11, 13, 10]  # 1986, 1995, 1995, 1996
    assert [i.item_id for i in order_picks("newest", PICKS, viewers)][0] == 10
    popular = order_picks("popular", PICKS, viewers)
    assert [i.item_id for i in popular] == [11, 12, 10, 13]
    said = summarise_picks("popular", popular, [None] * 4, [], MOVIE_WORDS, viewers=viewers)
    assert (
        said == "The most watched here is Se7en (1995) (900 viewers); the most watched first below."
    )
    rated = summarise_picks("rated", popular, [None] * 4, [], MOVIE_WORDS, viewers=viewers)
    assert rated.startswith("I have no ratings or reviews to go by") and "Se7en (1995)" in rated
    assert [i.item_id for i in order_picks("rated", PICKS, viewers)] == [11, 12, 10, 13]
    obscure = order_picks("obscure", PICKS, viewers)
    assert [i.item_id for i in obscure] == [13, 10, 12, 11]
    assert summarise_picks("obscure", obscure, [None] * 4, [], MOVIE_WORDS, viewers=viewers) == (
        "The least watched here is Casino (1995) (10 viewers); the least watched first below."
    )
    assert summarise_picks("oldest", oldest, [None] * 4, [], MOVIE_WORDS).startswith(
        "The oldest is Aliens (1986)"
    )


def test_any_of_them_names_the_ones_that_are() -> None:
    assert (
        answer("any", asked_genres=["Sci-Fi"])
        == "Yes: 1 of the 4 is listed as Sci-Fi: Aliens (1986)."
    )
    assert answer("any", asked_genres=["Horror"]) == "No: none of the 4 is listed as Horror."


def test_which_of_them_names_the_ones_that_are_without_a_yes_or_no() -> None:
    """ "which ones are sci-fi?" is no yes-or-no question."""
    assert (
        answer("which", asked_genres=["Sci-Fi"]) == "1 of the 4 is listed as Sci-Fi: Aliens (1986)."
    )
    assert answer("which", asked_genres=["Horror"]) == "None of the 4 is listed as Horror."
