"""The matching benchmark's scoring, set building and report, on the tiny catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import matching
from recommender.conversation.history_parser import AmbiguousLine, HistoryParse, MatchedLine
from recommender.data import Catalogue, Dataset


def _parse(matched: list[int], ambiguous: list[tuple[int, ...]] = ()) -> HistoryParse:
    out = HistoryParse(format="list")
    out.matched = [MatchedLine(i, "t", 1, "t", 100.0) for i in matched]
    out.ambiguous = [AmbiguousLine(1, "t", options, ("t",) * len(options)) for options in ambiguous]
    return out


def _case(expected: list[int], paste: str = "x") -> matching.Case:
    return matching.Case("c1", "free_text", "test", paste, expected)


def test_a_wrong_match_is_counted_as_wrong() -> None:
    assert matching.score_case(_case([1]), _parse([2])).verdict == "wrong"
    assert matching.score_case(_case([1]), _parse([1, 2])).verdict == "wrong"
    assert matching.score_case(_case([]), _parse([3])).verdict == "wrong"  # not in catalogue


def test_correct_and_listed_back() -> None:
    assert matching.score_case(_case([1]), _parse([1])).verdict == "correct"
    assert matching.score_case(_case([]), _parse([], [(1, 2)])).verdict == "correct"
    listed = matching.score_case(_case([1, 2]), _parse([1], [(2, 3)]))
    assert listed.verdict == "listed_back" and listed.missing == [2]
    assert listed.ambiguous == [[2, 3]]


def test_run_cases_counts_a_wrong_expectation(tiny_catalogue: Catalogue) -> None:
    cases = [
        matching.Case("a", "free_text", "t", "The Matrix", [5]),
        matching.Case("b", "free_text", "t", "Fargo", [7]),  # 7 is Alien: the match is "wrong"
        matching.Case("c", "free_text", "t", "Heat", []),  # two Heats: listed back is right
        matching.Case("d", "free_text", "t", "Inception", [3]),  # nothing matched: listed back
    ]
    result = matching.run_cases(cases, tiny_catalogue)
    assert result["totals"] == {
        "cases": 4,
        "correct": 2,
        "wrong": 1,
        "listed_back": 1,
        "correct_pct": 50.0,
    }
    assert [f["id"] for f in result["failures"]] == ["b", "d"]
    assert result["by_format"]["free_text"]["wrong"] == 1


def test_hand_cases_resolve_titles_exactly(tiny_catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "hand.jsonl"
    rows = [
        {
            "category": "x",
            "format": "free_text",
            "paste": "heat 1995",
            "expected_titles": ["Heat (1995)"],
        },
        {
            "category": "x",
            "format": "letterboxd",
            "paste": "2024-01-01,Fargo,1996,u",
            "expected_titles": ["Fargo (1996)"],
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    cases = matching.hand_cases(tiny_catalogue, path)
    assert [c.expected for c in cases] == [[3], [12]]
    assert cases[1].paste.startswith(matching.LETTERBOXD_HEADER + "\n")
    path.write_text(json.dumps(dict(rows[0], expected_titles=["Heat"])))  # two Heats
    with pytest.raises(ValueError, match="names 2 catalogue items"):
        matching.hand_cases(tiny_catalogue, path)


def test_hand_case_file_is_well_formed() -> None:
    lines = matching.HAND_CASES.read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    assert len(records) >= 60
    assert {r["format"] for r in records} <= set(matching.FORMATS)
    assert sum(1 for r in records if not r["expected_titles"]) >= 20  # films not in the catalogue


def test_generated_cases_are_seeded_and_never_use_the_matcher(
    tiny_dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the set must not be built with the matcher")

    monkeypatch.setattr(matching, "parse_history", refuse)
    monkeypatch.setattr(matching, "TitleMatcher", refuse)
    first = matching.generated_cases(tiny_dataset, seed=3)
    assert first == matching.generated_cases(tiny_dataset, seed=3)
    assert {c.category for c in first} <= {"alt_main", "alt_title", "typo", "case_article"}
    heat = [c for c in first if c.paste.lower().strip() in ("heat", "1. heat")]
    assert all(c.expected == [] for c in heat)  # two Heats and no year: must be listed back


def test_set_round_trip_and_report(tiny_catalogue: Catalogue, tmp_path: Path) -> None:
    cases = [matching.Case("a", "lines", "t", "Alien", [7], "n")]
    path = tmp_path / "set.jsonl"
    matching.write_set(cases, path)
    assert matching.read_set(path) == cases
    result = {
        "dataset": "tiny",
        "command": "python benchmarks/matching.py",
        "set": "set.jsonl",
        "set_digest": "x",
        "catalogue_digest": matching.catalogue_digest(tiny_catalogue),
        "git_commit": "abc",
        **matching.run_cases(cases, tiny_catalogue),
    }
    text = matching.write_report(result, tmp_path / "r.json", tmp_path / "r.md")
    assert "Correct **100.0%** (1/1); confident wrong matches **0**" in text
    assert json.loads((tmp_path / "r.json").read_text())["totals"]["wrong"] == 0
