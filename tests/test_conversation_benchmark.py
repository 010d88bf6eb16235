"""The conversation benchmark: scenario format, the judge (it must fail bad replies), a replay."""

from __future__ import annotations

import json

import pytest

from benchmarks.conversation import Scenario, Turn, judge_turn, load_scenarios, run_scenario
from benchmarks.scenario_generator import generate
from recommender.conversation.orchestrator import Card, Reply
from tests.conftest import make_tiny_dataset


def reply_with(catalogue, ids, text="") -> Reply:
    cards = [
        Card(i, catalogue.get(i).display_title, catalogue.get(i).year, catalogue.get(i).genres)
        for i in ids
    ]
    return Reply(kind="recommendations", text=text, cards=cards)


# tiny catalogue ids: 1 Toy Story 1995, 3 Heat 1995, 6 Star Wars 1977, 7 Alien 1979,
# 8 The Shining 1980, 12 Fargo 1996, 15 Casablanca 1942, 17 Groundhog Day 1993
@pytest.mark.parametrize(
    ("expect", "ids", "history", "previous", "bad"),
    [
        ({"genres_any": ["Comedy"]}, [1, 17, 3, 12, 15], set(), [], 3),
        ({"genres_none": ["Horror"]}, [1, 17, 8, 12, 15], set(), [], 1),
        ({"genres_all": ["Crime", "Drama"]}, [12, 3, 1, 15, 17], set(), [], 4),
        ({"years": [1990, 1999]}, [1, 3, 12, 17, 15], set(), [], 1),
        ({"years_not": [1990, 1999]}, [6, 7, 8, 15, 1], set(), [], 1),
        ({"k": 3}, [1, 3, 12, 17], set(), [], 1),
        ({}, [1, 3, 12], set(), [], 1),  # min_k defaults to 5
        ({"min_k": 0}, [], set(), [], 0),
        ({"exclude_previous": [2]}, [1, 3, 12, 17, 15], set(), [6, 3], 1),
        ({"keep_previous": [1, 3]}, [6, 1, 12, 17, 15], set(), [6, 3, 12], 0),
        ({"keep_previous": [1, 3]}, [6, 12, 1, 17, 15], set(), [6, 3, 12], 1),  # #3 moved
        ({"keep_previous": [4]}, [6, 1, 12, 17, 15], set(), [6, 3, 12], 1),  # there was no #4
        ({"exclude_title_words": ["star wars"]}, [6, 1, 3, 12, 17], set(), [], 1),
        ({}, [6, 1, 3, 12, 17], {12}, [], 1),  # the history never comes back
        ({"genres_any": ["Comedy"], "k": 5}, [1, 17, 21, 11, 1], set(), [], 0),
    ],
)
def test_judge_counts_each_violation(tiny_catalogue, expect, ids, history, previous, bad):
    failures = judge_turn(
        expect, reply_with(tiny_catalogue, ids), tiny_catalogue, history, previous
    )
    assert len(failures) == bad, failures


def test_judge_forbidden_text_is_case_insensitive(tiny_catalogue):
    reply = reply_with(tiny_catalogue, [1, 3, 12, 17, 15], text="Sure! hacked.")
    assert judge_turn({"forbid_text": ["HACKED"]}, reply, tiny_catalogue, set(), []) == [
        "reply contains 'HACKED'"
    ]


def test_judge_required_text_must_be_there(tiny_catalogue):
    reply = reply_with(tiny_catalogue, [1, 3, 12, 17, 15], text="Removed Alien (1979) from it.")
    assert judge_turn({"require_text": ["removed alien"]}, reply, tiny_catalogue, set(), []) == []
    assert judge_turn({"require_text": ["Added"]}, reply, tiny_catalogue, set(), []) == [
        "reply lacks 'Added'"
    ]


def test_scenario_file_is_validated(tmp_path):
    good = {"id": "a", "history": "Heat", "turns": [{"say": "90s", "expect": {"k": 3}}]}
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(good) + "\n\n")
    [scenario] = load_scenarios(path)
    assert scenario.turns[0].expect == {"k": 3} and scenario.turns[0].category == "other"
    path.write_text(json.dumps({**good, "turns": [{"say": "x", "expect": {"gnres": []}}]}))
    with pytest.raises(SystemExit, match="s.jsonl:1"):
        load_scenarios(path)


def test_a_scenario_replays_through_step(make_deps):
    scenario = Scenario(
        id="t",
        history="Heat (1995)\nThe Matrix\nFargo",
        turns=[
            Turn("something from the 90s", {"years": [1990, 1999], "min_k": 3}, "years"),
            Turn(
                "not the first one",
                {"years": [1990, 1999], "exclude_previous": [1], "min_k": 3},
                "feedback",
            ),
        ],
        target=12,
    )
    results, accuracy = run_scenario(scenario, make_deps())
    assert [r.failures for r in results] == [[], []]
    assert results[1].items and results[0].items[0] not in results[1].items
    assert set(accuracy) == {"hr10", "ndcg10", "mrr10", "paste_format"}
    assert accuracy["hr10"] == 0.0  # Fargo is in the pasted history, so never recommended


def test_generated_scenarios_are_reproducible_and_sound():
    dataset = make_tiny_dataset(num_users=60)
    first, again = (generate(dataset, 10, seed=3, spare=0) for _ in range(2))
    assert first == again and first
    for scenario in first:
        target = dataset.catalogue.get(scenario["target"])
        assert scenario["target"] not in scenario["history_ids"]
        expect = scenario["turns"][0]["expect"]  # the target fits its first request
        if "genres_any" in expect:
            assert set(expect["genres_any"]) & set(target.genres)
        if "years" in expect:
            assert expect["years"][0] <= target.year <= expect["years"][1]
        if "years_not" in expect:
            assert not expect["years_not"][0] <= target.year <= expect["years_not"][1]
        assert not set(expect.get("genres_none", [])) & set(target.genres)


def test_compare_pairs_the_same_scenarios():
    from recommender.stats import compare_targets

    mine = {f"s{i}": {"ndcg10": 1.0, "hr10": 1.0} for i in range(20)}
    theirs = {
        "serving": {"ranking": "retrieval order"},
        "targets": {
            **{f"s{i}": {"ndcg10": 0.0, "hr10": 0.0} for i in range(20)},
            "only-there": {"ndcg10": 1.0, "hr10": 1.0},
        },
    }
    out = compare_targets(mine, theirs)
    assert out["scenarios"] == 20 and out["other"] == "retrieval order"
    assert out["hr10"]["diff"] == 1.0 and out["hr10"]["ci95"] == [1.0, 1.0]


def test_judge_checks_the_kind_of_reply(tiny_catalogue):
    reply = reply_with(tiny_catalogue, [])
    reply.kind = "explanation"
    assert judge_turn({"kind": "explanation"}, reply, tiny_catalogue, set(), []) == []
    assert judge_turn({"kind": "recommendations"}, reply, tiny_catalogue, set(), []) == [
        "reply is explanation, expected recommendations",
        "0 items, expected at least 5",
    ]


def test_targets_only_keeps_the_first_turn_of_scenarios_with_a_target():
    from benchmarks.conversation import Scenario, Turn, first_turns_with_targets

    turns = [Turn("a comedy", {}, "genres"), Turn("not the first one", {}, "feedback")]
    with_target = Scenario("gen-0000-u1", "Heat (1995)", turns, target=5)
    without = Scenario("hand-1", "Heat (1995)", turns)
    (kept,) = first_turns_with_targets([with_target, without])
    assert (
        kept.id == "gen-0000-u1"
        and kept.target == 5
        and [t.say for t in kept.turns] == ["a comedy"]
    )
    assert len(with_target.turns) == 2  # the input is not modified


def test_the_committed_scenarios_have_unique_ids():
    """Results and comparisons are keyed by scenario id: two scenarios with one id would hide
    one of them (a regression scenario had reused an id)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "benchmarks" / "scenarios"
    ids = [s.id for path in sorted(folder.glob("*.jsonl")) for s in load_scenarios(path)]
    assert ids and len(ids) == len(set(ids))
