"""LLM2SASRec init: PCA of text vectors copied into the item table, padding row kept zero."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recommender.models import SASRec, SASRecConfig, SequenceBatch
from recommender.models.text_init import init_item_embeddings, pca_reduce, text_embedding_table
from recommender.training import TrainConfig, build_model


def _vectors(n: int = 24, dim: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def test_pca_matches_covariance_eigenvectors() -> None:
    vectors = _vectors()
    reduced = pca_reduce(vectors, 5)
    assert reduced.shape == (24, 5)
    np.testing.assert_allclose(reduced.mean(axis=0), 0.0, atol=1e-5)
    # Variances along the components are the top eigenvalues of the covariance, in order.
    centred = vectors - vectors.mean(axis=0)
    eigenvalues = np.sort(np.linalg.eigvalsh(centred.T @ centred))[::-1][:5]
    np.testing.assert_allclose((reduced**2).sum(axis=0), eigenvalues, rtol=1e-4)
    # Components are uncorrelated.
    gram = reduced.T @ reduced
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0.0, atol=1e-3)


def test_pca_is_deterministic_and_rejects_too_many_components() -> None:
    vectors = _vectors()
    np.testing.assert_array_equal(pca_reduce(vectors, 4), pca_reduce(vectors.copy(), 4))
    with pytest.raises(ValueError):
        pca_reduce(vectors, 25)


def test_table_has_zero_padding_row_and_requested_scale() -> None:
    table = text_embedding_table(_vectors(), 8, std=0.02)
    assert table.shape == (25, 8)
    np.testing.assert_array_equal(table[0], 0.0)
    assert table[1:].std() == pytest.approx(0.02, rel=1e-4)
    # A global rescale keeps the geometry: same direction as the raw PCA vectors.
    raw = text_embedding_table(_vectors(), 8, std=None)
    np.testing.assert_allclose(table[1:] / table[1:].std(), raw[1:] / raw[1:].std(), atol=1e-5)


def test_shuffled_control_permutes_items_only() -> None:
    vectors = _vectors()
    plain = text_embedding_table(vectors, 8, std=None)
    shuffled = text_embedding_table(vectors, 8, std=None, permutation_seed=3)
    assert not np.allclose(plain, shuffled)
    order = np.random.default_rng(3).permutation(24)
    np.testing.assert_allclose(shuffled[1:], pca_reduce(vectors[order], 8), atol=1e-6)


@pytest.mark.parametrize("trainable", [True, False])
def test_init_copies_pca_vectors_and_padding_stays_zero(trainable: bool) -> None:
    torch.manual_seed(0)
    vectors = _vectors()
    model = SASRec(SASRecConfig(num_items=24, hidden=8, max_len=6, dropout=0.0))
    table = text_embedding_table(vectors, 8, std=0.05)
    table[0] = 1.0  # whatever the table says, padding must end up zero
    init_item_embeddings(model.item_emb, table, trainable=trainable)
    weights = model.item_emb.weight.detach().numpy()
    np.testing.assert_allclose(weights[1:], table[1:], atol=0)
    np.testing.assert_array_equal(weights[0], 0.0)
    assert model.item_emb.weight.requires_grad is trainable

    # One optimiser step: frozen rows do not move, trainable ones do; padding stays zero.
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=0.1)
    seqs = torch.tensor([[0, 1, 2, 3], [4, 5, 6, 7]])
    targets = torch.tensor([[0, 2, 3, 4], [5, 6, 7, 8]])
    model.loss(SequenceBatch(seqs, targets)).backward()
    optimiser.step()
    after = model.item_emb.weight.detach().numpy()
    np.testing.assert_array_equal(after[0], 0.0)
    assert np.allclose(after[1:], table[1:]) is (not trainable)


def test_build_model_text_init_uses_the_vectors() -> None:
    vectors = _vectors()
    config = SASRecConfig(num_items=24, hidden=8, max_len=6)
    text = build_model(config, TrainConfig(init="text", text_init_std=0.02), vectors)
    expected = text_embedding_table(vectors, 8, std=0.02)
    np.testing.assert_allclose(text.item_emb.weight.detach().numpy(), expected, atol=1e-7)
    shuffled = build_model(config, TrainConfig(init="shuffled", seed=1), vectors)
    assert not np.allclose(shuffled.item_emb.weight.detach().numpy(), expected)
    with pytest.raises(ValueError):
        build_model(config, TrainConfig(init="text"), None)
    with pytest.raises(ValueError):
        build_model(config, TrainConfig(init="glove"), vectors)
