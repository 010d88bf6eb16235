"""Scale benchmark on SYNTHETIC catalogues: what each cost of the app becomes at 10k-1M items.

    /work/bin/quiet python benchmarks/scale.py --sizes 10000 100000 --stages generate load
    /work/bin/quiet python benchmarks/scale.py --sizes 10000 100000 --stages embed
    ...
    python benchmarks/scale.py --report      # assemble benchmarks/results/scale.{json,md,png}

Every catalogue is generated (made-up film titles, genres, years and one-line descriptions;
interactions with a Zipf popularity skew) and is labelled synthetic everywhere. It is written
as a bring-your-own CSV folder, so every stage runs the app's own code on it:

- ``generate``: the CSV folder (not an app stage; seeded, so a rerun writes the same files);
- ``load``: ``load_dataset`` (CSV parsing, filtering, the processed cache);
- ``embed``: ``item_embeddings`` with the app's real embedder (all-MiniLM-L6-v2). Above
  ``--embed-limit`` items only a sample is embedded and timed, the full time is an
  extrapolation, and the other items get stand-in vectors (a sample vector plus noise, written
  to this benchmark's own cache) so that the later stages can run: all labelled so;
- ``store``: ``ItemStore.open`` (the Chroma collection) and its size on disk;
- ``serve``: ``build_deps`` (the app's start on the filled cache) with a freshly initialised
  LLM2SASRec of the app checkpoint's shape (latency does not depend on training), then
  ``--turns`` retrieval turns through ``CandidateRetriever.retrieve``, the app's code path
  (SASRec scores over every item, averaged over the orders of a typed list; Chroma queries
  for the request and the session; popularity; filters; fusion): p50/p95, per-source times,
  and the process's memory.

Each (size, stage) runs in its own process (so memory is its own), saves its result under
``<cache>/scale/<size>/stages/`` at once and is skipped when that exists (``--force`` redoes
it): the benchmark resumes, and the timed stages can be run in short ``quiet`` chunks.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: this checkout's packages, not an installed one
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommender.config import PROJECT_ROOT, Config, default_cache_dir  # noqa: E402

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
SIZES = (10_000, 100_000, 1_000_000)
STAGES = ("generate", "load", "embed", "store", "serve")
TARGETS = {"size": 100_000, "retrieval_p50_ms": 50.0, "app_rss_mb": 4096.0}
LABEL = "SYNTHETIC catalogue (generated titles, genres, years, text and interactions)"
log = logging.getLogger("scale")

GENRES = (
    "Drama", "Comedy", "Action", "Thriller", "Romance", "Horror", "Adventure", "Sci-Fi",
    "Crime", "Children's", "War", "Documentary", "Musical", "Mystery", "Animation",
    "Fantasy", "Western", "Film-Noir",
)  # fmt: skip
GENRE_WEIGHTS = np.array([30, 25, 12, 12, 10, 8, 7, 6, 6, 4, 3, 3, 3, 3, 2, 2, 2, 1], float)
ADJECTIVES = (
    "Silent Last Broken Golden Hidden Red Long Dark Wild Lost Burning Quiet Frozen Secret "
    "Crimson Distant Savage Bright Hollow Electric Forgotten Endless Northern Velvet Iron "
    "Midnight Paper Glass Stolen Sweet Bitter Lonely Little Great Final Second Falling "
    "Rising Wicked Gentle Restless Shattered Sacred Empty Crooked Invisible Radiant Feral"
).split()
NOUNS = (
    "Harbor River Garden Mirror Kingdom Letter Summer Road Witness Season Empire Shadow "
    "Promise Island Machine Orchard Signal Circus Frontier Lighthouse Compass Cathedral "
    "Stranger Daughter Brother Winter Horizon Carnival Storm Citadel Valley Passenger "
    "Highway Tide Ghost Engine Archive Voyage Desert Canyon Bridge Tower Planet Colony "
    "Detective Orchestra Harvest Journey Monsoon Prophecy Heist Reunion Sanctuary Spiral"
).split()
PLACES = (
    "Tokyo Lisbon the North Avalon Marseille Memphis the Moon Kyoto Cairo Dublin Havana "
    "Bombay Prague the Delta Sahara Alaska Naples Vienna Oslo Lagos"
).split()
ROLES = (
    "retired boxer", "young nurse", "small-town sheriff", "chess prodigy", "failed painter",
    "runaway bride", "night-shift cabbie", "ageing spy", "grieving widower", "street magician",
    "ship's cook", "teenage hacker", "country singer", "lighthouse keeper", "war photographer",
)  # fmt: skip
PLOTS = (
    "chases a stolen fortune", "falls for a stranger", "uncovers a family secret",
    "plans one last job", "fights to save a dying town", "hunts a killer", "crosses a desert",
    "rebuilds a broken band", "escapes a haunted house", "wins back an old love",
    "stands up to a crime boss", "survives a long winter", "finds a lost child",
)  # fmt: skip
REQUESTS = (
    "", "something funny", "a dark thriller", "a quiet drama about the sea", "no horror",
    "a heist with a twist", "something for the kids", "an old western",
)  # fmt: skip


# ------------------------------------------------------------------------------ generate
def synthetic_items(n: int, seed: int) -> list[dict]:
    """``n`` made-up films: title, year (skewed to recent), 1-3 genres, a one-line plot."""
    rng = np.random.default_rng(seed)
    adjective = rng.integers(len(ADJECTIVES), size=n)
    noun = rng.integers(len(NOUNS), size=n)
    place = rng.integers(-len(PLACES), len(PLACES), size=n)  # negative: no place
    years = np.clip(2025 - rng.exponential(18.0, size=n).astype(int), 1915, 2025)
    counts = rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15], size=n)
    role, plot = rng.integers(len(ROLES), size=n), rng.integers(len(PLOTS), size=n)
    p = GENRE_WEIGHTS / GENRE_WEIGHTS.sum()
    items = []
    for i in range(n):
        title = f"The {ADJECTIVES[adjective[i]]} {NOUNS[noun[i]]}"
        if place[i] >= 0:
            title += f" of {PLACES[place[i]]}"
        genres = rng.choice(len(GENRES), size=counts[i], replace=False, p=p)
        first = GENRES[genres[0]].lower()
        items.append(
            {
                "id": f"s{i}",
                "title": title,
                "year": int(years[i]),
                "genres": "|".join(GENRES[g] for g in genres),
                "description": f"A {first} in which a {ROLES[role[i]]} {PLOTS[plot[i]]}.",
            }
        )
    return items


def synthetic_interactions(n: int, seed: int, per_item: float = 2.0) -> np.ndarray:
    """(M, 3) user, item index, timestamp: every item once (so none is filtered out), then
    ``per_item * n`` draws from a Zipf(1.0) popularity over a random order of the items, over
    ``n // 10`` users (at least 200) whose activity is skewed too."""
    rng = np.random.default_rng(seed + 1)
    users = max(200, n // 10)
    rank = rng.permutation(n)  # item rank[i] is the i-th most popular
    weights = 1.0 / np.arange(1, n + 1)
    extra = int(per_item * n)
    popular = rank[rng.choice(n, size=extra, p=weights / weights.sum())]
    items = np.concatenate([np.arange(n), popular])
    activity = rng.pareto(1.5, size=users) + 1.0
    who = rng.choice(users, size=len(items), p=activity / activity.sum())
    when = rng.integers(946_684_800, 1_735_689_600, size=len(items))  # 2000-2025
    return np.stack([who, items, when], axis=1)


def stage_generate(n: int, work: Path, seed: int) -> dict:
    folder = work / "data"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    import csv

    items = synthetic_items(n, seed)
    with open(folder / "items.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "title", "year", "genres", "description"])
        writer.writeheader()
        writer.writerows(items)
    rows = synthetic_interactions(n, seed)
    with open(folder / "interactions.csv", "w", encoding="utf-8") as fh:
        fh.write("user,item,timestamp\n")
        fh.writelines(f"u{u},s{i},{t}\n" for u, i, t in rows.tolist())
    return {
        "seconds": time.perf_counter() - started,
        "items": n,
        "interactions": len(rows),
        "csv_mb": _size_mb(folder),
    }


# --------------------------------------------------------------------------- app stages
def _config(n: int, work: Path) -> Config:
    """The app's defaults, on this size's CSV folder and cache (and its fresh checkpoint)."""
    config = Config()
    config.data = replace(
        config.data, dataset=str(work / "data"), cache_dir=work, min_count=1, kind="movies"
    )
    config.store = replace(config.store, path=work / "chroma")
    config.llm = replace(config.llm, cache_dir=work / "llm")
    config.app = replace(config.app, sasrec_checkpoint=work / "sasrec-fresh-init.pt")
    return config


def stage_load(n: int, work: Path, seed: int) -> dict:
    from recommender.data import load_dataset

    config = _config(n, work)
    shutil.rmtree(work / "processed", ignore_errors=True)  # time the parse, not the cache
    started = time.perf_counter()
    dataset = load_dataset(config.data.dataset, config.data)
    seconds = time.perf_counter() - started
    if dataset.num_items != n:
        raise RuntimeError(f"expected {n} items after loading, got {dataset.num_items}")
    return {
        "seconds": seconds,
        "users": dataset.num_users,
        "interactions": dataset.num_interactions,
        "processed_mb": _size_mb(work / "processed"),
    }


def stand_in_vectors(sample: np.ndarray, n: int, seed: int) -> np.ndarray:
    """(n, dim) unit vectors for the items not embedded: item j gets sample row j % S plus
    Gaussian noise (cosine ~0.9 with it), so the store holds n distinct, clustered points."""
    rng = np.random.default_rng(seed + 2)
    base = sample[np.arange(n) % len(sample)]
    noisy = base + rng.normal(0.0, 0.5 / np.sqrt(sample.shape[1]), size=base.shape)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def stage_embed(n: int, work: Path, seed: int, limit: int, sample_size: int) -> dict:
    """Time the app's embedder on every text (``n <= limit``) or on a random sample, in a
    folder of its own that starts empty; the vectors then join this size's cache. Texts the
    cache still lacks (only above ``limit``, unless ``--fill-embeddings`` embedded them all)
    get stand-in vectors, and the result says how many."""
    from recommender.data import load_dataset
    from recommender.embeddings import EmbeddingCache, embed_cached, make_embedder

    config = _config(n, work)
    texts = load_dataset(config.data.dataset, config.data).catalogue.texts()
    embedder = make_embedder(config.embedding)
    loaded = time.perf_counter()
    embedder.embed(["warm-up"])  # the model load is timed on its own
    model_load = time.perf_counter() - loaded
    timed = texts
    if n > limit:
        chosen = np.random.default_rng(seed + 3).choice(n, size=sample_size, replace=False)
        timed = [texts[i] for i in np.sort(chosen)]
    timing = work / "embed-timing"
    shutil.rmtree(timing, ignore_errors=True)  # a timed stage starts empty
    started = time.perf_counter()
    vectors = embed_cached(timed, embedder, timing)
    seconds = time.perf_counter() - started
    cache = EmbeddingCache(work, embedder.name)
    filled = sum(v is not None for v in cache.get_many(texts))  # by an earlier --fill-embeddings
    cache.put_many(timed, vectors, save=False)
    missing = [t for t, v in zip(texts, cache.get_many(texts), strict=True) if v is None]
    if missing:
        cache.put_many(missing, stand_in_vectors(vectors, len(missing), seed), save=False)
    cache.save()
    shutil.rmtree(timing, ignore_errors=True)
    out = {"seconds": seconds, "model_load_s": model_load, "embedded": len(timed)}
    if n > limit:
        out.update(seconds=seconds * n / len(timed), extrapolated=True, measured_seconds=seconds)
    out["vectors"] = "real" if not missing else vectors_label(n, len(missing), filled)
    out["stand_in_vectors"] = len(missing)
    out["filled_before"] = filled
    return out


def vectors_label(n: int, stand_ins: int, filled: int | None = None) -> str:
    """How many of ``n`` items have real vectors and how many stand-ins."""
    if filled is None:  # not recorded: the cache may have held some from an untimed fill
        how = "the timed sample, and any an earlier untimed fill left in the cache"
    else:
        how = "the timed sample" + (" and an earlier --fill-embeddings" if filled else "")
    return (
        f"real for {n - stand_ins:,} items ({how}); stand-ins (a sample vector plus noise) "
        f"for the other {stand_ins:,}"
    )


def fill_embeddings(n: int, work: Path) -> int:
    """Embed every text of size ``n`` into its cache, untimed (a background job: one torch
    thread, resumable), so the later stages run on real vectors."""
    import torch

    from recommender.data import load_dataset
    from recommender.embeddings import embed_cached, make_embedder

    torch.set_num_threads(1)
    config = _config(n, work)
    texts = load_dataset(config.data.dataset, config.data).catalogue.texts()
    embed_cached(texts, make_embedder(config.embedding), work)
    print(f"{n:,} items: every text embedded in {work / 'embeddings'}")
    return 0


def _prefix(catalogue, limit: int):
    """The first ``limit`` items (ids 1..limit) as a catalogue of their own."""
    from recommender.data.catalogue import Catalogue

    return catalogue if len(catalogue) <= limit else Catalogue(catalogue.items[:limit])


def stage_store(n: int, work: Path, seed: int, limit: int) -> dict:
    """``ItemStore.open`` on every item, or (above ``limit``) on the first ``limit`` items,
    the time and size then scaled up linearly: a lower bound, as HNSW insertion grows a
    little faster than linearly."""
    from recommender.data import dataset_key, load_dataset
    from recommender.embeddings import item_embeddings, make_embedder
    from recommender.retrieval.vectorstore import ItemStore

    config = _config(n, work)
    catalogue = _prefix(load_dataset(config.data.dataset, config.data).catalogue, limit)
    embedder = make_embedder(config.embedding)
    shutil.rmtree(work / "chroma", ignore_errors=True)
    started = time.perf_counter()
    item_embeddings(catalogue, embedder, work)  # the cached vectors, read once
    read = time.perf_counter() - started
    started = time.perf_counter()
    store = ItemStore.open(
        catalogue, dataset_key(config.data.dataset), embedder, config.store, work
    )
    seconds = time.perf_counter() - started - read  # open() reads the cached vectors again
    if store.collection.count() != len(catalogue):
        raise RuntimeError(f"the store holds {store.collection.count()}, not {len(catalogue)}")
    out = {
        "seconds": seconds,
        "vector_cache_read_s": read,
        "store_mb": _size_mb(work / "chroma"),
        "embedding_cache_mb": _size_mb(work / "embeddings"),
    }
    if len(catalogue) < n:
        scale_up = n / len(catalogue)
        out.update(
            extrapolated=True,
            measured_items=len(catalogue),
            measured_seconds=seconds,
            measured_store_mb=out["store_mb"],
            seconds=seconds * scale_up,
            store_mb=out["store_mb"] * scale_up,
            note=f"built on the first {len(catalogue):,} items; time and size x{scale_up:g} "
            "(a lower bound)",
        )
    return out


def fresh_checkpoint(path: Path, num_items: int, seed: int) -> dict:
    """An untrained LLM2SASRec of the app checkpoint's shape over ``num_items`` items."""
    import torch

    from recommender.models.sasrec import SASRec, SASRecConfig
    from recommender.training import save_checkpoint

    app = torch.load(Config().app.sasrec_checkpoint, map_location="cpu", weights_only=False)
    shape = dict(app["model_config"], num_items=num_items)
    torch.manual_seed(seed)
    model = SASRec(SASRecConfig(**shape))
    save_checkpoint(
        path,
        {
            "version": 1,
            "architecture": "sasrec",
            "model_config": asdict(model.config),
            "state_dict": model.state_dict(),
            "name": "fresh-init (scale benchmark: latency does not depend on training)",
        },
    )
    return shape


def stage_serve(n: int, work: Path, seed: int, turns: int, limit: int, threads: int | None) -> dict:
    import psutil
    import torch

    from recommender.retrieval.candidates import RetrievalQuery
    from recommender.retrieval.vectorstore import ItemFilter

    config = _config(n, work)
    shape = fresh_checkpoint(config.app.sasrec_checkpoint, n, seed)
    if threads is not None:  # else the app's default (app.torch_threads)
        config.app = replace(config.app, torch_threads=threads or None)  # 0: torch's default
    started = time.perf_counter()
    if n <= limit:
        retriever, info = _app_retriever(config)
        partial_note = None
    else:
        retriever, info = _partial_retriever(config, limit)
        partial_note = (
            f"the Chroma store holds the first {limit:,} items only (its queries search "
            f"those); SASRec, popularity, filters and fusion cover all {n:,}; not build_deps"
        )
    startup = time.perf_counter() - started
    rss_ready = psutil.Process().memory_info().rss
    from recommender.data import load_dataset

    sequences = load_dataset(config.data.dataset, config.data).sequences
    rng = np.random.default_rng(seed + 4)
    users = [s for s in sequences if len(s) >= 5]
    latencies, per_source = [], {}
    for turn in range(turns + 5):  # the first 5 warm up (lazy loads, caches)
        history = list(users[rng.integers(len(users))][-15:])
        request = REQUESTS[turn % len(REQUESTS)]
        filters = ItemFilter(genres_any=("Comedy",)) if "funny" in request else ItemFilter()
        if request == "no horror":
            request, filters = "", ItemFilter(genres_none=("Horror",))
        query = RetrievalQuery(history=history, text=request or None, ordered=False,
                               filters=filters)  # fmt: skip
        t0 = time.perf_counter()
        result = retriever.retrieve(query)
        elapsed = (time.perf_counter() - t0) * 1000
        if turn >= 5:
            latencies.append(elapsed)
            for name, ms in result.timings_ms.items():
                per_source.setdefault(name, []).append(ms)
    out = {
        "startup_s": startup,
        "serving": dict(info, model=shape, torch_threads=torch.get_num_threads()),
        "retrieval_ms": _summary(latencies),
        "per_source_ms": {name: _summary(v) for name, v in per_source.items()},
        "rss_ready_mb": rss_ready / 2**20,
        "rss_after_turns_mb": psutil.Process().memory_info().rss / 2**20,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if partial_note:
        out.update(partial=True, note=partial_note)
    return out


def _app_retriever(config: Config):
    """The app's own start (``build_deps``) on the filled cache: its retriever and facts."""
    from recommender.serving import build_deps

    deps, info = build_deps(config, progress=False)
    return deps.retriever, {"sasrec": info.sasrec, "ranking": info.ranking, "how": "build_deps"}


def _partial_retriever(config: Config, limit: int):
    """What ``build_deps`` builds for retrieval (and the co-occurrence table its evidence
    keeps), over a store of the first ``limit`` items: for sizes too large to store here."""
    import torch

    from recommender.data import dataset_key, load_dataset
    from recommender.embeddings import item_embeddings, make_embedder
    from recommender.retrieval.candidates import CandidateRetriever
    from recommender.retrieval.cooccurrence import CoOccurrence
    from recommender.retrieval.vectorstore import ItemStore
    from recommender.serving import load_sasrec, popularity

    if config.app.torch_threads:
        torch.set_num_threads(config.app.torch_threads)  # as build_deps does
    dataset = load_dataset(config.data.dataset, config.data)
    embedder = make_embedder(config.embedding)
    store = ItemStore.open(
        _prefix(dataset.catalogue, limit),
        dataset_key(config.data.dataset),
        embedder,
        config.store,
        config.data.cache_dir,
    )
    vectors = item_embeddings(dataset.catalogue, embedder, config.data.cache_dir, False)
    sasrec, name = load_sasrec(config.app.sasrec_checkpoint, dataset.num_items)
    retriever = CandidateRetriever(
        dataset.catalogue, store, vectors, popularity(dataset), sasrec, config.retrieval
    )
    # kept alive with the retriever: build_deps holds it too (for the evidence), so it counts
    retriever.cooccurrence = CoOccurrence.from_sequences(dataset.sequences, dataset.num_items)
    return retriever, {"sasrec": name, "ranking": "retrieval order", "how": "partial"}


# ------------------------------------------------------------------------------- helpers
def _summary(values: list[float]) -> dict:
    return {
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "max": float(max(values)),
        "n": len(values),
    }


def _size_mb(path: Path) -> float:
    total = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
    return total / 2**20


def result_name(stage: str, threads: int | None) -> str:
    """``serve`` at the app's default threads; ``serve_threads<n>`` with ``--threads n``
    (``serve_threads0``: torch's default, one per core)."""
    return f"serve_threads{threads}" if stage == "serve" and threads is not None else stage


def stage_path(work: Path, stage: str) -> Path:
    return work / "stages" / f"{stage}.json"


def run_stage(args: argparse.Namespace) -> int:
    """One (size, stage) in this process: its result JSON, with the machine and peak RSS."""
    from recommender.machine import describe_machine
    from recommender.provenance import git_state

    n, work = args.size, args.work / str(args.size)
    machine = describe_machine()
    if args.stage == "generate":
        out = stage_generate(n, work, args.seed)
    elif args.stage == "load":
        out = stage_load(n, work, args.seed)
    elif args.stage == "embed":
        out = stage_embed(n, work, args.seed, args.embed_limit, args.embed_sample)
    elif args.stage == "store":
        out = stage_store(n, work, args.seed, args.store_limit)
    else:
        out = stage_serve(n, work, args.seed, args.turns, args.store_limit, args.threads)
    out["process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["machine"] = machine
    out["command"] = "python benchmarks/scale.py " + shlex.join(sys.argv[1:])
    out["git_commit"], out["git_dirty"] = git_state()
    out["recorded_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    path = stage_path(work, result_name(args.stage, args.threads))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():  # a rerun (--force) keeps the earlier result: every run is reported
        earlier = path.parent / "previous"
        earlier.mkdir(exist_ok=True)
        path.replace(earlier / f"{path.stem}-{len(list(earlier.glob(path.stem + '-*')))}.json")
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"{n:,} items, {args.stage}: " + json.dumps(_short(out)))
    return 0


def _short(out: dict) -> dict:
    keep = ("seconds", "startup_s", "retrieval_ms", "store_mb", "rss_ready_mb", "extrapolated")
    return {k: out[k] for k in keep if k in out}


def run_all(args: argparse.Namespace) -> int:
    """Each requested (size, stage) not done yet, in its own process, in order."""
    for n in args.sizes:
        for stage in args.stages:
            work = args.work / str(n)
            if stage_path(work, result_name(stage, args.threads)).exists() and not args.force:
                print(f"{n:,} items, {stage}: done before ({stage_path(work, stage)})")
                continue
            command = [sys.executable, __file__, "--stage", stage, "--size", str(n)]
            command += ["--work", str(args.work), "--seed", str(args.seed)]
            command += ["--turns", str(args.turns), "--embed-limit", str(args.embed_limit)]
            command += ["--embed-sample", str(args.embed_sample)]
            command += ["--store-limit", str(args.store_limit)]
            command += [] if args.threads is None else ["--threads", str(args.threads)]
            print(f"{n:,} items, {stage}: running")
            done = subprocess.run(command, env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT)))
            if done.returncode != 0:
                print(f"{n:,} items, {stage}: failed (exit {done.returncode}); later stages of "
                      "this size skipped")  # fmt: skip
                break
    return 0


# -------------------------------------------------------------------------------- report
def collect(work: Path, sizes: list[int]) -> dict:
    """Every stage result on disk, by size."""
    by_size = {}
    for n in sizes:
        stages = {}
        for path in sorted((work / str(n) / "stages").glob("*.json")):
            if path.stem in STAGES or path.stem.startswith("serve_threads"):
                stages[path.stem] = json.loads(path.read_text())
        earlier = sorted((work / str(n) / "stages" / "previous").glob("*.json"))
        if earlier:  # reruns: the earlier results of the same stage, reported too
            stages["previous"] = {path.stem: json.loads(path.read_text()) for path in earlier}
        if stages:
            by_size[str(n)] = stages
    return by_size


def largest(by_size: dict) -> dict:
    """At the largest size measured: each cost against its target or its 10x-smaller size,
    slowest first, so "what breaks first" reads off the data."""
    sizes = sorted(by_size, key=int)
    top = sizes[-1]
    stages = by_size[top]
    costs = []
    for stage in ("load", "embed", "store"):
        if stage in stages:
            costs.append({"what": f"prepare: {stage}", "seconds": stages[stage]["seconds"],
                          "extrapolated": bool(stages[stage].get("extrapolated"))})  # fmt: skip
    costs.sort(key=lambda c: -c["seconds"])
    out: dict = {"items": int(top), "slowest_prepare_stages": costs}
    serve = stages.get("serve")
    if serve is not None:
        out["retrieval_p50_ms"] = serve["retrieval_ms"]["p50"]
        out["retrieval_p50_over_target"] = (
            serve["retrieval_ms"]["p50"] > TARGETS["retrieval_p50_ms"]
        )
        out["app_peak_rss_mb"] = serve["peak_rss_mb"]
        out["app_memory_over_target"] = serve["peak_rss_mb"] > TARGETS["app_rss_mb"]
        out["slowest_source"] = max(serve["per_source_ms"].items(), key=lambda kv: kv[1]["p50"])[0]
    return out


def verdict(by_size: dict) -> dict:
    """The targets at ``TARGETS['size']`` items, from what was measured there."""
    serve = by_size.get(str(TARGETS["size"]), {}).get("serve")
    if serve is None:
        return {"measured": False}
    p50 = serve["retrieval_ms"]["p50"]
    rss = serve["peak_rss_mb"]
    return {
        "measured": True,
        "retrieval_p50_ms": p50,
        "retrieval_p50_met": p50 <= TARGETS["retrieval_p50_ms"],
        "app_peak_rss_mb": rss,
        "app_memory_met": rss <= TARGETS["app_rss_mb"],
    }


def _cell(stages: dict, stage: str, key: str, fmt: str = "{:.1f}") -> str:
    value = stages.get(stage, {}).get(key)
    if value is None:
        return "–"
    text = fmt.format(value)
    return text + " (extrapolated)" if stages[stage].get("extrapolated") else text


def markdown(result: dict) -> str:
    rows = []
    for n, stages in result["sizes"].items():
        get = partial(_cell, stages)
        serve = stages.get("serve", {})
        lat = serve.get("retrieval_ms", {})
        rows.append(
            f"| {int(n):,} | {get('load', 'seconds')} | {get('embed', 'seconds')} | "
            f"{get('store', 'seconds')} | {get('store', 'store_mb', '{:.0f}')} | "
            f"{get('serve', 'startup_s')} | "
            f"{lat.get('p50', float('nan')):.1f} / {lat.get('p95', float('nan')):.1f} | "
            f"{get('serve', 'peak_rss_mb', '{:.0f}')} |"
        )
    v = result["targets_at_100k"]
    lines = [
        f"# Scale benchmark ({LABEL})",
        "",
        "| items | load (s) | embed (s) | Chroma build (s) | store (MB) | app start, cached (s) "
        "| retrieval p50 / p95 (ms) | app peak RSS (MB) |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    if v.get("measured"):
        lines.append(
            f"Targets at {TARGETS['size']:,} items: retrieval p50 {v['retrieval_p50_ms']:.1f} ms "
            f"(target <= {TARGETS['retrieval_p50_ms']:.0f}: "
            f"{'met' if v['retrieval_p50_met'] else 'missed'}), app peak RSS "
            f"{v['app_peak_rss_mb']:.0f} MB (target <= {TARGETS['app_rss_mb']:.0f}: "
            f"{'met' if v['app_memory_met'] else 'missed'})."
        )
    for n, stages in result["sizes"].items():
        threads = (stages.get("serve", {}).get("serving") or {}).get("torch_threads")
        others = [
            f"{(run.get('serving') or {}).get('torch_threads')} thread(s)"
            f"{' (torch default)' if name == 'serve_threads0' else ''}: "
            f"{run['retrieval_ms']['p50']:.1f} / {run['retrieval_ms']['p95']:.1f} ms"
            for name, run in stages.items()
            if name.startswith("serve_threads") and "retrieval_ms" in run
        ]
        if threads:
            line = f"{int(n):,} items: the table's retrieval at {threads} torch thread(s)"
            lines.append(line + (f"; p50 / p95 at {', '.join(others)}" if others else "") + ".")
    lines += ["", "Per-source retrieval times (p50 ms):", ""]
    for n, stages in result["sizes"].items():
        sources = stages.get("serve", {}).get("per_source_ms", {})
        if sources:
            parts = ", ".join(f"{k} {s['p50']:.1f}" for k, s in sources.items())
            lines.append(f"- {int(n):,} items: {parts}")
    for n, stages in result["sizes"].items():
        embed = stages.get("embed", {})
        if embed.get("extrapolated"):
            label = vectors_label(int(n), embed["stand_in_vectors"], embed.get("filled_before"))
            lines.append(
                f"\nAt {int(n):,} items the embedding time is extrapolated from "
                f"{embed['embedded']:,} texts embedded in {embed['measured_seconds']:.1f} s; "
                f"vectors: {label}."
            )
    for n, stages in result["sizes"].items():
        for name, run in (stages.get("previous") or {}).items():
            if "retrieval_ms" in run:
                lat = run["retrieval_ms"]
                lines.append(
                    f"\nEarlier run at {int(n):,} items ({name}): retrieval p50 / p95 "
                    f"{lat['p50']:.1f} / {lat['p95']:.1f} ms; {run['machine']}."
                )
    lines += ["", f"Command: `{result['command']}`; machine: {result['machine']}.", ""]
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [int(n) for n in result["sizes"]]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for stage, label in (("load", "load CSV"), ("embed", "embed"), ("store", "Chroma build"),
                         ("serve", "app start (cached)")):  # fmt: skip
        key = "startup_s" if stage == "serve" else "seconds"
        points = [(n, s[stage][key]) for n, s in zip(sizes, result["sizes"].values(),
                                                     strict=True) if stage in s]  # fmt: skip
        if points:
            (line,) = axes[0].plot(*zip(*points, strict=True), marker="o", label=label)
            guessed = [(n, s[stage][key]) for n, s in zip(sizes, result["sizes"].values(),
                       strict=True) if s.get(stage, {}).get("extrapolated")]  # fmt: skip
            if guessed:  # hollow rings: extrapolated, not measured whole
                axes[0].scatter(*zip(*guessed, strict=True), s=140, facecolors="none",
                                edgecolors=line.get_color())  # fmt: skip
    axes[0].text(0.02, 0.02, "ring: extrapolated", transform=axes[0].transAxes, fontsize=7)
    axes[0].set(xscale="log", yscale="log", xlabel="items (synthetic)", ylabel="seconds",
                title="prepare, per stage")  # fmt: skip
    axes[0].legend(fontsize=8)
    for key in ("p50", "p95"):
        points = [(n, s["serve"]["retrieval_ms"][key]) for n, s in
                  zip(sizes, result["sizes"].values(), strict=True) if "serve" in s]  # fmt: skip
        if points:
            axes[1].plot(*zip(*points, strict=True), marker="o", label=f"retrieval {key}")
    axes[1].axhline(TARGETS["retrieval_p50_ms"], color="grey", ls="--", label="p50 target")
    axes[1].set(xscale="log", xlabel="items (synthetic)", ylabel="ms", title="one turn")
    axes[1].legend(fontsize=8)
    for stage, key, label in (("serve", "peak_rss_mb", "app peak RSS"),
                              ("store", "store_mb", "Chroma on disk")):  # fmt: skip
        points = [(n, s[stage][key]) for n, s in zip(sizes, result["sizes"].values(),
                                                     strict=True) if stage in s]  # fmt: skip
        if points:
            axes[2].plot(*zip(*points, strict=True), marker="o", label=label)
    axes[2].axhline(TARGETS["app_rss_mb"], color="grey", ls="--", label="memory target")
    axes[2].set(xscale="log", yscale="log", xlabel="items (synthetic)", ylabel="MB",
                title="memory and store size")  # fmt: skip
    axes[2].legend(fontsize=8)
    fig.suptitle(LABEL, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(args: argparse.Namespace, command: str) -> int:
    from recommender.machine import describe_machine
    from recommender.provenance import collect_provenance

    by_size = collect(args.work, args.sizes)
    if not by_size:
        print(f"nothing measured yet under {args.work}")
        return 1
    result = {
        "label": LABEL,
        "command": command,
        "machine": describe_machine() + " (when the report was assembled; each stage records "
        "its own machine line)",
        "sizes": by_size,
        "targets": TARGETS,
        "targets_at_100k": verdict(by_size),
        "largest_size": largest(by_size),
        "notes": [
            "The sequence model is freshly initialised (latency and memory do not depend on "
            "training); fusion and Chroma queries are the app's code (recommender.retrieval).",
            "The app's default start needs no LLM item states (LLM ranking is off).",
        ],
        "provenance": collect_provenance(
            command,
            artifacts={"shape_of": Config().app.sasrec_checkpoint},
            config={
                "sizes": args.sizes,
                "seed": args.seed,
                "turns": args.turns,
                "embed_limit": args.embed_limit,
                "embed_sample": args.embed_sample,
            },
        ),  # fmt: skip
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "scale.md").write_text(markdown(result))
    plot(result, RESULTS / "scale.png")
    print(markdown(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Scale benchmark on synthetic catalogues (see the module docstring).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="item counts")
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--work", type=Path, default=default_cache_dir() / "scale",
                        help="where the catalogues, caches and stage results go")  # fmt: skip
    parser.add_argument("--turns", type=int, default=100, help="timed retrieval turns")
    parser.add_argument("--embed-limit", type=int, default=200_000,
                        help="above this many items, embed a sample and extrapolate")  # fmt: skip
    parser.add_argument("--embed-sample", type=int, default=20_000, help="that sample's size")
    parser.add_argument("--store-limit", type=int, default=200_000,
                        help="above this many items, store the first ones, scale up")  # fmt: skip
    parser.add_argument("--threads", type=int, default=None,
                        help="serve: torch threads (default: the app's app.torch_threads; "
                        "0: torch's default, one per core)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="redo stages already done")
    parser.add_argument("--report", action="store_true",
                        help="write benchmarks/results/scale.{json,md,png}")  # fmt: skip
    parser.add_argument("--fill-embeddings", action="store_true",
                        help="embed every text of --sizes untimed (run it through bg)")  # fmt: skip
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)  # one, in-process
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if any(n < 100 for n in args.sizes) or (args.size is not None and args.size < 100):
        parser.error("sizes must be at least 100 items")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    command = "python benchmarks/scale.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    if args.stage:
        return run_stage(args)
    if args.report:
        return report(args, command)
    if args.fill_embeddings:
        return max(fill_embeddings(n, args.work / str(n)) for n in args.sizes)
    return run_all(args)


if __name__ == "__main__":
    raise SystemExit(main())
