"""LLM-SRec benchmark: a frozen LLM with trained MLP heads re-ranking the LLM2SASRec top-20.

    python benchmarks/llm_srec.py --dataset ml-1m --users 1000 --threads 2

The same test and validation users, candidates and checkpoint as ``benchmarks/ranking.py``
(same ``--users``, ``--valid-users``, ``--candidates``, ``--seed``), so the rows compare
paired with its stored zero-shot and fine-tuned label-ranker scores when those exist.

1. The frozen LLM (``llm`` config, no adapter) reads ``--train-users`` training sequences
   (their last ``--max-history`` + 1 training items; never a validation or test item) and
   gives a state after every title line; SASRec gives its state for each same prefix; the LLM
   also reads every item's text. These states are cached under
   ``benchmarks/results/checkpoints/llm_srec/`` (chunked, resumable); the LLM's do not depend
   on the LLM2SASRec checkpoint, so a new checkpoint recomputes only the SASRec states.
2. Two MLPs are trained on them (``recommender.llm.srec``); 10% of the training users are held
   out for early stopping.
3. Each test/validation case: the LLM reads the history once, the heads score the 20
   candidates (``llm_srec``: that order alone); ``fused`` mixes it with the SASRec logits by
   the weight that is best on the validation users.

Writes ``benchmarks/results/llm_srec_<dataset>.{json,md}`` and the trained heads to
``checkpoints/<dataset>-llm-srec.pt``.
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import ranking as bench  # noqa: E402
from recommender.config import PROJECT_ROOT, load_config  # noqa: E402
from recommender.data.dataset import Dataset  # noqa: E402
from recommender.digest import artifact_digest  # noqa: E402
from recommender.llm.ranker import RankedItem, Ranking  # noqa: E402
from recommender.llm.srec import (  # noqa: E402
    LLMStates,
    SRecConfig,
    SRecExamples,
    SRecScorer,
    save_head,
    train_head,
    user_features,
)
from recommender.machine import describe_machine  # noqa: E402
from recommender.models.sasrec import SASRec, left_pad  # noqa: E402
from recommender.provenance import collect_provenance, git_state  # noqa: E402

log = logging.getLogger("benchmarks.llm_srec")
CHUNK_USERS = 100  # users per cached state file
LATENCY_CALLS = 100  # timed single-history scoring calls


def titles(dataset: Dataset, ids: Sequence[int]) -> list[str]:
    return [dataset.catalogue.get(int(i)).display_title for i in ids]


def sasrec_prefix_states(model: SASRec, prefixes: Sequence[Sequence[int]]) -> np.ndarray:
    """``(P, C)``: SASRec's inference state (the last position) after each prefix."""
    out = []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(prefixes), 256):
            seqs = left_pad(prefixes[start : start + 256], model.config.max_len)  # (b, T)
            out.append(model.last_hidden(seqs).numpy())  # (b, C)
    return np.concatenate(out) if out else np.zeros((0, model.config.hidden), np.float32)


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """``np.savez`` to a temporary name, then rename: an interrupted run leaves no half file."""
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.rename(path)


def training_prefixes(
    dataset: Dataset, users: Sequence[int], max_history: int
) -> tuple[list[list[int]], list[int], list[int]]:
    """Prefixes, next items and users of the examples: one after each of the last
    ``max_history`` training items but one."""
    prefixes, targets, groups = [], [], []
    for user in users:
        train = dataset.split.train[user]
        window = train[-(max_history + 1) :]
        offset = len(train) - len(window)
        for k in range(1, len(window)):
            prefixes.append(train[: offset + k])
            targets.append(window[k])
            groups.append(user)
    return prefixes, targets, groups


def training_chunk(
    dataset: Dataset, states: LLMStates, users: Sequence[int], max_history: int
) -> dict[str, np.ndarray]:
    """The LLM side of ``users``' examples: its state after each title line of the window."""
    windows = [dataset.split.train[u][-(max_history + 1) :] for u in users]
    llm = states.history_states([titles(dataset, w[:-1]) for w in windows])
    _, targets, groups = training_prefixes(dataset, users, max_history)
    return {
        "user_states": np.concatenate(llm).astype(np.float16),
        "targets": np.asarray(targets, dtype=np.int64),
        "groups": np.asarray(groups, dtype=np.int64),
        "users": np.asarray(users, dtype=np.int64),
    }


def cached_sasrec_states(
    dataset: Dataset, model: SASRec, users: Sequence[int], max_history: int, path: Path
) -> np.ndarray:
    """``(E, C)`` SASRec state after each example's prefix, cached per checkpoint in ``path``.

    Kept apart from the LLM states, so that a new LLM2SASRec checkpoint costs a SASRec pass
    (about a minute) instead of the LLM reading every training user again.
    """
    if path.exists():
        with np.load(path) as data:
            if data["users"].tolist() == list(users):
                return data["cf_users"].astype(np.float32)
    prefixes, _, _ = training_prefixes(dataset, users, max_history)
    cf = sasrec_prefix_states(model, prefixes).astype(np.float16)
    save_npz(path, cf_users=cf, users=np.asarray(users, dtype=np.int64))
    return cf.astype(np.float32)


def cached_examples(
    dataset: Dataset,
    model: SASRec,
    states: LLMStates,
    users: Sequence[int],
    max_history: int,
    folder: Path,
    checkpoint_sha: str,
    progress: bool,
) -> SRecExamples:
    """Training examples of ``users``: the LLM states computed in chunks that are saved as
    they finish (they do not depend on the checkpoint), the SASRec states per checkpoint."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    chunks = range(0, len(users), CHUNK_USERS)
    for start in tqdm(chunks, desc="LLM states (training users)", disable=not progress):
        chunk_users = list(users[start : start + CHUNK_USERS])
        path = folder / f"train_{start:05d}.npz"
        chunk: dict[str, np.ndarray] | None = None
        if path.exists():
            with np.load(path) as data:
                chunk = {k: data[k] for k in data.files}
            if chunk["users"].tolist() != chunk_users:  # made by a run with other users
                chunk = None
        if chunk is None:
            chunk = training_chunk(dataset, states, chunk_users, max_history)
            save_npz(path, **chunk)
        parts.append(chunk)
    cf_users = cached_sasrec_states(
        dataset, model, users, max_history, folder / f"sasrec_{checkpoint_sha}.npz"
    )
    return SRecExamples(
        user_states=np.concatenate([p["user_states"] for p in parts]).astype(np.float32),
        cf_users=cf_users,
        targets=np.concatenate([p["targets"] for p in parts]),
        groups=np.concatenate([p["groups"] for p in parts]),
    )


def cached_items(states: LLMStates, dataset: Dataset, folder: Path, progress: bool) -> np.ndarray:
    path = folder / "items.npy"
    if not path.exists():
        items = [dataset.catalogue.get(i) for i in range(1, dataset.num_items + 1)]
        folder.mkdir(parents=True, exist_ok=True)
        np.save(path, states.item_states(items, progress=progress))
    return np.load(path)


def with_features(examples: SRecExamples, pool: int) -> SRecExamples:
    """Line states -> ``user_features`` rows, user by user (a user's rows are contiguous)."""
    if pool <= 0:
        return examples
    starts = np.flatnonzero(np.r_[True, examples.groups[1:] != examples.groups[:-1]])
    blocks = np.split(examples.user_states, starts[1:])
    features = np.concatenate([user_features(block, pool) for block in blocks])
    return dataclasses.replace(examples, user_states=features)


def early_stop_rows(examples: SRecExamples, users: Sequence[int]) -> np.ndarray:
    """``(E,)`` bool: the examples of the first tenth of ``users`` (held out for early stopping)."""
    return np.isin(examples.groups, list(users[: max(1, len(users) // 10)]))


def train_heads(
    examples: SRecExamples,
    early: np.ndarray,
    item_states: np.ndarray,
    cf_items: np.ndarray,
    srec: SRecConfig,
    pools: Sequence[int],
    progress: bool,
) -> tuple[Any, list[dict[str, float]], SRecConfig, dict[str, float]]:
    """Heads for each user-feature pool; the one best on the ``early`` rows wins.

    Returns the heads, their training history, their config and each pool's held-out NDCG@10.
    """
    selection: dict[str, float] = {}
    best: tuple[float, Any, Any, SRecConfig] | None = None
    for pool_size in pools:
        config = dataclasses.replace(srec, pool=pool_size)
        data = with_features(examples, pool_size)
        head, history = train_head(
            data.subset(~early), data.subset(early), item_states, cf_items, config, progress
        )
        score = max(row["valid_ndcg@10"] for row in history)
        selection[f"pool={pool_size}"] = score
        log.info("pool %d: best held-out NDCG@10 %.4f", pool_size, score)
        if best is None or score > best[0]:
            best = (score, head, history, config)
    if best is None:
        raise ValueError("no pool given")
    _, head, history, config = best
    return head, history, config, selection


def case_states(
    dataset: Dataset,
    states: LLMStates,
    cases: Sequence[bench.Case],
    max_history: int,
    path: Path,
    progress: bool,
) -> list[np.ndarray]:
    """``(L, D)`` line states of each case's history (cached in one file)."""
    if not path.exists():
        histories = [titles(dataset, c.history[-max_history:]) for c in cases]
        out = []
        for start in tqdm(range(0, len(cases), 64), desc=path.stem, disable=not progress):
            out.extend(states.history_states(histories[start : start + 64]))
        lengths = np.asarray([len(s) for s in out])
        np.savez(path, states=np.concatenate(out).astype(np.float16), lengths=lengths)
    with np.load(path) as data:
        return np.split(data["states"].astype(np.float32), np.cumsum(data["lengths"])[:-1])


def rankings(cases: Sequence[bench.Case], scores: Sequence[np.ndarray]) -> list[Ranking]:
    """``Ranking`` objects whose LLM score is the heads' score (candidates only)."""
    out = []
    for case, row in zip(cases, scores, strict=True):
        items = [
            RankedItem(c.item_id, 0.0, float(s), c.score, i, c.provenance)
            for i, (c, s) in enumerate(zip(case.candidates, row, strict=True))
        ]
        out.append(Ranking(items=items, method="llm_srec"))
    return out


def stored_label_rankings(
    runs: Path | None, cases: Sequence[bench.Case]
) -> dict[str, list[Ranking]]:
    """The ranking benchmark's B=1 label-ranker scores for the same test cases, if stored."""
    out: dict[str, list[Ranking]] = {}
    if runs is None:
        return out
    patterns = {"zero_shot": "zero_shot_B1.jsonl", "finetuned": "finetuned-*_B1.jsonl"}
    for variant, pattern in patterns.items():
        files = sorted(runs.glob(pattern))
        if not files:
            continue
        cache = bench.ScoreCache(files[0])
        records = [cache.matching(c) for c in cases]
        missing = sum(r is None for r in records)
        if not missing:
            out[variant] = [
                bench.ranking_from_record(r, c)  # type: ignore[arg-type]
                for r, c in zip(records, cases, strict=True)
            ]
        else:
            log.warning(
                "%s: %d of %d test users missing or scored on other candidates (another "
                "checkpoint?); %s not compared (re-run benchmarks/ranking.py first)",
                files[0],
                missing,
                len(cases),
                variant,
            )
    return out


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"LLM-SRec re-ranking on {result['dataset']}: {result['users']} test users, "
        f"LLM2SASRec top-{result['candidates']} candidates "
        f"(candidate hit rate {result['candidate_hit_rate']:.3f})",
        "",
        "| method | NDCG@10 | HR@10 |",
        "|---|---|---|",
    ]
    for name in ("retrieval", "zero_shot", "finetuned", "llm_srec", "fused"):
        if name in result["methods"]:
            m = result["methods"][name]
            lines.append(f"| {name} | {m['ndcg@10']:.4f} | {m['hr@10']:.4f} |")
    lines += ["", f"Fusion weight (validation users): {result['fusion_weight']:g}", ""]
    for name, test in result["paired"].items():
        low, high = test["ci95"]
        lines.append(
            f"- {name}: NDCG@10 {test['ndcg@10_diff']:+.4f} (95% CI {low:+.4f} to {high:+.4f})"
        )
    lat = result["latency_ms"]
    lines += [
        "",
        f"Scoring one history (LLM read + heads): p50 {lat['p50']:.0f} ms, "
        f"p95 {lat['p95']:.0f} ms. Out of candidates: {result['out_of_candidates']}.",
        "",
        f"Command: `{result['command']}`",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ml-1m", help="ml-1m, ml-100k or a CSV folder")
    parser.add_argument("--users", type=int, default=1000, help="test users (as ranking.py)")
    parser.add_argument("--valid-users", type=int, default=500, help="fusion-weight users")
    parser.add_argument("--candidates", type=int, default=20, help="SASRec top-k re-ranked")
    parser.add_argument("--train-users", type=int, default=1500, help="users whose training "
                        "sequences teach the heads")  # fmt: skip
    parser.add_argument("--max-history", type=int, default=SRecConfig.max_history)
    parser.add_argument(
        "--head-epochs", type=int, default=SRecConfig.max_epochs, help="max epochs of the heads"
    )
    parser.add_argument(
        "--head-patience",
        type=int,
        default=SRecConfig.patience,
        help="head epochs without a better held-out NDCG@10 before stopping",
    )
    parser.add_argument(
        "--pool",
        type=int,
        nargs="+",
        default=[0, 10],
        help="user-feature pools to train heads for (SRecConfig.pool); the best on the "
        "held-out training users is used",
    )
    parser.add_argument("--checkpoint", type=Path, default=None, help="LLM2SASRec checkpoint")
    parser.add_argument("--seed", type=int, default=0, help="user sampling (as ranking.py)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--out-dir", type=Path, default=bench.RESULTS, help="where results go")
    parser.add_argument(
        "--head-out", type=Path, default=None, help="trained heads (default checkpoints/)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    git = git_state()  # the code this run starts from (the run may outlast a commit)
    bench.start_run(args)
    started = time.perf_counter()
    progress = not args.no_progress
    from recommender.data import dataset_key
    from recommender.llm.backends import LocalBackend

    config = load_config()
    checkpoint = args.checkpoint or config.app.sasrec_checkpoint
    prepared = bench.prepare_cases(args, checkpoint, config, progress)
    if prepared is None:
        return 2
    dataset, sasrec, test_cases, valid_cases = prepared
    split = dataset.split
    key = dataset_key(args.dataset)

    llm = dataclasses.replace(config.llm, adapter_path=None, num_threads=args.threads)
    backend = LocalBackend.from_config(llm, progress=progress)
    states = LLMStates.from_backend(backend)
    srec = SRecConfig(  # pool: chosen below
        max_history=args.max_history,
        max_epochs=args.head_epochs,
        patience=args.head_patience,
        seed=args.seed,
    )
    prompts = b"".join(Path(llm.prompt_dir, f"srec_{n}.txt").read_bytes() for n in ("user", "item"))
    checkpoint_sha = artifact_digest(Path(checkpoint))
    settings = {  # what the cached LLM states depend on (not the LLM2SASRec checkpoint)
        "dataset": args.dataset,
        "model": backend.name,
        "max_history": args.max_history,
        "prompts_sha": hashlib.sha256(prompts).hexdigest()[:12],
        "seed": args.seed,
    }
    cache = (
        PROJECT_ROOT / "benchmarks" / "results" / "checkpoints" / "llm_srec" / key
        / bench.settings_digest(settings)
    )  # fmt: skip
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    log.info("LLM states are cached in %s", cache)

    # the benchmark users' training items would be fair game, but keep them apart anyway
    held = {c.user for c in [*test_cases, *valid_cases]}
    pool = [u for u in range(dataset.num_users) if len(split.train[u]) >= 2 and u not in held]
    users = np.random.default_rng(args.seed).permutation(pool)[: args.train_users].tolist()
    examples = cached_examples(
        dataset, sasrec, states, users, args.max_history, cache, checkpoint_sha, progress
    )
    item_states = cached_items(states, dataset, cache, progress)
    cf_items = sasrec.item_emb.weight[1:].detach().numpy()
    early = early_stop_rows(examples, users)
    t0 = time.perf_counter()
    head, history, srec, selection = train_heads(
        examples, early, item_states, cf_items, srec, args.pool, progress
    )
    train_seconds = time.perf_counter() - t0
    head_path = args.head_out or PROJECT_ROOT / "checkpoints" / f"{key}-llm-srec.pt"
    scorer = SRecScorer.build(states, head, item_states, srec.pool)

    scores: dict[str, list[np.ndarray]] = {}
    for stage, cases in (("test", test_cases), ("valid", valid_cases)):
        path = cache / f"{stage}_{len(cases)}.npz"
        lines = case_states(dataset, states, cases, args.max_history, path, progress)
        users_v = scorer.vectors_of_lines(lines)  # (B, C)
        scores[stage] = [
            scorer.candidate_scores(u, c.candidate_ids) for c, u in zip(cases, users_v, strict=True)
        ]
    srec_test = rankings(test_cases, scores["test"])
    srec_valid = rankings(valid_cases, scores["valid"])
    weight, grid = bench.tune_weight(srec_valid, [c.target for c in valid_cases])
    save_head(
        head_path,
        head,
        srec,
        {"dataset": dataset.name, "num_items": dataset.num_items, "llm": backend.name,
         "checkpoint_sha": checkpoint_sha, "fusion_weight": weight,
         "history": history},
    )  # fmt: skip

    targets = [c.target for c in test_cases]
    orders = {
        "retrieval": [c.candidate_ids for c in test_cases],
        "llm_srec": [r.llm_only_ids() for r in srec_test],
        "fused": [r.fused_ids(weight) for r in srec_test],
    }
    ranking_json = args.out_dir / f"ranking_{key.replace('-', '')}.json"
    label_runs = (
        PROJECT_ROOT / json.loads(ranking_json.read_text())["runs"]
        if ranking_json.exists()
        else None
    )
    label = stored_label_rankings(label_runs, test_cases)
    for variant, ranked in label.items():
        orders[variant] = [r.llm_only_ids() for r in ranked]
    bad = sum(
        bench.out_of_candidates(o, c.candidate_ids) + (not bench.is_permutation(o, c.candidate_ids))
        for name in ("llm_srec", "fused")
        for o, c in zip(orders[name], test_cases, strict=True)
    )
    pairs = [("llm_srec", "retrieval"), ("fused", "retrieval")]
    pairs += [("llm_srec", variant) for variant in label]
    paired = {f"{b} - {a}": bench.paired_bootstrap(orders[a], orders[b], targets) for b, a in pairs}

    timings = []
    for case in test_cases[:LATENCY_CALLS]:
        recent = titles(dataset, case.history[-args.max_history :])
        t = time.perf_counter()
        scorer.score(recent, case.candidate_ids)
        timings.append(1000 * (time.perf_counter() - t))

    hit = np.mean([c.target in c.candidate_ids for c in test_cases])
    command = "python benchmarks/llm_srec.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    result = {
        "dataset": dataset.name,
        "users": len(test_cases),
        "valid_users": len(valid_cases),
        "candidates": args.candidates,
        "candidate_hit_rate": float(hit),
        "checkpoint": bench._rel(Path(checkpoint)),
        "llm": backend.name,
        "heads": bench._rel(head_path),
        "config": dataclasses.asdict(srec),
        "train_users": len(users),
        "train_examples": int((~early).sum()),
        "early_stop_examples": int(early.sum()),
        "head_training": history,
        "head_selection_heldout_ndcg@10": selection,
        "head_train_seconds": round(train_seconds, 1),
        "methods": {name: bench.order_metrics(o, targets) for name, o in orders.items()},
        "fusion_weight": weight,
        "fusion_grid_valid_ndcg@10": grid,
        "paired": paired,
        "out_of_candidates": int(bad),
        "latency_ms": {
            "p50": float(np.percentile(timings, 50)),
            "p95": float(np.percentile(timings, 95)),
            "calls": len(timings),
        },
        "seconds": round(time.perf_counter() - started, 1),
        "machine": describe_machine(),
        "command": command,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "provenance": collect_provenance(
            command,
            artifacts={"checkpoint": Path(checkpoint), "heads": head_path},
            dataset=dataset,
            config={"srec": srec, "args": vars(args), "llm": backend.name},
            git=git,
        ),
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"llm_srec_{key.replace('-', '')}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    if bad:
        raise AssertionError(f"{bad} orders left the candidate set or were not permutations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
