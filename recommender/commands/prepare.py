"""``prepare``: fetch and preprocess a dataset, embed its items, build the Chroma store, and
compute the LLM item states the LLM-SRec ranker needs, so that the app start only loads them.

Every step is cached by content digest and reused; the LLM states are computed in resumable
parts (an interrupted ``prepare`` continues where it stopped).
"""

from __future__ import annotations

import argparse
import logging
import time

from recommender.commands._common import add_dataset_argument, dataset_name
from recommender.config import Config
from recommender.data import Catalogue
from recommender.retrieval.prepare import prepare_retrieval

log = logging.getLogger(__name__)

LLM_STATES = ("auto", "on", "off")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "prepare",
        help="fetch data, embed items, build the item store and the LLM item states",
        description="Fetch and preprocess a dataset (cached), embed every item's text "
        "(cached), build or reuse its Chroma collection, and compute the LLM item states of "
        "the LLM-SRec ranker (cached, resumable).",
    )
    add_dataset_argument(parser)
    parser.add_argument(
        "--llm-states",
        choices=LLM_STATES,
        default="auto",
        help="LLM item states for LLM-SRec ranking: auto (when the app would rank with "
        "LLM-SRec: llm_ranking auto, no adapter, heads file present), on (always), off",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, config: Config) -> int:
    progress = not args.no_progress
    dataset, _ = prepare_retrieval(dataset_name(args, config), config, progress=progress)
    if _want_llm_states(args.llm_states, config):
        prepare_llm_item_states(dataset.catalogue, config, progress)
    return 0


def _want_llm_states(choice: str, config: Config) -> bool:
    from recommender.llm.srec import srec_wanted

    if choice == "auto":
        return config.llm.backend == "local" and srec_wanted(config.app.llm_ranking, config.llm)
    return choice == "on"


def prepare_llm_item_states(catalogue: Catalogue, config: Config, progress: bool = True) -> None:
    """Compute (or find) the LLM states of every catalogue item in the LLM cache folder."""
    from recommender.llm.backends import make_backend
    from recommender.llm.srec import LLMStates, item_states_cached, item_states_path

    started = time.perf_counter()
    backend = make_backend(config.llm, progress=progress)
    if not hasattr(backend, "model") or not hasattr(backend, "tokenizer"):
        log.warning("LLM item states need the local LLM backend, not %s: skipped", backend.name)
        return
    states = LLMStates.from_backend(backend)
    items = [catalogue.get(i) for i in range(1, catalogue.num_items + 1)]
    item_states_cached(states, items, config.llm.cache_dir, backend.name, progress)
    path = item_states_path(states, items, config.llm.cache_dir, backend.name)
    log.info(
        "LLM item states ready: %d items in %s (%.1fs)",
        len(items),
        path,
        time.perf_counter() - started,
    )
