"""Soak test: many clients chatting with one app server for minutes, on loopback only.

    python benchmarks/soak.py --clients 20 --minutes 10 --abuser

Starts ``app.py`` (the config from the environment, as the app reads it) on a free
127.0.0.1 port and runs ``--clients`` well-behaved clients back to back (see
``benchmarks/load.py``: multi-turn ``/chat`` conversations, each client pasting only its own
titles) for ``--minutes``, bounded by ``--max-turns`` per client, plus with ``--abuser`` one
client firing bursts of parallel turns on one session and oversized uploads. Reports errors,
cross-talk, latency with queueing, and the app's resident memory every few seconds; memory
counts as flat when it grew by at most ``--max-growth`` (relative) from the first to the last
tenth of the samples after a warm-up of ``--warmup-minutes`` (default: the first 20% of the
run): the app's start, its first turns, and its caches, session store and allocator arenas
filling up to their working size. Exits 1 when any of the three checks fails.
Writes ``benchmarks/results/soak.json`` and ``soak.md`` (or into ``--out``).
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: this checkout's packages, not an installed one
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.load import MAX_CLIENTS, app_server, run_load, title_pools  # noqa: E402
from recommender.config import PROJECT_ROOT, load_config  # noqa: E402
from recommender.data import load_dataset  # noqa: E402
from recommender.machine import describe_machine  # noqa: E402
from recommender.provenance import collect_provenance, git_state  # noqa: E402

RESULTS = PROJECT_ROOT / "benchmarks" / "results"


def verdict(result: dict, max_growth: float) -> dict:
    """The three checks of a soak: no errors, no cross-talk, flat memory."""
    growth = (result.get("memory") or {}).get("relative_growth")
    return {
        "no_errors": result["errors"] == 0,
        "no_crosstalk": result["crosstalk_replies"] == 0,
        "flat_memory": growth is not None and growth <= max_growth,
        "max_growth": max_growth,
    }


def markdown(result: dict) -> str:
    run, memory, checks = result["run"], result["run"].get("memory") or {}, result["checks"]
    latency = run["latency_ms"]
    lines = [
        "| clients | minutes | turns | turns/s | p50 ms | p95 ms | max ms | errors | cross-talk |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {run['clients']} | {result['args']['minutes']} | {run['turns']} | "
        f"{run['throughput_turns_per_s']} | {latency['p50']} | {latency['p95']} | "
        f"{latency['max']} | {run['errors']} | {run['crosstalk_replies']} |",
        "",
        f"App memory (RSS, {memory.get('samples')} samples): {memory.get('start_mb')} MB at the "
        f"first sample, {memory.get('warmup_end_mb')} MB when the warm-up ended "
        f"({memory.get('warmup_s', 0) / 60:.1f} min), {memory.get('first_tenth_mb')} MB over "
        f"the first tenth after it, {memory.get('last_tenth_mb')} MB at the end, growth "
        f"{memory.get('relative_growth')} (bound {checks['max_growth']}), slope "
        f"{memory.get('slope_mb_per_min')} MB/min, max {memory.get('max_mb')} MB.",
    ]
    if "abuser" in run:
        turns, uploads = run["abuser"]["turns"], run["abuser"]["uploads"]
        lines.append(
            f"Abusive client: {turns['turns']} turns fired in parallel bursts on one session, "
            f"{turns['served']} served, {turns['refused_busy']} refused as busy, "
            f"{turns['errors']} errors; {uploads['sent']} uploads of twice the paste limit, "
            f"{uploads['refused_413']} refused (HTTP 413), {uploads['accepted']} accepted."
        )
    passed = all(v for k, v in checks.items() if k != "max_growth")
    lines += [
        f"Checks: {'passed' if passed else 'FAILED'} "
        f"({', '.join(f'{k} {v}' for k, v in checks.items() if k != 'max_growth')}).",
        f"Machine: {result['machine']}.",
        f"Command: `{result['command']}`",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help=f"1..{MAX_CLIENTS}")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the load runs")
    parser.add_argument("--max-turns", type=int, default=5000, help="bound per client")
    parser.add_argument("--abuser", action="store_true", help="add one abusive client")
    parser.add_argument("--max-growth", type=float, default=0.05, help="flat-memory bound")
    parser.add_argument("--warmup-minutes", type=float, default=None,
                        help="memory samples left out before the check (default: 20%% of "
                        "--minutes)")  # fmt: skip
    parser.add_argument("--rss-every", type=float, default=2.0, help="seconds between samples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for soak.{json,md}")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS or not 0 < args.minutes <= 60:
        parser.error(f"--clients must be 1..{MAX_CLIENTS} and --minutes in (0, 60]")
    logging.basicConfig(level=logging.WARNING)
    git = git_state()
    command = "python benchmarks/soak.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    config = load_config()
    pools = title_pools(config, args.clients + 1)  # the last pool is the abuser's
    machine = describe_machine() + " (at the start)"
    warmup = args.minutes * 0.2 if args.warmup_minutes is None else args.warmup_minutes
    if not 0 <= warmup < args.minutes:
        parser.error("--warmup-minutes must be in [0, --minutes)")
    logs = Path(tempfile.mkdtemp(prefix="soak-"))  # the app's log, kept for a look afterwards
    with app_server({}, logs / "app.log") as (url, process):
        run = run_load(
            url, pools[: args.clients], seed=args.seed, duration_s=args.minutes * 60,
            turns_per_client=args.max_turns, app_pid=process.pid, rss_every_s=args.rss_every,
            abuser_pool=pools[-1] if args.abuser else None,
            paste_limit=config.chat.max_paste_bytes, warmup_s=warmup * 60,
        )  # fmt: skip
    result = {
        "command": command,
        "machine": machine,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "serving": {
            "compute_slots": config.app.compute_slots,
            "admitted_turns": config.app.admitted_turns,
            "queue_size": config.app.queue_size,
            "torch_threads": config.app.torch_threads,
            "malloc_arenas": config.app.malloc_arenas,
            "malloc_trim_s": config.app.malloc_trim_s,
        },
        "run": run,
        "checks": verdict(run, args.max_growth),
    }
    result["provenance"] = collect_provenance(
        command,
        artifacts={"checkpoint": config.app.sasrec_checkpoint},
        dataset=load_dataset(config.data.dataset, config.data),
        config={"args": result["args"], "app": config.app, "chat": config.chat,
                "session": config.session},
        git=git,
    )  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (args.out / "soak.md").write_text(text)
    print(text)
    checks = result["checks"]
    return 0 if all(v for k, v in checks.items() if k != "max_growth") else 1


if __name__ == "__main__":
    raise SystemExit(main())
