"""LLMRank's questions on our ranker: prompt styles, zero-shot vs fine-tuned, position bias.

    python benchmarks/llmrank_prompts.py --run       # the ranking runs (resumable), then the table
    python benchmarks/llmrank_prompts.py             # the table from the finished runs only

Hou et al. (2024, "Large Language Models are Zero-Shot Rankers for Recommender Systems",
LLMRank) ranked 20 candidates on ML-1M with ChatGPT-size models and found: a plain
sequential prompt makes little use of the order of the history; recency-focused prompting
(naming the most recent item) helps; in-context learning (one demonstration from the user's
own history) is about as good; and the LLMs have a position bias (candidates shown early are
picked more often) that bootstrapping (ranking several shuffled orders and merging) reduces.

Here the same questions are asked of SmolLM2-135M, zero-shot and with the LoRA adapter of
``python -m recommender finetune`` (``checkpoints/ml-1m-smollm2-lora``). **The adapter was
trained on recency prompts only**, so its sequential and in-context rows measure how far that
training transfers to prompts it never saw. Each run is one ``benchmarks/ranking.py`` call
(one prompt style, one seed: a seeded sample of test users and the seed of the shuffled
orders) writing ``benchmarks/results/llmrank/<dataset>_<style>_seed<s>_u<users>.json`` with
per-user outcomes and provenance; every style x variant is scored with B=1 (one shuffled
order), and the recency style also with B=3 (bootstrapped) for the first ``--bootstrap-users``
of each seed's users (a prefix of the same sample: their B=1 calls are cached, and the B=3
columns join the same users' rows). The candidates are the LLM2SASRec
top-20 (the target is among them for about 40% of users; otherwise every method misses).

This script pools the users of all seeds (the same users for every style within a seed, so
differences are paired) and writes ``benchmarks/results/llmrank_prompts_<dataset>.{json,md}``:
NDCG@10 / HR@10 of each LLM-only order with a 95% bootstrap interval over the pooled users and
the per-seed values; paired differences (vs retrieval, between styles, fine-tuned vs zero-shot,
B=3 vs B=1) with paired 95% bootstrap intervals over the pooled users; and position bias
(HR@1 by the true item's shown position, how often the top pick was shown at A, and the
position the top pick was most often shown at, with intervals over calls). ``--run`` makes
the ranking calls that are missing (``RUN_COMMANDS``; ~100 CPU-minutes for 100 users x 3 seeds
on one core) and then assembles; without it nothing is run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommender.config import PROJECT_ROOT  # noqa: E402
from recommender.evaluation import case_ndcg  # noqa: E402
from recommender.llm.ranker import PROMPT_STYLES  # noqa: E402
from recommender.provenance import collect_provenance  # noqa: E402
from recommender.stats import paired_bootstrap  # noqa: E402

log = logging.getLogger("benchmarks.llmrank_prompts")

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
K = 10
SEEDS = (0, 1, 2)
USERS = 100  # test users per seed
BOOTSTRAP_USERS = 50  # of them (a prefix of each seed's sample) also ranked with B=3
VARIANTS = ("zero_shot", "finetuned")
BASE_STYLE = "recency"  # the style the adapter was trained on; the others are compared to it
BOOTSTRAPPED_STYLES = ("recency",)  # styles also scored with B=3
SAMPLES = 1000  # bootstrap resamples
ADAPTER = "checkpoints/ml-1m-smollm2-lora"
BUCKET = 5  # positions per bucket in the position-bias table


def run_commands(
    dataset: str, seeds: Sequence[int], users: int, bootstrap_users: int = BOOTSTRAP_USERS
) -> list[list[str]]:
    """The ``benchmarks/ranking.py`` calls behind the table (B=1 for every style first, so an
    interrupted sweep leaves whole style comparisons; then B=3 for the bootstrapped styles on
    the first ``bootstrap_users`` users of the same samples, whose B=1 calls are cached)."""
    key = dataset.replace("-", "")

    def command(seed: int, style: str, bootstraps: Sequence[int], users: int) -> list[str]:
        return [
            "benchmarks/ranking.py",
            *("--dataset", dataset, "--users", str(users), "--valid-users", "0"),
            *("--seed", str(seed), "--prompt-style", style),
            "--position-bootstraps",
            *map(str, bootstraps),
            *("--adapter", ADAPTER, "--threads", "1", "--no-progress"),
            *("--result-name", f"llmrank/{key}_{style}_seed{seed}_u{users}"),
        ]

    first = [command(s, style, (1,), users) for s in seeds for style in PROMPT_STYLES]
    return first + [
        command(s, style, (1, 3), bootstrap_users) for s in seeds for style in BOOTSTRAPPED_STYLES
    ]


def run_all(commands: Sequence[Sequence[str]]) -> None:
    """Each command in turn with this interpreter (the ranking cache skips finished calls)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}  # this checkout's package, not another
    for command in commands:
        log.info("running: python %s", shlex.join(command))
        subprocess.run([sys.executable, *command], cwd=PROJECT_ROOT, env=env, check=True)


# ------------------------------------------------------------------------- reading the runs


def load_runs(folder: Path, dataset_key: str, users: int) -> dict[tuple[str, int], dict]:
    """{(style, seed): run result} of the finished runs with ``users`` test users."""
    runs = {}
    for path in sorted(folder.glob(f"{dataset_key}_*_seed*_u{users}.json")):
        result = json.loads(path.read_text())
        result["file"] = (
            str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)
        )
        runs[(result["prompt_style"], int(result["seed"]))] = result
    return runs


def ranks_of(rows: Sequence[dict[str, Any]], column: str) -> np.ndarray:
    """0-based target ranks of one column (``retrieval`` or ``<variant>_B<b>``) per user;
    a target outside the candidates gets a rank past every cut-off; NaN where a user's run
    did not score that column (e.g. B=3 of a seed whose bootstrapped run is unfinished)."""
    out = []
    for row in rows:
        if column == "retrieval":
            rank = row["retrieval_rank"]
        elif column in row:
            rank = row[column]["rank"]
        else:
            out.append(np.nan)
            continue
        out.append(10**6 if rank is None else rank)
    return np.asarray(out, dtype=np.float64)


def metric(ranks: np.ndarray, name: str) -> np.ndarray:
    """Per-user NDCG@10 or HR@10 (or HR@1) from 0-based ranks."""
    if name == f"ndcg@{K}":
        return case_ndcg(torch.as_tensor(ranks), K).numpy()
    k = int(name.split("@")[1])
    return (ranks < k).astype(np.float64)


def chance(hit_rate: float, candidates: int) -> dict[str, float]:
    """Expected NDCG@10 / HR@10 of a uniformly random order of the candidates: a target that
    is a candidate lands on each position with probability 1/candidates."""
    positions = np.arange(min(K, candidates))
    return {
        f"ndcg@{K}": hit_rate * float((1.0 / np.log2(positions + 2.0)).sum()) / candidates,
        f"hr@{K}": hit_rate * len(positions) / candidates,
    }


def mean_ci(values: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """Mean with a 95% percentile-bootstrap interval over the cases (``paired_bootstrap``
    against zeros is exactly the one-sample bootstrap of the mean)."""
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return {"mean": None, "ci95": [None, None], "n": 0}
    got = paired_bootstrap(np.zeros_like(values), values, samples=SAMPLES, seed=seed)
    return {"mean": got["diff"], "ci95": got["ci95"], "n": len(values)}


def merge_bootstrapped(
    runs: dict[tuple[str, int], dict], extra: dict[tuple[str, int], dict]
) -> tuple[dict[tuple[str, int], dict], list[dict]]:
    """``runs`` with the B>1 columns of ``extra`` (runs of a prefix of the same users) added
    to the matching users' rows; also the extra runs that were used. Raises when a user of an
    extra run is not in its main run or has another target or candidates there."""
    merged = {k: {**r, "per_user": [dict(u) for u in r["per_user"]]} for k, r in runs.items()}
    used = []
    for key, run in sorted(extra.items()):
        if key not in merged:
            log.warning("%s seed %d: no main run to add B>1 columns to", *key)
            continue
        by_key = {u["key"]: u for u in merged[key]["per_user"]}
        for row in run["per_user"]:
            base = by_key.get(row["key"])
            if base is None or (base["target"], base["retrieval_rank"]) != (
                row["target"],
                row["retrieval_rank"],
            ):
                raise ValueError(f"{key}: {row['key']} differs between the runs")
            base.update({c: v for c, v in row.items() if "_B" in c and not c.endswith("_B1")})
        used.append(run)
    return merged, used


# ------------------------------------------------------------------------- the analysis


def pooled_users(
    runs: dict[tuple[str, int], dict], styles: Sequence[str], seeds: Sequence[int]
) -> dict[str, list[dict[str, Any]]]:
    """Per style: the per-user rows of every seed, in one order (seed, then user).

    Raises when two styles of one seed did not rank the same users with the same targets
    and candidates (the pairing would be false).
    """
    pooled: dict[str, list[dict[str, Any]]] = {}
    for seed in seeds:
        reference = None
        for style in styles:
            rows = [{**row, "seed": seed} for row in runs[(style, seed)]["per_user"]]
            signature = [(r["key"], r["target"], r["retrieval_rank"]) for r in rows]
            if reference is None:
                reference = signature
            elif signature != reference:
                raise ValueError(f"seed {seed}: {style} ranked other users than {styles[0]}")
            pooled.setdefault(style, []).extend(rows)
    return pooled


def accuracy_rows(
    pooled: dict[str, list[dict[str, Any]]], seeds: Sequence[int]
) -> list[dict[str, Any]]:
    """One row per (variant, style, B) and one for retrieval: pooled mean and CI, per seed."""
    rows = []
    any_style = next(iter(pooled))
    columns = [("retrieval", None, "retrieval")] + [
        (variant, style, f"{variant}_B{b}")
        for variant in VARIANTS
        for style in pooled
        for b in (1, 3)
    ]
    for variant, style, column in columns:
        ranks = ranks_of(pooled[style or any_style], column)
        scored = ~np.isnan(ranks)
        if not scored.any():
            continue
        users = [u for u, ok in zip(pooled[style or any_style], scored, strict=True) if ok]
        ranks = ranks[scored]
        seed_of = np.array([u["seed"] for u in users])
        row: dict[str, Any] = {
            "variant": variant,
            "prompt_style": style,
            "bootstrap": None if style is None else int(column.rsplit("_B", 1)[1]),
            "users": len(users),
            "seeds": sorted({int(x) for x in seed_of}),
            "fallbacks": sum(bool(u.get(column, {}).get("fallback")) for u in users),
        }
        for name in (f"ndcg@{K}", f"hr@{K}"):
            got = mean_ci(metric(ranks, name))
            row[name], row[f"{name}_ci95"] = got["mean"], got["ci95"]
        row["per_seed"] = {
            str(s): {
                name: float(metric(ranks[seed_of == s], name).mean())
                for name in (f"ndcg@{K}", f"hr@{K}")
            }
            for s in seeds
            if (seed_of == s).any()
        }
        rows.append(row)
    return rows


def comparisons(pooled: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Paired NDCG@10 differences (b - a) over the pooled users, with 95% intervals."""
    pairs: list[tuple[str, tuple[str, str], tuple[str, str]]] = []  # name, (style, col) a, b
    styles = list(pooled)
    for variant in VARIANTS:
        for style in styles:
            pairs.append(
                (
                    f"{variant} {style} - retrieval",
                    (style, "retrieval"),
                    (style, f"{variant}_B1"),
                )
            )
        for style in styles:
            if style != BASE_STYLE and BASE_STYLE in pooled:
                pairs.append(
                    (
                        f"{variant}: {style} - {BASE_STYLE}",
                        (BASE_STYLE, f"{variant}_B1"),
                        (style, f"{variant}_B1"),
                    )
                )
    for style in styles:
        pairs.append(
            (f"{style}: finetuned - zero_shot", (style, "zero_shot_B1"), (style, "finetuned_B1"))
        )
    for variant in VARIANTS:
        for style in styles:
            pairs.append(
                (
                    f"{variant} {style}: B=3 - B=1",
                    (style, f"{variant}_B1"),
                    (style, f"{variant}_B3"),
                )
            )
    out = {}
    for name, (style_a, col_a), (style_b, col_b) in pairs:
        a, b = ranks_of(pooled[style_a], col_a), ranks_of(pooled[style_b], col_b)
        both = ~np.isnan(a) & ~np.isnan(b)  # the users scored both ways (pooled in one order)
        if not both.any():
            continue
        a, b = a[both], b[both]
        got = paired_bootstrap(metric(a, f"ndcg@{K}"), metric(b, f"ndcg@{K}"), samples=SAMPLES)
        out[name] = {
            "ndcg@10_diff": got["diff"],
            "ci95": got["ci95"],
            "relative": got["relative"],
            "users": got["cases"],
        }
    return out


def position_bias(
    pooled: dict[str, list[dict[str, Any]]], candidates: int
) -> dict[str, dict[str, Any]]:
    """Per ``<variant> <style> B=<b>``: HR@1 by the true item's shown position (buckets of 5),
    the share of calls whose top pick was shown at A (uniform: 1/candidates), and the
    position the top pick was shown at most often with its share; 95% intervals over calls."""
    out = {}
    for style, users in pooled.items():
        for variant in VARIANTS:
            for b in (1, 3):
                column = f"{variant}_B{b}"
                cells = [u[column] for u in users if column in u and not u[column]["fallback"]]
                if not cells:
                    continue
                tops = np.array([c["top_at"] for c in cells])
                counts = np.bincount(tops, minlength=candidates)
                mode = int(counts.argmax())
                buckets = []
                for start in range(0, candidates, BUCKET):
                    hits = [
                        float(c["rank"] == 0)
                        for c in cells
                        if c["shown_at"] is not None and start <= c["shown_at"] < start + BUCKET
                    ]
                    got = mean_ci(np.array(hits))
                    buckets.append(
                        {
                            "positions": f"{start}-{min(start + BUCKET, candidates) - 1}",
                            "hr@1": got["mean"],
                            "ci95": got["ci95"],
                            "n": got["n"],
                        }
                    )
                at_a = mean_ci((tops == 0).astype(np.float64))
                at_mode = mean_ci((tops == mode).astype(np.float64))
                out[f"{variant} {style} B={b}"] = {
                    "variant": variant,
                    "prompt_style": style,
                    "bootstrap": b,
                    "seeds": sorted({u["seed"] for u in users if column in u}),
                    "calls": len(cells),
                    "top_pick_at_A": at_a["mean"],
                    "top_pick_at_A_ci95": at_a["ci95"],
                    "top_pick_mode_position": mode,
                    "top_pick_mode_share": at_mode["mean"],
                    "top_pick_mode_share_ci95": at_mode["ci95"],
                    "uniform_share": 1.0 / candidates,
                    "hr@1_by_bucket": buckets,
                }
    return out


def assemble(
    runs: dict[tuple[str, int], dict],
    seeds: Sequence[int],
    command: str = "",
    bootstrapped: dict[tuple[str, int], dict] | None = None,
) -> dict[str, Any]:
    """The assembled result from the runs of ``seeds`` (every style present for all seeds);
    ``bootstrapped``: runs of fewer users whose B>1 columns join the same users' rows."""
    runs, extra_used = merge_bootstrapped(runs, bootstrapped or {})
    styles = [s for s in PROMPT_STYLES if all((s, seed) in runs for seed in seeds)]
    missing = sorted(
        f"{s} seed {seed}" for s in PROMPT_STYLES for seed in seeds if (s, seed) not in runs
    )
    if not styles:
        raise ValueError(f"no prompt style has finished runs for seeds {list(seeds)}")
    first = runs[(styles[0], seeds[0])]
    pooled = pooled_users(runs, styles, seeds)
    used = [runs[(s, seed)] for s in styles for seed in seeds] + extra_used
    data = {json.dumps(r["provenance"].get("data"), sort_keys=True) for r in used}
    keys = [u["key"] for seed in seeds for u in runs[(styles[0], seed)]["per_user"]]
    provenance = collect_provenance(
        command,
        artifacts={
            "checkpoint": PROJECT_ROOT / first["checkpoint"],
            "adapter": PROJECT_ROOT / first["adapter"] if first.get("adapter") else None,
        },
    )
    if len(data) == 1:  # every run read the same data: its digest is this table's too
        provenance["data"] = json.loads(data.pop())
    return {
        "dataset": first["dataset"],
        "candidates": first["candidates"],
        "candidate_source": first["candidate_source"],
        "seeds": list(seeds),
        "users_per_seed": first["users"],
        "users_pooled": len(keys),
        "users_bootstrapped_per_seed": sorted({r["users"] for r in extra_used}) or None,
        "distinct_users": len(set(keys)),
        "candidate_hit_rate": float(
            np.mean([u["retrieval_rank"] is not None for u in pooled[styles[0]]])
        ),
        "chance": chance(
            float(np.mean([u["retrieval_rank"] is not None for u in pooled[styles[0]]])),
            first["candidates"],
        ),
        "prompt_styles": styles,
        "missing_runs": missing,
        "adapter_trained_on": "recency prompts only (llm.prompt_style = recency at fine-tuning)",
        "interval": (
            f"95% percentile bootstrap over the users pooled across seeds ({SAMPLES} resamples;"
            " paired for differences); per-seed values alongside"
        ),
        "accuracy": accuracy_rows(pooled, seeds),
        "comparisons": comparisons(pooled),
        "position_bias": position_bias(pooled, first["candidates"]),
        "runs": [
            {
                "file": r["file"],
                "prompt_style": r["prompt_style"],
                "seed": r["seed"],
                "users": r["users"],
                "command": r["command"],
                "git_commit": r["provenance"].get("git_commit"),
                "git_dirty": r["provenance"].get("git_dirty"),
                "artifacts": r["provenance"].get("artifacts"),
                "data": r["provenance"].get("data"),
            }
            for r in used
        ],
        "command": command,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "provenance": provenance,
    }


# ------------------------------------------------------------------------- the table


def _f(value: float | None, digits: int = 4, sign: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _ci(low: float | None, high: float | None, digits: int = 4, sign: bool = False) -> str:
    return f"[{_f(low, digits, sign)}, {_f(high, digits, sign)}]"


def markdown(result: dict[str, Any]) -> str:
    """The assembled result as a markdown report."""
    seeds = result["seeds"]
    lines = [
        f"# LLMRank prompts, fine-tuning and position bias on {result['dataset']} "
        f"(re-ranking the LLM2SASRec top-{result['candidates']})",
        "",
        f"{result['users_per_seed']} test users per seed x {len(seeds)} seeds "
        f"(seeds {', '.join(map(str, seeds))}: user sample and shuffled orders), "
        f"{result['users_pooled']} pooled ({result['distinct_users']} distinct). The true item "
        f"is among the candidates for {result['candidate_hit_rate']:.1%} of them. LLM-only "
        "orders (no fusion). "
        + (
            f"B=3 rows: the first {result['users_bootstrapped_per_seed'][0]} users of each "
            "seed's sample (see the users column). "
            if result["users_bootstrapped_per_seed"]
            else ""
        )
        + "Intervals: "
        + result["interval"]
        + ". The fine-tuned adapter was "
        f"trained on {result['adapter_trained_on']}: its other rows measure transfer.",
        "",
        "| LLM | prompt | B | users | NDCG@10 [95% CI] | HR@10 [95% CI] | NDCG@10 per seed |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["accuracy"]:
        per_seed = ", ".join(
            _f(row["per_seed"][str(s)]["ndcg@10"]) if str(s) in row["per_seed"] else "-"
            for s in seeds
        )
        lines.append(
            f"| {row['variant'].replace('_', '-')} | {row['prompt_style'] or '-'} "
            f"| {row['bootstrap'] or '-'} | {row['users']} "
            f"| {_f(row['ndcg@10'])} {_ci(*row['ndcg@10_ci95'])} "
            f"| {_f(row['hr@10'])} {_ci(*row['hr@10_ci95'])} | {per_seed} |"
        )
    lines.append(
        f"| random order (expected) | - | - | {result['users_pooled']} "
        f"| {_f(result['chance']['ndcg@10'])} | {_f(result['chance']['hr@10'])} | - |"
    )
    lines += ["", "Paired differences in NDCG@10 (b - a, 95% paired bootstrap over users):", ""]
    for name, c in result["comparisons"].items():
        lines.append(
            f"- {name}: {_f(c['ndcg@10_diff'], sign=True)} {_ci(*c['ci95'], sign=True)} "
            f"({c['users']} users)"
        )
    lines += [
        "",
        "Position bias: LLM-only HR@1 by the true item's position in the first shown order, and "
        "where the top pick was shown (uniform share: "
        f"{1 / result['candidates']:.2f}):",
        "",
    ]
    bias = result["position_bias"]
    if bias:
        buckets = next(iter(bias.values()))["hr@1_by_bucket"]
        lines += [
            "| LLM | prompt | B | "
            + " | ".join(f"HR@1, pos {b['positions']}" for b in buckets)
            + " | top pick at A | most frequent top-pick position (share) |",
            "|---|---|---|" + "---|" * (len(buckets) + 2),
        ]
        for b in bias.values():
            cells = " | ".join(f"{_f(x['hr@1'], 3)} (n={x['n']})" for x in b["hr@1_by_bucket"])
            lines.append(
                f"| {b['variant'].replace('_', '-')} | {b['prompt_style']} | {b['bootstrap']} "
                f"| {cells} | {_f(b['top_pick_at_A'], 3)} {_ci(*b['top_pick_at_A_ci95'], 3)} "
                f"| {b['top_pick_mode_position']} ({_f(b['top_pick_mode_share'], 3)}) |"
            )
    if result["missing_runs"]:
        lines += ["", "Runs missing (not in the table): " + ", ".join(result["missing_runs"])]
    lines += ["", "Runs:", ""]
    for r in result["runs"]:
        commit = (r["git_commit"] or "unknown")[:10] + (" (dirty)" if r["git_dirty"] else "")
        lines.append(f"- `{r['file']}` (commit {commit}): `{r['command']}`")
    lines += ["", f"Command: `{result['command']}`", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ml-1m")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--users", type=int, default=USERS, help="test users per seed")
    parser.add_argument(
        "--bootstrap-users",
        type=int,
        default=BOOTSTRAP_USERS,
        help="of them, how many are also ranked with B=3 (a prefix of the same sample)",
    )
    parser.add_argument("--run", action="store_true", help="make the missing ranking runs first")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = parse_args(argv)
    key = args.dataset.replace("-", "")
    if args.run:
        run_all(run_commands(args.dataset, args.seeds, args.users, args.bootstrap_users))
    runs = load_runs(args.out_dir / "llmrank", key, args.users)
    bootstrapped = (
        load_runs(args.out_dir / "llmrank", key, args.bootstrap_users)
        if args.bootstrap_users != args.users
        else {}
    )
    command = "python benchmarks/llmrank_prompts.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    result = assemble(runs, args.seeds, command, bootstrapped)
    stem = args.out_dir / f"llmrank_prompts_{key}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
