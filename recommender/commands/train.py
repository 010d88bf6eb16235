"""``train``: train SASRec / LLM2SASRec on a dataset and save a checkpoint with its config.

    python -m recommender train --dataset ml-1m [--init text|random|shuffled] [--seed N]

The checkpoint goes to ``<cache_dir>/models/<dataset>/<name>_seed<N>.pt`` (``name`` is
``llm2sasrec`` for text init, ``sasrec_random`` or ``llm2sasrec_shuffled``) with a
``.last.pt`` next to it for ``--resume``; ``--out`` copies the best checkpoint elsewhere.

Data-parallel on several processes (DDP: gloo on CPU, nccl on GPUs), same checkpoint::

    python -m torch.distributed.run --standalone --nproc_per_node N -m recommender train ...

``--batch-size`` stays the effective (global) batch, split between the processes.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import shutil
import sys
from pathlib import Path

import numpy as np

from recommender.commands._common import add_dataset_argument, dataset_name
from recommender.config import Config
from recommender.data import dataset_key, load_dataset
from recommender.distributed import init_from_env, launched_by_torchrun
from recommender.evaluation import SASRecRecommender, evaluate
from recommender.models import SASRecConfig
from recommender.training import INITS, NEGATIVE_SAMPLERS, TrainConfig, train_sasrec

log = logging.getLogger(__name__)

MODEL_NAMES = {"text": "llm2sasrec", "random": "sasrec_random", "shuffled": "llm2sasrec_shuffled"}


def model_name(init: str) -> str:
    """The benchmark/checkpoint name of a model trained with ``init``."""
    return MODEL_NAMES[init]


def default_checkpoint(config: Config, dataset: str, init: str, seed: int) -> Path:
    """``<cache_dir>/models/<dataset>/<name>_seed<seed>.pt``."""
    return (
        config.data.cache_dir
        / "models"
        / dataset_key(dataset)
        / f"{model_name(init)}_seed{seed}.pt"
    )


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train SASRec / LLM2SASRec and save a checkpoint",
        description="Train SASRec with full-catalogue cross-entropy, item embeddings "
        "initialised from the items' text embeddings (LLM2SASRec, default), at random, or "
        "from shuffled text embeddings (control). Early-stops on validation NDCG@10, then "
        "prints validation and test metrics (full ranking, history masked).",
    )
    add_dataset_argument(parser)
    model, train = SASRecConfig(), TrainConfig()
    parser.add_argument("--init", choices=INITS, default=train.init, help="item-embedding init")
    parser.add_argument("--seed", type=int, default=train.seed, help="random seed")
    parser.add_argument("--hidden", type=int, default=model.hidden, help="model width")
    parser.add_argument("--blocks", type=int, default=model.num_blocks, help="transformer blocks")
    parser.add_argument("--heads", type=int, default=model.num_heads, help="attention heads")
    parser.add_argument("--max-len", type=int, default=model.max_len, help="history length")
    parser.add_argument("--dropout", type=float, default=model.dropout, help="dropout rate")
    parser.add_argument(
        "--attn-dropout",
        type=float,
        default=model.attn_dropout,
        help="dropout on the attention weights (default: --dropout; 0 = cheaper steps)",
    )
    parser.add_argument("--lr", type=float, default=train.lr, help="peak learning rate")
    parser.add_argument("--warmup", type=int, default=train.warmup_steps, help="warm-up steps")
    parser.add_argument(
        "--min-lr-ratio",
        type=float,
        default=train.min_lr_ratio,
        help="cosine decay to lr*ratio by --epochs (1 = constant lr)",
    )
    parser.add_argument("--batch-size", type=int, default=train.batch_size, help="users/batch")
    parser.add_argument("--weight-decay", type=float, default=train.weight_decay)
    parser.add_argument("--label-smoothing", type=float, default=train.label_smoothing)
    parser.add_argument(
        "--sampled-negatives",
        type=int,
        default=train.sampled_negatives,
        help="K > 0: sampled softmax over K negatives shared per batch (0: all items)",
    )
    parser.add_argument(
        "--negative-sampler",
        choices=NEGATIVE_SAMPLERS,
        default=train.negative_sampler,
        help="how --sampled-negatives are drawn (logQ-corrected)",
    )
    parser.add_argument(
        "--all-windows",
        action=argparse.BooleanOptionalAction,
        default=train.all_windows,
        help="also train on the earlier --max-len windows of long histories",
    )
    parser.add_argument("--epochs", type=int, default=train.max_epochs, help="max epochs")
    parser.add_argument("--patience", type=int, default=train.patience, help="early stopping")
    parser.add_argument(
        "--max-minutes", type=float, default=train.max_minutes, help="wall-clock budget"
    )
    parser.add_argument(
        "--text-init-std",
        type=float,
        default=train.text_init_std,
        help="rescale PCA'd text vectors to this std (<= 0: keep the raw PCA scale)",
    )
    parser.add_argument(
        "--freeze-items", action="store_true", help="keep the item embeddings fixed"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--out", type=Path, default=None, help="also copy the checkpoint here")
    parser.add_argument("--resume", action="store_true", help="continue from <checkpoint>.last.pt")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(run=run)


def configs_from_args(args: argparse.Namespace) -> tuple[SASRecConfig, TrainConfig]:
    """The model and training configs the command line asks for."""
    model = SASRecConfig(
        max_len=args.max_len,
        hidden=args.hidden,
        num_blocks=args.blocks,
        num_heads=args.heads,
        dropout=args.dropout,
        attn_dropout=args.attn_dropout,
    )
    train = TrainConfig(
        init=args.init,
        text_init_std=args.text_init_std if args.text_init_std and args.text_init_std > 0 else None,
        freeze_item_embeddings=args.freeze_items,
        seed=args.seed,
        batch_size=args.batch_size,
        lr=args.lr,
        warmup_steps=args.warmup,
        min_lr_ratio=args.min_lr_ratio,
        weight_decay=args.weight_decay,
        label_smoothing=args.label_smoothing,
        sampled_negatives=args.sampled_negatives,
        negative_sampler=args.negative_sampler,
        all_windows=args.all_windows,
        max_epochs=args.epochs,
        patience=args.patience,
        max_minutes=args.max_minutes,
        num_threads=args.threads,
    )
    return model, train


def text_vectors(config: Config, dataset, progress: bool) -> np.ndarray:
    """The items' text embeddings (N, D), from the shared embedding cache."""
    from recommender.embeddings import item_embeddings, make_embedder

    embedder = make_embedder(config.embedding)
    return item_embeddings(dataset.catalogue, embedder, config.data.cache_dir, progress)


def run(args: argparse.Namespace, config: Config) -> int:
    distributed = init_from_env() if launched_by_torchrun() else None
    try:
        return _train(args, config, distributed)
    finally:
        if distributed is not None:
            import torch.distributed as dist

            dist.destroy_process_group()


def _train(args: argparse.Namespace, config: Config, distributed) -> int:
    name = dataset_name(args, config)
    main = distributed is None or distributed.is_main
    progress = not args.no_progress and main
    model_config, train_config = configs_from_args(args)
    if not main:  # rank 0 fills the data and embedding caches first; the others then read them
        _barrier()
    dataset = load_dataset(name, config.data, progress)
    vectors = text_vectors(config, dataset, progress) if train_config.init != "random" else None
    if distributed is not None and main:
        _barrier()
    path = default_checkpoint(config, name, train_config.init, train_config.seed)
    command = "python -m recommender " + shlex.join(sys.argv[1:])
    log.info("training %s on %s -> %s", model_name(train_config.init), name, path)
    extra = {
        "name": model_name(train_config.init),
        "command": command,
        "config": config.to_dict(),
        "embedder": config.embedding.model if vectors is not None else None,
    }
    if distributed is not None:
        extra["distributed"] = {
            "world_size": distributed.world_size,
            "backend": distributed.backend,
        }
    result = train_sasrec(
        dataset,
        model_config,
        train_config,
        item_vectors=vectors,
        checkpoint_path=path,
        resume=args.resume,
        progress=progress,
        extra=extra,
        distributed=distributed,
    )
    if not main:  # rank 0 evaluates and reports
        return 0
    recommender = SASRecRecommender(result.model, model_name(train_config.init))
    test = evaluate(recommender, dataset, "test", progress=progress)
    log.info(
        "best epoch %d (%.0f s to best, %.0f s total): valid ndcg@10 %.4f hr@10 %.4f | "
        "test ndcg@10 %.4f hr@10 %.4f mrr@10 %.4f",
        result.best_epoch,
        result.seconds_to_best,
        result.train_seconds,
        result.best_metrics.get("ndcg@10", float("nan")),
        result.best_metrics.get("hr@10", float("nan")),
        test["ndcg@10"],
        test["hr@10"],
        test["mrr@10"],
    )
    if path.exists():
        _add_test_metrics(path, test, result.seconds_to_best)
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, args.out)
            log.info("copied checkpoint to %s", args.out)
    print(f"checkpoint: {path}")
    return 0


def _add_test_metrics(path: Path, test: dict[str, float], seconds_to_best: float) -> None:
    """Store the test metrics of the best model in its checkpoint (reported, never tuned on)."""
    import torch

    from recommender.training import save_checkpoint

    payload = torch.load(path, map_location="cpu", weights_only=False)
    payload["test_metrics"] = test
    payload["seconds_to_best"] = seconds_to_best
    save_checkpoint(path, payload)


def _barrier() -> None:
    import torch.distributed as dist

    dist.barrier()
