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

    def __init__(
        self,
        catalogue: Catalogue,
        vectors: np.ndarray,
        genre_weight: float,
        blend_genre_weight: float = 1.0,
    ) -> None:
        self.vectors = vectors  # (N, dim), unit rows
        self.genre_weight = genre_weight
        self.blend_genre_weight = blend_genre_weight
        names = sorted({genre for item in catalogue for genre in item.genres})
        self.genre_column = {name: c for c, name in enumerate(names)}  # genre -> column
        self.genres = np.zeros((len(catalogue), max(len(names), 1)), dtype=np.float32)  # (N, G)
        for item in catalogue:
            for genre in item.genres:
                self.genres[item.item_id - 1, self.genre_column[genre]] = 1.0
        self.genre_counts = self.genres.sum(axis=1)  # (N,)

    def scores(self, items: Sequence[int], all_of: bool = False) -> np.ndarray:
        """(N,) mean likeness of every item to ``items`` (ids 1..N); row r = item id r + 1.

        ``all_of`` ("a cross between Alien and Groundhog Day"): the genre term is the
        geometric mean of the overlaps, weighted ``blend_genre_weight``, so that an item
        sharing genres with every one of them (a sci-fi comedy) comes before one like only
        one of them (the mean cosine alone finds the films near both in who watches them:
        mainstream hits)."""
        rows = np.asarray(items) - 1
        cosine = (self.vectors @ self.vectors[rows].T).mean(axis=1)  # (N,)
        weight = self.blend_genre_weight if all_of else self.genre_weight
        if not weight:
            return cosine
        jaccard = self.genre_overlap(rows)  # (N, A)
        overlap = np.prod(jaccard, axis=1) ** (1 / len(rows)) if all_of else jaccard.mean(axis=1)
        return cosine + weight * overlap

    def genre_overlap(self, rows: np.ndarray) -> np.ndarray:
        """(N, A) Jaccard overlap of every item's genres with those of the items at ``rows``."""
        shared = self.genres @ self.genres[rows].T  # (N, A)
        union = self.genre_counts[:, None] + self.genre_counts[rows][None, :] - shared
        return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)

    def nearest(self, item_id: int, depth: int) -> set[int]:
        """``item_id`` and the ``depth`` items most like it."""
        scores = self.scores([item_id])
        scores[item_id - 1] = np.inf
        take = min(depth + 1, len(scores))
        return {int(row) + 1 for row in np.argpartition(-scores, take - 1)[:take]}
