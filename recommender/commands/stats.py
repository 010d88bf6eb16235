"""``stats``: counts of a prepared dataset, as text or one JSON object."""

from __future__ import annotations

import argparse
import json

from recommender.commands._common import add_dataset_argument, dataset_name
from recommender.config import Config
from recommender.data import Dataset, load_dataset


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="dataset statistics",
        description="Users, items, interactions and sequence lengths of a dataset "
        "(prepared on first use).",
    )
    add_dataset_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def dataset_stats(dataset: Dataset) -> dict:
    lengths = sorted(len(s) for s in dataset.sequences)
    split = dataset.split
    return {
        "dataset": dataset.name,
        "users": dataset.num_users,
        "items": dataset.num_items,
        "interactions": dataset.num_interactions,
        "avg_seq_len": round(dataset.num_interactions / max(dataset.num_users, 1), 2),
        "min_seq_len": lengths[0] if lengths else 0,
        "median_seq_len": lengths[len(lengths) // 2] if lengths else 0,
        "max_seq_len": lengths[-1] if lengths else 0,
        "items_with_title": sum(1 for item in dataset.catalogue if item.title),
        "items_with_year": sum(1 for item in dataset.catalogue if item.year),
        "genres": len(dataset.catalogue.genres),
        "train_interactions": sum(len(s) for s in split.train),
        "valid_users": len(split.valid_users),
        "test_users": len(split.test_users),
        "density": round(
            dataset.num_interactions / max(dataset.num_users * dataset.num_items, 1), 5
        ),
    }


def run(args: argparse.Namespace, config: Config) -> int:
    stats = dataset_stats(load_dataset(dataset_name(args, config), config.data))
    if args.json:
        print(json.dumps(stats))
    else:
        width = max(len(k) for k in stats)
        for key, value in stats.items():
            print(f"{key:<{width}}  {value}")
    return 0
