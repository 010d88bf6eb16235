"""Anchors benchmark: where "more like X" should look, the title-text space or the sequence
model's item space.

"Something like Titanic" names one film; the app answers with the films nearest to it. Which
"nearest"? The title-text vectors (all-MiniLM-L6-v2 of title, year and genres: the Chroma
store) group films by year and title words; the LLM2SASRec item embeddings group them by who
watches them. A proxy with real users for "like X": each sampled ML-1M user's validation item
is X (the last film they watched before the held-out one) and the held-out test item is what
they went on to watch; neither was a training target of the app's checkpoint. Two rankings
over the whole catalogue (X itself left out), per space:

- ``space``: every item by cosine to X in that space (the anchor source alone);
- ``app``: the app's retriever for a message "like X" and nothing else (anchor source fused
  with popularity, top ``num_candidates``), i.e. what a user who only names X is shown.

HR@10 / NDCG@10 / MRR@10 of the held-out item, paired bootstrap over users for sasrec - text.
The history is not used (a user who only names a film has none). Writes
``benchmarks/results/anchors_ml1m.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from recommender.config import load_config
from recommender.data import Dataset
from recommender.embeddings import item_embeddings
from recommender.evaluation import case_ndcg as user_ndcg
from recommender.evaluation import ranking_metrics
from recommender.machine import describe_machine
from recommender.models import score_histories
from recommender.provenance import collect_provenance
from recommender.retrieval.candidates import CandidateRetriever, RetrievalQuery
from recommender.retrieval.likeness import Likeness, item_space
from recommender.retrieval.prepare import prepare_retrieval
from recommender.retrieval.vectorstore import ItemFilter
from recommender.serving import load_sasrec, popularity
from recommender.stats import paired_bootstrap

RESULTS = Path(__file__).resolve().parent / "results"
K = 10


# (name, anchor_space, anchor_genre_weight); the app's default is the last
PASTED = (2, 3, 5, 10)  # pastes of this many titles, read with and without them as anchors
VARIANTS = (("text", "text", 0.0), ("sasrec", "sasrec", 0.0), ("sasrec+genres", "sasrec", 0.2))
# "something like X" over a history of NAMED_HISTORY titles: the anchor source at these weights
NAMED_WEIGHTS = (1.0, 1.5, 2.0, 3.0)
NAMED_HISTORY = 10
NEAREST = 50  # "like X" share: how many of the ten shown are among X's 50 nearest films


def _as_tensor(ranks: list[int | None]) -> torch.Tensor:
    """0-based ranks, "not in the top 10" (None) as a rank past it."""
    return torch.tensor([K if r is None else r for r in ranks])


def metrics(ranks: list[int | None], shares: list[float]) -> dict[str, float]:
    """HR/NDCG/MRR@10 of 0-based ranks (None: not in the top 10), and the mean share of the
    ten shown items that have a genre of X."""
    return {
        **ranking_metrics(_as_tensor(ranks), ks=(K,)),
        "genre_share@10": float(np.mean(shares)) if shares else 0.0,
        "users": len(ranks),
    }


def case_ndcg(ranks: list[int | None]) -> np.ndarray:
    return user_ndcg(_as_tensor(ranks), K).numpy()


def rank_of(scores: np.ndarray, anchor: int, target: int) -> tuple[int, list[int]]:
    """0-based rank of ``target`` by ``scores`` (row r = item id r + 1) with the anchor left
    out, and the ten best item ids."""
    scores = scores.astype(np.float64, copy=True)
    scores[anchor - 1] = -np.inf
    top = [int(row) + 1 for row in np.argsort(-scores, kind="stable")[:K]]
    return int((scores > scores[target - 1]).sum()), top


def app_rank(retriever: CandidateRetriever, anchor: int, target: int) -> tuple[int | None, list]:
    found = retriever.retrieve(RetrievalQuery(anchors=[anchor], filters=ItemFilter()))
    order = [c.item_id for c in found.candidates]
    return (order.index(target) if target in order else None), order[:K]


def history_rank(
    retriever: CandidateRetriever, history: list[int], target: int
) -> tuple[int | None, list]:
    """The app's path for a paste of a title or two (not "like X"): they are the history, and
    with a retriever whose ``retrieval.history_anchors_upto`` reaches them, "like these" too
    (every source fused, as the app reads a short paste; not anchors the user named)."""
    query = RetrievalQuery(history=list(history), filters=ItemFilter())
    found = retriever.retrieve(query)
    order = [c.item_id for c in found.candidates]
    return (order.index(target) if target in order else None), order[:K]


def app_parts(config: Any) -> tuple[Dataset, Any, np.ndarray, Any, np.ndarray]:
    """What the app's retriever is built from: the dataset, its item store, the item text
    vectors, the app's LLM2SASRec checkpoint and the popularity counts."""
    dataset, store = prepare_retrieval(config.data.dataset, config, progress=False)
    item_vectors = item_embeddings(dataset.catalogue, store.embedder, config.data.cache_dir)
    sasrec, info = load_sasrec(config.app.sasrec_checkpoint, dataset.num_items)
    if sasrec is None:
        raise SystemExit(f"this benchmark needs the app's checkpoint: {info}")
    return dataset, store, item_vectors, sasrec, popularity(dataset)


def run(users: int, seed: int) -> tuple[dict[str, Any], Dataset]:
    config = load_config()
    dataset, store, item_vectors, sasrec, counts = app_parts(config)
    catalogue = dataset.catalogue
    eligible = [u for u, seq in enumerate(dataset.sequences) if len(seq) >= 3]
    sample = random.Random(seed).sample(eligible, min(users, len(eligible)))
    pairs = [(dataset.sequences[u][-2], dataset.sequences[u][-1]) for u in sample]

    def share(anchor: int, top: list[int]) -> float:
        genres = set(catalogue.get(anchor).genres)
        return sum(bool(genres & set(catalogue.get(i).genres)) for i in top) / max(len(top), 1)

    rows: dict[str, tuple[list[int | None], list[float]]] = {}
    started = time.perf_counter()

    def record(name: str, produce) -> None:  # produce(anchor, target) -> (rank, top ids)
        ranks, shares = [], []
        for anchor, target in pairs:
            if anchor == target:  # a repeat watch: no "like X" question to ask
                ranks.append(None)
                continue
            rank, top = produce(anchor, target)
            ranks.append(rank)
            shares.append(share(anchor, top))
        rows[name] = (ranks, shares)

    record("popularity/reference", lambda a, t: rank_of(counts[1:], a, t))
    # the paste path without and with its titles as anchors, whatever the app's default
    plain_settings = replace(config.retrieval, history_anchors_upto=0)
    retriever_default = CandidateRetriever(
        catalogue, store, item_vectors, counts, sasrec, plain_settings
    )
    like_settings = replace(config.retrieval, history_anchors_upto=max(PASTED))
    retriever_like = CandidateRetriever(
        catalogue, store, item_vectors, counts, sasrec, like_settings
    )
    for name, space, weight in VARIANTS:
        likeness = Likeness(catalogue, item_space(sasrec, item_vectors, space), weight)
        record(f"{name}/space", lambda a, t, like=likeness: rank_of(like.scores([a]), a, t))
        settings = replace(config.retrieval, anchor_space=space, anchor_genre_weight=weight)
        retriever = CandidateRetriever(catalogue, store, item_vectors, counts, sasrec, settings)
        record(f"{name}/app", lambda a, t, r=retriever: app_rank(r, a, t))

    # the same X pasted as a one-title history: the sequence model's next item after X, and
    # the app's retriever for that paste (sequence model, session text, popularity fused)
    def next_after(anchor: int, target: int) -> tuple[int, list[int]]:
        with torch.no_grad():
            scores = score_histories(sasrec, [[anchor]])[0, 1:].numpy()
        return rank_of(scores, anchor, target)

    record("history/space", next_after)
    record("history/app", lambda a, t: history_rank(retriever_default, [a], t))
    record("history+like/app", lambda a, t: history_rank(retriever_like, [a], t))
    # n pasted titles (the user's last n before the held-out item), the same two ways
    for n, like in [(n, like) for n in PASTED for like in (False, True)]:
        ranks, shares = [], []
        for u in sample:
            *pasted, target = dataset.sequences[u][-(n + 1) :]
            if target in pasted or len(pasted) < n:
                ranks.append(None)
                continue
            rank, top = history_rank(retriever_like if like else retriever_default, pasted, target)
            ranks.append(rank)
            genres = {g for i in pasted for g in catalogue.get(i).genres}
            shares.append(sum(bool(genres & set(catalogue.get(i).genres)) for i in top) / K)
        rows[f"history{n}{'+like' if like else ''}/app"] = (ranks, shares)
    # "something like X" said over a history (the user's last NAMED_HISTORY titles before X):
    # the anchor source's weight decides how much the picks are like X and how much like the
    # history; the next item tells what the user went on to watch, X's nearest films what
    # "like X" looks like (the app's likeness)
    likeness = Likeness(catalogue, item_space(sasrec, item_vectors, "sasrec"), 0.2)
    near_shares: dict[str, float] = {}
    for weight in NAMED_WEIGHTS:
        settings = replace(plain_settings, weight_named_anchor=weight)
        retriever = CandidateRetriever(catalogue, store, item_vectors, counts, sasrec, settings)
        ranks, shares, near = [], [], []
        for u in sample:
            *pasted, anchor, target = dataset.sequences[u][-(NAMED_HISTORY + 2) :]
            if target in pasted or anchor in (*pasted, target) or len(pasted) < NAMED_HISTORY:
                ranks.append(None)
                continue
            query = RetrievalQuery(history=pasted, anchors=[anchor], filters=ItemFilter())
            order = [c.item_id for c in retriever.retrieve(query).candidates]
            ranks.append(order.index(target) if target in order else None)
            shares.append(share(anchor, order[:K]))
            nearest = likeness.nearest(anchor, NEAREST)
            near.append(sum(i in nearest for i in order[:K]) / K)
        name = f"history{NAMED_HISTORY}+named like x{weight:g}/app"
        rows[name] = (ranks, shares)
        near_shares[name] = float(np.mean(near)) if near else 0.0
    result: dict[str, Any] = {
        "dataset": config.data.dataset,
        "users": len(sample),
        "seed": seed,
        "proxy": "anchor = the user's validation item, target = the held-out test item",
        "default": {
            "anchor_space": config.retrieval.anchor_space,
            "anchor_genre_weight": config.retrieval.anchor_genre_weight,
        },
        "metrics": {name: metrics(*row) for name, row in rows.items()},
        "comparisons": {
            f"{name} - text ({view})": paired_bootstrap(
                case_ndcg(rows[f"text/{view}"][0]), case_ndcg(rows[f"{name}/{view}"][0])
            )
            for name, _, _ in VARIANTS[1:]
            for view in ("space", "app")
        }
        | {
            # a one-title paste against "like X" in the app's default likeness
            f"{name} - sasrec+genres ({view})": paired_bootstrap(
                case_ndcg(rows[f"sasrec+genres/{view}"][0]), case_ndcg(rows[f"{name}/{view}"][0])
            )
            for name, view in (("history", "space"), ("history", "app"), ("history+like", "app"))
        }
        | {
            f"{with_like} - {plain} (app)": paired_bootstrap(
                case_ndcg(rows[f"{plain}/app"][0]), case_ndcg(rows[f"{with_like}/app"][0])
            )
            for plain, with_like in [("history", "history+like")]
            + [(f"history{n}", f"history{n}+like") for n in PASTED]
        }
        | {
            f"x{weight:g} - x1 (named like, over {NAMED_HISTORY} titles)": paired_bootstrap(
                case_ndcg(rows[f"history{NAMED_HISTORY}+named like x1/app"][0]),
                case_ndcg(rows[f"history{NAMED_HISTORY}+named like x{weight:g}/app"][0]),
            )
            for weight in NAMED_WEIGHTS[1:]
        },
        "named_like_near_share@10": near_shares,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": describe_machine(),
        "checkpoint": str(config.app.sasrec_checkpoint),
    }
    return result, dataset


def write_report(result: dict[str, Any], json_path: Path, md_path: Path) -> str:
    lines = [
        f'# Anchors on {result["dataset"]}: where "more like X" looks',
        "",
        f"{result['users']} sampled users; {result['proxy']}; the whole catalogue is ranked "
        "(X left out); no history.",
        "",
        "| likeness | view | NDCG@10 | HR@10 | MRR@10 | top 10 sharing a genre with X |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in result["metrics"].items():
        space, view = name.split("/")
        lines.append(
            f"| {space} | {view} | {m['ndcg@10']:.4f} | {m['hr@10']:.4f} | {m['mrr@10']:.4f} "
            f"| {m['genre_share@10']:.1%} |"
        )
    lines += ["", "Paired differences in NDCG@10 (95% bootstrap interval over users):", ""]
    for name, c in result["comparisons"].items():
        low, high = c["ci95"]
        lines.append(f"- {name}: {c['diff']:+.4f}, CI [{low:+.4f}, {high:+.4f}]")
    lines += [
        "",
        "Likeness: `text` = cosine of the title-text vectors; `sasrec` = cosine of the "
        "LLM2SASRec item embeddings; `+genres` = plus 0.2 x the genres' Jaccard overlap "
        f"(the app's default: {result['default']}). `space`: every item ranked by likeness to "
        'X; `app`: the app\'s retriever for "like X" alone (the likeness source fused with '
        "popularity, top 20); `reference`: the most watched films, whatever X is; `history`: "
        'X pasted as a one-title history instead of asked for as "like X" (`space`: '
        "LLM2SASRec's next item after X; `app`: the app's retriever for that paste); "
        '`history+like`: the paste with X as a "like X" anchor too, every source fused; '
        f"`history{NAMED_HISTORY}+named like xW`: the user's last {NAMED_HISTORY} titles before X "
        'as the history and "something like X" asked, the anchor source at weight W '
        "(`retrieval.weight_named_anchor`).",
        "",
        f"Share of the ten shown that are among X's {NEAREST} nearest films (the app's "
        'likeness), for "something like X" over a history:',
        "",
        *(
            f"- {name.split('/')[0]}: {value:.1%}"
            for name, value in result.get("named_like_near_share@10", {}).items()
        ),
        "",
        f"Command: `{result['provenance']['command']}`",
        "",
    ]
    text = "\n".join(lines)
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000, help="sampled users")
    parser.add_argument("--seed", type=int, default=0, help="user sample")
    parser.add_argument("--json", type=Path, default=RESULTS / "anchors_ml1m.json")
    parser.add_argument("--md", type=Path, default=RESULTS / "anchors_ml1m.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result, dataset = run(args.users, args.seed)
    command = "python benchmarks/anchors.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    result["provenance"] = collect_provenance(
        command.strip(),
        artifacts={"checkpoint": Path(result["checkpoint"])},
        dataset=dataset,
        config={"users": args.users, "seed": args.seed},
    )
    print(write_report(result, args.json, args.md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
