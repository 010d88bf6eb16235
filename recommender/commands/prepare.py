"""``prepare``: fetch and preprocess a dataset, embed its items, build the Chroma store."""

from __future__ import annotations

import argparse
import logging
import time

from recommender.commands._common import add_dataset_argument, dataset_name
from recommender.config import Config
from recommender.data import dataset_key, load_dataset
from recommender.embeddings import make_embedder
from recommender.retrieval.vectorstore import ItemStore

log = logging.getLogger(__name__)


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


def prepare(name: str, config: Config, progress: bool = True) -> ItemStore:
    """Everything retrieval needs for ``name``; each step reuses its cache."""
    started = time.perf_counter()
    dataset = load_dataset(name, config.data, progress)
    log.info(
        "dataset %s: %d users, %d items, %d interactions (%.1fs)",
        dataset.name,
        dataset.num_users,
        dataset.num_items,
        dataset.num_interactions,
        time.perf_counter() - started,
    )
    embedder = make_embedder(config.embedding)
    store = ItemStore.open(
        dataset.catalogue,
        dataset_key(name),
        embedder,
        config.store,
        config.data.cache_dir,
        progress=progress,
    )
    log.info(
        "item store ready: %d items (%.1fs total)",
        store.collection.count(),
        time.perf_counter() - started,
    )
    return store


def run(args: argparse.Namespace, config: Config) -> int:
    prepare(dataset_name(args, config), config, progress=not args.no_progress)
    return 0
