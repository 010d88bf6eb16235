"""Many clients against one real app server on loopback: the load harness of
``chat_latency.py --concurrent`` and ``soak.py``.

Each client is a ``gradio_client.Client`` (its own Gradio session, the same queue/SSE path a
browser uses) holding multi-turn ``/chat`` conversations one turn at a time, back to back:
a pasted history of titles that only this client ever pastes (the catalogue's titles are
dealt out to the clients, no title to two), a request, then follow-ups. Every reply is
checked for **cross-talk**: the session id stays the one the conversation got; the first
turn's matched history holds only this client's own pasted titles, later turns match none;
no recommended item is one the session pasted; every history title an item's evidence
cites is one this session pasted. A title of another client in a reply is cross-talk,
whatever else explains it. An optional abusive client fires bursts of parallel turns on
one session and uploads above the paste limit, to show it slows nobody else down.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import psutil

from recommender.config import PROJECT_ROOT, Config
from recommender.startup import PREPARING_TITLE
from recommender.turns import BUSY_NOTE

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_CLIENTS = 64  # a bound on what one run may start
REQUESTS = ["", "something new", "a comedy", "something from the 90s", "an action film"]
FOLLOW_UPS = [
    "something lighter",
    "from the 90s",
    "not the second one",
    "more like the first one",
    "no horror, give me 3",
    "older",
    "something else",
    "a funny one",
]
LOST_SESSION = "unknown or has expired"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def app_server(
    env: dict[str, str], log_path: Path, timeout_s: float = 240
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python app.py`` on a free loopback port with the config overrides ``env``
    (``SEQUEL_...`` variables); yields (url, process) once the chat (not the start-up status
    page) answers, and stops it (by its own handle) afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    full_env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", **env)
    command = [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"app.py exited with {process.returncode}: {tail}")
                try:  # the chat's own /config: the start serves a status page before it
                    with urllib.request.urlopen(url + "config", timeout=2) as response:
                        if json.loads(response.read()).get("title") != PREPARING_TITLE:
                            break
                except (OSError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"app.py did not answer in {timeout_s:.0f} s")
                time.sleep(0.3)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def title_pools(config: Config, pools: int, top: int = 2000) -> list[list[str]]:
    """The ``top`` most watched titles of the app's catalogue dealt out round robin into
    ``pools`` pools: no title is in two pools."""
    from recommender.data import load_dataset
    from recommender.serving import popularity

    dataset = load_dataset(config.data.dataset, config.data)
    counts = popularity(dataset)
    order = [int(i) for i in np.argsort(-counts[1:], kind="stable")[:top] + 1]
    titles = [dataset.catalogue.get(i).display_title for i in order]
    return [titles[n::pools] for n in range(pools)]


@dataclass
class TurnRecord:
    client: int
    latency_ms: float
    ok: bool  # answered, not refused, no exception, the session kept
    items: int = 0
    cited: int = 0  # history titles cited by the items' evidence (each checked)
    problems: list[str] = field(default_factory=list)  # cross-talk found in this reply
    error: str | None = None


def check_reply(
    result: dict, session_id: str, own: set[str], pasted: set[str], first: bool
) -> list[str]:
    """The cross-talk found in one ``/chat`` reply (empty: none). ``own``: the titles this
    session pasted and the app matched so far; ``pasted``: what this turn pasted."""
    problems = []
    if result.get("session_id") != session_id:
        problems.append(f"session id {result.get('session_id')!r} instead of {session_id!r}")
    matched = set(result.get("matched_history") or [])
    if first and not matched <= pasted:
        problems.append(f"matched titles it never pasted: {sorted(matched - pasted)[:3]}")
    if not first and matched:
        problems.append(f"matched history on a turn without a paste: {sorted(matched)[:3]}")
    for item in result.get("items") or []:
        if item.get("title") in own:
            problems.append(f"recommended a title the session pasted: {item['title']}")
        cited = {c.get("title") for c in (item.get("evidence") or {}).get("cited") or []}
        if not cited <= own:
            problems.append(f"evidence cites titles it never pasted: {sorted(cited - own)[:3]}")
    return problems


class ChatClient(threading.Thread):
    """One well-behaved client: conversations back to back until ``stop`` is set or it has
    done ``max_turns`` turns; one turn at a time."""

    def __init__(
        self, index: int, url: str, pool: list[str], seed: int, stop: threading.Event,
        max_turns: int, paste_size: int = 10, follow_ups: int = 3,
    ) -> None:  # fmt: skip
        super().__init__(name=f"client-{index}", daemon=True)
        self.index, self.url, self.pool = index, url, pool
        self.rng = random.Random(seed * 1000 + index)
        self.stop, self.max_turns = stop, max_turns
        self.paste_size, self.follow_ups = paste_size, follow_ups
        self.records: list[TurnRecord] = []
        self.conversations = 0

    def run(self) -> None:
        from gradio_client import Client

        try:
            client = Client(self.url, analytics_enabled=False, verbose=False)
        except Exception as exc:  # counted as an error of this client
            self.records.append(TurnRecord(self.index, 0.0, False, error=repr(exc)[:300]))
            return
        while not self.stop.is_set() and len(self.records) < self.max_turns:
            self.conversation(client)
            if self.records and self.records[-1].error:
                self.stop.wait(1.0)  # counted; a second before the next conversation

    def conversation(self, client) -> None:
        self.conversations += 1
        paste = self.rng.sample(self.pool, min(self.paste_size, len(self.pool)))
        turns = [(self.rng.choice(REQUESTS), "\n".join(paste))]
        turns += [(m, "") for m in self.rng.sample(FOLLOW_UPS, self.follow_ups)]
        session_id, own = "", set()
        for n, (message, pasted) in enumerate(turns):
            if self.stop.is_set() or len(self.records) >= self.max_turns:
                return
            started = time.perf_counter()
            try:
                result = client.predict(session_id, message, pasted, api_name="/chat")
            except Exception as exc:  # counted as an error; the conversation ends
                latency = (time.perf_counter() - started) * 1000
                self.records.append(TurnRecord(self.index, latency, False, error=repr(exc)[:300]))
                return
            latency = (time.perf_counter() - started) * 1000
            if n == 0:
                session_id = result.get("session_id", "")
                own = set(result.get("matched_history") or [])
            problems = check_reply(result, session_id, own, set(paste) if n == 0 else set(), n == 0)
            notes = " ".join(result.get("notes") or [])
            error = None
            if BUSY_NOTE in notes:
                error = "refused as busy although this client waits for every reply"
            elif LOST_SESSION in notes:
                error = "the session was lost"
            items = result.get("items") or []
            cited = sum(len((i.get("evidence") or {}).get("cited") or []) for i in items)
            self.records.append(
                TurnRecord(self.index, latency, error is None, len(items), cited, problems, error)
            )
            if error:
                return


class AbusiveClient(threading.Thread):
    """One client that misbehaves on purpose, over and over: ``burst`` parallel turns on
    its one session (all but one should be refused at once), and an upload twice the paste
    limit (it should be refused with HTTP 413)."""

    def __init__(
        self, url: str, pool: list[str], stop: threading.Event, paste_limit: int, burst: int = 8
    ) -> None:
        super().__init__(name="abuser", daemon=True)
        self.url, self.pool, self.stop = url, pool, stop
        self.paste_limit, self.burst = paste_limit, burst
        self.counts = {"turns": 0, "served": 0, "refused_busy": 0, "errors": 0}
        self.uploads = {"sent": 0, "refused_413": 0, "accepted": 0, "errors": 0}

    def run(self) -> None:
        from gradio_client import Client

        client = Client(self.url, analytics_enabled=False, verbose=False)
        opened = client.predict("", "", "\n".join(self.pool[:10]), api_name="/chat")
        session_id = opened["session_id"]
        while not self.stop.is_set():
            jobs = [
                client.submit(session_id, "more please", "", api_name="/chat")
                for _ in range(self.burst)
            ]
            for job in jobs:
                self.counts["turns"] += 1
                try:
                    result = job.result(timeout=600)
                except Exception:  # counted
                    self.counts["errors"] += 1
                    continue
                busy = BUSY_NOTE in " ".join(result.get("notes") or [])
                self.counts["refused_busy" if busy else "served"] += 1
            self.upload_too_much()
            self.stop.wait(1.0)

    def upload_too_much(self) -> None:
        self.uploads["sent"] += 1
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="huge.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode() + b"Heat (1995)\n" * (2 * self.paste_limit // 12 + 1)
        body += f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.url + "gradio_api/upload",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60):
                self.uploads["accepted"] += 1
        except urllib.error.HTTPError as exc:
            self.uploads["refused_413" if exc.code == 413 else "errors"] += 1
        except OSError:  # the server answered and closed the connection while we still sent
            self.uploads["closed_early"] = self.uploads.get("closed_early", 0) + 1


class MemorySampler(threading.Thread):
    """The app process's resident memory every ``every_s`` seconds: [(seconds, MB)]."""

    def __init__(self, pid: int, every_s: float, stop: threading.Event) -> None:
        super().__init__(name="rss", daemon=True)
        self.process, self.every_s, self.stop = psutil.Process(pid), every_s, stop
        self.samples: list[tuple[float, float]] = []

    def run(self) -> None:
        started = time.monotonic()
        while True:
            try:
                rss = self.process.memory_info().rss / 2**20
            except psutil.Error:
                return
            self.samples.append((round(time.monotonic() - started, 1), round(rss, 1)))
            if self.stop.wait(self.every_s):
                return


def memory_trend(
    samples: list[tuple[float, float]], warmup_fraction: float = 0.2, warmup_s: float | None = None
) -> dict:
    """How the app's RSS moved after a warm-up (the samples before ``warmup_s`` seconds, or
    else the first ``warmup_fraction`` of them: start-up, the first turns, caches and the
    allocator's arenas filling): the least-squares slope (MB per minute) and the growth from
    the first to the last tenth of the samples after the warm-up (their medians), relative
    to the first."""
    if warmup_s is None:
        kept = samples[int(len(samples) * warmup_fraction) :]
    else:
        kept = [s for s in samples if s[0] >= warmup_s]
    if len(kept) < 4:
        return {"samples": len(samples), "slope_mb_per_min": None, "relative_growth": None}
    t = np.array([s[0] for s in kept]) / 60.0
    rss = np.array([s[1] for s in kept])
    slope = float(np.polyfit(t, rss, 1)[0])
    tenth = max(1, len(kept) // 10)
    first, last = float(np.median(rss[:tenth])), float(np.median(rss[-tenth:]))
    return {
        "samples": len(samples),
        "warmup_fraction": warmup_fraction if warmup_s is None else None,
        "warmup_s": round(kept[0][0], 1),  # when the compared samples begin
        "start_mb": round(float(samples[0][1]), 1),
        "warmup_end_mb": round(float(kept[0][1]), 1),
        "slope_mb_per_min": round(slope, 3),
        "first_tenth_mb": round(first, 1),
        "last_tenth_mb": round(last, 1),
        "relative_growth": round((last - first) / first, 4),
        "max_mb": round(float(max(s[1] for s in samples)), 1),
    }


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    return {
        "p50": round(float(np.percentile(values, 50)), 1),
        "p95": round(float(np.percentile(values, 95)), 1),
        "max": round(float(max(values)), 1),
        "n": len(values),
    }


def run_load(
    url: str, pools: list[list[str]], *, seed: int, duration_s: float | None = None,
    turns_per_client: int = 8, app_pid: int | None = None, rss_every_s: float = 2.0,
    abuser_pool: list[str] | None = None, paste_limit: int = 2_000_000,
    warmup_s: float | None = None,
) -> dict:  # fmt: skip
    """Drive one client per pool (plus an abusive one when ``abuser_pool`` is given) until
    each has done ``turns_per_client`` turns, or ``duration_s`` has passed (then the turn
    count is only a safety bound). Returns throughput, latency with queueing, errors,
    cross-talk, the abuser's counts and the app's memory over time."""
    host = urlparse(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"load runs on loopback only, not {host!r}")
    if not 1 <= len(pools) <= MAX_CLIENTS:
        raise ValueError(f"1..{MAX_CLIENTS} clients, not {len(pools)}")
    stop = threading.Event()
    bound = turns_per_client if duration_s is None else 10_000
    clients = [ChatClient(n, url, pool, seed, stop, bound) for n, pool in enumerate(pools)]
    sampler = MemorySampler(app_pid, rss_every_s, stop) if app_pid else None
    abuser = AbusiveClient(url, abuser_pool, stop, paste_limit) if abuser_pool else None
    started = time.perf_counter()
    for thread in [*clients, *([sampler] if sampler else []), *([abuser] if abuser else [])]:
        thread.start()
    if duration_s is not None:
        stop.wait(duration_s)
        stop.set()
    for client in clients:
        client.join(timeout=900)
    wall = time.perf_counter() - started
    stop.set()
    for thread in [t for t in (sampler, abuser) if t is not None]:
        thread.join(timeout=900)
    records = [r for c in clients for r in c.records]
    done = [r for r in records if r.ok]
    problems = [p for r in records for p in r.problems]
    errors = [r.error for r in records if r.error]
    result = {
        "clients": len(clients),
        "wall_s": round(wall, 1),
        "turns": len(records),
        "conversations": sum(c.conversations for c in clients),
        "throughput_turns_per_s": round(len(done) / wall, 2) if wall else None,
        "latency_ms": percentiles([r.latency_ms for r in done]),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "crosstalk_replies": sum(1 for r in records if r.problems),
        "crosstalk_examples": problems[:5],
        "items_checked": sum(r.items for r in records),
        "cited_titles_checked": sum(r.cited for r in records),
        "replies_without_items": sum(1 for r in done if r.items == 0),
        "per_client_turns": [len(c.records) for c in clients],
    }
    if abuser is not None:
        result["abuser"] = {"turns": abuser.counts, "uploads": abuser.uploads}
    if sampler is not None:
        result["rss_mb"] = sampler.samples
        result["memory"] = memory_trend(sampler.samples, warmup_s=warmup_s)
    return result
