"""``finetune-explainer``: LoRA fine-tune the local LLM to word explanation evidence.

    python -m recommender finetune-explainer --dataset ml-1m --minutes 40 [--resume]
        [--adapter-out checkpoints/ml-1m-smollm2-explainer-lora]
        [--record benchmarks/results/finetune_explainer_ml1m.json]

Pairs (evidence fact record -> grounded sentence) come from training-share users only
(``llm/finetune_explainer.py``). The resumable state lives in ``--out`` (default
``<llm.cache_dir>/finetune-explainer/<dataset>``); the adapter is copied to ``--adapter-out``
and the run's record to ``--record``. Point ``llm.explain_adapter_path`` at the adapter.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shlex
import shutil
import sys
from pathlib import Path

from recommender.commands._common import add_dataset_argument, dataset_name
from recommender.config import Config
from recommender.errors import SequelError

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    from recommender.llm.finetune_explainer import ExplainerFinetuneConfig

    d = ExplainerFinetuneConfig()
    parser = subparsers.add_parser(
        "finetune-explainer",
        help="LoRA fine-tune the local LLM to word explanation evidence",
        description="Builds (fact record -> grounded sentence) pairs from training-share ML "
        "users' real evidence, trains a LoRA adapter with the causal-LM loss on the answer "
        "tokens only, checkpoints every few minutes (--resume continues) and stops at --steps "
        "or --minutes.",
    )
    add_dataset_argument(parser)
    parser.add_argument("--out", type=Path, default=None, help="resumable working folder")
    parser.add_argument("--adapter-out", type=Path, default=None, help="copy the adapter here")
    parser.add_argument("--record", type=Path, default=None, help="write the JSON record here")
    parser.add_argument("--minutes", type=float, default=d.time_budget_min, help="run budget")
    parser.add_argument("--steps", type=int, default=d.max_steps, help="max optimiser steps")
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--lora-r", type=int, default=d.lora_r)
    parser.add_argument("--lora-layers", type=int, default=d.lora_layers, help="top N blocks")
    parser.add_argument("--max-facts", type=int, default=d.max_facts, help="kinds per pair")
    parser.add_argument("--eval-pairs", type=int, default=d.eval_pairs)
    parser.add_argument("--checkpoint-minutes", type=float, default=d.checkpoint_minutes)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint")
    parser.add_argument("--no-progress", action="store_true", help="log instead of a bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from recommender.data import dataset_key, load_dataset
    from recommender.llm.backends import LocalBackend
    from recommender.llm.evidence import EvidenceBuilder, EvidenceConfig
    from recommender.llm.finetune_explainer import (
        ExplainerFinetuneConfig,
        finetune_explainer,
        load_template,
        make_pairs,
        paraphrase_realiser,
    )
    from recommender.llm.grounding import Grounding
    from recommender.llm.realiser import Realiser
    from recommender.machine import describe_machine
    from recommender.retrieval.cooccurrence import CoOccurrence
    from recommender.serving import load_sasrec

    name = dataset_name(args, config)
    llm = dataclasses.replace(
        config.llm,
        adapter_path=None,
        explain_adapter_path=None,
        repetition_penalty=config.llm.realiser_repetition_penalty,  # as the app words with it
    )
    if args.threads:
        llm = dataclasses.replace(llm, num_threads=args.threads)
    out = args.out or Path(llm.cache_dir) / "finetune-explainer" / dataset_key(name)
    ft = ExplainerFinetuneConfig(
        output_dir=out,
        max_steps=args.steps,
        time_budget_min=args.minutes,
        batch_size=args.batch_size,
        lr=args.lr,
        lora_r=args.lora_r,
        lora_alpha=2 * args.lora_r,
        lora_layers=args.lora_layers,
        max_facts=args.max_facts,
        checkpoint_minutes=args.checkpoint_minutes,
        eval_pairs=args.eval_pairs,
        seed=args.seed,
    )
    progress = not args.no_progress
    dataset = load_dataset(name, config.data, progress=progress)
    sasrec, why = load_sasrec(Path(config.app.sasrec_checkpoint), dataset.num_items)
    if sasrec is None:
        raise SequelError(f"the pairs need the app's LLM2SASRec: {why}")
    co = CoOccurrence.from_sequences(dataset.split.train, dataset.num_items)
    builder = EvidenceBuilder(sasrec, co, None, EvidenceConfig(max_cited=llm.evidence_items))
    realiser = Realiser.from_prompt_dir(llm.prompt_dir)
    targets = paraphrase_realiser(llm.prompt_dir)
    grounding = Grounding(dataset.catalogue, realiser)
    template = load_template(llm)

    def pairs(n: int, role: str = "train", seed: int = ft.seed):
        return make_pairs(
            dataset, builder, template, realiser, grounding, n, ft, role, seed, progress, targets
        )

    valid = pairs(ft.eval_pairs, "validation", ft.seed + 1) if ft.eval_pairs else []
    backend = LocalBackend.from_config(llm, progress=progress)
    record = {
        "command": "python -m recommender " + shlex.join(sys.argv[1:]),
        "dataset": dataset.name,
        "data": "pairs from users with user_role(u) == 'train' (70% of users): a 10-20 "
        "item window of the training sequence, the LLM2SASRec top 5, their evidence; target = "
        "realise_kinds(plan lead + up to max_facts-1 kinds, short titles) over "
        "explain_phrases.json + explain_paraphrases.json, grounding-checked",
        "seed": ft.seed,
        "sasrec": why,
        "machine": describe_machine() + " (at the start)",
    }
    result = finetune_explainer(
        backend, pairs, valid, grounding, ft, llm, args.resume, progress, record
    )
    if args.adapter_out:
        if args.adapter_out.exists():
            shutil.rmtree(args.adapter_out)
        shutil.copytree(result.adapter_dir, args.adapter_out)
    if args.record:
        from recommender.provenance import collect_provenance

        result.log["provenance"] = collect_provenance(
            result.log.get("command", "python -m recommender finetune-explainer"),
            artifacts={"adapter": args.adapter_out, "sasrec": config.app.sasrec_checkpoint},
            config=config.to_dict(),
        )
        args.record.parent.mkdir(parents=True, exist_ok=True)
        args.record.write_text(json.dumps(result.log, indent=2) + "\n")
    summary = {
        "steps": result.steps,
        "minutes": round(result.seconds / 60.0, 1),
        "stopped_by": result.stopped_by,
        "validation_before": result.before,
        "validation_after": {k: v for k, v in result.after.items() if k != "generation"},
        "valid_filter_pass": result.after.get("generation", {}).get("pass_share"),
        "adapter": str(args.adapter_out or result.adapter_dir),
    }
    print(json.dumps(summary, indent=2))
    return 0
