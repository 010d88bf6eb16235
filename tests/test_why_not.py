"""'why not Aladdin?': what keeps a named title out of the picks."""

from __future__ import annotations

import pytest

from recommender.conversation.orchestrator import step
from recommender.conversation.request_parser import parse_request
from recommender.conversation.state import Constraints, SessionState
from recommender.conversation.why_not import ruled_out, unknown_title_note

HISTORY = "Toy Story\nBabe\nAladdin\nThe Lion King"


def test_the_question_is_parsed(tiny_catalogue) -> None:
    for text in ["why not Fargo?", "why didn't you pick Fargo?", "what about Fargo?"]:
        parsed = parse_request(text, tiny_catalogue)
        assert parsed.action == "why_not" and parsed.why_not == [12], text
        assert parsed.constraints.query == ""
    unknown = parse_request("why not Shrek?", tiny_catalogue)
    assert unknown.action == "why_not" and unknown.why_not_unknown == ["Shrek"]
    # not about a title: the usual readings
    assert parse_request("what about 1996?", tiny_catalogue).action == "recommend"
    assert parse_request("why not something funnier", tiny_catalogue).action == "recommend"


def test_each_rule_that_keeps_a_title_out_is_named(tiny_catalogue) -> None:
    lion_king = tiny_catalogue.get(10)  # Animation, Children's, Musical, 1994
    state = SessionState(
        history=[1],
        constraints=Constraints(
            exclude_genres=["Musical"], include_genres=["Comedy"], year_min=1995
        ),
    )
    reasons = ruled_out(lion_king, state, tiny_catalogue)
    assert any("Musical" in r and "no Musical" in r for r in reasons)
    assert any("isn't Comedy" in r for r in reasons)
    assert any("from 1994" in r and "1995" in r for r in reasons)
    assert ruled_out(tiny_catalogue.get(1), state, tiny_catalogue)[0].startswith("it is in your")
    assert ruled_out(tiny_catalogue.get(12), SessionState(), tiny_catalogue) == []
    assert "“Shrekk”" in unknown_title_note("Shrekk", tiny_catalogue)
    # a film the app knows of is named with its year, newer or only missing ("why not
    # Scarface?" had been "its newest films are from 2000" for a film of 1983)
    assert unknown_title_note("Shrek", tiny_catalogue).startswith("Shrek (2001) is newer")
    scarface = unknown_title_note("Scarface", tiny_catalogue)
    assert scarface.startswith("Scarface (1983) is not in") and "newest" not in scarface


def test_the_reply_answers_without_new_picks(make_deps) -> None:
    deps = make_deps()
    state, reply = step(SessionState(), "no musicals", deps, paste=HISTORY)
    picks = list(state.last_recommendations)
    after, reply = step(state, "why not Fantasia?", deps)  # a musical
    assert reply.kind == "explanation" and not reply.cards
    assert "Fantasia (1940)** is left out" in reply.text and "no Musical" in reply.text
    assert after.last_recommendations == picks and after.constraints == state.constraints
    _, reply = step(state, "why not Babe?", deps)
    assert "in your watched list" in reply.text
    first = deps.catalogue.get(picks[0]).display_title
    _, reply = step(state, f"why not {first}?", deps)  # with its year: "Heat" names two
    assert "is in your picks: #1" in reply.text
    _, reply = step(state, "why not Shrek?", deps)
    assert "Shrek (2001) is newer than this catalogue" in reply.text
    allowed = next(
        i
        for i in deps.catalogue
        if i.item_id not in picks and i.item_id not in state.history and "Musical" not in i.genres
    )
    _, reply = step(state, f"why not {allowed.display_title}?", deps)
    assert f"Nothing you said rules out **{allowed.display_title}**" in reply.text
    assert "(1995)" in reply.text.split("**", 2)[2]  # its evidence cites a pasted title


def test_a_ruled_out_genre_combination_is_named(tiny_catalogue) -> None:
    from recommender.conversation.state import Constraints, SessionState
    from recommender.conversation.why_not import ruled_out

    state = SessionState(constraints=Constraints(exclude_genre_sets=[["Comedy", "Romance"]]))
    groundhog = next(i for i in tiny_catalogue if i.title == "Groundhog Day")
    assert ruled_out(groundhog, state, tiny_catalogue) == [
        "it is Comedy and Romance, and you asked for none of those"
    ]
    airplane = next(i for i in tiny_catalogue if i.title == "Airplane!")
    assert ruled_out(airplane, state, tiny_catalogue) == []


@pytest.mark.parametrize(
    ("text", "known"),
    [
        ("would I like Casablanca?", True),
        ("should I watch Casablanca?", True),
        ("is Casablanca any good?", True),
        ("what do you think of Casablanca?", True),
        ("is Inception good?", False),
        ("have you heard of Inception?", False),
    ],
)
def test_would_i_like_a_title_says_where_it_stands(make_deps, text: str, known: bool) -> None:
    """Not a search ("is Inception good?" had found *Mortal Thoughts*, "should I watch
    Titanic?" searched "titanic" and stuck in the session)."""
    deps = make_deps()
    state, _ = step(SessionState(), "", deps, paste=HISTORY)
    before = state
    after, reply = step(state, text, deps)
    assert reply.kind == "explanation" and not reply.cards, text
    assert after.constraints == before.constraints and after.history == before.history
    if known:
        assert "Casablanca (1942)" in reply.text and "no reviews" in reply.text
    else:
        assert "Inception (2010) is newer than this catalogue" in reply.text


def test_would_i_like_it_without_a_history(make_deps) -> None:
    _, reply = step(SessionState(), "would I like Casablanca?", make_deps())
    assert "I can't tell yet whether **Casablanca (1942)** is for you" in reply.text


def test_the_fit_is_worded_from_the_rank_share(tiny_catalogue) -> None:
    from recommender.conversation.orchestrator import _fit

    item = tiny_catalogue.get(15)
    assert _fit(item, 10, 3000, 5).startswith("Likely: it is a strong fit")
    assert _fit(item, 200, 3000, 5).startswith("Perhaps: it is a fair fit")
    assert _fit(item, 2000, 3000, 5).startswith("Probably not the best fit")
    assert "#2,000 of the 3,000" in _fit(item, 2000, 3000, 5)


def test_why_one_title_and_not_another_says_where_each_stands(make_deps, tiny_catalogue) -> None:
    """ "Why Bound and not Casablanca?" had ruled Casablanca's title words out of new picks."""
    deps = make_deps()
    state, reply = step(SessionState(), "", deps, paste=HISTORY)
    first = reply.cards[0].title
    allowed = next(
        i
        for i in tiny_catalogue
        if i.item_id not in state.last_recommendations and i.item_id not in state.history
    )
    after, reply = step(state, f"why {first} and not {allowed.display_title}?", deps)
    assert reply.kind == "explanation" and not reply.cards
    assert f"**{first}** is in your picks: #1." in reply.text
    assert allowed.display_title in reply.text and after.constraints == state.constraints
