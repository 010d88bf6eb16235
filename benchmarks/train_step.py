"""Where a SASRec training step spends its time on this CPU, and what bf16 autocast saves.

    python benchmarks/train_step.py --threads 2

Times one full training step (forward, full-catalogue cross-entropy, backward, clipping,
AdamW) of the default ``SASRecConfig`` / ``TrainConfig`` on a batch of random full-length
sequences, in float32 and under ``torch.autocast("cpu", torch.bfloat16)`` (AMX on CPUs that
have it), and breaks the float32 step down by operator with the torch profiler. The training
time target is about this step: an ML-1M epoch is ~8,600 such examples in length-bucketed
batches. Writes ``benchmarks/results/train_step.{json,md}``.

    python benchmarks/train_step.py --threads 2 --variants default attn0 neg1024 attn0+neg1024

times the float32 step and its operator breakdown once per cheaper-step option instead
(``STEP_VARIANTS``: no attention-weight dropout, a sampled softmax over 1024 shared uniform
negatives, both), taking turns so that a drifting shared machine hits them alike, and writes
``benchmarks/results/train_step_variants.{json,md}``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch.profiler import ProfilerActivity, profile

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.retrieval import RESULTS, write_tables  # noqa: E402
from recommender.machine import describe_machine  # noqa: E402
from recommender.models import SASRec, SASRecConfig  # noqa: E402
from recommender.models.sasrec import SequenceBatch  # noqa: E402
from recommender.provenance import collect_provenance  # noqa: E402
from recommender.training import (  # noqa: E402
    NegativeSampler,
    TrainConfig,
    make_optimiser,
    training_step,
)

ML1M_ITEMS = 3416  # ML-1M's catalogue after preprocessing
OPERATOR_GROUPS = {  # profiler operator name -> what it is part of
    "matmul": ("aten::mm", "aten::bmm", "aten::addmm", "aten::matmul", "aten::linear"),
    "softmax / cross-entropy": ("aten::_log_softmax", "aten::_log_softmax_backward_data"),
    "dropout masks": ("aten::bernoulli_",),
}
# cheaper-step options: name -> (SASRecConfig changes, shared sampled negatives; 0 = full CE)
STEP_VARIANTS: dict[str, tuple[dict[str, Any], int]] = {
    "default": ({}, 0),
    "attn0": ({"attn_dropout": 0.0}, 0),
    "neg1024": ({}, 1024),
    "attn0+neg1024": ({"attn_dropout": 0.0}, 1024),
}


def make_step(batch: SequenceBatch, items: int, bf16: bool):
    """A closure running one training step of a fresh default model; returns the loss."""
    torch.manual_seed(0)
    train = TrainConfig()
    model = SASRec(SASRecConfig(num_items=items)).train()
    model.label_smoothing = train.label_smoothing
    optimiser = torch.optim.AdamW(model.parameters(), lr=train.lr, betas=train.betas)

    def step() -> float:
        optimiser.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model.loss(batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), train.grad_clip)
        optimiser.step()
        return loss.item()

    return step


def make_variant_step(batch: SequenceBatch, items: int, variant: str):
    """A closure running one training step (``recommender.training.training_step``) of a
    fresh default model with ``variant``'s changes; returns the loss."""
    changes, negatives = STEP_VARIANTS[variant]
    torch.manual_seed(0)
    train = TrainConfig(sampled_negatives=negatives)
    model = SASRec(SASRecConfig(num_items=items, **changes)).train()
    model.label_smoothing = train.label_smoothing
    optimiser = make_optimiser(model, train)
    sampler = NegativeSampler(items, negatives) if negatives else None

    def step() -> float:
        return training_step(model, optimiser, batch, train, sampler)

    return step


def variant_result(batch: SequenceBatch, args: argparse.Namespace) -> dict[str, Any]:
    """Seconds per float32 step of each variant (the fastest of ``--turns`` turns of
    ``--repeats`` steps, the variants taking turns) and its operator breakdown."""
    steps = {name: make_variant_step(batch, args.items, name) for name in args.variants}
    turns: dict[str, list[float]] = {name: [] for name in args.variants}
    for _ in range(args.turns):
        for name, step in steps.items():
            turns[name].append(seconds_per_step(step, args.repeats))
    return {
        name: {
            "seconds_per_step": min(turns[name]),
            "turns": turns[name],
            "relative_to_first": min(turns[name]) / min(turns[args.variants[0]]),
            "breakdown": breakdown(steps[name], args.repeats),
        }
        for name in args.variants
    }


def variants_markdown(result: dict[str, Any]) -> str:
    groups = list(next(iter(result["variants"].values()))["breakdown"])
    lines = [
        "# One SASRec training step per cheaper-step option (float32)",
        "",
        f"Batch {result['batch']} x {result['length']} items, {result['items']} items in the "
        f"catalogue; seconds per step: the fastest of {result['turns']} turns of "
        f"{result['repeats']} steps, the variants taking turns.",
        "",
        "| variant | seconds per step | relative | "
        + " | ".join(f"{g} share" for g in groups)
        + " |",
        "|---|---|---|" + "---|" * len(groups),
    ]
    for name, r in result["variants"].items():
        shares = " | ".join(f"{r['breakdown'][g]:.0%}" for g in groups)
        lines.append(
            f"| {name} | {r['seconds_per_step']:.3f} | {r['relative_to_first']:.2f} | {shares} |"
        )
    lines += [
        "",
        f"Machine: {result['machine_before']} at the start; {result['machine']} at the end",
        "",
        f"Command: `{result['command']}`",
        "",
    ]
    return "\n".join(lines)


def seconds_per_step(step, repeats: int) -> float:
    step()  # warm-up (allocations, kernel selection)
    started = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - started) / repeats


def breakdown(step, repeats: int) -> dict[str, float]:
    """Share of self CPU time per operator group over ``repeats`` steps."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(repeats):
            step()
    totals = {event.key: event.self_cpu_time_total for event in prof.key_averages()}
    everything = sum(totals.values())
    shares = {
        group: sum(totals.get(name, 0.0) for name in names) / everything
        for group, names in OPERATOR_GROUPS.items()
    }
    shares["other"] = 1.0 - sum(shares.values())
    return shares


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# One SASRec training step (default configs)",
        "",
        f"Batch {result['batch']} x {result['length']} items, {result['items']} items in the "
        f"catalogue, {result['repeats']} timed steps after a warm-up.",
        "",
        "| precision | seconds per step |",
        "|---|---|",
        *(f"| {name} | {s:.3f} |" for name, s in result["seconds_per_step"].items()),
        "",
        "| float32 step: operator group | share of CPU time |",
        "|---|---|",
        *(f"| {name} | {share:.0%} |" for name, share in result["float32_breakdown"].items()),
        "",
        f"Machine: {result['machine']}",
        "",
        f"Command: `{result['command']}`",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=TrainConfig().batch_size, help="sequences")
    parser.add_argument("--length", type=int, default=SASRecConfig().max_len, help="items each")
    parser.add_argument("--items", type=int, default=ML1M_ITEMS, help="catalogue size")
    parser.add_argument("--repeats", type=int, default=5, help="timed steps per precision")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=list(STEP_VARIANTS),
        default=None,
        help="time these cheaper-step options instead (train_step_variants.{json,md})",
    )
    parser.add_argument("--turns", type=int, default=2, help="--variants: turns per variant")
    parser.add_argument("--out-dir", type=Path, default=RESULTS, help="where results go")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1, args.items + 1, (args.batch, args.length + 1), generator=generator)
    batch = SequenceBatch(inputs=ids[:, :-1], targets=ids[:, 1:])  # (B, T) each
    command = "python benchmarks/train_step.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    if args.variants:
        return _main_variants(batch, args, command)
    result = {
        "batch": args.batch,
        "length": args.length,
        "items": args.items,
        "repeats": args.repeats,
        "seconds_per_step": {
            "float32": seconds_per_step(make_step(batch, args.items, False), args.repeats),
            "bfloat16 autocast": seconds_per_step(make_step(batch, args.items, True), args.repeats),
        },
        "float32_breakdown": breakdown(make_step(batch, args.items, False), args.repeats),
        "machine": describe_machine(),
        "command": command,
    }
    # random ids, no data set and no checkpoint: the model and training configs are the input
    result["provenance"] = collect_provenance(
        result["command"],
        config={"args": vars(args), "model": SASRecConfig(), "train": TrainConfig()},
    )
    table = markdown(result)
    write_tables(args.out_dir, "train_step", result, table)
    print(table)
    return 0


def _main_variants(batch: SequenceBatch, args: argparse.Namespace, command: str) -> int:
    machine_before = describe_machine()
    result = {
        "batch": args.batch,
        "length": args.length,
        "items": args.items,
        "repeats": args.repeats,
        "turns": args.turns,
        "variants": variant_result(batch, args),
        "machine_before": machine_before,
        "machine": describe_machine(),
        "command": command,
    }
    result["provenance"] = collect_provenance(
        command,
        config={
            "args": vars(args),
            "variants": {name: STEP_VARIANTS[name] for name in args.variants},
            "model": SASRecConfig(),
            "train": TrainConfig(),
        },
    )
    table = variants_markdown(result)
    write_tables(args.out_dir, "train_step_variants", result, table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
