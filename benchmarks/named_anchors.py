"""Named anchors over a history: how "something like X" should weigh X against the history.

    python benchmarks/named_anchors.py --users 1000

A user has pasted titles and then asks for "something like X". The app fuses the anchor source
(the films most like X) with the sequence model, the session text and popularity; two settings
decide how much the picks are like X: the anchor source's weight
(``retrieval.weight_named_anchor``) and a bonus for the films that share X's genres, in
proportion to how many (``retrieval.named_anchor_genre_bonus``, Jaccard overlap x the best
fused score). Before it, the app leant to *any* film with one of X's genres (the orchestrator
passed X's genres as preferred genres: every comedy gained as much for "like Toy Story").

Two cases per sampled ML-1M user (the same users, the app's checkpoint, which trained on them:
a proxy, as in ``benchmarks/anchors.py``):

- ``outside``: the last 10 titles before X pasted, X = the user's validation item (the last
  film before the held-out one), "something like X"; the held-out item is what they went on to
  watch;
- ``inside``: the user's last 10 titles pasted and "more like X" of one of them (as the
  conversation benchmark's generator picks X: at random among those sharing a genre with the
  held-out item).

Per setting: NDCG@10 / HR@10 of the held-out item (paired bootstrap against the app's old
setting), the share of the ten shown among X's 50 nearest films (the app's likeness), and their
mean genre overlap (Jaccard) with X. Writes ``benchmarks/results/named_anchors_ml1m.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shlex
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

if __package__ in (None, ""):  # run as a script: import this checkout, not an installed copy
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.anchors import app_parts  # noqa: E402
from recommender.config import load_config  # noqa: E402
from recommender.data.catalogue import Catalogue  # noqa: E402
from recommender.provenance import collect_provenance  # noqa: E402
from recommender.retrieval.candidates import CandidateRetriever, RetrievalQuery  # noqa: E402
from recommender.retrieval.likeness import Likeness, item_space  # noqa: E402
from recommender.retrieval.vectorstore import ItemFilter  # noqa: E402
from recommender.stats import paired_bootstrap  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
K = 10
HISTORY = 10  # titles pasted before "something like X"
NEAREST = 50  # X's nearest films in the app's likeness: what "like X" looks like


@dataclass(frozen=True)
class Setting:
    name: str
    weight: float  # retrieval.weight_named_anchor
    bonus: float  # retrieval.named_anchor_genre_bonus
    any_genre: bool = False  # retrieval.named_anchor_any_genre: the app's rule before


SETTINGS = (
    Setting("old app (x1, any of X's genres)", 1.0, 0.0, any_genre=True),
    Setting("x1", 1.0, 0.0),
    Setting("x1 + genres 0.25", 1.0, 0.25),
    Setting("x1, any of X's genres + genres 0.25", 1.0, 0.25, any_genre=True),
    Setting("x1.5", 1.5, 0.0),
    Setting("x1.5 + genres 0.25", 1.5, 0.25),
    Setting("x1.5 + genres 0.5", 1.5, 0.5),
)
BASELINE = SETTINGS[0].name


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def cases(sequences: list[list[int]], catalogue: Catalogue, users: list[int], inside: bool):
    """(history, anchor, target) per user; None where the case cannot be asked."""
    rng = random.Random(1)
    for u in users:
        if inside:
            *pasted, target = sequences[u][-(HISTORY + 1) :]
            if len(pasted) < HISTORY or target in pasted:
                yield None
                continue
            wanted = set(catalogue.get(target).genres)
            # as the conversation benchmark's generator asks it: a pasted title that shares a
            # genre with what they watched next (any title if none does), at random
            shared = [i for i in pasted if wanted & set(catalogue.get(i).genres)] or pasted
            yield pasted, rng.choice(shared), target
        else:
            *pasted, anchor, target = sequences[u][-(HISTORY + 2) :]
            if len(pasted) < HISTORY or target in pasted or anchor in (*pasted, target):
                yield None
                continue
            yield pasted, anchor, target


def run(users: int, seed: int, progress: bool) -> dict[str, Any]:
    config = load_config()
    dataset, store, vectors, sasrec, counts = app_parts(config)
    catalogue = dataset.catalogue
    eligible = [u for u, seq in enumerate(dataset.sequences) if len(seq) >= HISTORY + 2]
    sample = random.Random(seed).sample(eligible, min(users, len(eligible)))
    likeness = Likeness(
        catalogue,
        item_space(sasrec, vectors, config.retrieval.anchor_space),
        config.retrieval.anchor_genre_weight,
    )
    base = replace(config.retrieval, history_anchors_upto=0)
    started = time.perf_counter()
    out: dict[str, Any] = {}
    for where in ("outside", "inside"):
        asked = list(cases(dataset.sequences, catalogue, sample, where == "inside"))
        rows: dict[str, dict[str, Any]] = {}
        for setting in SETTINGS:
            settings = replace(
                base,
                weight_named_anchor=setting.weight,
                named_anchor_genre_bonus=setting.bonus,
                named_anchor_any_genre=setting.any_genre,
            )
            retriever = CandidateRetriever(catalogue, store, vectors, counts, sasrec, settings)
            ndcg, hr, near, overlap = [], [], [], []
            for case in tqdm(asked, desc=f"{where} {setting.name}", disable=not progress):
                if case is None:
                    continue
                pasted, anchor, target = case
                genres = catalogue.get(anchor).genres
                query = RetrievalQuery(history=pasted, anchors=[anchor], filters=ItemFilter())
                top = [c.item_id for c in retriever.retrieve(query).candidates][:K]
                rank = top.index(target) if target in top else None
                ndcg.append(0.0 if rank is None else 1.0 / float(np.log2(rank + 2)))
                hr.append(float(rank is not None))
                nearest = likeness.nearest(anchor, NEAREST)
                near.append(sum(i in nearest for i in top) / K)
                overlap.append(
                    float(
                        np.mean([jaccard(set(genres), set(catalogue.get(i).genres)) for i in top])
                    )
                )
            rows[setting.name] = {
                "weight_named_anchor": setting.weight,
                "named_anchor_genre_bonus": setting.bonus,
                "any_genre": setting.any_genre,
                "cases": len(ndcg),
                "ndcg@10": float(np.mean(ndcg)),
                "hr@10": float(np.mean(hr)),
                "near_share@10": float(np.mean(near)),
                "genre_overlap@10": float(np.mean(overlap)),
                "per_case_ndcg": ndcg,
            }
        out[where] = {
            "rows": rows,
            "vs_old_app": {
                name: paired_bootstrap(
                    np.array(rows[BASELINE]["per_case_ndcg"]), np.array(row["per_case_ndcg"])
                )
                for name, row in rows.items()
                if name != BASELINE
            },
        }
        for row in rows.values():
            row.pop("per_case_ndcg")
    return {
        "dataset": config.data.dataset,
        "users": len(sample),
        "seed": seed,
        "history": HISTORY,
        "nearest": NEAREST,
        "checkpoint": str(config.app.sasrec_checkpoint),
        "app_default": {
            "weight_named_anchor": config.retrieval.weight_named_anchor,
            "named_anchor_genre_bonus": config.retrieval.named_anchor_genre_bonus,
            "named_anchor_any_genre": config.retrieval.named_anchor_any_genre,
        },
        "cases": out,
        "seconds": round(time.perf_counter() - started, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f'# "Something like X" over a history of {result["history"]} titles '
        f"({result['dataset']}, {result['users']} users)",
        "",
    ]
    titles = {
        "outside": "X is not in the paste (the user's next film after it)",
        "inside": "X is one of the pasted titles (one sharing a genre with what they watched next)",
    }
    for where, block in result["cases"].items():
        lines += [
            f"## {titles[where]}",
            "",
            "| setting | NDCG@10 | HR@10 | vs old app, NDCG@10 [95% CI] | top 10 among X's "
            f"{result['nearest']} nearest | genre overlap with X |",
            "|---|---|---|---|---|---|",
        ]
        for name, row in block["rows"].items():
            cmp = block["vs_old_app"].get(name)
            diff = (
                ""
                if cmp is None
                else f"{cmp['diff']:+.4f} [{cmp['ci95'][0]:+.4f}, {cmp['ci95'][1]:+.4f}]"
            )
            lines.append(
                f"| {name} | {row['ndcg@10']:.4f} | {row['hr@10']:.4f} | {diff} "
                f"| {row['near_share@10']:.1%} | {row['genre_overlap@10']:.3f} |"
            )
        lines.append("")
    lines += [
        f"App default now: {result['app_default']}.",
        "",
        f"Command: `{result['provenance']['command']}`",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="sampled users")
    parser.add_argument("--seed", type=int, default=0, help="user sample")
    parser.add_argument("--json", type=Path, default=RESULTS / "named_anchors_ml1m.json")
    parser.add_argument("--md", type=Path, default=RESULTS / "named_anchors_ml1m.md")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    command = "python benchmarks/named_anchors.py " + shlex.join(argv or sys.argv[1:])
    result = run(args.users, args.seed, not args.no_progress)
    config = load_config()
    result["provenance"] = collect_provenance(
        command, artifacts={"sasrec_checkpoint": config.app.sasrec_checkpoint}
    )
    text = markdown(result)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    args.md.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
