"""Does the text init help? A paired, per-user comparison of the SASRec inits on the test split.

    python benchmarks/text_init.py --dataset ml-1m

Reads the finished runs of ``benchmarks/retrieval.py`` (``llm2sasrec``: text init,
``sasrec_random``, ``llm2sasrec_shuffled``: the text vectors permuted across items; only runs
made with the current configuration) and their checkpoints, ranks every user's test item
against the full catalogue with each, and averages each user's NDCG@10 over the seeds of a
model. It then reports the differences between the inits with a 95% interval from resampling
users (paired bootstrap): overall, by how popular the test item was in training (the
LLM2SASRec argument is that text helps the items with little interaction data) and by the
length of the user's history. The intervals are over users for these seeds; the spread
between seeds is in ``retrieval_<dataset>.md``.

Writes ``benchmarks/results/text_init_<dataset>.{json,md}``. Scoring takes ~15 s per
checkpoint on 2 cores; nothing is trained, so re-run it whenever more seeds have finished.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.retrieval import RESULTS, SASREC_INITS, _current, write_tables  # noqa: E402
from recommender.config import PROJECT_ROOT, load_config  # noqa: E402
from recommender.data import Dataset, dataset_key, load_dataset  # noqa: E402
from recommender.evaluation import SASRecRecommender, case_ndcg, case_ranks  # noqa: E402
from recommender.machine import describe_machine  # noqa: E402
from recommender.provenance import collect_provenance  # noqa: E402
from recommender.stats import paired_bootstrap  # noqa: E402
from recommender.training import load_checkpoint  # noqa: E402

log = logging.getLogger("benchmarks.text_init")

K = 10
TEXT = "llm2sasrec"
PAIRS = (  # (b, a): b - a is reported
    (TEXT, "sasrec_random"),
    (TEXT, "llm2sasrec_shuffled"),
    ("llm2sasrec_shuffled", "sasrec_random"),
)
HISTORY_BINS = (50, 200)  # history length <= 50, 51..200 (= max_len), > 200


@dataclass
class Group:
    """A named subset of the test users (a boolean mask in test-case order)."""

    family: str  # what splits the users, e.g. "test item popularity"
    name: str  # which part, e.g. "rarest third (<= 312 training interactions)"
    mask: np.ndarray  # (cases,) bool


def finished_runs(runs: Path, name: str, max_epochs: int | None = None) -> list[dict[str, Any]]:
    """The current-configuration run records of ``name``, by seed, whose checkpoint exists
    (``max_epochs``: as given to ``retrieval.py --max-epochs``, smoke runs only)."""
    found = []
    for path in sorted(runs.glob(f"{name}_seed*.json")):
        record = json.loads(path.read_text())
        checkpoint = PROJECT_ROOT / record.get("checkpoint", "")
        if not _current(record, max_epochs):
            log.warning("left out %s: made with another configuration", path)
        elif not checkpoint.is_file():
            log.warning("left out %s: its checkpoint %s is missing", path, checkpoint)
        else:
            found.append(record)
    return sorted(found, key=lambda r: r["seed"])


def user_ndcg(
    record: dict[str, Any], histories: Sequence[Sequence[int]], targets: Sequence[int]
) -> np.ndarray:
    """Each test user's NDCG@10 under the checkpoint of ``record``: (cases,) float64."""
    model, _ = load_checkpoint(PROJECT_ROOT / record["checkpoint"])
    ranks = case_ranks(SASRecRecommender(model), histories, targets, progress=False)  # (cases,)
    values = case_ndcg(ranks, K).numpy()  # (cases,)
    stored = record["full"][f"ndcg@{K}"]
    if abs(values.mean() - stored) > 1e-6:  # the checkpoint is not the one that was measured
        raise RuntimeError(
            f"{record['model']} seed {record['seed']}: NDCG@{K} {values.mean():.6f} "
            f"differs from its run record ({stored:.6f})"
        )
    return values


def groups(
    dataset: Dataset, histories: Sequence[Sequence[int]], targets: Sequence[int]
) -> list[Group]:
    """Test users split by their test item's training popularity and by history length."""
    counts = Counter(item for seq in dataset.split.train for item in seq)
    popularity = np.array([counts[t] for t in targets])  # (cases,) training interactions
    low, high = np.quantile(popularity, [1 / 3, 2 / 3])
    family = "test item popularity (training interactions)"
    middle = (low < popularity) & (popularity <= high)
    out = [
        Group(family, f"rarest third (<= {low:.0f})", popularity <= low),
        Group(family, f"middle third ({low:.0f}-{high:.0f})", middle),
        Group(family, f"most popular third (> {high:.0f})", popularity > high),
        Group(family, "rare items (< 100)", popularity < 100),
    ]
    lengths = np.array([len(h) for h in histories])  # (cases,)
    short, long = HISTORY_BINS
    family = "history length"
    out += [
        Group(family, f"<= {short}", lengths <= short),
        Group(family, f"{short + 1}-{long}", (lengths > short) & (lengths <= long)),
        Group(family, f"> {long}", lengths > long),
    ]
    return out


def compare(
    ndcg: dict[str, np.ndarray], parts: list[Group], samples: int, seed: int = 0
) -> dict[str, Any]:
    """Mean NDCG@10 per model and paired differences with 95% intervals, overall and per group."""
    everyone = Group("all", "all test users", np.ones(len(next(iter(ndcg.values()))), bool))
    pairs = [(b, a) for b, a in PAIRS if a in ndcg and b in ndcg]
    rows = []
    for group in [everyone, *parts]:
        rows.append(
            {
                "family": group.family,
                "group": group.name,
                "users": int(group.mask.sum()),
                f"ndcg@{K}": {m: float(v[group.mask].mean()) for m, v in ndcg.items()},
                "diffs": {
                    f"{b} - {a}": paired_bootstrap(
                        ndcg[a][group.mask], ndcg[b][group.mask], samples=samples, seed=seed
                    )
                    for b, a in pairs
                },
            }
        )
    return {"rows": rows}


def markdown(result: dict[str, Any]) -> str:
    seeds = ", ".join(f"{m}: {len(s)}" for m, s in result["seeds"].items())
    models = list(result["seeds"])
    pairs = list(result["rows"][0]["diffs"])
    head = ["group", "users", *models, *pairs]
    lines = [
        f"# Text init vs. its controls on {result['dataset']}: paired, per user (test NDCG@{K})",
        "",
        "Each user's NDCG@10 (full-catalogue ranking) is averaged over the seeds of a model "
        f"(seeds: {seeds}); differences are paired over users, with a 95% bootstrap interval "
        f"({result['samples']} resamples of users). An interval that contains 0 is no evidence "
        "of a difference.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    family = None
    for row in result["rows"]:
        if row["family"] != family and row["family"] != "all":
            family = row["family"]
            lines.append(f"| **{family}** |" + " |" * (len(head) - 1))
        diffs = [
            f"{d['diff']:+.4f} [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}]"
            for d in row["diffs"].values()
        ]
        values = [f"{row[f'ndcg@{K}'][m]:.4f}" for m in models]
        lines.append("| " + " | ".join([row["group"], str(row["users"]), *values, *diffs]) + " |")
    lines += ["", f"Machine: {result['machine']}", "", f"Command: `{result['command']}`", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ml-1m", help="ml-1m, ml-100k or a CSV folder")
    parser.add_argument("--out-dir", type=Path, default=RESULTS, help="where results are")
    parser.add_argument("--samples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.threads:
        torch.set_num_threads(args.threads)
    key = dataset_key(args.dataset)
    runs = {name: finished_runs(args.out_dir / "runs" / key, name) for name in SASREC_INITS}
    runs = {name: records for name, records in runs.items() if records}
    if TEXT not in runs or len(runs) < 2:
        log.error("need finished llm2sasrec runs and at least one control: run retrieval.py first")
        return 1
    dataset = load_dataset(args.dataset, load_config().data, progress=not args.no_progress)
    histories, targets = dataset.split.cases("test")
    ndcg = {}
    for name, records in runs.items():
        per_seed = []
        for record in records:
            log.info("%s seed %d: scoring the test users", name, record["seed"])
            per_seed.append(user_ndcg(record, histories, targets))
        ndcg[name] = np.mean(per_seed, axis=0)  # (cases,) mean over seeds
    result = {
        "dataset": key,
        "metric": f"ndcg@{K}",
        "seeds": {name: [r["seed"] for r in records] for name, records in runs.items()},
        "samples": args.samples,
        **compare(ndcg, groups(dataset, histories, targets), args.samples),
        "machine": describe_machine(),
        "command": "python benchmarks/text_init.py "
        + shlex.join(argv if argv is not None else sys.argv[1:]),
    }
    result["provenance"] = collect_provenance(
        result["command"],
        artifacts={
            f"{name}_seed{r['seed']}": PROJECT_ROOT / r["checkpoint"]
            for name, records in runs.items()
            for r in records
        },
        dataset=dataset,
        config={
            "args": vars(args),
            "runs": {n: [r.get("config") for r in rs] for n, rs in runs.items()},
        },
    )
    table = markdown(result)
    write_tables(args.out_dir, f"text_init_{key}", result, table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
