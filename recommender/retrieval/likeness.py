"""How alike two items are, for "more like Heat" and "nothing like Casino".

A person who asks for films like Heat means films the same people watch *and* of the same
kind. So likeness is the cosine of two items' vectors in an item space plus a small weight
times the Jaccard overlap of their genres::

    like(x, y) = cos(v_x, v_y) + genre_weight * |G_x & G_y| / |G_x | G_y|

The item space is the sequence model's item embeddings (who watches what) when there is a
model, else the title-text vectors. ``python benchmarks/anchors.py`` compares the choices on
real users (next-item accuracy from "like <the film watched last>", and how many of the ten
nearest share a genre with it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from recommender.data.catalogue import Catalogue
from recommender.models.sasrec import SASRec

SPACES = ("sasrec", "text")


def item_space(sasrec: SASRec | None, item_vectors: np.ndarray, space: str) -> np.ndarray:
    """Unit item vectors (N, dim), row r = item id r + 1: the sequence model's item
    embeddings (``"sasrec"``, when there is a model) or the title-text vectors (``"text"``)."""
    if space not in SPACES:
        raise ValueError(f"retrieval.anchor_space must be one of {SPACES}, not {space!r}")
    if space == "text" or sasrec is None:
        return item_vectors
    weights = sasrec.item_emb.weight.detach()[1:].float()
    return torch.nn.functional.normalize(weights, dim=1).numpy()


class Likeness:
    """Likeness of every item to a few named ones. Read-only after construction."""

    def __init__(self, catalogue: Catalogue, vectors: np.ndarray, genre_weight: float) -> None:
        self.vectors = vectors  # (N, dim), unit rows
        self.genre_weight = genre_weight
        names = sorted({genre for item in catalogue for genre in item.genres})
        column = {name: c for c, name in enumerate(names)}
        self.genres = np.zeros((len(catalogue), max(len(names), 1)), dtype=np.float32)  # (N, G)
        for item in catalogue:
            for genre in item.genres:
                self.genres[item.item_id - 1, column[genre]] = 1.0
        self.genre_counts = self.genres.sum(axis=1)  # (N,)

    def scores(self, items: Sequence[int]) -> np.ndarray:
        """(N,) mean likeness of every item to ``items`` (ids 1..N); row r = item id r + 1."""
        rows = np.asarray(items) - 1
        cosine = (self.vectors @ self.vectors[rows].T).mean(axis=1)  # (N,)
        if not self.genre_weight:
            return cosine
        shared = self.genres @ self.genres[rows].T  # (N, A)
        union = self.genre_counts[:, None] + self.genre_counts[rows][None, :] - shared
        jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        return cosine + self.genre_weight * jaccard.mean(axis=1)

    def nearest(self, item_id: int, depth: int) -> set[int]:
        """``item_id`` and the ``depth`` items most like it."""
        scores = self.scores([item_id])
        scores[item_id - 1] = np.inf
        take = min(depth + 1, len(scores))
        return {int(row) + 1 for row in np.argpartition(-scores, take - 1)[:take]}
