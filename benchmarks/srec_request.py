"""Request-aware LLM-SRec heads, trained and tuned on generated requests of training users.

    python benchmarks/srec_request.py --examples 3600 --tune 300 --threads 1

The conversation benchmark (``benchmarks/conversation.py``) asks for something built from a
held-out test item of 300 ML-1M users. This script never touches those users: it builds the
same kind of one-turn scenarios (``scenario_generator.request_scenarios``: same request bank,
paste formats and feasibility rules) for other users, whose target is their validation item
or an earlier item of their sequence, and:

1. replays each first turn through the app's own ``step`` with a recording ranker, so every
   example is exactly what the ranker would see in the app: the history in the order the
   app reads it (dated exports in time order, typed lists in a fixed order), the request as
   the app understood it (``describe_request``), the retrieved candidates with their scores,
   and the constraints (the items its hard filters allow, minus the history);
2. runs the frozen LLM once per example over history + request line (``LLMStates.
   request_states``; cached in chunks, resumable: an interrupted run continues);
3. trains the heads (``SRecConfig.request``) with the recommendation loss on the target over
   the allowed items plus the usual distillation towards LLM2SASRec (its state of the same
   history, its item embeddings): distillation alone cannot learn the request;
4. tunes the fusion weight with the retrieval scores on the tuning users' candidates (users
   disjoint from the training users), and saves the heads to
   ``checkpoints/ml-1m-llm-srec-request.pt``.

Then measure on the benchmark's scenarios with the heads in the app:
``python benchmarks/conversation.py --ranking auto --srec-head checkpoints/ml-1m-llm-srec-request.pt
--compare benchmarks/results/conversation_ml1m.json``. Writes
``benchmarks/results/srec_request_ml1m.{json,md}``.
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
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import ranking as bench  # noqa: E402
from benchmarks.conversation import _NoExplanations  # noqa: E402
from benchmarks.llm_srec import sasrec_prefix_states, save_npz  # noqa: E402
from benchmarks.scenario_generator import (  # noqa: E402
    generate,
    request_scenarios,
    scenario_user,
)
from recommender.config import PROJECT_ROOT, load_config  # noqa: E402
from recommender.conversation.orchestrator import step  # noqa: E402
from recommender.conversation.state import SessionState  # noqa: E402
from recommender.data import load_dataset  # noqa: E402
from recommender.digest import artifact_digest  # noqa: E402
from recommender.llm.ranker import RankedItem, Ranking, finish_ranking  # noqa: E402
from recommender.llm.srec import (  # noqa: E402
    LLMStates,
    SRecConfig,
    SRecExamples,
    SRecScorer,
    item_mean_features,
    item_states_cached,
    save_head,
    train_head,
)
from recommender.machine import describe_machine  # noqa: E402
from recommender.provenance import collect_provenance, git_state  # noqa: E402

log = logging.getLogger("benchmarks.srec_request")
CHUNK = 200  # examples per cached LLM-state file
NUM_CANDIDATES = 20  # candidates the app's SRecRanker scores


class RecordingRanker:
    """Stands in for the app's ranker: records what it is given, keeps the retrieval order."""

    reads_request_description = True

    def __init__(self) -> None:
        self.seen: tuple[list[int], list[Any], str] | None = None

    def rank(self, history: Any, candidates: Any, request: str = "", **_: Any) -> Ranking:
        self.seen = ([i.item_id for i in history], list(candidates), request)
        return finish_ranking(candidates, None, 0.0, "retrieval", time.perf_counter(), [], [], [])


def replay(scenarios: list[dict[str, Any]], deps: Any, progress: bool, desc: str) -> list[dict]:
    """Each scenario's first turn through ``step``: what the ranker saw, and the filters."""
    recorder = RecordingRanker()
    deps.ranker = recorder
    catalogue = deps.catalogue
    out = []
    for scenario in tqdm(scenarios, desc=desc, disable=not progress):
        recorder.seen = None
        state, _ = step(
            SessionState(), scenario["turns"][0]["say"], deps, paste=scenario["history"]
        )
        if recorder.seen is None or not recorder.seen[0]:
            continue  # no candidates or no history: the app would not rank
        history, candidates, request = recorder.seen
        blocked = set(state.history) | set(state.excluded_ids())
        allowed = np.array(
            [
                state.constraints.allows(item.genres, item.year) and item.item_id not in blocked
                for item in (catalogue.get(i) for i in range(1, catalogue.num_items + 1))
            ]
        )
        out.append(
            {
                "id": scenario["id"],
                "user": scenario_user(scenario["id"]),
                "target": int(scenario["target"]),
                "history": history,
                "request": request,
                "candidates": [c.item_id for c in candidates],
                "scores": [float(c.score) for c in candidates],
                "allowed": np.packbits(allowed),
            }
        )
    return out


def cached_replay(path: Path, scenarios: list[dict], deps: Any, progress: bool, desc: str):
    """:func:`replay`, kept in ``path`` for the same scenario list (a resumed run reuses it)."""
    ids = [s["id"] for s in scenarios]
    if path.exists():
        stored = json.loads(path.read_text())
        if stored["scenarios"] == ids:
            for case in stored["cases"]:
                case["allowed"] = np.asarray(case["allowed"], dtype=np.uint8)
            return stored["cases"]
    cases = replay(scenarios, deps, progress, desc)
    rows = [{**c, "allowed": c["allowed"].tolist()} for c in cases]
    path.write_text(json.dumps({"scenarios": ids, "cases": rows}) + "\n")
    return cases


def cached_features(
    states: LLMStates,
    catalogue: Any,
    cases: list[dict],
    folder: Path,
    prefix: str,
    progress: bool,
    item_states: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """``(E, 2D)`` request features of every case, in chunks saved as they finish; and how
    many prompts this call ran (the rest came from the cache). With ``item_states``
    (``history_from="items"``) the LLM reads only the request lines."""
    if item_states is not None:
        prefix += "-items"
    parts, ran = [], 0
    starts = range(0, len(cases), CHUNK)
    for start in tqdm(starts, desc=f"LLM states ({prefix})", disable=not progress):
        chunk = cases[start : start + CHUNK]
        path = folder / f"{prefix}_{start:05d}.npz"
        ids = [c["id"] for c in chunk]
        if path.exists():
            with np.load(path) as data:
                if data["ids"].tolist() == ids:
                    parts.append(data["features"].astype(np.float32))
                    continue
        requests = [c["request"] for c in chunk]
        if item_states is not None:
            lines = states.request_line_states(requests)
            features = item_mean_features(item_states, [c["history"] for c in chunk], lines)
        else:
            histories = [[catalogue.get(i).display_title for i in c["history"]] for c in chunk]
            features = states.request_states(histories, requests)
        save_npz(path, features=features.astype(np.float16), ids=np.asarray(ids))
        parts.append(features)
        ran += len(chunk)
    if not parts:
        return np.zeros((0, 2 * states.dim), np.float32), ran
    return np.concatenate(parts), ran


def examples_of(cases: list[dict], features: np.ndarray, sasrec: Any, num_items: int):
    histories = [c["history"][-sasrec.config.max_len :] for c in cases]
    allowed = np.stack([np.unpackbits(c["allowed"])[:num_items].astype(bool) for c in cases])
    return SRecExamples(
        user_states=features,
        cf_users=sasrec_prefix_states(sasrec, histories).astype(np.float32),
        targets=np.asarray([c["target"] for c in cases], dtype=np.int64),
        groups=np.asarray([c["user"] for c in cases], dtype=np.int64),
        allowed=allowed,
    )


def candidate_rankings(cases: list[dict], user_vectors: np.ndarray, scorer: SRecScorer):
    """The app's view of each case: heads' scores on the first 20 candidates, fused later."""
    out = []
    for case, user in zip(cases, user_vectors, strict=True):
        shown = case["candidates"][:NUM_CANDIDATES]
        llm = scorer.candidate_scores(user, shown) if len(shown) >= 2 else None
        items = [
            RankedItem(
                item_id,
                0.0,
                float(llm[i]) if llm is not None and i < len(shown) else None,
                score,
                i,
            )
            for i, (item_id, score) in enumerate(
                zip(case["candidates"], case["scores"], strict=True)
            )
        ]
        out.append(Ranking(items=items, method="llm_srec"))
    return out


def markdown(result: dict[str, Any]) -> str:
    t = result["tuning"]
    lines = [
        f"# Request-aware LLM-SRec heads ({result['dataset']}, history from "
        f"{result['config']['history_from']})",
        "",
        f"Command: `{result['command']}` · commit `{result['provenance'].get('git_commit', '?')}`",
        "",
        f"- training examples: {result['train_examples']}, plus {result['early_stop_examples']} "
        f"held out for early stopping (one tenth of the {result['train_users']} users), tuning "
        f"scenarios: {t['users']} (other users); none of the conversation benchmark's "
        f"{result['benchmark_users_excluded']} users",
        f"- LLM states: {result['llm_prompts_run']} prompts run in this call "
        f"({result['llm_seconds_per_prompt'] or float('nan'):.2f} s each, --threads "
        f"{result['threads']}, background, not timed quietly; the rest from the cache)",
        f"- machine: {result['machine']}",
        f"- best early-stopping NDCG@10 over allowed items: {result['best_heldout_ndcg@10']:.4f}",
        f"- fusion weight (tuning users): {result['fusion_weight']:g}",
        "",
        "| tuning users, target in the app's top 10 | NDCG@10 | HR@10 |",
        "|---|---|---|",
    ]
    for name in ("retrieval", "llm_srec", "fused"):
        m = t["methods"][name]
        lines.append(f"| {name} | {m['ndcg@10']:.4f} | {m['hr@10']:.4f} |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=3600, help="training scenarios")
    parser.add_argument("--per-user", type=int, default=2, help="scenarios per training user")
    parser.add_argument("--tune", type=int, default=300, help="tuning scenarios (other users)")
    parser.add_argument(
        "--generated",
        type=int,
        default=300,
        help="the conversation benchmark's generated scenarios (their users are excluded)",
    )
    parser.add_argument("--scenario-seed", type=int, default=0, help="their seed")
    parser.add_argument("--seed", type=int, default=0, help="users, requests and heads")
    parser.add_argument("--head-epochs", type=int, default=SRecConfig.max_epochs)
    parser.add_argument("--head-patience", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument(
        "--states-only", action="store_true", help="compute and cache the LLM states, then stop"
    )
    parser.add_argument(
        "--history-from",
        choices=["prompt", "items"],
        default="prompt",
        help="prompt: the LLM reads the titles and the request in one prompt; items: the mean "
        "of the history items' cached LLM states + the LLM's state of the request line alone",
    )
    parser.add_argument(
        "--head-out",
        type=Path,
        default=None,
        help="default checkpoints/ml-1m-llm-srec-request[-items].pt",
    )
    parser.add_argument("--out-dir", type=Path, default=bench.RESULTS)
    parser.add_argument("--no-progress", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    items_mode = args.history_from == "items"
    tag = "-items" if items_mode else ""
    if args.head_out is None:
        args.head_out = PROJECT_ROOT / "checkpoints" / f"ml-1m-llm-srec-request{tag}.pt"
    git = git_state()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.threads:
        torch.set_num_threads(args.threads)
    progress = not args.no_progress
    started = time.perf_counter()
    from recommender.serving import build_deps

    config = load_config()
    config.app.llm_ranking, config.app.llm_explanations = "off", False
    dataset = load_dataset("ml-1m")
    benchmark = generate(dataset, args.generated, args.scenario_seed)
    held = {scenario_user(s["id"]) for s in benchmark}
    users = [
        int(u)
        for u in np.random.default_rng(args.seed).permutation(dataset.num_users)
        if int(u) not in held
    ]
    tune = request_scenarios(dataset, users[: args.tune], args.tune, args.seed + 1)
    train = request_scenarios(
        dataset, users[args.tune :], args.examples, args.seed + 2, per_user=args.per_user
    )
    assert not {scenario_user(s["id"]) for s in [*tune, *train]} & held

    deps, _ = build_deps(config, progress=progress)
    deps.explainer = _NoExplanations()
    from recommender.llm.backends import LocalBackend

    llm = dataclasses.replace(config.llm, adapter_path=None, num_threads=args.threads)
    backend = LocalBackend.from_config(llm, progress=progress)
    states = LLMStates.from_backend(backend)
    prompt_sha = hashlib.sha256(
        b"".join(Path(llm.prompt_dir, f"srec_{n}.txt").read_bytes() for n in ("user", "request"))
    ).hexdigest()[:12]
    settings = {
        "model": backend.name,
        "prompts_sha": prompt_sha,
        "seed": args.seed,
        "per_user": args.per_user,
        "tune": args.tune,
        "generated": args.generated,
    }
    cache = (
        PROJECT_ROOT / "benchmarks" / "results" / "checkpoints" / "srec_request"
        / bench.settings_digest(settings)
    )  # fmt: skip
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    log.info("cache: %s", cache)

    tune_cases = cached_replay(
        cache / f"tune_cases_{len(tune)}.json", tune, deps, progress, "replay (tune)"
    )
    train_cases = cached_replay(
        cache / f"train_cases_{len(train)}.json", train, deps, progress, "replay (train)"
    )
    num_items = dataset.num_items
    item_states = item_states_cached(
        states, [dataset.catalogue.get(i) for i in range(1, num_items + 1)],
        llm.cache_dir, backend.name, progress,
    )  # fmt: skip
    by_items = item_states if items_mode else None
    t0 = time.perf_counter()
    tune_x, ran_tune = cached_features(
        states, dataset.catalogue, tune_cases, cache, "tune", progress, by_items
    )
    train_x, ran = cached_features(
        states, dataset.catalogue, train_cases, cache, "train", progress, by_items
    )
    ran += ran_tune
    per_prompt = (time.perf_counter() - t0) / ran if ran else None
    log.info("LLM states: %d prompts run here (%s s/prompt), the rest cached", ran, per_prompt)
    if args.states_only:
        return 0

    sasrec = deps.retriever.sasrec
    cf_items = sasrec.item_emb.weight[1:].detach().numpy()
    examples = examples_of(train_cases, train_x, sasrec, num_items)
    train_users = list(dict.fromkeys(c["user"] for c in train_cases))
    early = np.isin(examples.groups, train_users[: max(1, len(train_users) // 10)])
    srec = SRecConfig(
        request=True,
        history_from=args.history_from,
        max_epochs=args.head_epochs,
        patience=args.head_patience,
        seed=args.seed,
    )
    head, history = train_head(
        examples.subset(~early), examples.subset(early), item_states, cf_items, srec, progress
    )
    scorer = SRecScorer.build(states, head, item_states, 0, True, args.history_from)
    tuned = candidate_rankings(tune_cases, scorer.vectors_of_features(tune_x), scorer)
    targets = [c["target"] for c in tune_cases]
    weight, grid = bench.tune_weight(tuned, targets)
    checkpoint = Path(config.app.sasrec_checkpoint)
    save_head(
        args.head_out,
        head,
        srec,
        {"dataset": dataset.name, "num_items": num_items, "llm": backend.name,
         "checkpoint_sha": artifact_digest(checkpoint), "fusion_weight": weight,
         "history": history, "prompts_sha": prompt_sha},
    )  # fmt: skip
    orders = {
        "retrieval": [c["candidates"] for c in tune_cases],
        "llm_srec": [r.llm_only_ids() for r in tuned],
        "fused": [r.fused_ids(weight) for r in tuned],
    }
    command = "python benchmarks/srec_request.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    result = {
        "dataset": dataset.name,
        "llm": backend.name,
        "config": dataclasses.asdict(srec),
        "train_examples": int((~early).sum()),
        "early_stop_examples": int(early.sum()),
        "train_users": len(train_users),
        "benchmark_users_excluded": len(held),
        "replayed": {"train": [len(train), len(train_cases)], "tune": [len(tune), len(tune_cases)]},
        "llm_prompts_run": ran,  # the others came from the cache of an earlier (resumed) run
        "llm_seconds_per_prompt": per_prompt,
        "threads": args.threads,
        "head_training": history,
        "best_heldout_ndcg@10": max(r["valid_ndcg@10"] for r in history),
        "fusion_weight": weight,
        "fusion_grid_tuning_ndcg@10": grid,
        "tuning": {
            "users": len(tune_cases),
            "methods": {n: bench.order_metrics(o, targets) for n, o in orders.items()},
            "fused - retrieval": bench.paired_bootstrap(
                orders["retrieval"], orders["fused"], targets
            ),  # fmt: skip
        },
        "heads": bench._rel(args.head_out),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": describe_machine(),
        "command": command,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "provenance": collect_provenance(
            command,
            artifacts={"checkpoint": checkpoint, "heads": args.head_out},
            dataset=dataset,
            config={"srec": srec, "args": vars(args), "llm": backend.name},
            git=git,
        ),
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"srec_request_ml1m{tag.replace('-', '_')}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    stem.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
