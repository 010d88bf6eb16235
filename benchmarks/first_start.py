"""First start on an empty cache, and a later start: ``python app.py`` timed from the outside.

    /work/bin/quiet python benchmarks/first_start.py

Starts ``app.py`` with ``SEQUEL_CACHE_DIR`` pointing at a new, empty folder (so the start
fetches ML-1M from its sources, preprocesses it, embeds every item and builds the Chroma
store, exactly as after a fresh install), and measures from the launch of the process:
the first HTTP 200 (the status page), the chat answering on the same port, and the first
``/recommend`` reply. Then it stops the app and starts it again on the filled cache (a later
start). The app's own log lines give the time line of each stage. The results go into the
``first_start`` section of ``benchmarks/results/chat_latency.json`` (other sections are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import psutil

from recommender.config import PROJECT_ROOT
from recommender.machine import describe_machine
from recommender.provenance import collect_provenance, git_state
from recommender.startup import PREPARING_TITLE
from recommender.ui import load_personas

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "chat_latency.json"
TARGETS = {"first_start_chat_s": 180.0, "later_start_chat_s": 15.0}
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\w+) ([\w.]+): (.*)$")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _title(url: str) -> str | None:
    """The served app's title (``/config``), or None while nothing answers."""
    try:
        with urllib.request.urlopen(url + "config", timeout=2) as response:
            return json.loads(response.read()).get("title")
    except (OSError, ValueError):
        return None


def _timeline(log_text: str, launched_at: float) -> list[list]:
    """[seconds since the launch, level, message] of the app's log lines (INFO and worse)."""
    rows = []
    for line in log_text.splitlines():
        match = LOG_LINE.match(line)
        if match and match.group(3).startswith(("recommender", "sequel")):
            stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            rows.append([round(stamp - launched_at, 1), match.group(2), match.group(4)])
    return rows


def one_start(cache: Path, log_path: Path, timeout_s: float) -> dict:
    """Launch ``app.py`` on ``cache``; time the status page, the chat and the first reply."""
    from gradio_client import Client

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", SEQUEL_CACHE_DIR=str(cache))
    persona = load_personas()[0]
    peak = 0
    with open(log_path, "w") as log:
        launched_at = time.time()
        t0 = time.perf_counter()
        app = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port)], cwd=PROJECT_ROOT, env=env,
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        process = psutil.Process(app.pid)
        first_200 = chat = None
        try:
            while chat is None:
                if app.poll() is not None:
                    raise RuntimeError(f"the app exited with {app.returncode}; see {log_path}")
                if time.perf_counter() - t0 > timeout_s:
                    raise RuntimeError(f"the app did not start in {timeout_s:.0f} s")
                title = _title(url)
                now = time.perf_counter() - t0
                if title is not None and first_200 is None:
                    first_200 = now
                if title is not None and title != PREPARING_TITLE:
                    chat = now
                peak = max(peak, process.memory_info().rss)
                time.sleep(0.2)
            client = Client(url, analytics_enabled=False, verbose=False)
            sent = time.perf_counter()
            reply = client.predict(
                "\n".join(persona.history), persona.request, 5, api_name="/recommend"
            )
            done = time.perf_counter()
            peak = max(peak, process.memory_info().rss)
        finally:
            app.terminate()
            app.wait(timeout=30)
    return {
        "http_200_s": round(first_200, 1),
        "chat_ready_s": round(chat, 1),
        "first_reply_s": round(done - t0, 1),
        "first_reply_ms": round((done - sent) * 1000, 1),
        "first_reply_items": len(reply["items"]),
        "app_rss_mb_max_sampled": round(peak / 2**20, 1),
        "timeline": _timeline(log_path.read_text(errors="replace"), launched_at),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cache", type=Path, help="empty folder to start in (default: a new temporary one)"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per start")
    parser.add_argument("--keep", action="store_true", help="keep the cache folder afterwards")
    args = parser.parse_args(argv)
    cache = args.cache or Path(tempfile.mkdtemp(prefix="sequel-first-start-"))
    if cache.exists() and any(cache.iterdir()):
        parser.error(f"{cache} is not empty: a first start needs an empty cache")
    cache.mkdir(parents=True, exist_ok=True)
    git = git_state()
    command = "python benchmarks/first_start.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    machine = describe_machine() + " (at the start)"
    logs = Path(tempfile.mkdtemp(prefix="sequel-first-start-logs-"))
    try:
        print(f"first start on the empty cache {cache} (log: {logs / 'first.log'})")
        first = one_start(cache, logs / "first.log", args.timeout)
        print(json.dumps({k: v for k, v in first.items() if k != "timeline"}))
        print("later start on the same cache")
        later = one_start(cache, logs / "later.log", args.timeout)
        print(json.dumps({k: v for k, v in later.items() if k != "timeline"}))
    finally:
        if not args.keep:
            shutil.rmtree(cache, ignore_errors=True)
    section = {
        "command": command,
        "machine": machine,
        "what": "python app.py with SEQUEL_CACHE_DIR on an empty folder (ML-1M fetched from "
        "its sources, preprocessed, embedded, stored in Chroma), then again on the filled "
        "folder; seconds from the process launch",
        "targets": TARGETS,
        "first": first,
        "later": later,
        "provenance": collect_provenance(
            command,
            artifacts={"checkpoint": PROJECT_ROOT / "checkpoints" / "ml-1m-llm2sasrec.pt"},
            config={"args": {"timeout": args.timeout}},
            git=git,
        ),
    }
    result = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    result["first_start"] = section
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"first start: HTTP 200 at {first['http_200_s']} s, chat at {first['chat_ready_s']} s "
        f"(target <= 180), first reply at {first['first_reply_s']} s; later start: chat at "
        f"{later['chat_ready_s']} s (target <= 15)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
