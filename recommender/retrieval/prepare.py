"""Everything retrieval needs for a dataset: the data, its item embeddings, the Chroma store."""

from __future__ import annotations

import logging
import time

from recommender.config import Config
from recommender.data import Dataset, dataset_key, load_dataset
from recommender.embeddings import make_embedder
from recommender.retrieval.vectorstore import ItemStore

log = logging.getLogger(__name__)


def prepare_retrieval(
    name: str, config: Config, progress: bool = True
) -> tuple[Dataset, ItemStore]:
    """The dataset ``name`` and its item store; each step reuses its cache."""
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
    store = ItemStore.open(
        dataset.catalogue,
        dataset_key(name),
        make_embedder(config.embedding),
        config.store,
        config.data.cache_dir,
        progress=progress,
    )
    log.info(
        "item store ready: %d items (%.1fs total)",
        store.collection.count(),
        time.perf_counter() - started,
    )
    return dataset, store
