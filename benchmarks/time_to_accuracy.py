"""Time to accuracy: validation NDCG@10 of LLM2SASRec training variants against the minutes
each costs on this machine (issue 16, part 6: cheaper training at the same accuracy).

    python benchmarks/time_to_accuracy.py train --variants fast20 --seeds 1 --threads 1
    python benchmarks/time_to_accuracy.py time --variants default fast20 --threads 2
    python benchmarks/time_to_accuracy.py report

Accuracy and time are measured apart, because a shared machine makes wall time meaningless
during a long run while it leaves each epoch's validation NDCG@10 untouched:

* ``train`` trains each variant through ``benchmarks/retrieval.py``'s ablation machinery (the
  same resumable runs, checkpoints, test evaluation and provenance: ``runs/<dataset>/
  ablation/<variant>_seed<k>.json``, so ``retrieval.py --ablation <variant> --seeds 3`` is the
  same run). Its history holds validation NDCG@10 (all users) and process CPU seconds per
  epoch. ``default`` (today's ``TrainConfig``) is the ``llm2sasrec`` run of the standard
  protocol and is never retrained here.
* ``time`` measures the seconds of a training epoch of each variant (the variants take
  ``--rounds`` turns over the same ``--fraction`` of an epoch's batches, sampled evenly over
  their lengths; the fastest turn, scaled to the epoch) and of a validation pass on all users
  and on ``--subset-users``, at ``--threads``, on a quiet machine: run it through
  ``/work/bin/quiet``. Writes ``runs/<dataset>/time_to_accuracy/timing_threads<n>.json``;
  skipped when it exists.
* ``report`` draws validation NDCG@10 against minutes = epoch x (quiet seconds of one
  training epoch + one full validation) / 60 and writes ``time_to_accuracy_<dataset>.
  {json,md,png}``: best epoch, minutes to the best, minutes to the target (the default's
  best validation NDCG@10, mean over its seeds, minus their std) and test NDCG@10.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

if __package__ in (None, ""):  # run as a script: import this checkout, not an installed copy
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import retrieval as rt  # noqa: E402
from recommender.config import load_config  # noqa: E402
from recommender.data import dataset_key  # noqa: E402
from recommender.evaluation import SASRecRecommender, evaluate_cases  # noqa: E402
from recommender.machine import describe_machine  # noqa: E402
from recommender.models.sasrec import SequenceBatch  # noqa: E402
from recommender.provenance import collect_provenance  # noqa: E402
from recommender.seeding import seed_everything  # noqa: E402
from recommender.training import (  # noqa: E402
    NegativeSampler,
    TrainConfig,
    build_model,
    iter_batches,
    make_optimiser,
    negative_sampler,
    training_examples,
    training_step,
)

log = logging.getLogger("benchmarks.time_to_accuracy")

DEFAULT = "default"  # today's TrainConfig: the llm2sasrec runs of the standard protocol
# variant -> description; every other name is an ablation of benchmarks/retrieval.py
VARIANTS: dict[str, str] = {
    DEFAULT: "today's default: lr 2e-3, 40-epoch cosine, patience 10, full softmax",
    "smoothing_windows_15ep": rt.ABLATIONS["smoothing_windows_15ep"][0],
    "lr4e-3_20ep": rt.ABLATIONS["lr4e-3_20ep"][0],
    "attn0_20ep": rt.ABLATIONS["attn0_20ep"][0],
    "neg1024_20ep": rt.ABLATIONS["neg1024_20ep"][0],
    "fast20": rt.ABLATIONS["fast20"][0],
}
# variant -> the variant whose epoch it costs: same model, loss and batches, another schedule
COST_TWIN: dict[str, str] = {"smoothing_windows_15ep": DEFAULT, "lr4e-3_20ep": DEFAULT}
SUBSET_USERS = 1000  # validation on a fixed user subset: its cost is measured too
MINUTES_RULE = (
    "default: the wall minutes its committed runs recorded after each epoch (2 torch threads, "
    "training + validation on all users). Any other variant: minutes after epoch e = e x the "
    "default's recorded seconds per epoch x the variant's relative epoch cost / 60, where the "
    "relative cost = (training epoch + validation) of the variant / the same of the default, "
    "both measured in one sitting at {threads} torch threads under /work/bin/quiet (`time`: "
    "the variants take turns over the same systematic sample of an epoch's batches, the "
    "fastest turn scaled to the epoch; a variant that differs from another only in its "
    "learning-rate schedule costs that one's epoch). The validation NDCG@10 of each epoch "
    "comes from the variant's full run, trained in the background at 1 thread, whose wall "
    "time is not used. Even under /work/bin/quiet the shared machine's other processes made "
    "one variant's turns differ by up to 4x, so the anchor is the committed runs' clock and "
    "the turns only give the ratio"
)


def _run_name(variant: str) -> str:
    return "llm2sasrec" if variant == DEFAULT else variant


def _runs_dir(out_dir: Path, dataset: str, variant: str) -> Path:
    runs = out_dir / "runs" / dataset_key(dataset)
    return runs if variant == DEFAULT else runs / "ablation"


def _command(argv: list[str] | None) -> str:
    return "python benchmarks/time_to_accuracy.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )


def train(args: argparse.Namespace, command: str) -> None:
    """Train every (variant, seed) that has no run yet, variant by variant."""
    config = load_config()
    key = dataset_key(args.dataset)
    todo = [v for v in args.variants if v != DEFAULT]
    if DEFAULT in args.variants:
        log.info("default: the standard protocol's llm2sasrec runs (benchmarks/retrieval.py)")
    if not todo:
        return
    ctx = rt.build_context(
        args.dataset,
        config,
        runs=args.out_dir / "runs" / key / "ablation",
        checkpoints=args.out_dir / "checkpoints" / key,
        command=command,
        progress=not args.no_progress,
    )
    for variant in todo:
        for seed in args.seeds:
            rt.run_one(ctx, variant, seed)


@dataclasses.dataclass
class _Timed:
    """One variant ready to be timed: a fresh model, its optimiser and a sample of batches."""

    model: Any
    optimiser: torch.optim.Optimizer
    train: TrainConfig
    sampler: NegativeSampler | None
    sample: list[SequenceBatch]  # every k-th batch of an epoch, in order of length
    batches_per_epoch: int


def _timed_setup(ctx: rt.Context, variant: str, fraction: float) -> _Timed:
    model_config, train = rt.sasrec_configs(_run_name(variant), seed=0)
    model_config = dataclasses.replace(model_config, num_items=ctx.dataset.num_items)
    seed_everything(0)
    model = build_model(model_config, train, ctx.vectors).train()
    train_seqs = ctx.dataset.split.train
    examples = training_examples(train_seqs, model_config.max_len, train.all_windows)
    batches = list(iter_batches(examples, train.batch_size, np.random.default_rng(0)))
    batches.sort(key=lambda b: b.inputs.shape[1])
    stride = max(1, round(1 / fraction))
    return _Timed(
        model=model,
        optimiser=make_optimiser(model, train),
        train=train,
        sampler=negative_sampler(train_seqs, model, train),
        sample=batches[stride // 2 :: stride],
        batches_per_epoch=len(batches),
    )


def time_steps(args: argparse.Namespace, command: str) -> None:
    """Seconds per training epoch of each variant and of one validation pass, on a quiet
    machine: the variants take turns (``--rounds``) over the same systematic sample of an
    epoch's length-sorted batches, so that a drift in the machine's speed hits all alike."""
    key = dataset_key(args.dataset)
    folder = args.out_dir / "runs" / key / "time_to_accuracy"
    out = folder / f"timing_threads{args.threads}.json"
    if out.exists():
        log.info("already timed: %s", out)
        return
    torch.set_flush_denormal(True)  # as in training
    measured = [v for v in args.variants if v not in COST_TWIN]
    ctx = rt.build_context(
        args.dataset, load_config(), folder, folder, command, progress=not args.no_progress
    )
    setups = {v: _timed_setup(ctx, v, args.fraction) for v in measured}
    machine_before = describe_machine()
    for setup in setups.values():  # warm-up: allocations, kernel choice
        training_step(setup.model, setup.optimiser, setup.sample[0], setup.train, setup.sampler)
    rounds: dict[str, list[float]] = {v: [] for v in measured}
    cpu: dict[str, list[float]] = {v: [] for v in measured}
    for round_ in range(args.rounds):
        for variant, setup in setups.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            for batch in setup.sample:
                training_step(setup.model, setup.optimiser, batch, setup.train, setup.sampler)
            rounds[variant].append(time.perf_counter() - started)
            cpu[variant].append(time.process_time() - cpu_started)
            log.info("round %d %s: %.1f s", round_ + 1, variant, rounds[variant][-1])
    histories, targets = ctx.dataset.split.cases("valid")
    size = min(args.subset_users, len(targets))
    keep = np.sort(np.random.default_rng(0).choice(len(targets), size, replace=False))
    variants = {}
    for variant, setup in setups.items():
        scale = setup.batches_per_epoch / len(setup.sample)
        valid = {}
        for name, (hist, targ) in {
            "valid_seconds": (histories, targets),
            "subset_valid_seconds": ([histories[i] for i in keep], [targets[i] for i in keep]),
        }.items():
            started = time.perf_counter()
            evaluate_cases(
                SASRecRecommender(setup.model),
                hist,
                targ,
                batch_size=setup.train.eval_batch_size,
                progress=False,
            )
            valid[name] = time.perf_counter() - started
        variants[variant] = {
            # the fastest round, scaled from the sample to the whole epoch
            "train_seconds_per_epoch": min(rounds[variant]) * scale,
            "round_seconds": rounds[variant],
            "round_cpu_seconds": cpu[variant],
            "sampled_batches": len(setup.sample),
            "batches_per_epoch": setup.batches_per_epoch,
            "valid_users": len(targets),
            "subset_users": size,
            **valid,
            "config": {
                "model": dataclasses.asdict(setup.model.config),
                "train": dataclasses.asdict(setup.train),
            },
        }
        log.info(
            "%s: %.1f s per training epoch + %.1f s validation (%.1f s on %d users)",
            variant,
            variants[variant]["train_seconds_per_epoch"],
            valid["valid_seconds"],
            valid["subset_valid_seconds"],
            size,
        )
    record = {
        "threads": args.threads,
        "fraction": args.fraction,
        "rounds": args.rounds,
        "variants": variants,
        "machine_before": machine_before,
        "machine": describe_machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "provenance": collect_provenance(
            command, dataset=ctx.dataset, config={"variants": measured}
        ),
    }
    folder.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1))


def first_reaching(values: list[float], minutes: list[float], target: float) -> float | None:
    """Minutes at the first epoch whose validation NDCG@10 reaches ``target`` (None: never)."""
    return next((m for v, m in zip(values, minutes, strict=True) if v >= target), None)


def curve(history: list[dict[str, float]], minutes: list[float] | None) -> dict[str, Any]:
    """One run's validation curve at the given minutes, and its (1-thread) CPU seconds."""
    values = [row["valid_ndcg@10"] for row in history]
    epochs = [int(row["epoch"]) for row in history]
    best = int(np.argmax(values))
    cpu = [row.get("cpu_seconds") for row in history]
    return {
        "epochs": epochs,
        "valid_ndcg@10": values,
        "minutes": minutes,
        "cpu_seconds": cpu if all(c is not None for c in cpu) else None,
        "best_epoch": epochs[best],
        "best_valid_ndcg@10": values[best],
        "minutes_to_best": minutes[best] if minutes else None,
    }


def _finished_runs(out_dir: Path, dataset: str, variant: str) -> dict[int, dict[str, Any]]:
    """seed -> the finished run's record (made with the variant's current configuration)."""
    name = _run_name(variant)
    runs = {}
    for path in sorted(_runs_dir(out_dir, dataset, variant).glob(f"{name}_seed*.json")):
        record = json.loads(path.read_text())
        if record.get("model") == name and rt._current(record):
            runs[int(record["seed"])] = record
    return runs


def _unfinished_runs(out_dir: Path, dataset: str, variant: str) -> dict[int, dict[str, Any]]:
    """seed -> the ``.last.pt`` state of a run still training (same configuration)."""
    name = _run_name(variant)
    folder = out_dir / "checkpoints" / dataset_key(dataset)
    runs = {}
    for path in sorted(folder.glob(f"{name}_seed*.last.pt")):
        seed = int(path.name[len(name) + len("_seed") : -len(".last.pt")])
        state = torch.load(path, map_location="cpu", weights_only=False)
        model, train = rt.sasrec_configs(name, seed)
        if rt._same_configs(state["model_config"], state["train_config"], model, train):
            runs[seed] = state
    return runs


def _variant_runs(
    out_dir: Path, dataset: str, variant: str, minutes_per_epoch: float | None
) -> dict[str, Any]:
    """seed -> curve of every finished run and of every run still training."""
    finished = _finished_runs(out_dir, dataset, variant)
    unfinished = {} if variant == DEFAULT else _unfinished_runs(out_dir, dataset, variant)
    seeds = {}
    for seed in sorted(set(finished) | set(unfinished)):
        record = finished.get(seed)
        history = record["history"] if record else unfinished[seed]["history"]
        if variant == DEFAULT:  # the committed runs' own clock (2 threads, recorded)
            minutes = [row["seconds"] / 60 for row in history]
        elif minutes_per_epoch:
            minutes = [row["epoch"] * minutes_per_epoch for row in history]
        else:
            minutes = None
        run = curve(history, minutes)
        run["finished"] = record is not None
        if record is not None:
            run["test_ndcg@10"] = record["full"]["ndcg@10"]
            run["test_hr@10"] = record["full"]["hr@10"]
            run["checkpoint_epoch"] = record.get("epochs")
            run["commit"] = (record.get("provenance") or {}).get("git_commit")
        else:
            run["epochs_planned"] = unfinished[seed]["train_config"]["max_epochs"]
        seeds[str(seed)] = run
    return seeds


def _cpu_ratio(measured: dict[str, Any], variant: str) -> float | None:
    """Fastest training turn of ``variant`` / of the default, in process CPU seconds."""
    mine, base = measured.get(COST_TWIN.get(variant, variant)), measured.get(DEFAULT)
    if not (mine and base and mine.get("round_cpu_seconds") and base.get("round_cpu_seconds")):
        return None
    return min(mine["round_cpu_seconds"]) / min(base["round_cpu_seconds"])


def _recorded_seconds_per_epoch(out_dir: Path, dataset: str) -> float | None:
    """The default's wall seconds per epoch (training + validation) in its committed runs."""
    runs = _finished_runs(out_dir, dataset, DEFAULT).values()
    rates = [r["history"][-1]["seconds"] / len(r["history"]) for r in runs if r.get("history")]
    return float(np.mean(rates)) if rates else None


def report(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Assemble whatever runs (finished or still training) and timings exist into the
    JSON, table and plot."""
    key = dataset_key(args.dataset)
    timing_path = (
        args.out_dir / "runs" / key / "time_to_accuracy" / f"timing_threads{args.threads}.json"
    )
    timings = json.loads(timing_path.read_text()) if timing_path.exists() else None
    measured = (timings or {}).get("variants", {})

    def quiet_epoch(name: str) -> float | None:
        timing = measured.get(COST_TWIN.get(name, name))
        return timing["train_seconds_per_epoch"] + timing["valid_seconds"] if timing else None

    recorded = _recorded_seconds_per_epoch(args.out_dir, args.dataset)
    variants: dict[str, Any] = {}
    for variant in args.variants:
        quiet, base = quiet_epoch(variant), quiet_epoch(DEFAULT)
        relative = quiet / base if quiet and base else None
        per_epoch = recorded * relative if recorded and relative else None
        variants[variant] = {
            "change": VARIANTS.get(variant, "?"),
            "timed_as": COST_TWIN.get(variant, variant),
            "timing": measured.get(COST_TWIN.get(variant, variant)),
            "quiet_seconds_per_epoch": quiet,
            "relative_epoch_cost": relative,
            # the same ratio for the training turns alone, in process CPU seconds (a check:
            # CPU time drifts less than wall time when other processes share the cores)
            "relative_train_cpu": _cpu_ratio(measured, variant),
            "seconds_per_epoch": per_epoch,
            "seeds": _variant_runs(
                args.out_dir, args.dataset, variant, per_epoch / 60 if per_epoch else None
            ),
        }
    default_runs = list(variants.get(DEFAULT, {}).get("seeds", {}).values())
    baseline = [run["best_valid_ndcg@10"] for run in default_runs]
    target = float(np.mean(baseline) - np.std(baseline, ddof=1)) if len(baseline) > 1 else None
    baseline_test = [run["test_ndcg@10"] for run in default_runs if run["finished"]]
    for entry in variants.values():
        for run in entry["seeds"].values():
            run["minutes_to_target"] = (
                first_reaching(run["valid_ndcg@10"], run["minutes"], target)
                if target is not None and run["minutes"]
                else None
            )
        tests = [run["test_ndcg@10"] for run in entry["seeds"].values() if run["finished"]]
        entry["test_ndcg@10_mean"] = float(np.mean(tests)) if tests else None
        entry["test_ndcg@10_std"] = float(np.std(tests, ddof=1)) if len(tests) > 1 else None
    result = {
        "dataset": args.dataset,
        "threads": args.threads,
        "target_valid_ndcg@10": target,
        "target_rule": "default's best validation NDCG@10, mean over its seeds minus their std",
        "default_test_ndcg@10_mean": float(np.mean(baseline_test)) if baseline_test else None,
        "default_test_ndcg@10_std": (
            float(np.std(baseline_test, ddof=1)) if len(baseline_test) > 1 else None
        ),
        "default_recorded_seconds_per_epoch": recorded,
        "minutes_rule": MINUTES_RULE.format(threads=args.threads),
        "variants": variants,
        "timing_machine": timings["machine"] if timings else None,
        "timing_machine_before": timings["machine_before"] if timings else None,
        "timing_measured_at": timings["measured_at"] if timings else None,
        "command": command,
    }
    result["provenance"] = collect_provenance(command, config={"variants": args.variants})
    table = markdown(result)
    stem = rt.write_tables(args.out_dir, f"time_to_accuracy_{key}", result, table)
    plot(result, args.out_dir / f"{stem}.png")
    print(table)
    return result


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def markdown(result: dict[str, Any]) -> str:
    target = result["target_valid_ndcg@10"]
    lines = [
        f"# Time to accuracy: LLM2SASRec training variants on {result['dataset']}",
        "",
        f"Target: validation NDCG@10 >= {_fmt(target, '.4f')} ({result['target_rule']}).",
        "",
        f"Minutes: {result['minutes_rule']}.",
        "",
        "| variant | change | seed | epochs | quiet s/epoch (train + valid) | relative cost "
        "(train CPU) | s/epoch | CPU s/epoch, 1 thread | best valid NDCG@10 | best epoch "
        "| minutes to best | minutes to target | test NDCG@10 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in result["variants"].items():
        timing = entry["timing"]
        quiet = (
            f"{timing['train_seconds_per_epoch']:.1f} + {timing['valid_seconds']:.1f}"
            if timing
            else "not timed"
        )
        if timing and entry["timed_as"] != name:
            quiet += f" (as {entry['timed_as']})"
        cost = f"{quiet} | {_fmt(entry['relative_epoch_cost'], '.2f')} "
        cost += f"({_fmt(entry['relative_train_cpu'], '.2f')}) "
        cost += f"| {_fmt(entry['seconds_per_epoch'], '.1f')}"
        for seed, run in entry["seeds"].items():
            cpu = run["cpu_seconds"]
            cpu_epoch = cpu[-1] / len(cpu) if cpu else None
            done = (
                str(len(run["epochs"]))
                if run["finished"]
                else f"{len(run['epochs'])} of {run['epochs_planned']}, still training"
            )
            test = f"{run['test_ndcg@10']:.4f}" if run["finished"] else "-"
            lines.append(
                f"| {name} | {entry['change']} | {seed} | {done} | {cost} "
                f"| {_fmt(cpu_epoch, '.0f')} | {run['best_valid_ndcg@10']:.4f} "
                f"| {run['best_epoch']} | {_fmt(run['minutes_to_best'])} "
                f"| {_fmt(run['minutes_to_target'])} | {test} |"
            )
        if not entry["seeds"]:
            lines.append(
                f"| {name} | {entry['change']} | - | not run | {cost} | - | - | - | - | - | - |"
            )
    lines += ["", "Test NDCG@10 of the finished runs, mean ± std over seeds:", ""]
    for name, entry in result["variants"].items():
        if entry["test_ndcg@10_mean"] is not None:
            finished = sum(run["finished"] for run in entry["seeds"].values())
            lines.append(
                f"- {name}: {entry['test_ndcg@10_mean']:.4f} ± "
                f"{_fmt(entry['test_ndcg@10_std'], '.4f')} ({finished} seeds)"
            )
    timed = [
        (n, e["timing"])
        for n, e in result["variants"].items()
        if e["timing"] and e["timed_as"] == n
    ]
    if timed:
        lines += ["", "Quiet timing turns (seconds for the sampled batches, per turn):", ""]
        for name, t in timed:
            turns = ", ".join(
                f"{x:.1f} ({c:.1f} CPU)"
                for x, c in zip(t["round_seconds"], t.get("round_cpu_seconds", []), strict=False)
            )
            lines.append(
                f"- {name}: {turns} ({t['sampled_batches']} of {t['batches_per_epoch']} "
                f"batches); validation on all {int(t['valid_users'])} users "
                f"{t['valid_seconds']:.1f} s, on a fixed subset of {t['subset_users']} "
                f"{t['subset_valid_seconds']:.1f} s"
            )
        lines += [
            "",
            f"Timed on: {result['timing_machine_before']} at the start, "
            f"{result['timing_machine']} at the end ({result['timing_measured_at']})",
        ]
    lines += ["", f"Command: `{result['command']}`", ""]
    return "\n".join(lines)


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for index, (name, entry) in enumerate(result["variants"].items()):
        colour = f"C{index}"
        for number, run in enumerate(entry["seeds"].values()):
            if not run["minutes"]:
                continue
            ax.plot(
                run["minutes"],
                run["valid_ndcg@10"],
                color=colour,
                marker=".",
                alpha=1.0 if number == 0 else 0.5,
                label=name if number == 0 else None,
            )
    if result["target_valid_ndcg@10"] is not None:
        ax.axhline(result["target_valid_ndcg@10"], color="grey", linestyle="--", label="target")
    ax.axvline(15, color="grey", linestyle=":", label="15 min")
    ax.set_xlabel("minutes on this machine, 2 cores (how: see the table's minutes rule)")
    ax.set_ylabel("validation NDCG@10 (all users)")
    ax.set_ylim(bottom=0.12)
    ax.set_title(f"{result['dataset']}: LLM2SASRec time to accuracy")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("train", "time", "report"), help="what to do")
    parser.add_argument("--dataset", default="ml-1m", help="ml-1m, ml-100k or a CSV folder")
    parser.add_argument(
        "--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS), help="which"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="train: seeds to run")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (time/report: default 2)"
    )
    parser.add_argument(
        "--subset-users", type=int, default=SUBSET_USERS, help="time: validation subset size"
    )
    parser.add_argument(
        "--fraction", type=float, default=0.25, help="time: share of an epoch's batches timed"
    )
    parser.add_argument("--rounds", type=int, default=2, help="time: turns per variant")
    parser.add_argument("--out-dir", type=Path, default=rt.RESULTS, help="where results go")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.mode != "train" and args.threads is None:
        args.threads = 2
    if args.threads:
        torch.set_num_threads(args.threads)
    command = _command(argv)
    if args.mode == "train":
        train(args, command)
    elif args.mode == "time":
        time_steps(args, command)
    else:
        report(args, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
