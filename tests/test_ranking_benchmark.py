"""benchmarks/ranking.py helpers on the tiny dataset with scripted fake LLMs (no real model)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import torch

from benchmarks import ranking as bench
from recommender.llm.config import LLMConfig
from recommender.llm.ranker import LLMRanker
from recommender.models.sasrec import SASRec, SASRecConfig
from recommender.retrieval.candidates import Candidate

_LINE = re.compile(r"^([A-Z])\. (.+)$", re.MULTILINE)
N_CANDIDATES = 10


class TitleBackend:
    """A fake LLM: each shown title scores ``score(prompt, title, position)``; counts calls."""

    name = "fake"

    def __init__(self, score):
        self.score = score
        self.calls = 0

    def score_labels(self, prompts, labels):
        self.calls += 1
        rows = []
        for prompt in prompts:
            shown = [title for _, title in _LINE.findall(prompt)]
            rows.append([self.score(prompt, title, p) for p, title in enumerate(shown)])
        return np.array(rows, dtype=float)

    def generate(self, prompt, max_new_tokens, timeout_s):  # pragma: no cover - not used
        raise AssertionError("label scoring only")

    def stream(self, prompts, max_new_tokens, timeout_s):  # pragma: no cover - not used
        raise AssertionError("label scoring only")


@pytest.fixture
def cases(tiny_dataset):
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=tiny_dataset.num_items, max_len=8, hidden=16))
    split = tiny_dataset.split
    test, valid = bench.sample_users(split, 12, 8, seed=0)
    return (
        bench.make_cases(model, split, test, "test", N_CANDIDATES),
        bench.make_cases(model, split, valid, "valid", N_CANDIDATES),
    )


def make_ranker(catalogue, score):
    config = LLMConfig(num_candidates=N_CANDIDATES, seed=0)
    return LLMRanker(TitleBackend(score), catalogue, config)


def oracle(catalogue):
    """Knows the tiny users' habit (the next id after the last one watched): the true item
    scores above everything else, wherever it is shown."""
    ids = {item.display_title: item.item_id for item in catalogue}

    def score(prompt, title, position):
        last = re.search(r"most recently watched movie is (.+)\.$", prompt, re.MULTILINE)
        assert last is not None, "the recency prompt names the last movie"
        return 0.0 if ids[title] == ids[last.group(1)] % catalogue.num_items + 1 else -5.0

    return score


def position_a(prompt, title, position):
    return 0.0 if position == 0 else -5.0  # the 135M model's habit: always "A"


def run_all(catalogue, test_cases, valid_cases, score, tmp_path, bootstraps=(1, 3)):
    ranker = make_ranker(catalogue, score)
    records: bench.Records = {}
    for b in bootstraps:
        cache = bench.ScoreCache(tmp_path / f"v_B{b}.jsonl")
        for cases in (test_cases, valid_cases):
            got = bench.score_cases(ranker, cases, b, cache, progress=False, warmup=0)
            records.setdefault(("zero_shot", b), {}).update(got)
    return records, ranker


# --------------------------------------------------------------------------- users, candidates


def test_sample_users_disjoint_seeded_and_growing(tiny_dataset):
    split = tiny_dataset.split
    test, valid = bench.sample_users(split, 10, 8, seed=3)
    assert len(test) == 10 and len(valid) == 8 and not set(test) & set(valid)
    assert bench.sample_users(split, 10, 8, seed=3) == (test, valid)
    bigger_test, same_valid = bench.sample_users(split, 20, 8, seed=3)
    assert set(test) <= set(bigger_test) and same_valid == valid
    with pytest.raises(ValueError):
        bench.sample_users(split, 30, 11, seed=3)  # the tiny dataset has 40 users


def test_top_candidates_skips_masked_and_breaks_ties_by_id():
    scores = torch.tensor([float("-inf"), 1.0, 3.0, float("-inf"), 3.0, 2.0])
    got = bench.top_candidates(scores, 3)
    assert [c.item_id for c in got] == [2, 4, 5]
    assert [c.score for c in got] == [3.0, 3.0, 2.0]
    assert [c.item_id for c in bench.top_candidates(scores, 10)] == [2, 4, 5, 1]


def test_cases_hold_the_right_targets_and_never_the_history(tiny_dataset, cases):
    test_cases, valid_cases = cases
    for case in test_cases + valid_cases:
        seq = tiny_dataset.sequences[case.user]
        if case.stage == "test":
            assert (case.history, case.target) == (seq[:-1], seq[-1])
        else:
            assert (case.history, case.target) == (seq[:-2], seq[-2])
        assert len(case.candidates) == N_CANDIDATES
        assert not set(case.candidate_ids) & set(case.history)
        scores = [c.score for c in case.candidates]
        assert scores == sorted(scores, reverse=True)


# --------------------------------------------------------------------------- metrics


def test_order_metrics_match_the_definitions():
    orders = [[5, 6, 7], [6, 7, 5], [6, 7, 8]]
    targets = [5, 5, 5]  # rank 0, rank 2, missing
    assert [bench.target_rank(o, 5) for o in orders] == [0, 2, bench.MISSING_RANK]
    got = bench.order_metrics(orders, targets)
    assert got["hr@10"] == pytest.approx(2 / 3)
    assert got["ndcg@10"] == pytest.approx((1.0 + 1.0 / math.log2(4)) / 3)
    assert got["users"] == 3


def test_out_of_candidate_checks_count_intruders_and_broken_orders(cases):
    case = cases[0][0]
    good = list(reversed(case.candidate_ids))
    intruder = [*case.candidate_ids[:-1], 10_000]
    duplicate = [*case.candidate_ids[:-1], case.candidate_ids[0]]
    assert bench.out_of_candidates(good, case.candidate_ids) == 0
    assert bench.out_of_candidates(intruder, case.candidate_ids) == 1
    assert bench.check_orders([good, intruder, duplicate], [case] * 3) == (1, 2, 3)


def test_paired_bootstrap_of_identical_orders_is_zero_and_detects_a_gain():
    targets = [1, 2, 3, 4]
    base = [[9, 8, t] for t in targets]
    better = [[t, 9, 8] for t in targets]
    same = bench.paired_bootstrap(base, base, targets, samples=50)
    assert same["ndcg@10_diff"] == 0.0 and same["ci95"] == [0.0, 0.0]
    gain = bench.paired_bootstrap(base, better, targets, samples=50)
    assert gain["ndcg@10_diff"] == pytest.approx(0.5) and gain["ci95"][0] > 0


# --------------------------------------------------------------------------- stored scores


def test_stored_record_reproduces_the_live_ranking(tiny_catalogue, cases, tmp_path):
    test_cases, valid_cases = cases
    ranker = make_ranker(tiny_catalogue, oracle(tiny_catalogue))
    for case in test_cases[:4]:
        live = ranker.rank(case.history, case.candidates, bootstrap=3)
        record = json.loads(json.dumps(bench.record_from_ranking(case, live)))  # via JSON
        rebuilt = bench.ranking_from_record(record, case)
        assert rebuilt.llm_only_ids() == live.llm_only_ids()
        for weight in (0.0, 0.3, 0.5, 1.0):
            assert rebuilt.fused_ids(weight) == live.fused_ids(weight)
        assert rebuilt.fused_ids(0.0) == case.candidate_ids  # weight 0 = retrieval order
        assert record["returned"] == live.item_ids


def test_cache_resumes_without_new_calls_and_rescores_damage(tiny_catalogue, cases, tmp_path):
    test_cases, _ = cases
    path = tmp_path / "zero_shot_B1.jsonl"
    ranker = make_ranker(tiny_catalogue, position_a)
    first = bench.score_cases(ranker, test_cases[:5], 1, bench.ScoreCache(path), False, warmup=0)
    assert ranker.backend.calls == 5 and len(path.read_text().splitlines()) == 5
    # an interrupted write leaves a cut line; a changed retriever changes a case's candidates
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20] + "\n")
    changed = test_cases[0]
    changed = bench.Case(
        changed.stage,
        changed.user,
        changed.history,
        changed.target,
        list(reversed(changed.candidates)),
    )
    todo = [changed, *test_cases[1:7]]
    got = bench.score_cases(ranker, todo, 1, bench.ScoreCache(path), False, warmup=0)
    assert ranker.backend.calls == 5 + 1 + 1 + 2  # changed, cut line, two new users
    assert got[test_cases[2].key] == first[test_cases[2].key]
    assert got[changed.key]["candidates"] == changed.candidate_ids


def test_warmup_calls_are_not_stored(tiny_catalogue, cases, tmp_path):
    ranker = make_ranker(tiny_catalogue, position_a)
    cache = bench.ScoreCache(tmp_path / "w.jsonl")
    bench.score_cases(ranker, cases[0][:3], 1, cache, False, warmup=2)
    assert ranker.backend.calls == 5
    assert len((tmp_path / "w.jsonl").read_text().splitlines()) == 3


def test_a_stored_call_counts_only_for_the_same_candidates(cases, tmp_path, caplog):
    case = cases[0][0]
    cache = bench.ScoreCache(tmp_path / "c.jsonl")
    cache.add({"key": case.key, "candidates": case.candidate_ids})
    assert cache.matching(case) is cache.get(case) is not None
    moved = bench.Case(case.stage, case.user, case.history, case.target, case.candidates[::-1])
    with caplog.at_level("WARNING"):
        assert cache.matching(moved) is None
        assert caplog.text == ""  # matching is quiet; get says why it re-scores
        assert cache.get(moved) is None
    assert "stored candidates of" in caplog.text


# --------------------------------------------------------------------------- analysis


def test_fusion_weight_follows_the_validation_signal(tiny_catalogue, cases, tmp_path):
    test_cases, valid_cases = cases
    good, _ = run_all(tiny_catalogue, [], valid_cases, oracle(tiny_catalogue), tmp_path)
    rankings = [bench.ranking_from_record(good[("zero_shot", 1)][c.key], c) for c in valid_cases]
    targets = [c.target for c in valid_cases]
    weight, grid = bench.tune_weight(rankings, targets)
    hit = [c.target in c.candidate_ids for c in valid_cases]
    assert grid["1"] == pytest.approx(np.mean(hit))  # a perfect LLM puts every hit first
    assert weight > 0 and grid[f"{weight:g}"] == max(grid.values())
    flat = [bench.Ranking(items=r.items, method=r.method) for r in rankings]
    for r in flat:  # equal LLM scores carry no signal: ties go to the retrieval order (w=0)
        r.items = [
            bench.RankedItem(i.item_id, 0, 0.0, i.retrieval_score, i.retrieval_rank)
            for i in r.items
        ]
    assert bench.tune_weight(flat, targets)[0] == 0.0


def test_position_bias_sees_an_always_a_model(tiny_catalogue, cases, tmp_path):
    test_cases, valid_cases = cases
    records, _ = run_all(tiny_catalogue, test_cases, valid_cases, position_a, tmp_path)
    rankings = [bench.ranking_from_record(records[("zero_shot", 1)][c.key], c) for c in test_cases]
    bias = bench.position_bias(rankings, test_cases)
    assert bias["top_pick_share"][0] == 1.0 and bias["calls"] == len(test_cases)
    for row in bias["by_position"]:
        if row["n"]:
            assert row["hr@1"] == (1.0 if row["position"] == 0 else 0.0)
    assert sum(b["n"] for b in bias["by_bucket_of_5"]) == sum(
        c.target in c.candidate_ids for c in test_cases
    )


def test_analyse_and_outputs(tiny_catalogue, cases, tmp_path):
    test_cases, valid_cases = cases
    score = oracle(tiny_catalogue)
    records, _ = run_all(tiny_catalogue, test_cases, valid_cases, score, tmp_path)
    skipped = {"finetuned": "skipped: no LoRA adapter"}
    result = bench.analyse(test_cases, valid_cases, records, 1, skipped)
    assert result["out_of_candidates"] == 0 and result["not_permutations"] == 0
    assert result["orders_checked"] > 2 * len(test_cases)
    hit_rate = result["candidate_hit_rate"]["test"]
    assert result["zero_shot"]["hr@10"] == pytest.approx(hit_rate)
    assert result["zero_shot"]["ndcg@10"] == pytest.approx(hit_rate)  # oracle: hits first
    assert result["retrieval"]["ndcg@10"] <= result["zero_shot"]["ndcg@10"]
    assert result["finetuned"] == {"ndcg@10": None, "hr@10": None, "skipped": skipped["finetuned"]}
    assert result["fused"]["llm"] == "zero_shot" and result["fusion_weight"] > 0
    assert set(result["position_bias"]["zero_shot"]) == {"B=1", "B=3"}
    assert result["latency_ms"]["calls"] == len(test_cases) and result["latency_ms"]["p50"] > 0
    result.update(dataset="tiny", users=len(test_cases), valid_users=len(valid_cases))
    result.update(candidates=N_CANDIDATES, bootstrap=1, machine="test", command="pytest")
    paths = bench.write_outputs(result, tmp_path / "out", "tiny")
    saved = json.loads(paths[0].read_text())
    for key in ("retrieval", "zero_shot", "finetuned", "fused"):
        assert {"ndcg@10", "hr@10"} <= saved[key].keys()
    for key in ("out_of_candidates", "latency_ms", "position_bias", "machine", "command"):
        assert key in saved
    assert "| fused |" in paths[1].read_text() and paths[2].stat().st_size > 0


def test_analyse_counts_an_intruder(tiny_catalogue, cases, tmp_path):
    test_cases, valid_cases = cases
    records, _ = run_all(tiny_catalogue, test_cases, valid_cases, position_a, tmp_path, (1,))
    records[("zero_shot", 1)][test_cases[0].key]["returned"][0] = 10_000
    result = bench.analyse(test_cases, valid_cases, records, 1)
    assert result["out_of_candidates"] == 1 and result["not_permutations"] == 1


def test_candidate_type_is_the_retrievers():
    assert bench.Candidate is Candidate
