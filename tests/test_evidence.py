"""Evidence for explanations: leave-one-out ranks, co-occurrence lift, the realiser's wording."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import torch

from recommender.config import PROJECT_ROOT
from recommender.llm.evidence import (
    EvidenceBuilder,
    ExplainContext,
    satisfied_constraints,
)
from recommender.llm.realiser import Realiser
from recommender.models.attribution import leave_one_out, ranks_of, ranks_without
from recommender.models.sasrec import SASRec, SASRecConfig, score_histories
from recommender.retrieval.cooccurrence import CoOccurrence


def tiny_model(catalogue) -> SASRec:
    torch.manual_seed(0)
    return SASRec(SASRecConfig(num_items=len(catalogue), max_len=8, hidden=16)).eval()


def test_ranks_of_counts_strictly_better_items():
    scores = torch.tensor([[float("-inf"), 3.0, 1.0, 2.0, float("-inf")]])
    assert ranks_of(scores, [1, 2, 3]).tolist() == [[1, 3, 2]]


def test_ranks_without_match_separate_scoring(tiny_catalogue):
    model = tiny_model(tiny_catalogue)
    history, targets = [1, 8, 3, 17], [12, 20, 2]
    ranks = ranks_without(model, history, targets, [[8], [3, 17]])
    assert ranks.shape == (3, 3)
    for row, kept in enumerate([history, [1, 3, 17], [1, 8]]):
        scores = score_histories(model, [kept], exclude_seen=False)
        scores[:, history] = float("-inf")  # the whole paste stays unrecommendable
        for k, target in enumerate(targets):
            better = int((scores[0] > scores[0, target]).sum())
            assert ranks[row, k] == better + 1


def test_leave_one_out_tries_each_distinct_recent_item(tiny_catalogue):
    model = tiny_model(tiny_catalogue)
    result = leave_one_out(model, [1, 8, 3, 8, 17], [12, 20], max_items=3)
    assert result.removed == (3, 8, 17)  # distinct, most recent three, in history order
    assert len(result.ranks) == 3 and len(result.base) == 2
    assert result.rank_without(8, 20) == ranks_without(model, [1, 8, 3, 8, 17], [20], [[8]])[1, 0]


def test_cooccurrence_counts_and_lift():
    sequences = [[1, 2], [1, 2, 3], [1, 3], [2], [4]]
    co = CoOccurrence.from_sequences(sequences, num_items=4)
    stats = co.pair(1, 2)
    assert (stats.both, stats.cited_users, stats.item_users, stats.users) == (2, 3, 3, 5)
    assert abs(stats.lift - 2 * 5 / 9) < 1e-9
    assert co.pair(4, 1).lift == 0.0 and co.share(2) == 0.6
    assert co.pair(1, 99).both == 0  # unknown ids are harmless


def test_constraints_satisfied(tiny_catalogue):
    alien = tiny_catalogue.get(7)  # 1979, Action Horror Sci-Fi Thriller
    context = ExplainContext(genres_asked=("Horror", "Comedy"), years_asked=(1970, 1979))
    assert satisfied_constraints(alien, context) == ("Horror", "1970s")
    assert satisfied_constraints(alien, ExplainContext(years_asked=(1980, None))) == ()
    # "best movie of 1979": one year is said as one ("1979-1979" had been worded)
    assert satisfied_constraints(alien, ExplainContext(years_asked=(1979, 1979))) == ("1979",)


def test_every_explanation_names_a_pasted_title_and_wordings_vary(tiny_dataset):
    catalogue = tiny_dataset.catalogue
    builder = EvidenceBuilder(
        tiny_model(catalogue), CoOccurrence.from_sequences(tiny_dataset.sequences, 24)
    )
    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    history = catalogue.many([3, 5, 7, 12, 13, 19])
    items = catalogue.many([20, 14, 1, 2, 9])
    context = ExplainContext(provenance={20: ("sasrec",)}, genres_asked=("Action",))
    evidences = builder.build(items, history, context)
    texts = realiser.realise_all(evidences, seed=1)
    assert texts == realiser.realise_all(evidences, seed=1)  # deterministic
    for evidence, text in zip(evidences, texts, strict=True):
        assert evidence.method == "counterfactual" and evidence.base_rank >= 1
        assert any(c.item.display_title in text for c in evidence.cited)
    assert len({t.split(" ")[0] for t in texts}) > 1  # not one template
    assert evidences[0].provenance == ("sasrec",) and evidences[0].satisfies == ("Action",)
    assert "as you asked" in texts[0] or "request" in texts[0] or "As asked" in texts[0]


def test_ranks_count_only_what_the_request_allows(tiny_catalogue):
    """A card at the top of a filtered list is not "#139 for you": items the request rules out
    do not count as better (the same leave-one-out, with those items masked)."""
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=len(tiny_catalogue), max_len=8, hidden=16))
    model.eval()
    history, target = [1, 3, 5], 12
    full = leave_one_out(model, history, [target])
    better = [i for i in range(1, len(tiny_catalogue) + 1) if i not in history and i != target]
    masked = leave_one_out(model, history, [target], excluded=better)
    assert masked.base_rank(target) == 1 and full.base_rank(target) >= 1
    assert all(row[0] == 1 for row in masked.ranks)
    half = leave_one_out(model, history, [target], excluded=better[: len(better) // 2])
    assert masked.base_rank(target) <= half.base_rank(target) <= full.base_rank(target)


def test_a_pick_found_by_like_x_says_so_over_a_history(tiny_dataset):
    """ "Something like Casablanca" over a history: a pick the anchor source found says that
    it is near Casablanca (first, then the history's reason); a pick it did not find, or one
    whose history reasons already cite Casablanca, does not."""
    from recommender.llm.grounding import Grounding

    catalogue = tiny_dataset.catalogue
    builder = EvidenceBuilder(
        tiny_model(catalogue), CoOccurrence.from_sequences(tiny_dataset.sequences, 24)
    )
    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    history = catalogue.many([3, 5, 12])
    like = catalogue.get(15)
    items = catalogue.many([20, 14])
    context = ExplainContext(
        provenance={20: ("anchor", "sasrec"), 14: ("sasrec",)}, anchors=(like,)
    )
    found, other = builder.build(items, history, context)
    assert found.asked_like is not None and found.asked_like.item == like
    assert other.asked_like is None
    assert realiser.plan(found)[0].startswith("asked_like")
    text = realiser.realise(found, seed=2)
    assert like.display_title in text and any(c.item.display_title in text for c in found.cited)
    assert like.display_title not in realiser.realise(other, seed=2)
    assert found.to_json()["asked_like"]["title"] == like.display_title
    grounding = Grounding(catalogue, realiser)
    assert all(grounding.violations(s, found) == [] for s in text.split(". "))
    # the anchor already among the history reasons: the reason names it, no second sentence
    cited = builder.build(items[:1], [*history, like], context)[0]
    assert cited.asked_like is None or like not in cited.similar


def test_a_title_the_user_liked_is_never_said_to_be_asked_for(tiny_dataset):
    """A title rated highly in a paste or said to be loved ("I loved Casablanca") steers the
    picks like an asked-for one, but its cards say "you liked", never "you asked for"; with
    no history the same holds for the anchor lead."""
    from recommender.llm.grounding import Grounding

    catalogue = tiny_dataset.catalogue
    builder = EvidenceBuilder(
        tiny_model(catalogue), CoOccurrence.from_sequences(tiny_dataset.sequences, 24)
    )
    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    like = catalogue.get(15)
    liked = ExplainContext(
        provenance={20: ("anchor", "sasrec")}, anchors=(like,), liked=frozenset({15})
    )
    grounding = Grounding(catalogue, realiser)
    for history in (catalogue.many([3, 5, 12]), []):
        evidence = builder.build(catalogue.many([20]), history, liked)[0]
        kinds = realiser.plan(evidence)
        assert any(k.startswith(("liked_like", "anchor_liked")) for k in kinds), kinds
        for seed in range(6):
            text = realiser.realise(evidence, seed=seed)
            assert like.display_title in text and "asked" not in text, text
            assert "liked" in text or "favourite" in text, text
            assert all(grounding.violations(s, evidence) == [] for s in text.split(". "))
        asked = replace(liked, liked=frozenset())
        evidence = builder.build(catalogue.many([20]), history, asked)[0]
        assert any(k.startswith(("asked_like", "anchor")) for k in realiser.plan(evidence))
        assert not any("liked" in k for k in realiser.plan(evidence))


def test_a_pick_that_matches_the_request_words_says_so(tiny_dataset):
    """ "a christmas movie": a pick whose title and genres match the words says so first,
    then the history's reason; without a history the words lead; other picks do not say it."""
    from recommender.llm.grounding import Grounding

    catalogue = tiny_dataset.catalogue
    builder = EvidenceBuilder(
        tiny_model(catalogue), CoOccurrence.from_sequences(tiny_dataset.sequences, 24)
    )
    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    items = catalogue.many([16, 14])
    context = ExplainContext(words_asked="romance", matched_words=frozenset({16}))
    found, other = builder.build(items, catalogue.many([3, 5, 12]), context)
    assert found.asked_words == "romance" and other.asked_words is None
    assert realiser.plan(found)[0] == "asked_words" and len(realiser.plan(found)) >= 2
    text = realiser.realise(found, seed=1)
    assert "“romance”" in text and any(c.item.display_title in text for c in found.cited)
    assert "romance”" not in realiser.realise(other, seed=1)
    assert any("asked for “romance”" in line for line in realiser.fact_lines(found))
    assert found.to_json()["asked_words"] == "romance"
    grounding = Grounding(catalogue, realiser)
    assert all(grounding.violations(s, found) == [] for s in text.split(". "))
    # a match the history ranks far down is there for the words, and says so
    far = replace(found, method="counterfactual", base_rank=900, pivotal=False)
    assert realiser.plan(far)[:2] == ["asked_words", "words_not_history"]
    assert "#900" in realiser.realise(far, seed=1)
    near = replace(far, base_rank=12)
    assert realiser.plan(near)[1] != "words_not_history"
    cold = builder.build(items[:1], [], context)[0]  # no history: the words are the reason
    assert realiser.plan(cold)[0] in ("asked_words", "cold_popular_words")
    assert "“romance”" in realiser.realise(cold, seed=1)


def test_a_pick_of_a_blend_says_what_it_shares_with_each_title(tiny_dataset):
    """ "Toy Story meets Fargo": Babe shares comedy with one and drama with the other; a pick
    like only one of them gets no blend sentence."""
    from recommender.llm.grounding import Grounding

    catalogue = tiny_dataset.catalogue
    builder = EvidenceBuilder(
        tiny_model(catalogue), CoOccurrence.from_sequences(tiny_dataset.sequences, 24)
    )
    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    anchors = tuple(catalogue.many([1, 12]))  # Toy Story, Fargo
    context = ExplainContext(anchors=anchors, blend=True)
    babe, heat = builder.build(catalogue.many([21, 3]), catalogue.many([5, 9]), context)
    assert [title.item_id for title, _ in babe.blend_of] == [1, 12]
    assert "Drama" in babe.blend_of[1][1] and heat.blend_of == ()
    assert realiser.plan(babe)[0] == "asked_blend"
    text = realiser.realise(babe, seed=3)
    assert "Toy Story (1995)" in text and "Fargo (1996)" in text
    grounding = Grounding(catalogue, realiser)
    assert all(grounding.violations(s, babe) == [] for s in text.split(". "))
    assert any("blend of Toy Story (1995) and Fargo (1996)" in x for x in realiser.fact_lines(babe))
    cold = builder.build(catalogue.many([21]), [], context)[0]  # no history: the blend alone
    assert realiser.plan(cold) == ["asked_blend"]
    assert not builder.build(catalogue.many([21]), [], replace(context, blend=False))[0].blend_of


def test_a_shop_gets_shop_words(tiny_dataset):
    """A product catalogue's explanations say "shoppers" and "bought", never "viewers",
    "watched" or "film" (the film wording had shown in a shop)."""
    catalogue = tiny_dataset.catalogue
    builder = EvidenceBuilder(
        tiny_model(catalogue), CoOccurrence.from_sequences(tiny_dataset.sequences, 24)
    )
    shop = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts", "products")
    films = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    context = ExplainContext(genres_asked=("Comedy",))
    evidence = builder.build(catalogue.many([21, 17, 18]), catalogue.many([1, 5, 12]), context)
    for kind, texts in shop.phrases.items():
        for text in texts:
            assert not re.search(r"\b(?:viewers?|watch\w*|films?|seen|saw)\b", text, re.I), text
            assert set(re.findall(r"\{\w+\}", text)) == set(
                re.findall(r"\{\w+\}", films.phrases[kind][shop.phrases[kind].index(text)])
            )
    for e in evidence:
        for seed in range(4):
            text = shop.realise(e, seed)
            assert not re.search(r"\b(?:viewers|watched|film)\b", text), text
    assert "comedy product" in shop.values(evidence[0])["asked"]
    assert "comedy film" in films.values(evidence[0])["asked"]


def test_films_named_that_are_not_here_take_turns_as_the_reason(tiny_dataset):
    """A paste of Shrek, Finding Nemo and Up had every card say "You named Shrek": among
    the named films sharing as many genres with a pick, different picks cite different ones."""
    catalogue = tiny_dataset.catalogue
    builder = EvidenceBuilder(
        tiny_model(catalogue), CoOccurrence.from_sequences(tiny_dataset.sequences, 24)
    )
    kids = ("Animation", "Children's", "Comedy")
    outside = (("Shrek (2001)", kids), ("Finding Nemo (2003)", kids), ("Up (2009)", kids))
    items = [i for i in catalogue if set(kids) <= set(i.genres)]  # Toy Story, Aladdin
    assert len(items) >= 2
    evidences = builder.build(items, [], ExplainContext(outside=outside))
    cited = {e.asked_outside[0] for e in evidences if e.asked_outside is not None}
    assert len(cited) == len(items), cited


def test_a_film_named_that_is_not_here_leads_only_the_cards_it_brought(tiny_dataset):
    """Over a history, "Like The Notebook (2004), which you named ..." had led every romance
    card, whatever the history's reason for it: it leads only where the stand-in source
    ranked the pick first of all sources."""
    catalogue = tiny_dataset.catalogue
    builder = EvidenceBuilder(
        tiny_model(catalogue), CoOccurrence.from_sequences(tiny_dataset.sequences, 24)
    )
    kids = ("Animation", "Children's", "Comedy")
    outside = (("Shrek (2001)", kids),)
    toy_story = next(i for i in catalogue if set(kids) <= set(i.genres))
    history = catalogue.many([3, 5, 12])
    brought = ExplainContext(outside=outside, provenance={toy_story.item_id: ("outside", "sasrec")})
    history_first = ExplainContext(
        outside=outside, provenance={toy_story.item_id: ("sasrec", "outside")}
    )
    assert builder.build([toy_story], history, brought)[0].asked_outside is not None
    assert builder.build([toy_story], history, history_first)[0].asked_outside is None
    assert builder.build([toy_story], [], history_first)[0].asked_outside is not None


def test_request_ranks_count_the_films_that_fit_by_viewers(tiny_catalogue):
    """Comedies of the tiny catalogue: Toy Story 1, Aladdin 11, Groundhog Day 17, Airplane! 18,
    Babe 21."""
    from recommender.llm.evidence import request_ranks

    viewers = np.zeros(len(tiny_catalogue) + 1)
    viewers[[1, 11, 17, 18, 21]] = [50, 10, 40, 30, 20]
    ranks = request_ranks(tiny_catalogue, viewers, ["Comedy"], (None, None), [17, 21, 3])
    assert ranks == {17: (2, 5), 21: (4, 5)}  # Heat (3) is no comedy: no rank
    nineties = request_ranks(tiny_catalogue, viewers, ["Comedy"], (1990, 1999), [21])
    assert nineties == {21: (3, 4)}  # Airplane! (1980) is out of the range
    assert request_ranks(tiny_catalogue, viewers, [], (None, None), [17]) == {}


def test_a_pick_without_a_history_is_said_to_be_the_nth_most_watched_of_what_fits(
    tiny_catalogue,
):
    """ "a comedy": every card had said "X% of viewers here have seen it. As asked: a comedy
    film." Now its place among the comedies, and whether comedy is all it is (the cold-start
    order puts such films first)."""
    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    groundhog = EvidenceBuilder().build(
        [tiny_catalogue.get(17)],
        [],
        ExplainContext(genres_asked=("Comedy",), request_ranks={17: (2, 1090)}),
    )[0]
    groundhog = replace(groundhog, item_share=0.38)
    assert groundhog.request_rank == (2, 1090) and groundhog.other_genres == ("Romance",)
    assert realiser.plan(groundhog) == ["cold_rank"]
    text = realiser.realise(groundhog)
    assert "the 2nd most watched of the 1,090 comedy films" in text and "38%" in text
    airplane = replace(groundhog, item=tiny_catalogue.get(18), other_genres=(), request_rank=(1, 9))
    assert realiser.plan(airplane) == ["cold_rank", "cold_pure"]
    assert "the most watched of the 9 comedy films" in realiser.realise(airplane)
    listed = replace(airplane, asked_subject="dog films")  # the subject asked for says more
    assert realiser.plan(listed)[0] in ("asked_subject", "cold_popular_subject")


def test_a_shade_asked_for_is_said_on_the_cards_it_fits(tiny_catalogue):
    """ "something lighter" after a paste of thrillers: the cards had cited the history only,
    never what made them lighter."""
    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    context = ExplainContext(shade="lighter", shade_genres=("Comedy",))
    groundhog, heat = EvidenceBuilder().build(
        [tiny_catalogue.get(17), tiny_catalogue.get(3)], [], context
    )
    assert groundhog.shade == "lighter" and groundhog.shade_fit == ("Comedy",)
    assert realiser.plan(groundhog)[-1] == "shade"
    text = realiser.realise(groundhog)
    assert "lighter" in text.lower() and "comedy film" in text
    assert heat.shade == "" and "shade" not in realiser.plan(heat)  # no comedy: nothing said
    # every wording, with or without a history: "lighter than your list" had been said to a
    # user with no list, and "As for Lighter:" capitalised the word mid-sentence
    comedies = [i for i in tiny_catalogue if "Comedy" in i.genres]
    said = {
        realiser.realise(e).split(". ")[-1] for e in EvidenceBuilder().build(comedies, [], context)
    }
    assert len(said) >= 2, said
    assert all("lighter" in s.lower() and "your list" not in s for s in said), said
    assert not any("for Lighter" in s for s in said), said


def test_a_word_match_is_said_only_when_the_title_names_the_word(tiny_catalogue):
    """ "a Jedi movie": Terminator 2 had been "matched on title and genre words" for “jedi”;
    a film whose title and genres only sit near the words is said to be near them."""
    from recommender.llm.evidence import names_words

    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    star_wars, terminator = tiny_catalogue.get(6), tiny_catalogue.get(20)
    assert names_words(star_wars, "star") and not names_words(terminator, "jedi")
    context = ExplainContext(words_asked="star", matched_words=frozenset({6, 20}))
    named, near = EvidenceBuilder().build([star_wars, terminator], [], context)
    assert named.words_named and not near.words_named
    assert realiser.plan(named)[0] == "asked_words"
    assert realiser.plan(near)[0] == "asked_words_near"
    said = realiser.realise(near)
    assert "match" not in said and "closest to those words" not in said and "“star”" in said


def test_a_pick_the_anchor_source_did_not_find_is_not_said_to_be_near_it(tiny_dataset):
    """ "like Heat, a cult classic": The Princess Bride came from the list of cult films, not
    from the films nearest to Heat, and had been "one of its closest neighbours here"."""
    from recommender.llm.grounding import Grounding

    catalogue = tiny_dataset.catalogue
    builder = EvidenceBuilder(
        tiny_model(catalogue), CoOccurrence.from_sequences(tiny_dataset.sequences, 24)
    )
    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    like = catalogue.get(15)
    context = ExplainContext(
        provenance={20: ("anchor", "subject"), 14: ("subject", "popular")}, anchors=(like,)
    )
    near, far = builder.build(catalogue.many([20, 14]), [], context)
    assert near.method == "anchor" and realiser.plan(near)[0] == "anchor"
    assert far.method == "anchor_loose" and realiser.plan(far)[0] == "anchor_loose"
    grounding = Grounding(catalogue, realiser)
    for seed in range(3):
        text = realiser.realise(far, seed=seed)
        assert like.display_title in text and "closest neighbours" not in text, text
        assert "one of the films nearest" not in text and "among the films closest" not in text
        assert all(grounding.violations(s, far) == [] for s in text.split(". "))
