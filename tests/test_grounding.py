"""The grounding filter's rank checks: a rank must be the evidence's and belong to its title.

Every wording of the phrase banks (the app's and the fine-tuning paraphrases) passes for the
evidence shapes the realiser words; each sentence below states right numbers wrongly and fails.
"""

from __future__ import annotations

import pytest

from recommender.config import PROJECT_ROOT
from recommender.llm.evidence import CitedItem, Evidence
from recommender.llm.finetune_explainer import paraphrase_realiser
from recommender.llm.grounding import Grounding
from recommender.llm.realiser import Realiser


def evidence(catalogue, base, withouts, pivotal=True, popular=False) -> Evidence:
    """Fargo recommended at ``base``; Heat (and Pulp Fiction) cited with ranks ``withouts``."""
    fargo = catalogue.get(12)
    cited = tuple(
        CitedItem(
            catalogue.get(i),
            rank_without=w,
            lift=2.5,
            both=40,
            cited_users=90,
            shared_genres=("Crime",),
        )
        for i, w in zip((3, 13), withouts, strict=False)
    )
    return Evidence(
        item=fargo,
        similar=tuple(c.item for c in cited),
        similarities=tuple(float(w - base) for w in withouts),
        shared_genres=("Crime",),
        method="counterfactual",
        cited=cited,
        base_rank=base,
        pivotal=pivotal,
        item_share=0.31 if popular else 0.05,
        popular=popular,
    )


@pytest.fixture
def grounding(tiny_catalogue) -> Grounding:
    return Grounding(tiny_catalogue, Realiser.from_prompt_dir(PROJECT_ROOT / "prompts"))


SHAPES = {
    "pivotal": dict(base=2, withouts=(39,)),
    "pivotal_two": dict(base=4, withouts=(17, 10)),
    "robust": dict(base=3, withouts=(9, 5), pivotal=False),
    "popular": dict(base=3, withouts=(6,), pivotal=False, popular=True),
    "flat": dict(base=2, withouts=(2,), pivotal=False),
    "popular_flat": dict(base=1, withouts=(1,), pivotal=False, popular=True),
}


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_every_wording_of_every_bank_passes(tiny_catalogue, grounding, kind):
    e = evidence(tiny_catalogue, **SHAPES[kind])
    bank = paraphrase_realiser(PROJECT_ROOT / "prompts")
    assert bank.plan(e)[0] == kind
    for short in (False, True):
        values = bank.values(e, short)
        for wording in bank.phrases[kind]:
            sentence = wording.format(**values)
            sentence = sentence[:1].upper() + sentence[1:]
            assert grounding.violations(sentence, e) == [], sentence


@pytest.mark.parametrize(
    "sentence",
    [
        # a rank in the evidence, but not the one of the title it is said of
        "It rests on Heat and Pulp Fiction: #17 without the first, #4 without the second.",
        "It rests on Heat and Pulp Fiction: #10 without the first, #17 without the second.",
        "Without the first, Heat, it would fall to #10.",
        "Two of your titles hold it at #4: Heat (#10 without it) and Pulp Fiction (#17).",
        "It owes its #4 spot to Heat and Pulp Fiction (#10 and #17 without them).",
        "Heat and Pulp Fiction keep it at #4; without them it is #10 and #17.",
        "Take Heat out of your list and it falls from #4 to #10.",  # Pulp Fiction's rank
        # from/to: the same rank twice, no base rank, or the wrong direction
        "Heat is what puts it here: without it, it would drop from #4 to #4.",
        "Heat is what puts it here: without it, it would drop from #17 to #10.",
        "Heat is what puts it here: without it, it would drop from #17 to #4.",
        "It is here because of Heat, which lifts it from #4 to #17.",
        # one rank "without them": the evidence leaves out one title at a time
        "Heat and Pulp Fiction put it at #4: without them it falls to #17, without them to #10.",
        "It rests on Heat and Pulp Fiction: #17 without them, #10 without them.",
        "Without both Heat and Pulp Fiction it would be #17.",
    ],
)
def test_right_numbers_bound_to_the_wrong_title_or_direction_fail(
    tiny_catalogue, grounding, sentence
):
    e = evidence(tiny_catalogue, **SHAPES["pivotal_two"])
    assert grounding.violations(sentence, e), sentence


def test_the_right_bindings_pass(tiny_catalogue, grounding):
    e = evidence(tiny_catalogue, **SHAPES["pivotal_two"])
    for sentence in [
        "It rests on Heat and Pulp Fiction: #17 without the first, #10 without the second.",
        "Without Heat it would fall to #17, without Pulp Fiction to #10.",
        "Take Heat out of your list and it falls from #4 to #17.",
        "It is here because of Heat, which lifts it from #17 to #4.",
        "Heat lifts it to #4 from #17.",
    ]:
        assert grounding.violations(sentence, e) == [], sentence


def test_the_wordings_without_a_history_pass(tiny_catalogue, grounding):
    """Cards with nothing pasted: the title asked about ("like Titanic"), or only the request
    and popularity."""
    from recommender.llm.evidence import ExplainContext, satisfied_constraints

    fargo, titanic = tiny_catalogue.get(12), tiny_catalogue.get(16)
    asked = satisfied_constraints(fargo, ExplainContext(genres_asked=("Crime",)))
    anchor = Evidence(
        item=fargo,
        similar=(titanic,),
        similarities=(0.4,),
        shared_genres=("Drama",),
        method="anchor",
        cited=(CitedItem(titanic, lift=2.4, both=300, cited_users=1200, shared_genres=("Drama",)),),
        satisfies=asked,
    )
    popular = Evidence(fargo, (), (), (), item_share=0.31, popular=True, satisfies=asked)
    # found by the words of a request ("a film about ...")
    plain = Evidence(fargo, (), (), (), item_share=0.02, provenance=("request",), satisfies=asked)
    # "what is Fargo about?" with nothing pasted or asked: only how widely it is watched
    alone = Evidence(fargo, (), (), (), item_share=0.02)
    bank = paraphrase_realiser(PROJECT_ROOT / "prompts")
    # a filter's most watched, not popular enough to say so ("Drama, 1950-1955")
    filtered = Evidence(
        fargo, (), (), (), item_share=0.05, provenance=("popular",), satisfies=asked
    )
    cases = (
        (anchor, "anchor"),
        (popular, "cold_popular"),
        (plain, "cold"),
        (alone, "cold_share"),
        (filtered, "cold_share"),
    )
    for e, lead in cases:
        kinds = bank.plan(e)
        assert kinds[0] == lead and ("asked" in kinds) == bool(e.satisfies)
        for short in (False, True):
            values = bank.values(e, short)
            for kind in kinds:
                for wording in bank.phrases[kind]:
                    sentence = wording.format(**values)
                    sentence = sentence[:1].upper() + sentence[1:]
                    assert grounding.violations(sentence, e) == [], sentence
