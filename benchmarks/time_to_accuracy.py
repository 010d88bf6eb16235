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
* ``time`` measures one epoch of each variant (training, then validation on all users and on
  ``--subset-users``) at ``--threads`` on a quiet machine: run it through ``/work/bin/quiet``.
  One JSON per variant under ``runs/<dataset>/time_to_accuracy/``; skipped when it exists.
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
from recommender.provenance import collect_provenance  # noqa: E402
from recommender.training import train_sasrec  # noqa: E402

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


def time_epoch(args: argparse.Namespace, command: str) -> None:
    """One timed epoch (training + validation) per variant; run it on a quiet machine."""
    config = load_config()
    key = dataset_key(args.dataset)
    folder = args.out_dir / "runs" / key / "time_to_accuracy"
    ctx = None
    for variant in args.variants:
        if variant in COST_TWIN:
            log.info("%s: costs an epoch of %s (not timed again)", variant, COST_TWIN[variant])
            continue
        out = folder / f"{variant}_threads{args.threads}.json"
        if out.exists():
            log.info("%s: already timed (%s)", variant, out)
            continue
        if ctx is None:
            ctx = rt.build_context(
                args.dataset, config, folder, folder, command, progress=not args.no_progress
            )
        model_config, train_config = rt.sasrec_configs(_run_name(variant), seed=0)
        one_epoch = dataclasses.replace(train_config, max_epochs=1, num_threads=args.threads)
        machine_before = describe_machine()
        result = train_sasrec(ctx.dataset, model_config, one_epoch, ctx.vectors, progress=False)
        row = result.history[0]
        histories, targets = ctx.dataset.split.cases("valid")
        size = min(args.subset_users, len(targets))
        keep = np.sort(np.random.default_rng(0).choice(len(targets), size, replace=False))
        started = time.perf_counter()
        evaluate_cases(
            SASRecRecommender(result.model),
            [histories[i] for i in keep],
            [targets[i] for i in keep],
            batch_size=train_config.eval_batch_size,
            progress=False,
        )
        subset_seconds = time.perf_counter() - started
        record = {
            "variant": variant,
            "threads": args.threads,
            "train_seconds_per_epoch": row["seconds"] - row["valid_seconds"],
            "valid_seconds": row["valid_seconds"],
            "valid_users": row["valid_users"],
            "subset_valid_seconds": subset_seconds,
            "subset_users": size,
            "cpu_seconds_epoch": row["cpu_seconds"],
            "machine_before": machine_before,
            "machine": describe_machine(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "config": {
                "model": dataclasses.asdict(model_config),
                "train": dataclasses.asdict(one_epoch),
            },
            "provenance": collect_provenance(
                command,
                dataset=ctx.dataset,
                config={"model": model_config, "train": one_epoch},
            ),
        }
        folder.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(record, indent=1))
        log.info(
            "%s: %.1f s training + %.1f s validation (%d users; %.1f s on %d)",
            variant,
            record["train_seconds_per_epoch"],
            record["valid_seconds"],
            row["valid_users"],
            subset_seconds,
            size,
        )


def first_reaching(values: list[float], minutes: list[float], target: float) -> float | None:
    """Minutes at the first epoch whose validation NDCG@10 reaches ``target`` (None: never)."""
    return next((m for v, m in zip(values, minutes, strict=True) if v >= target), None)


def curve(record: dict[str, Any], seconds_per_epoch: float | None) -> dict[str, Any]:
    """One run's validation curve, its quiet minutes and its (1-thread) CPU seconds."""
    history = record["history"]
    values = [row["valid_ndcg@10"] for row in history]
    epochs = [int(row["epoch"]) for row in history]
    best = int(np.argmax(values))
    minutes = [e * seconds_per_epoch / 60 for e in epochs] if seconds_per_epoch else None
    cpu = [row.get("cpu_seconds") for row in history]
    return {
        "epochs": epochs,
        "valid_ndcg@10": values,
        "minutes": minutes,
        "cpu_seconds": cpu if all(c is not None for c in cpu) else None,
        "best_epoch": epochs[best],
        "best_valid_ndcg@10": values[best],
        "minutes_to_best": minutes[best] if minutes else None,
        "test_ndcg@10": record["full"]["ndcg@10"],
        "test_hr@10": record["full"]["hr@10"],
        "checkpoint_epoch": record.get("epochs"),
        "valid_ndcg@10_at_checkpoint": record["valid"]["ndcg@10"],
        "finished_at": record.get("finished_at"),
        "commit": (record.get("provenance") or {}).get("git_commit"),
    }


def report(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Assemble whatever runs and timings exist into the JSON, table and plot."""
    key = dataset_key(args.dataset)
    timing_dir = args.out_dir / "runs" / key / "time_to_accuracy"
    variants: dict[str, Any] = {}
    for variant in args.variants:
        timed_as = COST_TWIN.get(variant, variant)
        timing_path = timing_dir / f"{timed_as}_threads{args.threads}.json"
        timing = json.loads(timing_path.read_text()) if timing_path.exists() else None
        per_epoch = timing["train_seconds_per_epoch"] + timing["valid_seconds"] if timing else None
        runs_dir = _runs_dir(args.out_dir, args.dataset, variant)
        seeds = {}
        for path in sorted(runs_dir.glob(f"{_run_name(variant)}_seed*.json")):
            record = json.loads(path.read_text())
            if record.get("model") == _run_name(variant) and rt._current(record):
                seeds[str(record["seed"])] = curve(record, per_epoch)
        variants[variant] = {
            "change": VARIANTS.get(variant, "?"),
            "timed_as": timed_as,
            "timing": timing,
            "quiet_seconds_per_epoch": per_epoch,
            "seeds": seeds,
        }
    default_runs = list(variants.get(DEFAULT, {}).get("seeds", {}).values())
    baseline = [run["best_valid_ndcg@10"] for run in default_runs]
    target = float(np.mean(baseline) - np.std(baseline, ddof=1)) if len(baseline) > 1 else None
    baseline_test = [run["test_ndcg@10"] for run in default_runs]
    for entry in variants.values():
        for run in entry["seeds"].values():
            run["minutes_to_target"] = (
                first_reaching(run["valid_ndcg@10"], run["minutes"], target)
                if target is not None and run["minutes"]
                else None
            )
        tests = [run["test_ndcg@10"] for run in entry["seeds"].values()]
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
        "minutes_rule": (
            f"minutes after epoch e = e x (seconds of one training epoch + one validation on "
            f"all users), both measured for that variant in one epoch at {args.threads} torch "
            f"threads under /work/bin/quiet (`time` subcommand; a variant that differs from "
            f"another only in its learning-rate schedule is charged that one's epoch); the "
            f"validation NDCG@10 of each epoch comes from the full run, trained in the "
            f"background at 1 thread, whose wall time is not used"
        ),
        "variants": variants,
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
        f"Target: validation NDCG@10 >= {_fmt(target, '.4f')} ({result['target_rule']}). "
        f"Minutes: {result['minutes_rule']}.",
        "",
        "| variant | change | seed | quiet s/epoch (train + valid) | CPU s/epoch, 1 thread "
        "| best valid NDCG@10 | best epoch | minutes to best | minutes to target "
        "| test NDCG@10 |",
        "|---|---|---|---|---|---|---|---|---|---|",
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
        for seed, run in entry["seeds"].items():
            cpu = run["cpu_seconds"]
            cpu_epoch = cpu[-1] / len(cpu) if cpu else None
            lines.append(
                f"| {name} | {entry['change']} | {seed} | {quiet} | {_fmt(cpu_epoch, '.0f')} "
                f"| {run['best_valid_ndcg@10']:.4f} | {run['best_epoch']} "
                f"| {_fmt(run['minutes_to_best'])} | {_fmt(run['minutes_to_target'])} "
                f"| {run['test_ndcg@10']:.4f} |"
            )
        if not entry["seeds"]:
            lines.append(f"| {name} | {entry['change']} | - | {quiet} | - | - | - | - | - | - |")
    lines += ["", "Test NDCG@10, mean ± std over the seeds run:", ""]
    for name, entry in result["variants"].items():
        if entry["test_ndcg@10_mean"] is not None:
            lines.append(
                f"- {name}: {entry['test_ndcg@10_mean']:.4f} ± "
                f"{_fmt(entry['test_ndcg@10_std'], '.4f')} ({len(entry['seeds'])} seeds)"
            )
    timed = [
        (n, e["timing"])
        for n, e in result["variants"].items()
        if e["timing"] and e["timed_as"] == n
    ]
    if timed:
        lines += ["", "Validation cost per epoch (quiet):", ""]
        for name, t in timed:
            lines.append(
                f"- {name}: all {int(t['valid_users'])} users {t['valid_seconds']:.1f} s, "
                f"a fixed subset of {t['subset_users']} {t['subset_valid_seconds']:.1f} s; "
                f"machine: {t['machine']}"
            )
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
    ax.set_xlabel(f"minutes on this machine ({result['threads']} threads, quiet)")
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
        time_epoch(args, command)
    else:
        report(args, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
