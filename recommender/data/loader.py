"""``load_dataset``: fetch, parse, preprocess and cache a dataset by name, CSV folder or
``amazon2023:PATH`` (one Amazon Reviews 2023 category)."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import numpy as np

from recommender.config import DataConfig
from recommender.data import amazon
from recommender.data.byo import read_csv_folder
from recommender.data.catalogue import Catalogue, Item
from recommender.data.dataset import Dataset
from recommender.data.movielens import RawData, read_archive
from recommender.data.preprocess import build_dataset
from recommender.data.sources import DATASET_SOURCES, Source, fetch, file_digest
from recommender.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # bump when the processed format or the preprocessing changes
FILES = ("items.json", "sequences.npz")


def known_datasets() -> list[str]:
    return sorted(DATASET_SOURCES)


def _is_folder_spec(name: str) -> bool:
    if amazon.is_amazon_spec(name):
        return False
    return name not in DATASET_SOURCES and (Path(name).is_dir() or "/" in name or name == ".")


def dataset_key(name: str) -> str:
    """A short, file-system-safe name for caches and stores (``ml-1m``, ``csv-shop-1a2b3c4d``,
    ``amazon2023-All_Beauty-1a2b3c4d``)."""
    if name in DATASET_SOURCES:
        return name
    if amazon.is_amazon_spec(name):
        files = amazon.find_files(name)
        digest = hashlib.sha1(str(files.reviews.resolve()).encode()).hexdigest()[:8]
        return f"amazon2023-{files.category}-{digest}"
    folder = Path(name).resolve()
    digest = hashlib.sha1(str(folder).encode()).hexdigest()[:8]
    return f"csv-{folder.name or 'data'}-{digest}"


def _raw_data(name: str, config: DataConfig) -> tuple[RawData, str]:
    """The parsed raw data and a fingerprint of what it was read from."""
    if name in DATASET_SOURCES:
        sources: tuple[Source, ...] = DATASET_SOURCES[name]
        archive, source = fetch(sources, config.cache_dir / "raw" / name, config.download_timeout_s)
        log.info("reading %s (%s)", archive.name, source.location)
        return read_archive(archive, source), f"{source.algorithm}:{source.checksum}"
    if amazon.is_amazon_spec(name):
        return amazon.read_amazon(name, config.min_count), amazon.fingerprint(name)
    folder = Path(name)
    if not folder.is_dir():
        known = ", ".join(known_datasets())
        raise DataError(f"unknown dataset {name!r}: use one of {known}, or a folder with CSV files")
    return read_csv_folder(folder), _byo_fingerprint(folder)


def _byo_fingerprint(folder: Path) -> str:
    fingerprint = hashlib.sha256()
    for file in ("items.csv", "interactions.csv"):
        if (folder / file).is_file():
            fingerprint.update(file_digest(folder / file, "sha256").encode())
    return "sha256:" + fingerprint.hexdigest()


def _save(dataset: Dataset, folder: Path, manifest: dict) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    items = [
        {
            "raw_id": item.raw_id,
            "title": item.title,
            "year": item.year,
            "genres": list(item.genres),
            "description": item.description,
        }
        for item in dataset.catalogue
    ]
    (tmp / "items.json").write_text(
        json.dumps({"name": dataset.name, "items": items, "users": dataset.user_ids})
    )
    lengths = np.array([len(s) for s in dataset.sequences], dtype=np.int64)
    np.savez(
        tmp / "sequences.npz",
        items=np.concatenate([np.asarray(s, dtype=np.int32) for s in dataset.sequences]),
        timestamps=np.concatenate([np.asarray(t, dtype=np.int64) for t in dataset.timestamps]),
        lengths=lengths,
    )
    manifest = dict(manifest, files={f: file_digest(tmp / f, "sha256") for f in FILES})
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.replace(folder)


def _load(folder: Path, expected: dict) -> Dataset | None:
    """The cached dataset, or ``None`` if it is missing, stale or corrupt (with a warning)."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text())
        for key, value in expected.items():
            if manifest.get(key) != value:
                log.info("cached %s is stale (%s changed); rebuilding", folder.name, key)
                return None
        for file in FILES:
            if file_digest(folder / file, "sha256") != manifest["files"][file]:
                raise DataError(f"{file} does not match its recorded checksum")
        meta = json.loads((folder / "items.json").read_text())
        arrays = np.load(folder / "sequences.npz")
        bounds = np.concatenate([[0], np.cumsum(arrays["lengths"])])
        flat_items, flat_ts = arrays["items"].tolist(), arrays["timestamps"].tolist()
        sequences = [flat_items[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        timestamps = [flat_ts[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        items = [
            Item(i, d["raw_id"], d["title"], d["year"], tuple(d["genres"]), d["description"])
            for i, d in enumerate(meta["items"], start=1)
        ]
        return Dataset(meta["name"], Catalogue(items), meta["users"], sequences, timestamps)
    except (OSError, ValueError, KeyError, TypeError, DataError) as exc:
        log.warning("processed cache %s is corrupt (%s); rebuilding it", folder, exc)
        return None


def load_dataset(name: str, config: DataConfig | None = None, progress: bool = True) -> Dataset:
    """The dataset ``name`` (``ml-1m``, ``ml-100k``, a CSV folder or ``amazon2023:PATH``),
    prepared on first use.

    Raw archives and the processed result are cached under ``config.cache_dir``; a corrupt or
    stale cache is detected by checksums and rebuilt.
    """
    del progress  # downloads show their own progress; parsing takes a few seconds
    config = config or DataConfig()
    is_amazon = amazon.is_amazon_spec(name)
    if name not in DATASET_SOURCES and not is_amazon and not _is_folder_spec(name):
        known = ", ".join(known_datasets())
        raise DataError(
            f"unknown dataset {name!r}: use one of {known}, a folder with CSV files, "
            "or amazon2023:PATH"
        )
    folder = config.cache_dir / "processed" / dataset_key(name)
    expected: dict = {"version": CACHE_VERSION, "min_count": config.min_count}
    if name in DATASET_SOURCES:
        expected["dataset"] = name
    elif is_amazon:
        expected["source"] = amazon.fingerprint(name)
    else:
        expected["source"] = _byo_fingerprint(Path(name))
    cached = _load(folder, expected)
    if cached is not None:
        return cached
    raw, source_fingerprint = _raw_data(name, config)
    label = name if name in DATASET_SOURCES else dataset_key(name)
    dataset = build_dataset(label, raw, config.min_count)
    _save(dataset, folder, dict(expected, raw=source_fingerprint))
    log.info(
        "prepared %s: %d users, %d items, %d interactions",
        label,
        dataset.num_users,
        dataset.num_items,
        dataset.num_interactions,
    )
    return dataset
