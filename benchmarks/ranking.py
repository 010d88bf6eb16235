"""Ranking benchmark: the LLM re-ranking the LLM2SASRec top-20, on held-out test users.

    python benchmarks/ranking.py --dataset ml-1m --users 1000 --threads 2

Cases: ``--users`` sampled test users (history ``seq[:-1]``, target ``seq[-1]``) and a disjoint
set of ``--valid-users`` validation users (history ``seq[:-2]``, target ``seq[-2]``), drawn
with ``--seed`` from the users that have both targets.

Candidates: the **LLM2SASRec model's own top-20** for the history with the history items
masked (exactly the app's ``sasrec`` retrieval source, ``score_histories``), not
``CandidateRetriever``: its RRF fusion with Chroma and popularity would add sources with
rank-only scores, while the SASRec logits are a calibrated retrieval score to fuse with. The
retrieval score of a candidate is its SASRec logit. Default checkpoint: ``app.sasrec_checkpoint``
(``checkpoints/ml-1m-llm2sasrec.pt``); ``--checkpoint`` picks another.

Reported (NDCG@10 / HR@10 over all sampled users; a target outside the 20 candidates is a miss
for every method, so the candidate hit rate caps them all):

* ``retrieval``: the candidates in SASRec order;
* ``zero_shot``: the base LLM, LLM-only order (``Ranking.llm_only_ids``);
* ``finetuned``: the same with the LoRA adapter (``--adapter``; default ``llm.adapter_path`` or
  the ``finetune`` command's output); skipped with a note if there is none;
* ``fused``: ``Ranking.fused_ids(w)`` for the best LLM variant (fine-tuned if present), with
  ``w`` tuned on the validation users over a grid, re-using the stored LLM scores (no new calls);
* ``position_bias``: LLM-only HR@1 / NDCG@10 by the true item's position in the first shown
  order, with B=1 and with bootstrapping (B=3; its first order is the B=1 order, so the same
  users are compared), and how often the LLM's top pick sits at each position;
* ``latency_ms``: p50 / p95 of ``LLMRanker.rank`` calls with B=1 (after warm-up calls);
* ``out_of_candidates``: items in any returned or derived order that are not candidates
  (asserted to be 0), plus orders that are not permutations of the candidates (also 0).

Resumable: each ranking call's raw LLM scores go to a JSONL file per (variant, B) under
``benchmarks/results/runs/ranking/<dataset>/<settings hash>/`` as soon as it returns and are
skipped when present; the hash covers the checkpoint, prompts, model and candidate settings, so
changed settings start a new folder instead of mixing results. Growing ``--users`` keeps the
users already scored. The JSON, markdown table and PNG are assembled at the end.

Prompt styles and seeds (LLMRank): ``--prompt-style recency | sequential | in_context`` picks
``prompts/rank_<style>.txt`` (default ``llm.prompt_style``); ``--position-bootstraps 1`` skips
the B=3 orders and ``--valid-users 0`` the fusion. The config's style at seed 0 writes
``ranking_<dataset>.*`` (the file the README quotes); any other style or seed writes
``llmrank/<dataset>_<style>_seed<seed>_u<users>.{json,md}`` (or ``--result-name``), so runs sit
side by side. Every result holds per-user outcomes (``per_user``) that
``benchmarks/llmrank_prompts.py`` pairs across styles and pools across seeds. In a git worktree
whose virtual environment was installed from another checkout, run with
``PYTHONPATH=<this checkout>`` so its own ``recommender`` package is the one imported.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import shlex
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from recommender import stats
from recommender.config import PROJECT_ROOT, LLMConfig, load_config
from recommender.data.dataset import LeaveOneOut
from recommender.digest import artifact_digest
from recommender.evaluation import case_ndcg, ranking_metrics
from recommender.llm.ranker import PROMPT_STYLES, LLMRanker, RankedItem, Ranking
from recommender.machine import describe_machine
from recommender.models.sasrec import SASRec, score_histories
from recommender.provenance import collect_provenance, git_state
from recommender.retrieval.candidates import Candidate
from recommender.seeding import seed_everything

log = logging.getLogger("benchmarks.ranking")

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
VARIANTS = ("zero_shot", "finetuned")
POSITION_BOOTSTRAPS = (1, 3)  # B values scored on the test users (position bias, by_bootstrap)
FUSION_WEIGHTS = tuple(round(0.05 * i, 2) for i in range(21))  # 0 = retrieval, 1 = LLM only
K = 10
MISSING_RANK = 1_000_000  # rank given to a target that is not in an order (a miss at any k)
WARMUP_CALLS = 2  # untimed ranking calls before the first timed one (lazy init, caches)


@dataclass(frozen=True)
class Case:
    """One user to rank for: a history, the held-out target and the retrieval candidates."""

    stage: str  # valid | test
    user: int  # user index in the dataset
    history: list[int]  # item ids, most recent last
    target: int  # the held-out item
    candidates: list[Candidate]  # retrieval order, best first

    @property
    def key(self) -> str:
        return f"{self.stage}:{self.user}"

    @property
    def candidate_ids(self) -> list[int]:
        return [c.item_id for c in self.candidates]


# ------------------------------------------------------------------------- users and candidates


def sample_users(
    split: LeaveOneOut, num_test: int, num_valid: int, seed: int
) -> tuple[list[int], list[int]]:
    """Disjoint test and validation users, from one seeded order of the eligible users.

    Test users are a prefix of that order and validation users a prefix of its reverse, so a
    larger ``num_test`` keeps the users a smaller run already scored.
    """
    eligible = sorted(set(split.test_users) & set(split.valid_users))
    if num_test + num_valid > len(eligible):
        raise ValueError(
            f"{num_test} test + {num_valid} validation users requested, {len(eligible)} exist"
        )
    order = np.random.default_rng(seed).permutation(eligible).tolist()
    test = order[:num_test]
    valid = order[::-1][:num_valid]
    return sorted(test), sorted(valid)


def top_candidates(scores: torch.Tensor, num_candidates: int) -> list[Candidate]:
    """The best ``num_candidates`` finite scores of one row as candidates (ties: lower id)."""
    finite = torch.isfinite(scores)  # (N+1,)
    ids = torch.nonzero(finite).squeeze(1)  # ids are ascending: a stable sort keeps lower first
    order = torch.sort(scores[ids], descending=True, stable=True).indices[:num_candidates]
    return [
        Candidate(item_id=int(ids[i]), score=float(scores[ids[i]]), provenance=("sasrec",))
        for i in order
    ]


def make_cases(
    model: SASRec,
    split: LeaveOneOut,
    users: Sequence[int],
    stage: str,
    num_candidates: int,
    batch_size: int = 256,
) -> list[Case]:
    """Cases for ``users`` at ``stage`` with SASRec's top candidates (history masked)."""
    cases = []
    for start in range(0, len(users), batch_size):
        batch = list(users[start : start + batch_size])
        histories = [split.history(u, stage) for u in batch]
        scores = score_histories(model, histories)  # (b, N+1), history and padding -inf
        for row, (user, history) in enumerate(zip(batch, histories, strict=True)):
            seq = split.sequences[user]
            target = seq[-1] if stage == "test" else seq[-2]
            cases.append(
                Case(stage, user, history, target, top_candidates(scores[row], num_candidates))
            )
    return cases


# ------------------------------------------------------------------------- orders and metrics


def target_rank(order: Sequence[int], target: int) -> int:
    """0-based position of ``target`` in ``order``; ``MISSING_RANK`` if it is absent."""
    try:
        return list(order).index(target)
    except ValueError:
        return MISSING_RANK


def order_metrics(orders: Sequence[Sequence[int]], targets: Sequence[int]) -> dict[str, float]:
    """NDCG@10 / HR@10 / MRR@10 of the targets in the given orders (``evaluation`` metrics)."""
    ranks = torch.tensor([target_rank(o, t) for o, t in zip(orders, targets, strict=True)])
    metrics = ranking_metrics(ranks, ks=(K,))
    metrics["users"] = len(targets)
    return metrics


def out_of_candidates(order: Sequence[int], candidate_ids: Sequence[int]) -> int:
    """How many entries of ``order`` are not candidates."""
    allowed = set(candidate_ids)
    return sum(1 for item in order if item not in allowed)


def is_permutation(order: Sequence[int], candidate_ids: Sequence[int]) -> bool:
    return sorted(order) == sorted(candidate_ids)


def paired_bootstrap(
    orders_a: Sequence[Sequence[int]],
    orders_b: Sequence[Sequence[int]],
    targets: Sequence[int],
    samples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """NDCG@10 of b minus a, with a 95% interval from resampling users (paired)."""
    ranks_a = torch.tensor([target_rank(o, t) for o, t in zip(orders_a, targets, strict=True)])
    ranks_b = torch.tensor([target_rank(o, t) for o, t in zip(orders_b, targets, strict=True)])
    paired = stats.paired_bootstrap(
        case_ndcg(ranks_a, K), case_ndcg(ranks_b, K), samples=samples, seed=seed
    )
    return {"ndcg@10_diff": paired["diff"], "ci95": paired["ci95"], "relative": paired["relative"]}


# ------------------------------------------------------------------------- stored LLM scores


def record_from_ranking(case: Case, ranking: Ranking) -> dict[str, Any]:
    """What is kept of one ranking call: raw LLM scores in retrieval order, orders, latency."""
    by_id = {item.item_id: item for item in ranking.items}
    return {
        "key": case.key,
        "candidates": case.candidate_ids,
        "llm_scores": [by_id[i].llm_score if i in by_id else None for i in case.candidate_ids],
        "permutations": ranking.permutations,  # shown orders, as candidate indices
        "returned": ranking.item_ids,  # the order the ranker returned (its own fusion weight)
        "method": ranking.method,
        "latency_ms": ranking.latency_ms,
    }


def ranking_from_record(record: dict[str, Any], case: Case) -> Ranking:
    """The ``Ranking`` a stored call stands for, so ``fused_ids`` / ``llm_only_ids`` apply."""
    if record["candidates"] != case.candidate_ids:
        raise ValueError(f"stored candidates of {case.key} differ from the current ones")
    items = [
        RankedItem(
            item_id=c.item_id,
            final_score=0.0,  # not read by fused_ids / llm_only_ids
            llm_score=score,
            retrieval_score=c.score,
            retrieval_rank=i,
            provenance=c.provenance,
        )
        for i, (c, score) in enumerate(zip(case.candidates, record["llm_scores"], strict=True))
    ]
    return Ranking(
        items=items,
        method=record["method"],
        permutations=record["permutations"],
        latency_ms=record["latency_ms"],
    )


class ScoreCache:
    """One JSONL file of ranking-call records, keyed by case; appended as calls return."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, dict[str, Any]] = {}
        if path.exists():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:  # a line cut short by an interrupted write
                    log.warning("%s:%d: unreadable line skipped (will be re-scored)", path, number)
                    continue
                self.records[record["key"]] = record

    def matching(self, case: Case) -> dict[str, Any] | None:
        """The stored record of ``case`` if there is one for the same candidates (no logging)."""
        record = self.records.get(case.key)
        return record if record is not None and record["candidates"] == case.candidate_ids else None

    def get(self, case: Case) -> dict[str, Any] | None:
        """``matching``, with a warning when a record exists for other candidates."""
        record = self.matching(case)
        if record is None and case.key in self.records:
            log.warning("%s: stored candidates of %s differ; re-scoring", self.path, case.key)
        return record

    def add(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
            fh.flush()
        self.records[record["key"]] = record


def score_cases(
    ranker: LLMRanker,
    cases: Sequence[Case],
    bootstrap: int,
    cache: ScoreCache,
    progress: bool = True,
    desc: str = "ranking",
    warmup: int = WARMUP_CALLS,
) -> dict[str, dict[str, Any]]:
    """Rank every case not in ``cache`` with ``bootstrap`` orders; returns all their records.

    ``warmup`` untimed calls go first (the first calls of a process pay for lazy
    initialisation), so the stored latencies are those of a warm ranker.
    """
    todo = [case for case in cases if cache.get(case) is None]
    if todo:
        for case in todo[:warmup]:
            ranker.rank(case.history, case.candidates, bootstrap=bootstrap)
    for case in tqdm(todo, desc=desc, disable=not progress, unit="user"):
        ranking = ranker.rank(case.history, case.candidates, bootstrap=bootstrap)
        if ranking.method == "retrieval_fallback":
            log.warning("%s: the ranker fell back to retrieval order: %s", case.key, ranking.error)
        cache.add(record_from_ranking(case, ranking))
    return {case.key: cache.get(case) for case in cases}  # type: ignore[misc]


# ------------------------------------------------------------------------- analysis


def tune_weight(
    rankings: Sequence[Ranking], targets: Sequence[int], grid: Iterable[float] = FUSION_WEIGHTS
) -> tuple[float, dict[str, float]]:
    """The fusion weight with the best NDCG@10 on these (validation) rankings.

    Ties go to the smaller weight (closer to the retrieval order).
    """
    scores = {
        float(w): order_metrics([r.fused_ids(w) for r in rankings], targets)[f"ndcg@{K}"]
        for w in grid
    }
    best = max(sorted(scores), key=lambda w: (scores[w], -w))
    return best, {f"{w:g}": v for w, v in scores.items()}


def position_bias(rankings: Sequence[Ranking], cases: Sequence[Case]) -> dict[str, Any]:
    """LLM-only accuracy by where the true item sat in the first shown order.

    Only cases whose target is a candidate and whose call used the LLM count. Also the share
    of calls whose LLM top pick was shown at each position (uniform = no position bias).
    """
    n = max((len(c.candidates) for c in cases), default=0)
    hits = [[] for _ in range(n)]  # per position: hit@1 of each case
    ranks: list[list[int]] = [[] for _ in range(n)]
    top_pick = np.zeros(n)
    for ranking, case in zip(rankings, cases, strict=True):
        if not ranking.permutations or ranking.method == "retrieval_fallback":
            continue
        first = ranking.permutations[0]  # first[p] = candidate index shown at position p
        order = ranking.llm_only_ids()
        top_pick[first.index(case.candidate_ids.index(order[0]))] += 1
        if case.target not in case.candidate_ids:
            continue
        position = first.index(case.candidate_ids.index(case.target))
        rank = target_rank(order, case.target)
        hits[position].append(rank == 0)
        ranks[position].append(rank)

    def summary(rank_lists: Sequence[list[int]]) -> dict[str, Any]:
        merged = [r for rs in rank_lists for r in rs]
        if not merged:
            return {"n": 0, "hr@1": None, "ndcg@10": None}
        metrics = ranking_metrics(torch.tensor(merged), ks=(1, K))
        return {"n": len(merged), "hr@1": metrics["hr@1"], "ndcg@10": metrics[f"ndcg@{K}"]}

    by_position = [{"position": p, **summary([ranks[p]])} for p in range(n)]
    buckets = [
        {"positions": f"{p}-{min(p + 4, n - 1)}", **summary(ranks[p : p + 5])}
        for p in range(0, n, 5)
    ]
    total = top_pick.sum()
    return {
        "by_position": by_position,
        "by_bucket_of_5": buckets,
        "top_pick_share": (top_pick / total).round(4).tolist() if total else [],
        "calls": int(total),
    }


def latency(records: Iterable[dict[str, Any]]) -> dict[str, float | int | None]:
    """p50 / p95 / mean milliseconds of the stored ranking calls."""
    values = np.array([r["latency_ms"] for r in records], dtype=np.float64)
    if not len(values):
        return {"p50": None, "p95": None, "mean": None, "calls": 0}
    p50, p95 = np.percentile(values, [50, 95])
    return {
        "p50": float(p50),
        "p95": float(p95),
        "mean": float(values.mean()),
        "calls": len(values),
    }


def per_user(
    test_cases: Sequence[Case], records: Records, variants: Sequence[str]
) -> list[dict[str, Any]]:
    """Per test user: the target's rank in the retrieval order and, per variant and B, in the
    LLM-only order, where the target and the LLM's top pick were shown in the first order.

    Enough to recompute NDCG / HR / position bias per user, so ``llmrank_prompts.py`` can pair
    users across prompt styles and pool seeds without the dataset or the LLM. Ranks are 0-based
    (``None``: the target is not a candidate); ``shown_at`` is ``None`` for the same reason.
    """
    rows = []
    for case in test_cases:
        inside = case.target in case.candidate_ids
        row: dict[str, Any] = {
            "key": case.key,
            "target": case.target,
            "retrieval_rank": case.candidate_ids.index(case.target) if inside else None,
        }
        for variant in variants:
            for (v, b), stored in sorted(records.items()):
                if v != variant or case.key not in stored:
                    continue
                ranking = ranking_from_record(stored[case.key], case)
                order = ranking.llm_only_ids()
                used = ranking.method != "retrieval_fallback" and ranking.permutations
                first = ranking.permutations[0] if used else None
                row[f"{variant}_B{b}"] = {
                    "rank": order.index(case.target) if inside else None,
                    "shown_at": first.index(case.candidate_ids.index(case.target))
                    if first and inside
                    else None,
                    "top_at": first.index(case.candidate_ids.index(order[0])) if first else None,
                    "fallback": not used,
                }
        rows.append(row)
    return rows


def check_orders(orders: Iterable[Sequence[int]], cases: Iterable[Case]) -> tuple[int, int, int]:
    """(items outside the candidates, orders that are not permutations, orders checked)."""
    outside = broken = checked = 0
    for order, case in zip(orders, cases, strict=True):
        outside += out_of_candidates(order, case.candidate_ids)
        broken += not is_permutation(order, case.candidate_ids)
        checked += 1
    return outside, broken, checked


# ------------------------------------------------------------------------- settings and files


def settings_digest(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]


def ranker_prompt_files(prompt_dir: Path) -> list[Path]:
    """The prompt files a ranking call reads (every style, the answer lines, the system
    prompt), so an edit to the explainer's or LLM-SRec's prompts keeps the stored calls."""
    names = ("rank_*.txt", "answer_*.txt", "system.txt")
    return sorted(p for pattern in names for p in Path(prompt_dir).glob(pattern))


def default_adapter(llm: LLMConfig, dataset: str) -> Path:
    """Where ``python -m recommender finetune`` puts the adapter, unless the config says."""
    from recommender.data import dataset_key

    if llm.adapter_path is not None:
        return Path(llm.adapter_path)
    return Path(llm.cache_dir) / "finetune" / dataset_key(dataset) / "adapter"


def _rel(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


# ------------------------------------------------------------------------- report


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def markdown(result: dict[str, Any]) -> str:
    """The result as a markdown report (table first)."""
    b = result["bootstrap"]
    lines = [
        f"# LLM ranking on {result['dataset']}: re-ranking the LLM2SASRec top-"
        f"{result['candidates']}, test split",
        "",
        f"{result['users']} test users (history seq[:-1], target seq[-1]); the fusion weight "
        f"was tuned on {result['valid_users']} other users' validation targets. The true item "
        f"is among the candidates for {result['candidate_hit_rate']['test']:.1%} of the test "
        "users; for the rest every method scores 0, so that rate caps all of them.",
        "",
        "| method | NDCG@10 | HR@10 | MRR@10 | notes |",
        "|---|---|---|---|---|",
    ]
    rows = [
        ("retrieval (LLM2SASRec order)", result["retrieval"], ""),
        ("zero-shot LLM", result["zero_shot"], f"LLM-only order, B={b}"),
        ("fine-tuned LLM", result["finetuned"], result["finetuned"].get("skipped") or f"B={b}"),
        (
            "fused",
            result["fused"],
            f"{result['fused'].get('llm')} B={b}, weight {result['fusion_weight']}"
            if result["fused"].get("llm")
            else result["fused"].get("skipped", ""),
        ),
    ]
    for name, m, note in rows:
        lines.append(
            f"| {name} | {_fmt(m.get('ndcg@10'))} | {_fmt(m.get('hr@10'))} "
            f"| {_fmt(m.get('mrr@10'))} | {note} |"
        )
    for variant in VARIANTS:
        for key, m in result[variant].get("by_bootstrap", {}).items():
            if int(key) != b:
                lines.append(
                    f"| {variant.replace('_', '-')} B={key} | {_fmt(m['ndcg@10'])} "
                    f"| {_fmt(m['hr@10'])} | {_fmt(m.get('mrr@10'))} | LLM-only order |"
                )
    lines += ["", "Paired differences in NDCG@10 (95% bootstrap interval over users):", ""]
    for name, c in result["comparisons"].items():
        rel = f" ({c['relative']:+.1%})" if c.get("relative") is not None else ""
        lines.append(
            f"- {name}: {c['ndcg@10_diff']:+.4f}{rel}, "
            f"CI [{c['ci95'][0]:+.4f}, {c['ci95'][1]:+.4f}]"
        )
    lat = result["latency_ms"]
    lines += [
        "",
        f"Latency of one ranking call over {result['candidates']} candidates, B=1 "
        f"({lat.get('variant')}): p50 {_fmt(lat['p50'], 0)} ms, p95 {_fmt(lat['p95'], 0)} ms "
        f"({lat.get('calls')} calls).",
        "",
        f"Items returned outside the candidate set: **{result['out_of_candidates']}** "
        f"(in {result['orders_checked']} orders checked; non-permutations: "
        f"{result['not_permutations']}).",
        "",
        "Position bias: LLM-only HR@1 by the true item's position in the first shown order "
        "(positions in buckets of 5; n = users):",
        "",
        "| variant | B | "
        + " | ".join(
            f"pos {x['positions']}"
            for x in _first_bias(result["position_bias"]).get("by_bucket_of_5", [])
        )
        + " | top pick at A |",
        "|---|---|"
        + "---|" * (len(_first_bias(result["position_bias"]).get("by_bucket_of_5", [])) + 1),
    ]
    for variant, by_b in result["position_bias"].items():
        for key, bias in by_b.items():
            cells = " | ".join(f"{_fmt(x['hr@1'], 3)} (n={x['n']})" for x in bias["by_bucket_of_5"])
            share = bias["top_pick_share"][0] if bias["top_pick_share"] else None
            lines.append(f"| {variant} | {key.removeprefix('B=')} | {cells} | {_fmt(share, 3)} |")
    for note in result.get("notes", []):
        lines += ["", f"Note: {note}"]
    lines += ["", f"Machine: {result['machine']}", "", f"Command: `{result['command']}`", ""]
    return "\n".join(lines)


def _first_bias(position: dict[str, dict[str, Any]]) -> dict[str, Any]:
    for by_b in position.values():
        for bias in by_b.values():
            return bias
    return {}


def plot(result: dict[str, Any], path: Path) -> None:
    """Bars of NDCG@10 / HR@10 per method; position bias; the fusion-weight curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    names = [
        n
        for n in ("retrieval", "zero_shot", "finetuned", "fused")
        if result[n].get("ndcg@10") is not None
    ]
    x = np.arange(len(names))
    for offset, metric in ((-0.2, "ndcg@10"), (0.2, "hr@10")):
        axes[0].bar(x + offset, [result[n][metric] for n in names], 0.4, label=metric.upper())
    axes[0].set_xticks(x, names)
    axes[0].set_title(f"{result['dataset']}: top-{result['candidates']} re-ranking (test)")
    axes[0].legend()
    for variant, by_b in result["position_bias"].items():
        for key, bias in by_b.items():
            xs = [p["position"] for p in bias["by_position"] if p["n"]]
            ys = [p["hr@1"] for p in bias["by_position"] if p["n"]]
            axes[1].plot(xs, ys, marker="o", ms=3, label=f"{variant} {key}")
    axes[1].set_xlabel("true item's position in the first shown order (0 = A)")
    axes[1].set_ylabel("LLM-only HR@1")
    axes[1].set_title("position bias")
    axes[1].legend(fontsize=8)
    fused = result["fused"]
    if fused.get("valid_grid"):
        for split in ("valid_grid", "test_grid"):
            grid = fused[split]
            axes[2].plot([float(w) for w in grid], list(grid.values()), label=split.split("_")[0])
        axes[2].axvline(result["fusion_weight"], color="grey", ls="--", lw=1)
        axes[2].set_xlabel("fusion weight (0 = retrieval, 1 = LLM only)")
        axes[2].set_ylabel("NDCG@10")
        axes[2].set_title(f"fusion with {fused['llm']} (tuned on valid)")
        axes[2].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ------------------------------------------------------------------------- assembling


Records = dict[tuple[str, int], dict[str, dict[str, Any]]]  # (variant, B) -> case key -> record


def analyse(
    test_cases: Sequence[Case],
    valid_cases: Sequence[Case],
    records: Records,
    bootstrap: int,
    skipped: dict[str, str] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Every reported number from the stored ranking calls (no LLM calls here)."""
    skipped = skipped or {}
    targets = [c.target for c in test_cases]
    retrieval_orders = [c.candidate_ids for c in test_cases]
    checked: list[tuple[list[int], Case]] = []

    def rankings_of(variant: str, b: int, cases: Sequence[Case]) -> list[Ranking]:
        stored = records[(variant, b)]
        return [ranking_from_record(stored[case.key], case) for case in cases]

    for stored in records.values():  # what the ranker itself returned, every call once
        checked.extend(
            (stored[c.key]["returned"], c) for c in (*test_cases, *valid_cases) if c.key in stored
        )

    def checked_orders(orders: list[list[int]], cases: Sequence[Case]) -> list[list[int]]:
        checked.extend(zip(orders, cases, strict=True))
        return orders

    result: dict[str, Any] = {
        "retrieval": order_metrics(retrieval_orders, targets),
        "candidate_hit_rate": {
            "test": float(np.mean([c.target in c.candidate_ids for c in test_cases])),
            "valid": float(np.mean([c.target in c.candidate_ids for c in valid_cases]))
            if valid_cases
            else None,
        },
    }
    present = [v for v in VARIANTS if (v, bootstrap) in records]
    position: dict[str, Any] = {}
    latencies: dict[str, Any] = {}
    llm_orders: dict[str, list[list[int]]] = {}
    for variant in VARIANTS:
        if variant not in present:
            result[variant] = {"ndcg@10": None, "hr@10": None, "skipped": skipped.get(variant)}
            continue
        by_b, position[variant], latencies[variant] = {}, {}, {}
        fallbacks = 0
        for b in sorted({b for v, b in records if v == variant}):
            rankings = rankings_of(variant, b, test_cases)
            orders = checked_orders([r.llm_only_ids() for r in rankings], test_cases)
            by_b[str(b)] = order_metrics(orders, targets)
            if b == bootstrap:
                llm_orders[variant] = orders
                fallbacks = sum(r.method == "retrieval_fallback" for r in rankings)
            position[variant][f"B={b}"] = position_bias(rankings, test_cases)
            latencies[variant][f"B={b}"] = latency(records[(variant, b)][c.key] for c in test_cases)
        result[variant] = {
            **by_b[str(bootstrap)],
            "bootstrap": bootstrap,
            "by_bootstrap": by_b,
            "fallbacks": fallbacks,
        }
    fused_by_variant: dict[str, Any] = {}
    fused_orders: dict[str, list[list[int]]] = {}
    for variant in present if valid_cases else ():  # no validation users: no fusion
        valid_rankings = rankings_of(variant, bootstrap, valid_cases)
        weight, valid_grid = tune_weight(valid_rankings, [c.target for c in valid_cases])
        test_rankings = rankings_of(variant, bootstrap, test_cases)
        test_grid = {}
        for w in FUSION_WEIGHTS:
            orders = checked_orders([r.fused_ids(w) for r in test_rankings], test_cases)
            test_grid[f"{w:g}"] = order_metrics(orders, targets)[f"ndcg@{K}"]
            if w == weight:
                fused_orders[variant] = orders
        checked_orders([r.fused_ids(weight) for r in valid_rankings], valid_cases)
        fused_by_variant[variant] = {
            **order_metrics(fused_orders[variant], targets),
            "weight": weight,
            "llm": variant,
            "bootstrap": bootstrap,
            "valid_grid": valid_grid,
            "test_grid": test_grid,  # for the plot only: the weight was chosen on valid_grid
        }
    best = "finetuned" if "finetuned" in present else ("zero_shot" if present else None)
    if best is None or not valid_cases:
        why = "no LLM variant was run" if best is None else "no validation users (--valid-users 0)"
        result["fused"] = {"ndcg@10": None, "hr@10": None, "skipped": why}
        result["fusion_weight"] = None
    else:
        result["fused"] = fused_by_variant[best]
        result["fusion_weight"] = fused_by_variant[best]["weight"]
    result["fused_by_variant"] = fused_by_variant
    comparisons = {}
    if best in fused_orders:
        comparisons["fused - retrieval"] = paired_bootstrap(
            retrieval_orders, fused_orders[best], targets, seed=seed
        )
    for variant in present:
        comparisons[f"{variant} - retrieval"] = paired_bootstrap(
            retrieval_orders, llm_orders[variant], targets, seed=seed
        )
    if len(present) == 2:
        comparisons["finetuned - zero_shot"] = paired_bootstrap(
            llm_orders["zero_shot"], llm_orders["finetuned"], targets, seed=seed
        )
    result["comparisons"] = comparisons
    outside, broken, count = check_orders([o for o, _ in checked], [c for _, c in checked])
    result["out_of_candidates"] = outside
    result["not_permutations"] = broken
    result["orders_checked"] = count
    app_variant = best
    one = latencies.get(app_variant, {}).get("B=1") if app_variant else None
    result["latency_ms"] = {
        "p50": one["p50"] if one else None,
        "p95": one["p95"] if one else None,
        "bootstrap": 1,
        "variant": app_variant,
        "calls": one["calls"] if one else 0,
        "by_variant": latencies,
    }
    result["position_bias"] = position
    result["per_user"] = per_user(test_cases, records, present)
    return result


def result_name(key: str, prompt_style: str, seed: int, users: int, default_style: str) -> str:
    """``ranking_<key>`` for a run with the default prompt style and seed 0 (the file the
    README quotes); any other run gets its own ``llmrank/<key>_<style>_seed<seed>_u<users>``,
    so runs of different styles and seeds sit side by side instead of overwriting it."""
    if prompt_style == default_style and seed == 0:
        return f"ranking_{key}"
    return f"llmrank/{key}_{prompt_style}_seed{seed}_u{users}"


def write_outputs(
    result: dict[str, Any], out_dir: Path, key: str, name: str | None = None
) -> list[Path]:
    """``<name>.json`` and ``.md`` in ``out_dir`` (default name ``ranking_<key>``), and a
    ``.png`` for the headline file only (a side-by-side run is read through its table)."""
    name = name or f"ranking_{key}"
    stem = out_dir / name
    stem.parent.mkdir(parents=True, exist_ok=True)
    exts = ("json", "md", "png") if name == f"ranking_{key}" else ("json", "md")
    paths = [stem.with_name(f"{stem.name}.{ext}") for ext in exts]
    paths[0].write_text(json.dumps(result, indent=1) + "\n")
    paths[1].write_text(markdown(result))
    if len(paths) == 3:
        plot(result, paths[2])
    return paths


# ------------------------------------------------------------------------- main


def start_run(args: argparse.Namespace) -> None:
    """Logging, ``--threads`` and ``--seed`` for a benchmark run (also ``llm_srec.py``)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.threads:
        torch.set_num_threads(args.threads)
    seed_everything(args.seed)


def prepare_cases(
    args: argparse.Namespace, checkpoint: Path, config: Any, progress: bool
) -> tuple[Any, SASRec, list[Case], list[Case]] | None:
    """Dataset, retriever, test and validation cases from ``--dataset``, ``--users``,
    ``--valid-users``, ``--candidates`` and ``--seed`` (shared with ``llm_srec.py``, so both
    benchmarks rank the same users); ``None`` (logged) without a usable retriever."""
    from recommender.data import load_dataset
    from recommender.serving import load_sasrec

    dataset = load_dataset(args.dataset, config.data, progress=progress)
    sasrec, why = load_sasrec(checkpoint, dataset.num_items)
    if sasrec is None:
        log.error("no retriever: %s; pass --checkpoint PATH", why)
        return None
    split = dataset.split
    test_users, valid_users = sample_users(split, args.users, args.valid_users, args.seed)
    test_cases = make_cases(sasrec, split, test_users, "test", args.candidates)
    valid_cases = make_cases(sasrec, split, valid_users, "valid", args.candidates)
    return dataset, sasrec, test_cases, valid_cases


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ml-1m", help="ml-1m, ml-100k or a CSV folder")
    parser.add_argument("--users", type=int, default=1000, help="test users (sampled)")
    parser.add_argument(
        "--valid-users",
        type=int,
        default=500,
        help="other users whose validation targets tune the fusion weight (0: no fusion)",
    )
    parser.add_argument("--candidates", type=int, default=20, help="SASRec top-k shown to the LLM")
    parser.add_argument(
        "--prompt-style",
        choices=PROMPT_STYLES,
        default=None,
        help="LLMRank prompt (prompts/rank_<style>.txt; default: llm.prompt_style)",
    )
    parser.add_argument(
        "--position-bootstraps",
        type=int,
        nargs="+",
        default=list(POSITION_BOOTSTRAPS),
        help="B values scored on the test users besides --bootstrap (default: 1 3; "
        "'--position-bootstraps 1' skips the bootstrapped orders)",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=None,
        help="B of the headline LLM and fused numbers (default: llm.bootstrap); the "
        "--position-bootstraps are scored on the test users too",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="LLM2SASRec checkpoint (default: app.sasrec_checkpoint)",
    )
    parser.add_argument(
        "--adapter",
        type=Path,
        default=None,
        help="LoRA adapter folder of the fine-tuned LLM (default: llm.adapter_path, else the "
        "finetune command's output folder)",
    )
    parser.add_argument("--no-finetuned", action="store_true", help="skip the fine-tuned LLM")
    parser.add_argument("--seed", type=int, default=0, help="user sampling and shuffles")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--out-dir", type=Path, default=RESULTS, help="where results go")
    parser.add_argument(
        "--result-name",
        default=None,
        help="result file stem under --out-dir (default: ranking_<dataset> for the config's "
        "prompt style and seed 0, else llmrank/<dataset>_<style>_seed<seed>_u<users>)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    git = git_state()  # the code this run starts from (the run may outlast a commit)
    start_run(args)
    started = time.perf_counter()
    progress = not args.no_progress
    from recommender.data import dataset_key
    from recommender.llm.backends import BackendError, make_backend

    config = load_config()
    bootstrap = args.bootstrap or config.llm.bootstrap
    prompt_style = args.prompt_style or config.llm.prompt_style
    checkpoint = args.checkpoint or config.app.sasrec_checkpoint
    prepared = prepare_cases(args, checkpoint, config, progress)
    if prepared is None:
        return 2
    dataset, _, test_cases, valid_cases = prepared
    llm = dataclasses.replace(
        config.llm,
        num_candidates=args.candidates,
        seed=args.seed,
        num_threads=args.threads or config.llm.num_threads,
        adapter_path=None,
        prompt_style=prompt_style,
    )
    prompt_files = ranker_prompt_files(Path(llm.prompt_dir))
    settings = {
        "dataset": args.dataset,
        "checkpoint_sha": artifact_digest(Path(checkpoint)),
        "candidates": args.candidates,
        "seed": args.seed,
        "backend": llm.backend,
        "model": str(llm.model_path or llm.gguf_file) if llm.backend == "local" else llm.model,
        "prompt_style": llm.prompt_style,
        "max_history": llm.max_history,
        "system_prompt": llm.system_prompt,
        "prompts_sha": hashlib.sha256(b"".join(p.read_bytes() for p in prompt_files)).hexdigest()[
            :12
        ],
    }
    key = dataset_key(args.dataset)
    runs = args.out_dir / "runs" / "ranking" / key / settings_digest(settings)
    runs.mkdir(parents=True, exist_ok=True)
    (runs / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    log.info("LLM scores are stored in %s", runs)

    variants: dict[str, tuple[LLMConfig, str]] = {"zero_shot": (llm, "zero_shot")}
    skipped: dict[str, str] = {}
    adapter = args.adapter or default_adapter(config.llm, args.dataset)
    if args.no_finetuned:
        skipped["finetuned"] = "skipped (--no-finetuned)"
    elif llm.backend != "local":
        skipped["finetuned"] = f"skipped: adapters need the local backend, not {llm.backend}"
    elif not (Path(adapter) / "adapter_config.json").exists():
        skipped["finetuned"] = (
            f"skipped: no LoRA adapter at {_rel(adapter)} "
            "(train one with `python -m recommender finetune`, or pass --adapter)"
        )
    else:
        tuned = dataclasses.replace(llm, adapter_path=Path(adapter))
        variants["finetuned"] = (tuned, f"finetuned-{artifact_digest(Path(adapter))}")
    for note in skipped.values():
        log.warning("fine-tuned LLM %s", note)

    bootstraps = sorted({1, *args.position_bootstraps, bootstrap})
    records: Records = {}
    for variant, (variant_llm, tag) in variants.items():
        jobs = [(1, test_cases), (bootstrap, valid_cases)] + [
            (b, test_cases) for b in bootstraps if b != 1
        ]
        caches = [(b, cases, ScoreCache(runs / f"{tag}_B{b}.jsonl")) for b, cases in jobs]
        missing = sum(cache.get(c) is None for _, cases, cache in caches for c in cases)
        ranker = None
        if missing:  # the LLM is loaded only when there is something left to score
            log.info("%s: %d ranking calls to make", variant, missing)
            try:
                backend = make_backend(variant_llm, progress=progress)
            except BackendError as exc:
                skipped[variant] = f"skipped: the LLM could not be loaded ({exc})"
                log.error("%s %s", variant, skipped[variant])
                continue
            ranker = LLMRanker(backend, dataset.catalogue, variant_llm)
        for b, cases, cache in caches:
            if ranker is None:
                got = {case.key: cache.get(case) for case in cases}
            else:
                stage = cases[0].stage if cases else "-"
                desc = f"{variant} B={b} {stage}"
                got = score_cases(ranker, cases, b, cache, progress, desc=desc)
            records.setdefault((variant, b), {}).update(got)  # type: ignore[arg-type]
        del ranker

    command = "python benchmarks/ranking.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    result: dict[str, Any] = {
        "dataset": dataset.name,
        "users": len(test_cases),
        "valid_users": len(valid_cases),
        "candidates": args.candidates,
        "candidate_source": f"LLM2SASRec top-{args.candidates}, history masked",
        "checkpoint": _rel(Path(checkpoint)),
        "adapter": _rel(Path(adapter)) if "finetuned" in variants else None,
        "bootstrap": bootstrap,
        "prompt_style": llm.prompt_style,
        "max_history": llm.max_history,
        "seed": args.seed,
        **analyse(test_cases, valid_cases, records, bootstrap, skipped, args.seed),
        "notes": [f"fine-tuned LLM {n}" for v, n in skipped.items() if v == "finetuned"],
        "runs": _rel(runs),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": describe_machine() + " (at the end)",
        "command": command,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "provenance": collect_provenance(
            command,
            artifacts={
                "checkpoint": Path(checkpoint),
                "adapter": Path(adapter) if "finetuned" in variants else None,
            },
            dataset=dataset,
            config={"settings": settings, "args": vars(args), "llm": llm},
            git=git,
        ),
    }
    name = args.result_name or result_name(
        key.replace("-", ""), prompt_style, args.seed, len(test_cases), config.llm.prompt_style
    )
    paths = write_outputs(result, args.out_dir, key.replace("-", ""), name)
    print(markdown(result))
    log.info("wrote %s", ", ".join(_rel(p) for p in paths))
    if result["out_of_candidates"] or result["not_permutations"]:
        raise AssertionError(
            f"{result['out_of_candidates']} returned items outside the candidate set, "
            f"{result['not_permutations']} orders that are not permutations"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
