"""``finetune``: LoRA fine-tune the local LLM to rank lettered candidates (answer token only).

    python -m recommender finetune --dataset ml-1m --minutes 60 [--resume] [--out DIR]

The adapter goes to ``<out>/adapter`` (default ``<cache_dir>/llm/finetune/<dataset>``);
point ``llm.adapter_path`` at it (config file or ``SEQUEL_LLM__ADAPTER_PATH``) to use it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from pathlib import Path

from recommender.commands._common import add_dataset_argument, dataset_name
from recommender.config import Config
from recommender.errors import SequelError

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    from recommender.llm.finetune import FinetuneConfig

    defaults = FinetuneConfig()
    parser = subparsers.add_parser(
        "finetune",
        help="LoRA fine-tune the local LLM for candidate ranking",
        description="Builds ranking prompts from the training sequences (history -> shuffled "
        "lettered candidates that include the true next item), trains a LoRA adapter with "
        "cross-entropy over the candidate label logits at the answer position, checkpoints "
        "as it goes (--resume continues) and stops at --steps or --minutes.",
    )
    add_dataset_argument(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    parser.add_argument(
        "--minutes",
        type=float,
        default=defaults.time_budget_min,
        help="wall-clock budget of this run",
    )
    parser.add_argument("--steps", type=int, default=defaults.max_steps, help="max steps")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--lora-r", type=int, default=defaults.lora_r)
    parser.add_argument(
        "--lora-layers",
        type=int,
        default=defaults.lora_layers,
        help="adapt the top N blocks (0 = all)",
    )
    parser.add_argument("--candidates", type=int, default=defaults.num_candidates)
    parser.add_argument(
        "--negatives",
        choices=("retrieval", "popular"),
        default="retrieval",
        help="other candidates: the LLM2SASRec top-k (app.sasrec_checkpoint, as the ranker "
        "sees them) or popularity-sampled items",
    )
    parser.add_argument(
        "--eval-users",
        type=int,
        default=defaults.eval_users,
        help="validation prompts scored before and after",
    )
    parser.add_argument("--checkpoint-every", type=int, default=defaults.checkpoint_every)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from recommender.data import dataset_key, load_dataset
    from recommender.llm.config import LLMConfig
    from recommender.llm.finetune import FinetuneConfig, finetune

    name = dataset_name(args, config)
    llm: LLMConfig = getattr(config, "llm", None) or LLMConfig()
    if args.threads:
        llm = dataclasses.replace(llm, num_threads=args.threads)
    out = args.out or Path(llm.cache_dir) / "finetune" / dataset_key(name)
    ft = FinetuneConfig(
        output_dir=out,
        max_steps=args.steps,
        time_budget_min=args.minutes,
        batch_size=args.batch_size,
        lr=args.lr,
        lora_r=args.lora_r,
        lora_alpha=2 * args.lora_r,
        lora_layers=args.lora_layers,
        num_candidates=args.candidates,
        eval_users=args.eval_users,
        checkpoint_every=args.checkpoint_every,
        seed=args.seed,
    )
    dataset = load_dataset(name, config.data, progress=not args.no_progress)
    negatives = None
    if args.negatives == "retrieval":
        from recommender.llm.finetune import retrieval_negatives
        from recommender.serving import load_sasrec

        checkpoint = Path(config.app.sasrec_checkpoint)
        model, why = load_sasrec(checkpoint, dataset.num_items)
        if model is None:
            raise SequelError(
                f"no retriever for the negatives: {why}; point app.sasrec_checkpoint at a "
                "checkpoint of this dataset or use --negatives popular"
            )
        negatives = retrieval_negatives(model)
        log.info("negatives: LLM2SASRec top-%d from %s", args.candidates, checkpoint)
    result = finetune(
        dataset, llm, ft, resume=args.resume, progress=not args.no_progress, negatives=negatives
    )
    summary = {
        "steps": result.steps,
        "minutes": round(result.seconds / 60.0, 1),
        "stopped_by": result.stopped_by,
        "validation_before": result.before,
        "validation_after": result.after,
        "adapter": str(result.adapter_dir),
    }
    print(json.dumps(summary, indent=2))
    return 0
