"""LLM re-rankers under the new-user protocol: LLM-SRec heads and the LoRA label ranker.

    python benchmarks/new_users_llm.py --dataset ml-1m --seeds 1 --threads 2

Adds the rows ``llm_srec_fused`` and ``label_ranker_fused`` to ``new_users_<dataset>.*``
(``benchmarks/new_users.py`` says what is measured). For each seed, that seed's new-user
llm2sasrec checkpoint (``checkpoints/<dataset>/new_users/llm2sasrec_seed<k>.pt``, made by
``benchmarks/retrieval.py --protocol new-users``; never trained here) gives its top
``--candidates`` for every case, history masked. The LLM scores those candidates, its scores
are fused with the SASRec logits (``recommender.llm.ranker.fuse``) by the weight best on the
validation users, and the fused candidates go first with every other item after them in the
SASRec order: the metrics stay full-catalogue NDCG@10 / HR@10 / MRR@10, paired per case with
every other row of the protocol.

* ``llm_srec_fused``: the heads of ``benchmarks/llm_srec.py`` (frozen LLM, MLPs distilled
  from that seed's checkpoint), trained on ``--train-users`` sampled training users of the
  protocol (``NewUsers.train_dataset``: a held-out user is not in it; as in ``llm_srec.py``
  each user's leave-one-out training part is read).
* ``label_ranker_fused``: ``LLMRanker`` with ``--adapter`` (the fine-tuned LoRA adapter), one
  candidate order per case (B=1). That adapter was trained before this split on every user's
  training part; the report's note says so.

Resumable: the LLM states of training users, items and case histories are cached in chunk
files under ``<out-dir>/checkpoints/llm_srec/<dataset>/new_users/<settings>/`` (shared by the
seeds: they do not depend on the checkpoint), the heads there per checkpoint, label-ranker
calls in a JSONL per seed under ``<out-dir>/checkpoints/label_ranker/...``; a finished
(model, seed) run JSON is skipped. ``--estimate`` prints the LLM work left with a time
estimate and stops. ``--test-users`` / ``--valid-users`` sample fewer held-out users for a
cheaper first run; a run with fewer test users goes to ``runs/<dataset>/new_users/partial/``
(the tables pair all test users, so it stays out of them) and is printed against llm2sasrec
on the same cases.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import hashlib
import json
import logging
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

if __package__ in (None, ""):  # run as a script: import this checkout, not an installed copy
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import (
    llm_srec,  # noqa: E402
    ranking,  # noqa: E402
)
from benchmarks import new_users as nu  # noqa: E402
from benchmarks import retrieval as rt  # noqa: E402
from recommender.config import PROJECT_ROOT, LLMConfig, load_config  # noqa: E402
from recommender.data import Dataset, dataset_key  # noqa: E402
from recommender.data.user_split import TruncatedCases  # noqa: E402
from recommender.digest import artifact_digest  # noqa: E402
from recommender.evaluation import SASRecRecommender  # noqa: E402
from recommender.llm.ranker import LLMRanker, finish_ranking  # noqa: E402
from recommender.llm.srec import (  # noqa: E402
    LLMStates,
    SRecConfig,
    SRecScorer,
    load_head,
    save_head,
    user_features,
)
from recommender.models.sasrec import SASRec, score_histories  # noqa: E402
from recommender.retrieval.candidates import Candidate  # noqa: E402
from recommender.stats import paired_bootstrap  # noqa: E402

log = logging.getLogger("benchmarks.new_users_llm")

MODELS = nu.LLM_RERANKERS
CHUNK_HISTORIES = 256  # case histories per cached LLM-state file
DEFAULT_ADAPTER = PROJECT_ROOT / "checkpoints" / "ml-1m-smollm2-lora"
# Measured on this project's 2-core machine with SmolLM2-135M, 2 threads (used for estimates):
SECONDS_PER_TITLE = 0.72 / 50  # llm_srec_ml1m.json: p50 of one 50-title history read
SECONDS_PER_PROMPT = 0.52  # ranking_ml1m.json: p50 of one B=1 fine-tuned label-ranker call

# history (item ids) -> (candidate ids in SASRec order, their LLM scores; None: keep that order)
Prepared = Mapping[tuple[int, ...], tuple[list[int], np.ndarray | None]]


class Reranked:
    """A SASRec model whose top ``num_candidates`` items per history (history masked) are
    re-ordered by LLM scores fused with its logits (``weight``: 1 = LLM only); every other item
    keeps its SASRec score, below all of them. Only histories in ``llm`` can be scored."""

    def __init__(
        self, model: SASRec, llm: Prepared, weight: float, num_candidates: int, name: str
    ) -> None:
        self.model, self.llm, self.weight = model, llm, weight
        self.num_candidates, self.name = num_candidates, name

    @staticmethod
    def candidates(
        model: SASRec, histories: Sequence[Sequence[int]], num_candidates: int
    ) -> list[list[Candidate]]:
        """Each history's top candidates with their SASRec logits (history masked)."""
        out = []
        for start in range(0, len(histories), 256):
            scores = score_histories(model, histories[start : start + 256])  # (b, N+1)
            out += [ranking.top_candidates(row, num_candidates) for row in scores]
        return out

    def score_batch(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        scores = score_histories(self.model, histories)  # (B, N+1), history masked
        for row, history in enumerate(histories):
            pool = ranking.top_candidates(scores[row], self.num_candidates)
            ids, llm = self.llm[tuple(history)]
            if ids != [c.item_id for c in pool]:
                raise ValueError("LLM scores were made for other candidates (another checkpoint?)")
            if not pool:
                continue
            order = finish_ranking(pool, llm, self.weight, self.name, 0.0, [], [], []).item_ids
            best = float(scores[row, ids[0]])  # the first candidate holds the best finite score
            scores[row, order] = best + torch.arange(len(order), 0, -1, dtype=scores.dtype)
        return scores  # (B, N+1)


# ------------------------------------------------------------------------- cases


def case_histories(protocol: nu.NewUsers) -> list[list[int]]:
    """Every history the protocol scores (validation, then test by length, true and
    shuffled), each once; the validation half is a subset of the validation users."""
    groups = [protocol.valid[0]]
    for length, cases in protocol.test.items():
        groups += [cases.histories, protocol.test_shuffled[length]]
    seen: set[tuple[int, ...]] = set()
    out = []
    for history in (h for group in groups for h in group):
        if tuple(history) not in seen:
            seen.add(tuple(history))
            out.append(list(history))
    return out


def subsample(
    protocol: nu.NewUsers,
    dataset: Dataset,
    test_users: int | None = None,
    valid_users: int | None = None,
) -> nu.NewUsers:
    """A copy scoring a seeded sample of the test and/or validation users (the same split and
    key: the users evaluated are fewer, none is added)."""
    out = copy.copy(protocol)
    rng = np.random.default_rng(protocol.spec.split_seed)
    if test_users is not None and test_users < len(protocol.split.test):
        keep = set(rng.choice(protocol.split.test, test_users, replace=False).tolist())
        out.test, out.test_shuffled = {}, {}
        for length, cases in protocol.test.items():
            rows = [i for i, user in enumerate(cases.users) if user in keep]
            out.test[length] = TruncatedCases(
                length,
                [cases.users[i] for i in rows],
                [cases.histories[i] for i in rows],
                [cases.targets[i] for i in rows],
            )
            out.test_shuffled[length] = [protocol.test_shuffled[length][i] for i in rows]
    if valid_users is not None and valid_users < len(protocol.split.valid):
        users = sorted(rng.choice(protocol.split.valid, valid_users, replace=False).tolist())
        out.valid = protocol._pooled(dataset, users)
        out.valid_half = protocol._pooled(dataset, users[: max(1, len(users) // 2)])
    return out


def history_titles(histories: Sequence[Sequence[int]]) -> int:
    return sum(len(h) for h in histories)


def log_estimate(name: str, seed: int, work: dict[str, int], seconds: float) -> None:
    """What is left of the LLM work of one (model, seed) and an estimate of its CPU time."""
    left = ", ".join(f"{count} {what}" for what, count in work.items())
    log.info(
        "%s seed %d: LLM forward work left: %s; about %.1f min (an estimate: per-prompt costs "
        "measured on ML-1M with SmolLM2-135M, 2 threads, 2-core machine)",
        name,
        seed,
        left or "none",
        seconds / 60,
    )


# ------------------------------------------------------------------------- the LLM


def local_backend(llm: LLMConfig, progress: bool) -> Any:
    """The LLM backend of ``llm`` (tests put a tiny model here)."""
    from recommender.llm.backends import make_backend

    return make_backend(llm, progress=progress)


def history_key(history: Sequence[int]) -> str:
    return ",".join(map(str, history))


def cached_case_features(
    dataset: Dataset,
    states: LLMStates | None,
    histories: Sequence[Sequence[int]],
    pools: Sequence[int],
    max_history: int,
    folder: Path,
    progress: bool,
    estimate_only: bool = False,
) -> dict[tuple[int, ...], dict[int, np.ndarray]] | int:
    """For each history: ``{pool: user_features(lines, pool)[-1]}`` of its last
    ``max_history`` titles. Files ``cases_<digest>.npz`` hold chunks of histories with their
    features, read back whatever run wrote them. ``estimate_only``: the number of title lines
    left to read instead."""
    folder.mkdir(parents=True, exist_ok=True)
    known: dict[tuple[int, ...], dict[int, np.ndarray]] = {}
    for path in sorted(folder.glob("cases_*.npz")):
        with np.load(path) as data:
            if not all(f"pool{p}" in data.files for p in pools):
                continue
            rows = np.split(data["items"], np.cumsum(data["lengths"])[:-1])
            for i, items in enumerate(rows):
                known[tuple(items.tolist())] = {p: data[f"pool{p}"][i] for p in pools}
    todo = [list(h) for h in histories if tuple(h) not in known]
    if estimate_only or states is None:
        return history_titles([h[-max_history:] for h in todo])
    chunks = range(0, len(todo), CHUNK_HISTORIES)
    for start in tqdm(chunks, desc="LLM states (case histories)", disable=not progress):
        chunk = todo[start : start + CHUNK_HISTORIES]
        lines = states.history_states([llm_srec.titles(dataset, h[-max_history:]) for h in chunk])
        features = {p: np.stack([user_features(one, p)[-1] for one in lines]) for p in pools}
        digest = hashlib.sha256("|".join(map(history_key, chunk)).encode()).hexdigest()[:12]
        llm_srec.save_npz(
            folder / f"cases_{digest}.npz",
            items=np.concatenate([np.asarray(h, dtype=np.int64) for h in chunk]),
            lengths=np.asarray([len(h) for h in chunk], dtype=np.int64),
            **{f"pool{p}": f.astype(np.float16) for p, f in features.items()},
        )
        for i, history in enumerate(chunk):
            known[tuple(history)] = {p: features[p][i] for p in pools}
    return known


def srec_prepared(
    ctx: rt.Context,
    model: SASRec,
    checkpoint_sha: str,
    histories: Sequence[Sequence[int]],
    candidates: Sequence[Sequence[Candidate]],
    args: argparse.Namespace,
    seed: int,
    estimate_only: bool = False,
) -> tuple[Prepared, dict[str, Any]] | None:
    """LLM-SRec head scores of every history's candidates; heads trained on training users
    only (cached states, cached heads). ``estimate_only``: log the work left, return None."""
    protocol = ctx.new_users
    assert protocol is not None
    llm = dataclasses.replace(ctx.config.llm, adapter_path=None, num_threads=args.threads)
    prompts = b"".join(Path(llm.prompt_dir, f"srec_{n}.txt").read_bytes() for n in ("user", "item"))
    settings = {  # what the cached LLM states depend on (not the llm2sasrec checkpoint)
        "dataset": ctx.dataset.name,
        "model": str(llm.model_path or llm.gguf_file),
        "max_history": args.max_history,
        "prompts_sha": hashlib.sha256(prompts).hexdigest()[:12],
        "split_digest": protocol.split.digest(),
        "train_users": args.train_users,
    }
    key = dataset_key(ctx.dataset.name)
    cache = (
        args.out_dir / "checkpoints" / "llm_srec" / key / "new_users"
        / ranking.settings_digest(settings)
    )  # fmt: skip
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    # only the protocol's training users exist here: a held-out user cannot be read
    train = protocol.train_dataset
    eligible = [u for u in range(train.num_users) if len(train.split.train[u]) >= 2]
    rng = np.random.default_rng(protocol.spec.split_seed)
    users = rng.permutation(eligible)[: args.train_users].tolist()
    srec = SRecConfig(
        max_history=args.max_history,
        max_epochs=args.head_epochs,
        patience=args.head_patience,
        seed=seed,
    )
    heads = cache / f"heads_{checkpoint_sha}_{ranking.settings_digest(dataclasses.asdict(srec))}.pt"
    # the work left, logged before any LLM runs (finished heads need no training states)
    starts = range(0, len(users), llm_srec.CHUNK_USERS)
    left = [
        users[s : s + llm_srec.CHUNK_USERS]
        for s in starts
        if not heads.exists() and not (cache / f"train_{s:05d}.npz").exists()
    ]
    windows = [min(len(train.split.train[u]), args.max_history + 1) for c in left for u in c]
    lines = sum(windows) - len(windows)  # a state after every title of a window but its last
    items = 0 if (cache / "items.npy").exists() else ctx.dataset.num_items
    case_lines = cached_case_features(
        ctx.dataset, None, histories, args.pool, args.max_history, cache, False, True
    )
    work = {
        "training-user reads": sum(map(len, left)),
        "item texts": items,
        "title lines of case histories": int(case_lines),  # type: ignore[arg-type]
    }
    total = lines + items + int(case_lines)  # type: ignore[arg-type]
    log_estimate("llm_srec_fused", seed, work, total * SECONDS_PER_TITLE)
    if estimate_only:
        return None

    backend = local_backend(llm, ctx.progress)
    states = LLMStates.from_backend(backend)
    item_states = llm_srec.cached_items(states, ctx.dataset, cache, ctx.progress)
    if heads.exists():
        head, srec, meta = load_head(heads)
        log.info("LLM-SRec heads reused from %s", heads)
    else:
        examples = llm_srec.cached_examples(
            train, model, states, users, args.max_history, cache, checkpoint_sha, ctx.progress
        )
        cf_items = model.item_emb.weight[1:].detach().numpy()
        early = llm_srec.early_stop_rows(examples, users)
        head, history, srec, selection = llm_srec.train_heads(
            examples, early, item_states, cf_items, srec, args.pool, ctx.progress
        )
        meta = {"dataset": ctx.dataset.name, "num_items": ctx.dataset.num_items,
                "llm": backend.name, "checkpoint_sha": checkpoint_sha, "users": users,
                "examples": len(examples), "history": history, "selection": selection}  # fmt: skip
        save_head(heads, head, srec, meta)
    features = cached_case_features(
        ctx.dataset, states, histories, args.pool, args.max_history, cache, ctx.progress
    )
    assert isinstance(features, dict)
    scorer = SRecScorer.build(states, head, item_states, srec.pool)
    vectors = scorer.vectors_of_features(
        np.stack([features[tuple(h)][srec.pool] for h in histories]).astype(np.float32)
    )  # (H, C)
    prepared = {}
    for history, pool, vector in zip(histories, candidates, vectors, strict=True):
        ids = [c.item_id for c in pool]
        prepared[tuple(history)] = (ids, scorer.candidate_scores(vector, ids))
    return prepared, {
        "llm": backend.name,
        "heads": ranking._rel(heads),
        "heads_config": dataclasses.asdict(srec),
        "head_selection_heldout_ndcg@10": meta["selection"],
        "head_training": meta["history"],
        "train_users": len(meta["users"]),
        "train_examples": meta["examples"],
        "llm_cache": ranking._rel(cache),
    }


def label_prepared(
    ctx: rt.Context,
    model: SASRec,
    checkpoint_sha: str,
    histories: Sequence[Sequence[int]],
    candidates: Sequence[Sequence[Candidate]],
    args: argparse.Namespace,
    seed: int,
    estimate_only: bool = False,
) -> tuple[Prepared, dict[str, Any]] | None:
    """Label-ranker scores (B=1) of every history's candidates, one JSONL line per call."""
    adapter = Path(args.adapter)
    if not (adapter / "adapter_config.json").exists():
        raise SystemExit(f"no LoRA adapter at {adapter} (pass --adapter PATH)")
    llm = dataclasses.replace(
        ctx.config.llm,
        num_candidates=args.candidates,
        seed=seed,
        num_threads=args.threads,
        adapter_path=adapter,
        bootstrap=1,
    )
    files = ranking.ranker_prompt_files(Path(llm.prompt_dir))
    settings = {
        "dataset": ctx.dataset.name,
        "checkpoint_sha": checkpoint_sha,
        "adapter_sha": artifact_digest(adapter),
        "model": str(llm.model_path or llm.gguf_file),
        "prompt_style": llm.prompt_style,
        "max_history": llm.max_history,
        "system_prompt": llm.system_prompt,
        "prompts_sha": hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()[:12],
        "candidates": args.candidates,
        "seed": seed,
    }
    key = dataset_key(ctx.dataset.name)
    folder = (
        args.out_dir / "checkpoints" / "label_ranker" / key / "new_users"
        / ranking.settings_digest(settings)
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    cache = ranking.ScoreCache(folder / "scores_B1.jsonl")
    cases = [
        ranking.Case(history_key(h), 0, list(h), 0, list(pool))
        for h, pool in zip(histories, candidates, strict=True)
    ]
    todo = sum(cache.matching(c) is None for c in cases)
    log_estimate("label_ranker_fused", seed, {"ranking prompts": todo}, todo * SECONDS_PER_PROMPT)
    if estimate_only:
        return None
    if todo:
        backend = local_backend(llm, ctx.progress)
        ranker = LLMRanker(backend, ctx.dataset.catalogue, llm)
        records = ranking.score_cases(ranker, cases, 1, cache, ctx.progress, "label ranker")
    else:
        records = {c.key: cache.matching(c) for c in cases}
    prepared = {}
    fallbacks = 0
    for case in cases:
        scores = records[case.key]["llm_scores"]
        usable = all(s is not None for s in scores)
        fallbacks += not usable
        prepared[tuple(case.history)] = (
            case.candidate_ids,
            np.asarray(scores, dtype=np.float64) if usable else None,
        )
    return prepared, {
        "adapter": ranking._rel(adapter),
        "adapter_digest": settings["adapter_sha"],
        "llm_max_history": llm.max_history,
        "prompt_style": llm.prompt_style,
        "bootstrap": 1,
        "fallbacks": fallbacks,
        "llm_cache": ranking._rel(folder),
    }


PREPARE = {"llm_srec_fused": srec_prepared, "label_ranker_fused": label_prepared}


# ------------------------------------------------------------------------- runs


def load_llm2sasrec(ctx: rt.Context, seed: int) -> tuple[SASRecRecommender, dict[str, Any]]:
    """That seed's finished llm2sasrec checkpoint of this protocol (never trained here)."""
    if not rt.finished_checkpoint(ctx, "llm2sasrec", seed):
        raise SystemExit(
            f"no finished llm2sasrec checkpoint of this protocol for seed {seed} in "
            f"{ctx.checkpoints}: run python benchmarks/retrieval.py --protocol new-users "
            f"--models llm2sasrec --seeds {seed + 1} first"
        )
    recommender, info = rt._train_sasrec(ctx, "llm2sasrec", seed)  # finished: only loads
    assert isinstance(recommender, SASRecRecommender)
    return recommender, info


def _inputs(
    ctx: rt.Context, seed: int, args: argparse.Namespace
) -> tuple[SASRecRecommender, dict[str, Any], str, list[list[int]], list[list[Candidate]]]:
    """The checkpoint, its info and digest, every history to score and its candidates."""
    assert ctx.new_users is not None
    base, info = load_llm2sasrec(ctx, seed)
    checkpoint_sha = artifact_digest(PROJECT_ROOT / info["checkpoint"])
    histories = case_histories(ctx.new_users)
    candidates = Reranked.candidates(base.model, histories, args.candidates)
    return base, info, checkpoint_sha, histories, candidates


def estimate(ctx: rt.Context, name: str, seed: int, args: argparse.Namespace) -> None:
    """Log the LLM work left for (``name``, ``seed``) and its time estimate; no LLM runs."""
    base, _, checkpoint_sha, histories, candidates = _inputs(ctx, seed, args)
    PREPARE[name](ctx, base.model, checkpoint_sha, histories, candidates, args, seed, True)


def build(
    ctx: rt.Context, name: str, seed: int, args: argparse.Namespace
) -> tuple[Reranked, dict[str, Any]]:
    """The re-ranker ``name`` on ``seed``'s checkpoint, its fusion weight tuned on the
    validation users (``retrieval.run_one``'s builder)."""
    assert ctx.new_users is not None
    base, info, checkpoint_sha, histories, candidates = _inputs(ctx, seed, args)
    made = PREPARE[name](ctx, base.model, checkpoint_sha, histories, candidates, args, seed)
    assert made is not None
    prepared, extra = made

    def make(weight: float) -> Reranked:
        return Reranked(base.model, prepared, weight, args.candidates, name)

    weight, grid = rt._tune(ctx, make, ranking.FUSION_WEIGHTS, "fusion weight")
    return make(weight), {
        **{k: info[k] for k in ("train_seconds", "epochs", "config", "checkpoint")},
        "fusion_weight": weight,
        "valid_grid": grid,
        "candidates": args.candidates,
        "valid_cases_tuned": len(ctx.new_users.valid[1]),
        "llm_histories": len(histories),
        **extra,
    }


def compare_partial(ctx: rt.Context, out: Path, seed: int) -> str:
    """A run on a sample of test users against llm2sasrec on the same cases (NDCG@10)."""
    record = json.loads(out.read_text())
    base, _ = load_llm2sasrec(ctx, seed)
    assert ctx.new_users is not None
    ranks = ctx.new_users.evaluate(base)["ranks"]
    lines = [f"{record['model']} seed {seed} - llm2sasrec, NDCG@10 on the same sampled cases:"]
    for length, by_order in record["ranks"].items():
        for order, new in by_order.items():
            diff = paired_bootstrap(
                nu.case_values(ranks[length][order], "ndcg@10"), nu.case_values(new, "ndcg@10")
            )
            low, high = diff["ci95"]
            lines.append(
                f"  L={length} {order}: {diff['diff']:+.4f} [{low:+.4f}, {high:+.4f}] "
                f"({len(new)} cases)"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ml-1m", help="ml-1m, ml-100k or a CSV folder")
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="seeds 0..N-1 (each needs its llm2sasrec checkpoint of the protocol)",
    )
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--candidates", type=int, default=20, help="SASRec top-k re-ranked")
    parser.add_argument(
        "--train-users",
        type=int,
        default=1500,
        help="training users whose sequences teach the LLM-SRec heads (as llm_srec.py)",
    )
    parser.add_argument(
        "--test-users",
        type=int,
        default=None,
        help="score only this many (seeded) test users; the run goes to partial/, not the tables",
    )
    parser.add_argument(
        "--valid-users",
        type=int,
        default=None,
        help="tune the fusion weight on this many (seeded) validation users (default: all)",
    )
    parser.add_argument("--max-history", type=int, default=SRecConfig.max_history)
    parser.add_argument("--head-epochs", type=int, default=SRecConfig.max_epochs)
    parser.add_argument("--head-patience", type=int, default=SRecConfig.patience)
    parser.add_argument(
        "--pool",
        type=int,
        nargs="+",
        default=[0, 10],
        help="user-feature pools to train heads for; the best on held-out training users wins",
    )
    parser.add_argument(
        "--adapter", type=Path, default=DEFAULT_ADAPTER, help="LoRA adapter of the label ranker"
    )
    parser.add_argument(
        "--estimate",
        action="store_true",
        help="print the LLM work left and a time estimate, then stop",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--out-dir", type=Path, default=rt.RESULTS, help="where results go")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser.parse_args(argv)


def run(ctx: rt.Context, args: argparse.Namespace) -> list[Path]:
    """Every (model, seed) of ``args`` on ``ctx`` (skipping finished runs); their JSON paths."""
    assert ctx.new_users is not None
    protocol = subsample(ctx.new_users, ctx.dataset, args.test_users, args.valid_users)
    partial = protocol.test is not ctx.new_users.test
    runs = ctx.runs / "partial" / f"test{args.test_users}" if partial else ctx.runs
    ctx = dataclasses.replace(ctx, new_users=protocol, runs=runs)
    outs = []
    for seed in range(args.seeds):
        for name in args.models:
            if args.estimate:
                estimate(ctx, name, seed, args)
                continue
            outs.append(rt.run_one(ctx, name, seed, functools.partial(build, args=args)))
            if partial:
                print(compare_partial(ctx, outs[-1], seed))
    return outs


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.threads:
        torch.set_num_threads(args.threads)
    key = dataset_key(args.dataset)
    runs = args.out_dir / "runs" / key / "new_users"
    command = "python benchmarks/new_users_llm.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    ctx = rt.build_context(
        args.dataset,
        load_config(),
        runs=runs,
        checkpoints=args.out_dir / "checkpoints" / key / "new_users",
        command=command,
        progress=not args.no_progress,
        new_users=nu.NewUserSpec(),
    )
    outs = run(ctx, args)
    if args.estimate or any(out.parent != runs for out in outs):  # partial runs: no tables
        return 0
    table = args.out_dir / f"new_users_{key.replace('-', '')}.json"
    rebuild = json.loads(table.read_text()).get("command") if table.exists() else None
    result = rt.assemble_new_users(
        args.dataset, runs, args.out_dir, nu.NewUserSpec(), rebuild or command
    )
    print(nu.markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
