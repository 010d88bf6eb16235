"""The Chroma item store: one collection per dataset and embedder, with our own embeddings.

Chroma's default embedding function downloads a model and fails offline, so every vector
(items and queries) comes from our ``TextEmbedder``. A collection records a fingerprint of
the catalogue and the embedder; it is rebuilt only when that fingerprint changes.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from recommender.config import StoreConfig
from recommender.data.catalogue import Catalogue, Item
from recommender.embeddings import TextEmbedder, item_embeddings
from recommender.errors import SequelError

log = logging.getLogger(__name__)

NO_GENRE = "(no genre)"  # Chroma refuses empty list metadata
NO_YEAR = -1


@dataclass(frozen=True)
class ItemFilter:
    """Metadata filters for a store query; empty fields filter nothing."""

    genres_any: tuple[str, ...] = ()  # keep items with at least one of these genres
    genres_all: tuple[str, ...] = ()  # keep items with every one of these genres
    genres_none: tuple[str, ...] = ()  # drop items with any of these genres
    year_from: int | None = None  # inclusive
    year_to: int | None = None  # inclusive
    years_not: tuple[tuple[int, int], ...] = ()  # inclusive [lo, hi] ranges to drop ("not the 90s")
    exclude_ids: frozenset[int] = field(default_factory=frozenset)  # never return these

    def where(self) -> dict | None:
        """The Chroma ``where`` clause for the metadata part of the filter."""
        clauses: list[dict] = []
        if self.genres_any:
            anyof = [{"genres": {"$contains": g}} for g in self.genres_any]
            clauses.append(anyof[0] if len(anyof) == 1 else {"$or": anyof})
        clauses += [{"genres": {"$contains": g}} for g in self.genres_all]
        clauses += [{"genres": {"$not_contains": g}} for g in self.genres_none]
        if self.year_from is not None:
            clauses.append({"year": {"$gte": int(self.year_from)}})
        if self.year_to is not None:
            clauses.append({"year": {"$lte": int(self.year_to)}})
            if self.year_from is None:
                clauses.append({"year": {"$gt": NO_YEAR}})
        for lo, hi in self.years_not:
            clauses.append({"$or": [{"year": {"$lt": int(lo)}}, {"year": {"$gt": int(hi)}}]})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, item: Item) -> bool:
        """The same filter in Python (for candidates that do not come from the store)."""
        if item.item_id in self.exclude_ids:
            return False
        if self.genres_any and not set(item.genres) & set(self.genres_any):
            return False
        if not set(self.genres_all) <= set(item.genres):
            return False
        if set(item.genres) & set(self.genres_none):
            return False
        if self.year_from is not None and (item.year is None or item.year < self.year_from):
            return False
        if self.year_to is not None and (item.year is None or item.year > self.year_to):
            return False
        if item.year is not None and any(lo <= item.year <= hi for lo, hi in self.years_not):
            return False
        return True

    def rejected(self, catalogue: Iterable[Item]) -> frozenset[int]:
        """The ids of every item the filter turns away (one pass over the catalogue, or just
        ``exclude_ids`` when nothing else is filtered)."""
        metadata = replace(self, exclude_ids=frozenset())
        if metadata == ItemFilter():
            return self.exclude_ids
        return self.exclude_ids | {i.item_id for i in catalogue if not metadata.accepts(i)}


@dataclass(frozen=True)
class Hit:
    item_id: int
    score: float  # cosine similarity, higher is closer


def make_client(config: StoreConfig, cache_dir: Path):
    """A persistent local client (default) or an HTTP client for a Chroma server."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if config.mode == "persistent":
        path = config.path or Path(cache_dir) / "chroma"
        return chromadb.PersistentClient(path=str(path), settings=settings)
    if config.mode == "http":
        try:
            return chromadb.HttpClient(host=config.host, port=config.port, settings=settings)
        except Exception as exc:  # chromadb raises several types for an unreachable server
            raise SequelError(f"cannot reach Chroma at {config.host}:{config.port}: {exc}") from exc
    raise SequelError(f"unknown store mode {config.mode!r} (use persistent or http)")


def collection_name(dataset_key: str, embedder_name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "-", f"items-{dataset_key}-{embedder_name}")
    return name[:500]


def fingerprint(catalogue: Catalogue, embedder: TextEmbedder) -> str:
    digest = hashlib.sha256(f"{embedder.name}|{embedder.dim}".encode())
    for item in catalogue:
        digest.update(f"\x00{item.item_id}\x01{item.text}\x01{item.year}".encode())
    return digest.hexdigest()[:32]


class ItemStore:
    """Nearest catalogue items to a text or a vector, with metadata filters."""

    def __init__(self, collection, catalogue: Catalogue, embedder: TextEmbedder):
        self.collection = collection
        self.catalogue = catalogue
        self.embedder = embedder

    @classmethod
    def open(
        cls,
        catalogue: Catalogue,
        dataset_key: str,
        embedder: TextEmbedder,
        config: StoreConfig,
        cache_dir: Path,
        progress: bool = True,
        client=None,
    ) -> ItemStore:
        """Reuse the collection if its fingerprint matches, else (re)build it."""
        client = client or make_client(config, cache_dir)
        name = collection_name(dataset_key, embedder.name)
        wanted = fingerprint(catalogue, embedder)
        try:
            existing = client.get_collection(name, embedding_function=None)
        except Exception:  # chromadb raises NotFoundError or ValueError depending on client
            existing = None
        if existing is not None:
            meta = existing.metadata or {}
            if meta.get("fingerprint") == wanted and existing.count() == len(catalogue):
                log.info("reusing Chroma collection %s", name)
                return cls(existing, catalogue, embedder)
            log.info("catalogue or embedder changed: rebuilding Chroma collection %s", name)
            client.delete_collection(name)
        started = time.perf_counter()
        vectors = item_embeddings(catalogue, embedder, cache_dir, progress)
        log.info("item embeddings ready: %d items (%.1fs)", len(catalogue), _since(started))
        started = time.perf_counter()
        collection = client.create_collection(
            name,
            metadata={"fingerprint": wanted, "embedder": embedder.name},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        batch = min(client.get_max_batch_size(), 2048)
        items = list(catalogue)
        with tqdm(total=len(items), desc="chroma", unit="item", disable=not progress) as bar:
            for start in range(0, len(items), batch):
                chunk = items[start : start + batch]
                collection.add(
                    ids=[str(item.item_id) for item in chunk],
                    embeddings=vectors[start : start + len(chunk)],
                    metadatas=[_metadata(item) for item in chunk],
                    documents=[item.text for item in chunk],
                )
                bar.update(len(chunk))
        log.info("built Chroma collection %s: %d items (%.1fs)", name, len(items), _since(started))
        return cls(collection, catalogue, embedder)

    def query(
        self,
        text: str | None = None,
        vector: np.ndarray | Sequence[float] | None = None,
        k: int = 10,
        filters: ItemFilter | None = None,
    ) -> list[Hit]:
        """Top-``k`` items nearest to ``text`` or ``vector`` that pass ``filters``."""
        if (text is None) == (vector is None):
            raise ValueError("give exactly one of text or vector")
        if vector is None:
            vector = self.embedder.embed([text])[0]
        filters = filters or ItemFilter()
        total = self.collection.count()
        wanted = min(total, k + len(filters.exclude_ids))
        if wanted <= 0:
            return []
        result = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=wanted,
            where=filters.where(),
            include=["distances"],
        )
        hits = []
        for raw_id, distance in zip(result["ids"][0], result["distances"][0], strict=True):
            item_id = int(raw_id)
            if item_id in filters.exclude_ids:
                continue
            hits.append(Hit(item_id, 1.0 - float(distance)))
            if len(hits) == k:
                break
        return hits


def _since(started: float) -> float:
    return time.perf_counter() - started


def _metadata(item: Item) -> dict:
    return {
        "item_id": item.item_id,
        "title": item.display_title,
        "year": item.year if item.year is not None else NO_YEAR,
        "genres": list(item.genres) or [NO_GENRE],
    }
