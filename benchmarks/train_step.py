"""Where a SASRec training step spends its time on this CPU, and what bf16 autocast saves.

    python benchmarks/train_step.py --threads 2

Times one full training step (forward, full-catalogue cross-entropy, backward, clipping,
AdamW) of the default ``SASRecConfig`` / ``TrainConfig`` on a batch of random full-length
sequences, in float32 and under ``torch.autocast("cpu", torch.bfloat16)`` (AMX on CPUs that
have it), and breaks the float32 step down by operator with the torch profiler. The training
time target is about this step: an ML-1M epoch is ~8,600 such examples in length-bucketed
batches. Writes ``benchmarks/results/train_step.{json,md}``.
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
from recommender.training import TrainConfig  # noqa: E402

ML1M_ITEMS = 3416  # ML-1M's catalogue after preprocessing
OPERATOR_GROUPS = {  # profiler operator name -> what it is part of
    "matmul": ("aten::mm", "aten::bmm", "aten::addmm", "aten::matmul", "aten::linear"),
    "softmax / cross-entropy": ("aten::_log_softmax", "aten::_log_softmax_backward_data"),
    "dropout masks": ("aten::bernoulli_",),
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
    parser.add_argument("--out-dir", type=Path, default=RESULTS, help="where results go")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1, args.items + 1, (args.batch, args.length + 1), generator=generator)
    batch = SequenceBatch(inputs=ids[:, :-1], targets=ids[:, 1:])  # (B, T) each
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
        "command": "python benchmarks/train_step.py "
        + shlex.join(argv if argv is not None else sys.argv[1:]),
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


if __name__ == "__main__":
    raise SystemExit(main())
