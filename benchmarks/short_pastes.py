"""Short pastes, held out: should a paste of a few titles also be read as "like these"?

    python benchmarks/short_pastes.py            # needs the new-user llm2sasrec checkpoint:
    python benchmarks/retrieval.py --protocol new-users --dataset ml-1m --models llm2sasrec

The app reads a pasted history with the sequence model, and a paste of up to
``retrieval.history_anchors_upto`` titles also as "like these" (the anchor source joins the
fusion). ``benchmarks/anchors.py`` chose that on users the app's checkpoint was trained on;
this benchmark measures it on people no model saw: the new-user protocol's held-out test users
(``benchmarks/new_users.py``), each with their last 1, 2, 3, 5 and 10 items before their last
one pasted in true order, through the app's own ``CandidateRetriever`` built on the new-user
LLM2SASRec checkpoint (trained on the other users only; popularity counted on them too). The
target's rank among the retriever's candidates gives NDCG@10 / HR@10 (a target outside the
candidates counts as a miss), with and without the titles read as anchors, paired over users.

Writes ``benchmarks/results/short_pastes_ml1m.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

if __package__ in (None, ""):  # run as a script: import this checkout, not an installed copy
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.new_users import NewUsers  # noqa: E402
from recommender.config import PROJECT_ROOT, load_config  # noqa: E402
from recommender.data.user_split import truncated_cases  # noqa: E402
from recommender.embeddings import item_embeddings  # noqa: E402
from recommender.evaluation import case_ndcg, ranking_metrics  # noqa: E402
from recommender.machine import describe_machine  # noqa: E402
from recommender.provenance import collect_provenance  # noqa: E402
from recommender.retrieval.candidates import CandidateRetriever, RetrievalQuery  # noqa: E402
from recommender.retrieval.prepare import prepare_retrieval  # noqa: E402
from recommender.retrieval.vectorstore import ItemFilter  # noqa: E402
from recommender.serving import load_sasrec, popularity  # noqa: E402
from recommender.stats import paired_bootstrap  # noqa: E402

log = logging.getLogger("benchmarks.short_pastes")
RESULTS = PROJECT_ROOT / "benchmarks" / "results"
CHECKPOINT = RESULTS / "checkpoints" / "ml-1m" / "new_users" / "llm2sasrec_seed0.pt"
LENGTHS = (1, 2, 3, 5, 10)
K = 10


def ranks(
    retriever: CandidateRetriever, histories: list[list[int]], targets: list[int]
) -> torch.Tensor:
    """0-based rank of each target among the retriever's candidates (past K: a miss)."""
    out = []
    for history, target in zip(histories, targets, strict=True):
        found = retriever.retrieve(RetrievalQuery(history=history, filters=ItemFilter()))
        order = [c.item_id for c in found.candidates]
        out.append(order.index(target) if target in order else K)
    return torch.tensor(out)


def run(checkpoint: Path) -> tuple[dict[str, Any], Any]:
    config = load_config()
    dataset, store = prepare_retrieval(config.data.dataset, config, progress=False)
    protocol = NewUsers(dataset)
    sasrec, info = load_sasrec(checkpoint, dataset.num_items)
    if sasrec is None:
        raise SystemExit(f"{info}; train it first (see this file's docstring)")
    item_vectors = item_embeddings(dataset.catalogue, store.embedder, config.data.cache_dir)
    counts = popularity(protocol.train_dataset)  # the held-out users are not counted

    def retriever(upto: int) -> CandidateRetriever:
        settings = replace(config.retrieval, history_anchors_upto=upto)
        return CandidateRetriever(dataset.catalogue, store, item_vectors, counts, sasrec, settings)

    plain, as_anchors = retriever(0), retriever(max(LENGTHS))
    started = time.perf_counter()
    rows: dict[str, Any] = {}
    for length in LENGTHS:
        cases = truncated_cases(dataset, protocol.split.test, length)
        without = ranks(plain, cases.histories, cases.targets)
        with_ = ranks(as_anchors, cases.histories, cases.targets)
        rows[str(length)] = {
            "users": len(cases.targets),
            "history only": ranking_metrics(without, ks=(K,)),
            "also like them": ranking_metrics(with_, ks=(K,)),
            "also like them - history only": paired_bootstrap(
                case_ndcg(without, K).numpy(), case_ndcg(with_, K).numpy()
            ),
        }
        log.info("%d titles: %s", length, rows[str(length)]["also like them - history only"])
    return {
        "dataset": config.data.dataset,
        "checkpoint": str(checkpoint.resolve().relative_to(PROJECT_ROOT)),
        "app_default": {"history_anchors_upto": config.retrieval.history_anchors_upto},
        "protocol": protocol.describe(),
        "lengths": rows,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": describe_machine(),
    }, dataset


def markdown(result: dict[str, Any]) -> str:
    lines = [
        '# Short pastes, held out: the paste alone, or also read as "like these"',
        "",
        f"New-user protocol test users (no model saw them); checkpoint `{result['checkpoint']}`; "
        "the app's retriever, true order; NDCG@10 / HR@10 of the held-out next item among "
        "the candidates.",
        "",
        "| titles pasted | users | history only NDCG@10 | also like them NDCG@10 | "
        "difference [95%] | HR@10 history only | HR@10 also like them |",
        "|---|---|---|---|---|---|---|",
    ]
    for length, row in result["lengths"].items():
        plain, both = row["history only"], row["also like them"]
        diff = row["also like them - history only"]
        lines.append(
            f"| {length} | {row['users']} | {plain['ndcg@10']:.4f} | {both['ndcg@10']:.4f} | "
            f"{diff['diff']:+.4f} [{diff['ci95'][0]:+.4f}, {diff['ci95'][1]:+.4f}] | "
            f"{plain['hr@10']:.4f} | {both['hr@10']:.4f} |"
        )
    lines += [
        "",
        f"The app's default: `retrieval.history_anchors_upto = "
        f"{result['app_default']['history_anchors_upto']}`.",
        "",
        f"Command: `{result['command']}`",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    result, dataset = run(args.checkpoint)
    command = "python benchmarks/short_pastes.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    result["command"] = command.strip()
    result["provenance"] = collect_provenance(
        result["command"], artifacts={"checkpoint": args.checkpoint}, dataset=dataset
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "short_pastes_ml1m.json").write_text(json.dumps(result, indent=1) + "\n")
    text = markdown(result)
    (RESULTS / "short_pastes_ml1m.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
