"""Prompt styles, side-by-side run files and the LLMRank table (tiny data, scripted fake LLMs)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from benchmarks import llmrank_prompts as llmrank
from benchmarks import ranking as bench
from recommender.llm.config import LLMConfig
from recommender.llm.ranker import PROMPT_STYLES, LLMRanker
from recommender.models.sasrec import SASRec, SASRecConfig

_LINE = re.compile(r"^([A-Z])\. (.+)$", re.MULTILINE)
_LAST = (  # where each style names the last movie watched
    re.compile(r"most recently watched movie is (.+)\.$", re.MULTILINE),  # recency
    re.compile(r"Now that I've watched (.+), there are", re.MULTILINE),  # in_context
    re.compile(r"^(.+)\nNow there are", re.MULTILINE),  # sequential: the last history line
)
N = 10  # candidates


class FakeLLM:
    """Scores each shown title with ``score(prompt, title, position)``; keeps the prompts."""

    name = "fake"

    def __init__(self, score):
        self.score = score
        self.prompts: list[str] = []

    def score_labels(self, prompts, labels):
        self.prompts.extend(prompts)
        rows = []
        for prompt in prompts:
            shown = [title for _, title in _LINE.findall(prompt)]
            rows.append([self.score(prompt, title, p) for p, title in enumerate(shown)])
        return np.array(rows, dtype=float)


def oracle(catalogue):
    """Knows the tiny users' habit (the next id after the last one), whatever the prompt style."""
    ids = {item.display_title: item.item_id for item in catalogue}

    def score(prompt, title, position):
        last = next(m.group(1) for pattern in _LAST if (m := pattern.search(prompt)))
        return 0.0 if ids[title] == ids[last] % catalogue.num_items + 1 else -5.0

    return score


def always_a(prompt, title, position):
    return 0.0 if position == 0 else -5.0


def make_cases(dataset, seed, users=12):
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=dataset.num_items, max_len=8, hidden=16))
    test, _ = bench.sample_users(dataset.split, users, 0, seed=seed)
    return bench.make_cases(model, dataset.split, test, "test", N)


def run_result(catalogue, cases, style, seed, scores, tmp_path, bootstraps=(1,)):
    """What ``ranking.py`` would write for one style and seed (``scores``: variant -> scorer)."""
    records: bench.Records = {}
    for variant, score in scores.items():
        config = LLMConfig(num_candidates=N, seed=seed, prompt_style=style)
        ranker = LLMRanker(FakeLLM(score), catalogue, config)
        for b in bootstraps:
            cache = bench.ScoreCache(tmp_path / f"{style}{seed}_{variant}_B{b}.jsonl")
            got = bench.score_cases(ranker, cases, b, cache, progress=False, warmup=0)
            records[(variant, b)] = got
    result = bench.analyse(cases, [], records, 1, seed=seed)
    result.update(
        dataset="tiny",
        users=len(cases),
        candidates=N,
        candidate_source="test",
        prompt_style=style,
        seed=seed,
        checkpoint="checkpoints/none.pt",
        adapter=None,
        command=f"ranking {style} {seed}",
        provenance={"git_commit": "abc", "git_dirty": False, "artifacts": {}, "data": None},
        file=f"llmrank/tiny_{style}_seed{seed}_u{len(cases)}.json",
    )
    return result


# --------------------------------------------------------------------------- ranking.py


def test_the_prompt_style_reaches_the_prompt(tiny_catalogue, tiny_dataset):
    cases = make_cases(tiny_dataset, 0, users=2)
    seen = {}
    for style in PROMPT_STYLES:
        backend = FakeLLM(always_a)
        config = LLMConfig(num_candidates=N, seed=0, prompt_style=style)
        LLMRanker(backend, tiny_catalogue, config).rank(cases[0].history, cases[0].candidates)
        seen[style] = backend.prompts[0]
    assert "most recently watched" in seen["recency"]
    assert "Now that I've watched" in seen["in_context"]
    assert "most recently" not in seen["sequential"] and "Now that" not in seen["sequential"]


def test_arguments_and_result_names():
    args = bench.parse_args(["--prompt-style", "in_context", "--position-bootstraps", "1"])
    assert args.prompt_style == "in_context" and args.position_bootstraps == [1]
    assert bench.parse_args([]).position_bootstraps == [1, 3]
    assert bench.parse_args([]).prompt_style is None  # the config's
    with pytest.raises(SystemExit):
        bench.parse_args(["--prompt-style", "chatty"])
    # the README's file only for the config's style at seed 0; every other run its own file
    assert bench.result_name("ml1m", "recency", 0, 1000, "recency") == "ranking_ml1m"
    assert bench.result_name("ml1m", "sequential", 0, 100, "recency") == (
        "llmrank/ml1m_sequential_seed0_u100"
    )
    assert bench.result_name("ml1m", "recency", 2, 100, "recency") == (
        "llmrank/ml1m_recency_seed2_u100"
    )


def test_cache_key_covers_only_the_ranker_prompts(tmp_path):
    for name in ("rank_recency", "rank_cold", "answer_label", "system", "explain_x", "srec_item"):
        (tmp_path / f"{name}.txt").write_text(name)
    names = [p.stem for p in bench.ranker_prompt_files(tmp_path)]
    assert sorted(names) == ["answer_label", "rank_cold", "rank_recency", "system"]


def test_without_validation_users_there_is_no_fusion_and_per_user_rows_agree(
    tiny_catalogue, tiny_dataset, tmp_path
):
    cases = make_cases(tiny_dataset, 0)
    scores = {"zero_shot": oracle(tiny_catalogue), "finetuned": always_a}
    result = run_result(tiny_catalogue, cases, "recency", 0, scores, tmp_path, (1, 3))
    assert result["fused"]["ndcg@10"] is None and "validation" in result["fused"]["skipped"]
    assert "fused - retrieval" not in result["comparisons"]
    rows = result["per_user"]
    assert [r["key"] for r in rows] == [c.key for c in cases]
    for variant in ("zero_shot", "finetuned"):
        ranks = llmrank.ranks_of(rows, f"{variant}_B1")
        assert llmrank.metric(ranks, "ndcg@10").mean() == pytest.approx(result[variant]["ndcg@10"])
        assert {f"{variant}_B1", f"{variant}_B3"} <= rows[0].keys()
    ranks = llmrank.ranks_of(rows, "retrieval")
    assert llmrank.metric(ranks, "hr@10").mean() == pytest.approx(result["retrieval"]["hr@10"])
    assert all(r["finetuned_B1"]["top_at"] == 0 for r in rows)  # always-A picks what is at A
    for row, case in zip(rows, cases, strict=True):
        assert (row["retrieval_rank"] is None) == (case.target not in case.candidate_ids)


def test_side_by_side_runs_write_json_and_table_only(tmp_path, monkeypatch):
    result = {"x": 1}
    monkeypatch.setattr(bench, "markdown", lambda r: "table\n")
    paths = bench.write_outputs(result, tmp_path, "tiny", "llmrank/tiny_sequential_seed1_u5")
    assert [p.name for p in paths] == [
        "tiny_sequential_seed1_u5.json",
        "tiny_sequential_seed1_u5.md",
    ]
    assert json.loads(paths[0].read_text()) == result


# --------------------------------------------------------------------------- the table


@pytest.fixture
def runs(tiny_catalogue, tiny_dataset, tmp_path):
    """Two seeds; zero-shot is an oracle on recency prompts and always-A otherwise, the
    fine-tuned LLM always-A on every style; recency also with B=3."""
    out = {}
    for seed in (0, 1):
        cases = make_cases(tiny_dataset, seed)
        for style in PROMPT_STYLES:
            good = style == "recency"
            scores = {
                "zero_shot": oracle(tiny_catalogue) if good else always_a,
                "finetuned": always_a,
            }
            bs = (1, 3) if good else (1,)
            out[(style, seed)] = run_result(
                tiny_catalogue, cases, style, seed, scores, tmp_path, bs
            )
    return out


def test_assembled_table_pools_seeds_and_pairs_styles(runs):
    result = llmrank.assemble(runs, (0, 1), "pytest")
    assert result["prompt_styles"] == list(PROMPT_STYLES) and result["missing_runs"] == []
    assert result["users_pooled"] == 24
    rows = {(r["variant"], r["prompt_style"], r["bootstrap"]): r for r in result["accuracy"]}
    hit_rate = result["candidate_hit_rate"]
    oracle_row = rows[("zero_shot", "recency", 1)]
    assert oracle_row["ndcg@10"] == pytest.approx(hit_rate)  # every hit ranked first
    assert oracle_row["ndcg@10_ci95"][0] <= oracle_row["ndcg@10"] <= oracle_row["ndcg@10_ci95"][1]
    pooled = np.mean([runs[("recency", s)]["zero_shot"]["ndcg@10"] for s in (0, 1)])
    assert oracle_row["ndcg@10"] == pytest.approx(pooled)  # equal users per seed
    assert oracle_row["per_seed"]["1"]["ndcg@10"] == pytest.approx(
        runs[("recency", 1)]["zero_shot"]["ndcg@10"]
    )
    assert ("finetuned", "sequential", 3) not in rows and ("retrieval", None, None) in rows
    diff = result["comparisons"]["zero_shot: sequential - recency"]
    assert diff["ndcg@10_diff"] < 0 and diff["ci95"][1] <= 0 and diff["users"] == 24
    assert result["comparisons"]["finetuned: in_context - recency"]["ndcg@10_diff"] == 0
    assert "zero_shot recency: B=3 - B=1" in result["comparisons"]
    assert "zero_shot sequential: B=3 - B=1" not in result["comparisons"]
    bias = result["position_bias"]
    assert bias["finetuned sequential B=1"]["top_pick_at_A"] == 1.0
    assert bias["finetuned sequential B=1"]["top_pick_mode_position"] == 0
    assert bias["zero_shot recency B=1"]["top_pick_at_A"] < 1.0
    buckets = bias["finetuned recency B=1"]["hr@1_by_bucket"]
    assert [b["positions"] for b in buckets] == ["0-4", "5-9"]
    assert buckets[1]["hr@1"] in (0.0, None)  # always-A never ranks a later item first
    text = llmrank.markdown(result)
    assert "| zero-shot | recency | 1 | 24 |" in text and "trained on recency prompts only" in text
    # a random order: HR@10 is half the hit rate with 10 of 20 ... here 10 of 10 candidates
    assert result["chance"]["hr@10"] == pytest.approx(hit_rate)
    assert llmrank.chance(0.5, 20)["hr@10"] == pytest.approx(0.25)
    assert llmrank.chance(1.0, 1)["ndcg@10"] == pytest.approx(1.0)


def test_missing_and_mismatched_runs(runs):
    partial = {k: v for k, v in runs.items() if k != ("in_context", 1)}
    result = llmrank.assemble(partial, (0, 1), "pytest")
    assert result["prompt_styles"] == ["recency", "sequential"]
    assert result["missing_runs"] == ["in_context seed 1"]
    assert "in_context seed 1" in llmrank.markdown(result)
    unfinished = dict(runs)  # seed 1's bootstrapped run did not finish: B=3 from seed 0 only
    one = dict(runs[("recency", 1)])
    one["per_user"] = [
        {k: v for k, v in row.items() if not k.endswith("_B3")} for row in one["per_user"]
    ]
    unfinished[("recency", 1)] = one
    result = llmrank.assemble(unfinished, (0, 1), "pytest")
    rows = {(r["variant"], r["prompt_style"], r["bootstrap"]): r for r in result["accuracy"]}
    assert rows[("zero_shot", "recency", 3)]["seeds"] == [0]
    assert rows[("zero_shot", "recency", 3)]["users"] == 12
    assert rows[("zero_shot", "recency", 1)]["seeds"] == [0, 1]
    assert result["comparisons"]["zero_shot recency: B=3 - B=1"]["users"] == 12
    assert result["position_bias"]["zero_shot recency B=3"]["seeds"] == [0]
    assert "| zero-shot | recency | 3 | 12 |" in llmrank.markdown(result)
    broken = dict(runs)
    other = dict(runs[("sequential", 0)])
    other["per_user"] = other["per_user"][1:]
    broken[("sequential", 0)] = other
    with pytest.raises(ValueError, match="other users"):
        llmrank.assemble(broken, (0, 1), "pytest")


def test_bootstrapped_runs_of_fewer_users_join_the_same_users_rows(
    runs, tiny_catalogue, tiny_dataset, tmp_path
):
    main = {}
    for key, run in runs.items():  # the main runs with B=1 only
        rows = [{c: v for c, v in r.items() if not c.endswith("_B3")} for r in run["per_user"]]
        main[key] = {**run, "per_user": rows}
    extra = {}
    for seed in (0, 1):  # B=3 for the first 6 of each seed's 12 users
        cases = make_cases(tiny_dataset, seed, users=6)
        scores = {"zero_shot": oracle(tiny_catalogue), "finetuned": always_a}
        extra[("recency", seed)] = run_result(
            tiny_catalogue, cases, "recency", seed, scores, tmp_path / "x", (1, 3)
        )
    result = llmrank.assemble(main, (0, 1), "pytest", extra)
    rows = {(r["variant"], r["prompt_style"], r["bootstrap"]): r for r in result["accuracy"]}
    assert rows[("zero_shot", "recency", 3)]["users"] == 12  # 6 per seed
    assert rows[("zero_shot", "recency", 1)]["users"] == 24
    assert result["comparisons"]["zero_shot recency: B=3 - B=1"]["users"] == 12
    assert result["users_bootstrapped_per_seed"] == [6] and len(result["runs"]) == 3 * 2 + 2
    assert all(not r["per_user"][0].get("zero_shot_B3") for r in main.values())  # not mutated
    wrong = {("recency", 0): {**extra[("recency", 0)]}}
    wrong[("recency", 0)]["per_user"] = [
        {**r, "target": -1} for r in extra[("recency", 0)]["per_user"]
    ]
    with pytest.raises(ValueError, match="differs"):
        llmrank.assemble(main, (0, 1), "pytest", wrong)


def test_run_commands_cover_every_style_and_seed_b1_first():
    commands = llmrank.run_commands("ml-1m", (0, 1), 50, 20)
    assert len(commands) == 3 * 2 + 2
    first = commands[: 3 * 2]
    assert all(c[c.index("--position-bootstraps") + 1 :][:2] == ["1", "--adapter"] for c in first)
    last = commands[-1]
    assert last[last.index("--position-bootstraps") + 1 : last.index("--adapter")] == ["1", "3"]
    assert "llmrank/ml1m_recency_seed1_u20" in last and bench.parse_args(last[1:]).users == 20
    args = bench.parse_args(commands[0][1:])  # every command is one ranking.py accepts
    assert args.valid_users == 0 and args.users == 50


# --------------------------------------------------------------------------- the report


def test_report_block_sets_our_directions_beside_the_published_ones(runs, tmp_path):
    from recommender import report

    result = llmrank.assemble(runs, (0, 1), "pytest")
    folder = tmp_path / "benchmarks" / "results"
    folder.mkdir(parents=True)
    (folder / "llmrank_prompts_ml1m.json").write_text(json.dumps(result))
    results = report.Results(tmp_path)
    block = report._block_llmrank(results)
    assert "Hou et al. 2024" in block and "20 candidates on ML-1M" in block
    assert "trained on recency prompts only" in block
    # the zero-shot oracle only reads recency prompts: sequential is worse, as published
    line = next(x for x in block.splitlines() if x.startswith("| sequential - recency"))
    assert "| zero-shot |" in line and line.rstrip().endswith("| same direction |")
    assert "differs (published: similar)" in block  # in-context is worse too
    assert "a position bias" in block  # the always-A fine-tuned LLM
    assert "Source: `benchmarks/results/llmrank_prompts_ml1m.json`" in block
    claims = report._llmrank_claims(result)
    assert claims[0][0].startswith("Recency-focused") and "2 seeds" in claims[0][3]
    assert claims[1][0].startswith("Bootstrapped") and "B=3 - B=1" in claims[1][2]
    assert report._block_llmrank(report.Results(tmp_path / "nowhere")).startswith(
        "<sub>Source: `benchmarks/results/llmrank_prompts_ml1m.json` is missing"
    )
