"""LLM2SASRec initialisation (Boz et al., 2024): item embeddings start from text embeddings.

The text embeddings of the items (one row per item id 1..N) are reduced to the model width
with PCA, optionally rescaled, and copied into the item table; row 0 (padding) stays zero.
A ``trainable`` flag decides whether the table is then fine-tuned or frozen. The shuffled
control permutes the text vectors across items first: same scale and geometry, wrong items.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from recommender.data.catalogue import PADDING_ID


def pca_reduce(vectors: np.ndarray, dim: int) -> np.ndarray:
    """Project (N, D) vectors on their top ``dim`` principal components: -> (N, dim) float32.

    Deterministic: the sign of each component is fixed so that its largest loading is
    positive. ``dim`` may not exceed min(N, D).
    """
    matrix = np.asarray(vectors, dtype=np.float64)  # (N, D)
    if matrix.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {matrix.shape}")
    num, width = matrix.shape
    if not 1 <= dim <= min(num, width):
        raise ValueError(f"cannot take {dim} principal components of {num} vectors of dim {width}")
    centred = matrix - matrix.mean(axis=0, keepdims=True)  # (N, D)
    _, _, components = np.linalg.svd(centred, full_matrices=False)  # (min(N, D), D)
    components = components[:dim]  # (dim, D)
    biggest = np.abs(components).argmax(axis=1)  # (dim,)
    signs = np.sign(components[np.arange(dim), biggest])  # (dim,)
    components = components * signs[:, None]  # (dim, D)
    return (centred @ components.T).astype(np.float32)  # (N, dim)


def text_embedding_table(
    vectors: np.ndarray, dim: int, std: float | None = None, permutation_seed: int | None = None
) -> np.ndarray:
    """The initial item table from text embeddings: (N, D) -> (N+1, dim), row 0 all zeros.

    ``std`` rescales the reduced vectors (one global factor, so the geometry is kept) to
    that per-entry standard deviation, e.g. the model's random-init scale; ``None`` keeps the
    raw PCA scale. ``permutation_seed`` shuffles the text vectors across items first (the
    shuffled control).
    """
    vectors = np.asarray(vectors, dtype=np.float32)  # (N, D)
    if permutation_seed is not None:
        order = np.random.default_rng(permutation_seed).permutation(len(vectors))  # (N,)
        vectors = vectors[order]  # (N, D)
    reduced = pca_reduce(vectors, dim)  # (N, dim)
    if std is not None:
        current = float(reduced.std())
        if current > 0:
            reduced = reduced * (std / current)
    table = np.zeros((len(vectors) + 1, dim), dtype=np.float32)  # (N+1, dim)
    table[1:] = reduced
    return table


def init_item_embeddings(
    embedding: nn.Embedding, table: np.ndarray, trainable: bool = True
) -> None:
    """Copy ``table`` (N+1, dim) into ``embedding`` and set whether it is trained.

    The padding row is zeroed whatever ``table`` holds there; with ``padding_idx`` set on the
    embedding it also receives no gradient, so it stays zero during training.
    """
    weights = torch.as_tensor(np.asarray(table, dtype=np.float32))  # (N+1, dim)
    if tuple(weights.shape) != tuple(embedding.weight.shape):
        raise ValueError(
            f"table shape {tuple(weights.shape)} != embedding {tuple(embedding.weight.shape)}"
        )
    with torch.no_grad():
        embedding.weight.copy_(weights)
        embedding.weight[PADDING_ID].zero_()
    embedding.weight.requires_grad_(trainable)
