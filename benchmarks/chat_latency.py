"""Chat latency and memory: realistic turns through ``step_stream`` (and the HTTP API).

    python benchmarks/chat_latency.py --sessions 20

Each session pastes a history (a demo persona, or the last 15 titles of a held-out ML-1M
test user) with a request, then sends follow-ups ("something lighter", "from the 90s",
"not the second one", ...). For every turn it records the time to the first recommendation
(the first streamed snapshot with cards) and to the full reply (explanations done). With
``--api`` it also starts ``app.py`` and times ``/recommend`` through ``gradio_client``.
Peak resident memory is the process's ru_maxrss (the app's own, for ``--api``).

    python benchmarks/chat_latency.py --concurrent 20 --slots 1,2,4

instead serves many users at once: for each ``app.compute_slots`` value it starts ``app.py``
on loopback and runs N clients (``benchmarks/load.py``: multi-turn ``/chat`` conversations
through ``gradio_client``, the queue path a browser uses, each pasting only its own titles),
and reports throughput, latency p50/p95/max including queueing, errors and cross-talk. That
run updates only the file's ``concurrent`` section (with its own provenance).
Writes ``benchmarks/results/chat_latency.json`` and ``chat_latency.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import psutil
from tqdm.auto import tqdm

if __package__ in (None, ""):  # run as a script: this checkout's packages, not an installed one
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.load import FOLLOW_UPS, MAX_CLIENTS, app_server, run_load, title_pools  # noqa: E402
from recommender.config import PROJECT_ROOT, load_config  # noqa: E402
from recommender.conversation.orchestrator import step_stream  # noqa: E402
from recommender.conversation.state import SessionState  # noqa: E402
from recommender.data import load_dataset  # noqa: E402
from recommender.machine import describe_machine  # noqa: E402
from recommender.provenance import collect_provenance, git_state  # noqa: E402
from recommender.serving import build_deps  # noqa: E402
from recommender.startup import PREPARING_TITLE  # noqa: E402
from recommender.ui import load_personas  # noqa: E402

RESULTS = PROJECT_ROOT / "benchmarks" / "results"


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1) if values else float("nan")


def summary(values: list[float]) -> dict:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}


def sessions(n: int, seed: int) -> list[tuple[str, str, list[str]]]:
    """(pasted history, first request, follow-ups) per session."""
    rng = random.Random(seed)
    dataset = load_dataset("ml-1m")
    out = [(("\n".join(p.history)), p.request, rng.sample(FOLLOW_UPS, 3)) for p in load_personas()]
    users = rng.sample(range(dataset.num_users), max(0, n - len(out)))
    for user in users:
        history = dataset.split.history(user, "test")[-15:]
        titles = "\n".join(dataset.catalogue.get(i).display_title for i in history)
        out.append(
            (titles, rng.choice(["", "something new", "a comedy"]), rng.sample(FOLLOW_UPS, 3))
        )
    return out[:n]


def drive_step(
    n_sessions: int, seed: int, llm_explanations: bool | None = None, threads: int | None = None
) -> dict:
    config = load_config()
    if llm_explanations is not None:
        config.app.llm_explanations = llm_explanations
    if threads:
        config.llm.num_threads = threads
    started = time.perf_counter()
    deps, info = build_deps(config, progress=False)
    startup = time.perf_counter() - started
    import torch

    first, explained, full, kinds, sources, reasons = [], [], [], {}, {}, {}
    for paste, request, follow_ups in tqdm(sessions(n_sessions, seed), desc="sessions"):
        state = SessionState()
        turns = [(request, paste)] + [(m, None) for m in follow_ups]
        for message, pasted in turns:
            t0 = time.perf_counter()
            first_at = explained_at = None
            current = state
            for current, reply in step_stream(state, message, deps, paste=pasted):  # noqa: B007
                if first_at is None and reply.cards:
                    first_at = time.perf_counter() - t0
                if explained_at is None and reply.cards and all(c.explanation for c in reply.cards):
                    explained_at = time.perf_counter() - t0
            state = current
            total = time.perf_counter() - t0
            kinds[reply.kind] = kinds.get(reply.kind, 0) + 1
            for card in reply.cards:
                sources[card.explanation_source] = sources.get(card.explanation_source, 0) + 1
                if card.explanation_source == "template":
                    why = card.explanation_reason or "unknown"
                    reasons[why] = reasons.get(why, 0) + 1
            if reply.kind == "recommendations":
                first.append(first_at * 1000)
                explained.append((explained_at or total) * 1000)
                full.append(total * 1000)
    return {
        "startup_s": round(startup, 1),
        "serving": dict(info.__dict__, torch_threads=torch.get_num_threads()),
        "first_recommendation_ms": summary(first),
        "every_card_explained_ms": summary(explained),  # deterministic wording on every card
        "full_reply_ms": summary(full),
        "reply_kinds": kinds,
        "explanation_sources": sources,  # llm | llm_filtered | template (deterministic)
        "template_reasons": reasons,  # why a card kept the deterministic wording
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drive_api(n_sessions: int, seed: int) -> dict:
    from gradio_client import Client

    port = _free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False")
    app = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    try:
        while True:
            try:  # the chat's own /config (the start serves a status page before it)
                with urllib.request.urlopen(url + "config", timeout=2) as response:
                    if json.loads(response.read()).get("title") != PREPARING_TITLE:
                        break
                    time.sleep(0.5)
            except (OSError, ValueError):
                if app.poll() is not None or time.perf_counter() - t0 > 600:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.5)
        startup = time.perf_counter() - t0
        client = Client(url, analytics_enabled=False, verbose=False)
        peak, latencies = 0, []
        for paste, request, _ in tqdm(sessions(n_sessions, seed), desc="api"):
            t = time.perf_counter()
            client.predict(paste, request, 5, api_name="/recommend")
            latencies.append((time.perf_counter() - t) * 1000)
            peak = max(peak, psutil.Process(app.pid).memory_info().rss)
        return {
            "startup_to_http_200_s": round(startup, 1),
            "recommend_ms": summary(latencies),
            "app_rss_mb_max_sampled": round(peak / 2**20, 1),
        }
    finally:
        app.terminate()
        app.wait(timeout=30)


def drive_concurrent(clients: int, slots: list[int], turns: int, seed: int) -> dict:
    """``clients`` clients at once against ``app.py`` (one app per ``app.compute_slots``
    value in ``slots``), each holding ``turns`` turns of /chat conversations back to back
    (``benchmarks/load.py``): throughput, latency with queueing, errors, cross-talk."""
    config = load_config()
    pools = title_pools(config, clients + 1)  # the last pool warms the app up
    settings = []
    with tempfile.TemporaryDirectory(prefix="chat-latency-") as logs:
        for value in tqdm(slots, desc="compute slots"):
            env = {"SEQUEL_APP__COMPUTE_SLOTS": str(value)}
            with app_server(env, Path(logs) / f"app-{value}.log") as (url, process):
                run_load(url, [pools[-1]], seed=seed + 1, turns_per_client=4)  # not counted
                run = run_load(
                    url, pools[:clients], seed=seed, turns_per_client=turns, app_pid=process.pid
                )
            memory = run.pop("memory")
            run.pop("rss_mb")
            run["app_rss_mb_max"] = memory.get("max_mb")
            settings.append({"compute_slots": value, **run})
    usable = [s for s in settings if s["errors"] == 0 and s["crosstalk_replies"] == 0]
    best = max(usable or settings, key=lambda s: s["throughput_turns_per_s"] or 0.0)
    return {
        "clients": clients,
        "turns_per_client": turns,
        "admitted_turns": config.app.admitted_turns,
        "default_compute_slots": config.app.compute_slots,
        "best_compute_slots": best["compute_slots"],
        "settings": settings,
    }


def markdown(result: dict) -> str:
    """The markdown summary of a chat_latency.json (each section it has)."""
    lines = []
    if "step" in result:
        s = result["step"]
        lines += [
            "| measure | p50 | p95 | target |",
            "|---|---|---|---|",
            f"| first recommendation (ms) | {s['first_recommendation_ms']['p50']} | "
            f"{s['first_recommendation_ms']['p95']} | p50 <= 1000, p95 <= 3000 |",
            f"| every card explained (ms) | {s['every_card_explained_ms']['p50']} | "
            f"{s['every_card_explained_ms']['p95']} | p50 <= 1000 |",
            f"| full reply with explanations (ms) | {s['full_reply_ms']['p50']} | "
            f"{s['full_reply_ms']['p95']} | p50 <= 6000 |",
        ]
        if "api" in result:
            a = result["api"]["recommend_ms"]
            lines.append(f"| /recommend over HTTP (ms) | {a['p50']} | {a['p95']} | |")
        lines.append(
            f"\nPeak RSS of the benchmark process: {s['peak_rss_mb']} MB (target <= 4096)."
        )
        lines.append(f"Serving: {s['serving']}. Machine: {result['machine']}.")
        lines.append(f"Command: `{result['command']}`")
    if result.get("concurrent"):
        c = result["concurrent"]
        lines += [
            "",
            f"### {c['clients']} concurrent clients over HTTP (/chat, {c['turns_per_client']} "
            "turns each, latency includes queueing)",
            "",
            "| compute slots | turns/s | p50 ms | p95 ms | max ms | errors | cross-talk |",
            "|---|---|---|---|---|---|---|",
        ]
        for run in c["settings"]:
            latency = run["latency_ms"]
            lines.append(
                f"| {run['compute_slots']} | {run['throughput_turns_per_s']} | {latency['p50']} "
                f"| {latency['p95']} | {latency['max']} | {run['errors']} "
                f"| {run['crosstalk_replies']} |"
            )
        lines.append(
            f"\nBest: {c['best_compute_slots']} compute slot(s) (the app's default when this "
            f"ran: {c['default_compute_slots']}). Machine: {c['machine']}."
        )
        lines.append(f"Command: `{c['command']}`")
    return "\n".join(lines).lstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="chat sessions (4 turns each)")
    parser.add_argument("--api", action="store_true", help="also time /recommend over HTTP")
    parser.add_argument(
        "--concurrent",
        type=int,
        metavar="N",
        help="instead: N clients at once over HTTP; updates only the 'concurrent' section",
    )
    parser.add_argument(
        "--slots", default="1,2,4", help="--concurrent: app.compute_slots values to try"
    )
    parser.add_argument("--turns", type=int, default=8, help="--concurrent: turns per client")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--llm-explanations",
        choices=("on", "off"),
        default=None,
        help="override app.llm_explanations for the step sessions (on: the fine-tuned "
        "realiser rewords every card as it streams; the full reply waits for it)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS / "chat_latency",
        help="results path without suffix (.json and .md are written)",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (llm.num_threads; default: all)"
    )
    args = parser.parse_args(argv)
    try:
        slots = [int(v) for v in args.slots.split(",") if v.strip()]
    except ValueError:
        parser.error(f"--slots must be comma-separated integers, not {args.slots!r}")
    if args.concurrent is not None and not (
        1 <= args.concurrent <= MAX_CLIENTS and slots and min(slots) >= 1 and args.turns >= 1
    ):
        parser.error(f"--concurrent must be 1..{MAX_CLIENTS}, --slots and --turns >= 1")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    llm_explanations = None if args.llm_explanations is None else args.llm_explanations == "on"
    logging.basicConfig(level=logging.WARNING)
    git = git_state()  # the code this run starts from
    command = "python benchmarks/chat_latency.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    path = args.out.with_suffix(".json")
    previous = json.loads(path.read_text()) if path.exists() else {}
    config = load_config()  # what the app serves (the same environment and files)
    artifacts = {
        "checkpoint": config.app.sasrec_checkpoint,
        "heads": config.llm.srec_head,
        "adapter": config.llm.adapter_path,
        "explain_adapter": config.llm.explain_adapter_path if llm_explanations else None,
    }
    if args.concurrent is None and config.app.torch_threads and not args.threads:
        import torch

        torch.set_num_threads(config.app.torch_threads)  # as build_deps will: the line says so
    machine = describe_machine() + " (at the start)"
    if args.concurrent is not None:
        # one section of the file, with its own command and provenance; the rest is kept
        result = {k: v for k, v in previous.items() if k != "concurrent"}
        section = drive_concurrent(args.concurrent, slots, args.turns, args.seed)
        section.update(command=command, machine=machine)
        served = {"app": config.app, "session": config.session}
    else:
        section = result = {"command": command, "machine": machine}
        result["step"] = drive_step(args.sessions, args.seed, llm_explanations, args.threads)
        if args.api:
            result["api"] = drive_api(args.sessions, args.seed)
        for kept in ("first_start", "concurrent"):  # separate runs with their own provenance
            if previous.get(kept):
                result[kept] = previous[kept]
        served = {"app": config.app, "llm": config.llm}
    section["provenance"] = collect_provenance(
        command,
        artifacts=artifacts,
        dataset=load_dataset(config.data.dataset, config.data),
        config={"args": vars(args), **served},
        git=git,
    )
    if args.concurrent is not None:
        result["concurrent"] = section
    args.out.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    text = markdown(result)
    args.out.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
