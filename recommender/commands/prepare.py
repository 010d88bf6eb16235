"""``prepare``: fetch and preprocess a dataset, embed its items, build the Chroma store."""

from __future__ import annotations

import argparse

from recommender.commands._common import add_dataset_argument, dataset_name
from recommender.config import Config
from recommender.retrieval.prepare import prepare_retrieval


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "prepare",
        help="fetch data, embed items, build the item store",
        description="Fetch and preprocess a dataset (cached), embed every item's text "
        "(cached), and build or reuse its Chroma collection.",
    )
    add_dataset_argument(parser)
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, config: Config) -> int:
    prepare_retrieval(dataset_name(args, config), config, progress=not args.no_progress)
    return 0
