"""``serve``: from a catalogue's files to a running app in one command.

    python -m recommender serve --dataset amazon2023:PATH --train-minutes 20

Four steps, each cached and resumable, with progress: (1) prepare the data (cached under
``processed/``), (2) embed the items and build the Chroma store (cached), (3) train the
LLM2SASRec retriever within ``--train-minutes`` (an interrupted run resumes from its
``.last.pt`` and the minutes already spent count; a finished one is reused while the data is
unchanged), (4) start the app on it, with the catalogue's own words and demo personas.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import math
from dataclasses import replace
from pathlib import Path

from recommender.commands._common import add_dataset_argument, dataset_name
from recommender.config import PROJECT_ROOT, Config
from recommender.data import Dataset
from recommender.errors import SequelError
from recommender.models import SASRecConfig

log = logging.getLogger(__name__)

STEPS = 4


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="prepare, embed, train and start the app on a catalogue",
        description="One command from files to a running app: prepare the dataset, embed its "
        "items, build the item store, train the sequence model within a time budget, then "
        "start the chat app on it. Every step is cached; a rerun resumes where it stopped.",
    )
    add_dataset_argument(parser)
    parser.add_argument(
        "--train-minutes", type=float, default=20.0, help="training budget (all runs together)"
    )
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument("--host", help="bind address (default: app.host)")
    parser.add_argument("--port", type=int, help="port (default: app.port)")
    parser.add_argument(
        "--no-llm", action="store_true", help="no local LLM: retrieval order and template text"
    )
    parser.add_argument(
        "--no-launch", action="store_true", help="run the first three steps, then exit"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(run=run)


def _done_marker(checkpoint: Path) -> Path:
    return checkpoint.with_name(checkpoint.name + ".done.json")


def _data_facts(dataset: Dataset) -> dict:
    return {
        "dataset": dataset.name,
        "items": dataset.num_items,
        "users": dataset.num_users,
        "interactions": dataset.num_interactions,
    }


def model_size(num_items: int) -> tuple[SASRecConfig, str]:
    """The default model, narrowed for a small catalogue: the text init takes ``hidden``
    principal components of the item vectors, so ``hidden`` may not exceed the item count
    (a power of two at most; below 16 items the table starts at random)."""
    default = SASRecConfig()
    if num_items >= default.hidden:
        return default, "text"
    if num_items < 16:
        return replace(default, hidden=16), "random"
    return replace(default, hidden=2 ** int(math.log2(num_items))), "text"


def train_step(
    config: Config, name: str, dataset: Dataset, minutes: float, seed: int, progress: bool
) -> Path:
    """The trained retriever's checkpoint: reused when finished on this data, else trained
    (resuming an interrupted run) within ``minutes`` of training time in all."""
    from recommender.commands.train import default_checkpoint, model_name, text_vectors
    from recommender.training import TrainConfig, train_sasrec

    model_config, init = model_size(dataset.num_items)
    path = default_checkpoint(config, name, init, seed)
    marker = _done_marker(path)
    facts = _data_facts(dataset)
    last = path.with_name(path.stem + ".last.pt")
    if marker.exists():
        done = json.loads(marker.read_text())
        if path.exists() and done.get("data") == facts:
            log.info("step 3/%d: trained model cached at %s", STEPS, path)
            return path
        log.info("step 3/%d: the data changed since %s was trained; training again", STEPS, path)
        for stale in (path, last, marker):
            stale.unlink(missing_ok=True)
    log.info("step 3/%d: training %s for up to %.1f min", STEPS, model_name(init), minutes)
    vectors = text_vectors(config, dataset, progress) if init == "text" else None
    result = train_sasrec(
        dataset,
        model_config,
        TrainConfig(init=init, seed=seed, max_minutes=minutes),
        item_vectors=vectors,
        checkpoint_path=path,
        resume=True,
        progress=progress,
        extra={"name": model_name(init), "command": "serve", "config": config.to_dict()},
    )
    if not path.exists():
        raise SequelError(f"training wrote no checkpoint at {path}")
    marker.write_text(
        json.dumps(
            {
                "data": facts,
                "best_epoch": result.best_epoch,
                "valid": result.best_metrics,
                "train_seconds": result.train_seconds,
            },
            indent=2,
        )
    )
    log.info(
        "trained: best epoch %d, valid ndcg@10 %.4f, %.0f s",
        result.best_epoch,
        result.best_metrics.get("ndcg@10", float("nan")),
        result.train_seconds,
    )
    return path


def _app_module():
    """``app.py`` of the project checkout (the UI lives next to the package, not inside it)."""
    path = PROJECT_ROOT / "app.py"
    spec = importlib.util.spec_from_file_location("sequel_app", path)
    if spec is None or spec.loader is None or not path.exists():
        raise SequelError(f"serve needs the project checkout: {path} is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(args: argparse.Namespace, config: Config) -> int:
    from recommender.retrieval.prepare import prepare_retrieval

    name = dataset_name(args, config)
    progress = not args.no_progress
    config.data.dataset = name
    log.info("step 1-2/%d: preparing %s, embedding its items, building the store", STEPS, name)
    dataset, _ = prepare_retrieval(name, config, progress)
    path = train_step(config, name, dataset, args.train_minutes, args.seed, progress)
    config.app.sasrec_checkpoint = path
    if args.no_llm:
        config.app.llm_ranking, config.app.llm_explanations = "off", False
    if args.no_launch:
        print(f"ready: {name} with {path}")
        return 0
    log.info("step 4/%d: starting the app", STEPS)
    return int(_app_module().run_app(config, args.host, args.port))
