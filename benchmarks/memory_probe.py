"""Where the app's memory goes under load: a diagnostic, not a benchmark with a verdict.

    python benchmarks/memory_probe.py --clients 12 --minutes 5 --tag baseline \
        --env SEQUEL_APP__MALLOC_ARENAS=0 --env SEQUEL_APP__MALLOC_TRIM_S=0

Starts ``app.py`` under a probe (this file with ``--serve``: a daemon thread in the app
process, started by ``main`` only) and drives it with ``benchmarks/load.py`` clients. Every
``--period`` seconds the probe writes one JSON line: RSS; the anonymous and file-backed parts
(``/proc/self/smaps_rollup``); glibc's heap (``mallinfo2``: ``arena`` obtained from the
system, ``uord`` in use, ``ford`` free but kept, ``hblkhd`` in mmapped chunks); Python
objects; and, from the baseline on (``--baseline-after`` seconds into the load), the
Python heap traced by tracemalloc (``--frames``; 0: off). At every ``--dump-every`` it
appends the resident-memory change per mapping since the baseline (``.smaps``) and the top
tracemalloc differences (``.diff``). Extra environment (``--env``) tries a setting, e.g.
``MALLOC_ARENA_MAX=2`` or ``SEQUEL_APP__MALLOC_TRIM_S=0``. Files go to ``--out`` (a
scratch folder by default): ``<tag>.log``, ``.smaps``, ``.diff``, ``.json`` (the load's
result with the RSS samples).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLLUP_KEYS = ("Rss", "Anonymous", "Pss_Anon", "Pss_File", "Private_Dirty", "Shared_Clean")


class Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                     "uordblks", "fordblks", "keepcost")
    ]  # fmt: skip


def rollup() -> dict[str, float]:
    """MB per kind of resident memory (anonymous, file-backed, ...)."""
    out = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts and parts[0].rstrip(":") in ROLLUP_KEYS:
            out[parts[0].rstrip(":")] = round(int(parts[1]) / 1024, 1)
    return out


def rss_by_mapping() -> dict[str, int]:
    """kB resident per mapping name ("[heap]", "[anon]" for nameless ones, file paths)."""
    out: dict[str, int] = {}
    name = None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        parts = line.split()
        if parts and not parts[0].endswith(":"):  # a mapping's header line
            name = parts[5] if len(parts) > 5 else "[anon]"
        elif parts and parts[0] == "Rss:" and name is not None:
            out[name] = out.get(name, 0) + int(parts[1])
    return out


class Probe(threading.Thread):
    """In the app process: the periodic lines, the baseline and the dumps (see above)."""

    def __init__(self, out: Path, period_s: float, frames: int) -> None:
        super().__init__(name="memory-probe", daemon=True)
        self.out, self.period_s, self.frames = out, period_s, frames
        self.libc = ctypes.CDLL("libc.so.6")
        self.libc.mallinfo2.restype = Mallinfo2
        self.snapshot = self.mappings = None

    def write(self, suffix: str, text: str) -> None:
        with open(f"{self.out}{suffix}", "a") as fh:
            fh.write(text + "\n")

    def run(self) -> None:
        import tracemalloc

        started, last = time.monotonic(), -1e9
        while True:
            time.sleep(1.0)
            now = time.monotonic() - started
            for mark in ("base", "dump"):
                path = Path(f"{self.out}.{mark}")
                if path.exists():
                    path.unlink()
                    gc.collect()
                    (self.baseline if mark == "base" else self.dump)(round(now))
            if now - last >= self.period_s:
                last = now
                info = self.libc.mallinfo2()
                traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
                line = dict(
                    t=round(now), traced=round(traced / 2**20, 1),
                    **{k: round(getattr(info, f) / 2**20, 1) for k, f in (
                        ("arena", "arena"), ("hblkhd", "hblkhd"), ("uord", "uordblks"),
                        ("ford", "fordblks"))},
                    threads=threading.active_count(), gc_objects=len(gc.get_objects()),
                    **rollup(),
                )  # fmt: skip
                self.write(".log", json.dumps(line))

    def baseline(self, now: int) -> None:
        import tracemalloc

        if self.frames:
            tracemalloc.start(self.frames)  # from here on only: the start-up is not traced
            self.snapshot = tracemalloc.take_snapshot()
        self.mappings = rss_by_mapping()
        self.write(".log", json.dumps({"t": now, "baseline": True}))

    def dump(self, now: int) -> None:
        if self.mappings is None:
            return
        current = rss_by_mapping()
        changed = sorted(
            ((current.get(k, 0) - self.mappings.get(k, 0)) / 1024, k)
            for k in set(current) | set(self.mappings)
        )
        moved = [(round(mb, 1), name) for mb, name in changed if abs(mb) >= 0.5]
        self.write(".smaps", f"t={now} {json.dumps(rollup())}\n{moved}")
        if self.snapshot is not None:
            import tracemalloc

            snapshot = tracemalloc.take_snapshot()
            self.write(".diff", f"\n######## t={now}")
            for stat in snapshot.compare_to(self.snapshot, "lineno")[:25]:
                self.write(".diff", str(stat))


def serve(argv: list[str]) -> int:
    """``--serve OUT PERIOD FRAMES -- app args``: the app with a probe thread in it."""
    out, period, frames, rest = Path(argv[0]), float(argv[1]), int(argv[2]), argv[4:]
    Probe(out, period, frames).start()
    sys.path.insert(0, str(ROOT))
    import app

    return app.main(rest)


def drive(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from benchmarks.load import free_port, run_load, title_pools
    from recommender.config import load_config
    from recommender.startup import PREPARING_TITLE

    out = args.out / args.tag
    args.out.mkdir(parents=True, exist_ok=True)
    extra = dict(item.split("=", 1) for item in args.env)
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", **extra)
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(out), str(args.period), str(args.frames),
               "--", "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    with open(f"{out}.app.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the app exited with {process.returncode}; see {log.name}")
                try:
                    with urllib.request.urlopen(url + "config", timeout=2) as response:
                        if json.loads(response.read()).get("title") != PREPARING_TITLE:
                            break
                except (OSError, ValueError):
                    pass
                time.sleep(0.5)
            config = load_config()
            pools = title_pools(config, args.clients + 1)
            stop = threading.Event()

            def marks() -> None:
                if not stop.wait(args.baseline_after):
                    Path(f"{out}.base").touch()
                while not stop.wait(args.dump_every):
                    Path(f"{out}.dump").touch()

            threading.Thread(target=marks, daemon=True).start()
            result = run_load(
                url, pools[: args.clients], seed=args.seed, duration_s=args.minutes * 60,
                app_pid=process.pid, rss_every_s=5.0,
                abuser_pool=pools[-1] if args.abuser else None,
                paste_limit=config.chat.max_paste_bytes,
            )  # fmt: skip
            stop.set()
        finally:
            process.terminate()
            process.wait(timeout=60)
    result.update(tag=args.tag, env=extra, command=" ".join(sys.argv))
    Path(f"{out}.json").write_text(json.dumps(result, indent=1) + "\n")
    memory = result["memory"]
    print(f"{args.tag}: {result['turns']} turns, {result['errors']} errors; RSS {memory}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        return serve(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--tag", default="probe", help="file name prefix")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the app")
    parser.add_argument("--abuser", action="store_true", help="add the soak's abusive client")
    parser.add_argument("--period", type=float, default=30.0, help="seconds between lines")
    parser.add_argument("--baseline-after", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--dump-every", type=float, default=60.0)
    parser.add_argument("--frames", type=int, default=0, help="tracemalloc frames (0: off)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "memory-probe")
    return drive(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
