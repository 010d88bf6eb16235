"""Order-free training (shuffled windows) and the benchmark's orderfree variant."""

from __future__ import annotations

import dataclasses

import numpy as np

from benchmarks import retrieval as bench
from recommender.training import TrainConfig, iter_batches

EXAMPLES = [list(range(1 + 10 * u, 11 + 10 * u)) for u in range(12)]  # 12 windows of 10


def _windows(batches) -> list[list[int]]:
    """Each row's window back from (inputs, targets): inputs + the last target."""
    out = []
    for batch in batches:
        for inputs, targets in zip(batch.inputs.tolist(), batch.targets.tolist(), strict=True):
            out.append([i for i in inputs if i] + [targets[-1]])
    return out


def test_no_shuffling_replays_the_same_batches_as_before() -> None:
    plain = _windows(iter_batches(EXAMPLES, 4, np.random.default_rng(3)))
    zero = _windows(iter_batches(EXAMPLES, 4, np.random.default_rng(3), shuffle_windows=0.0))
    assert plain == zero
    assert sorted(map(tuple, plain)) == sorted(map(tuple, EXAMPLES))


def test_shuffled_windows_keep_their_items_and_lose_their_order() -> None:
    windows = _windows(iter_batches(EXAMPLES, 4, np.random.default_rng(3), shuffle_windows=1.0))
    assert sorted(tuple(sorted(w)) for w in windows) == sorted(map(tuple, EXAMPLES))
    assert sum(w != sorted(w) for w in windows) >= 11  # (a permutation may be the identity)
    half = _windows(iter_batches(EXAMPLES, 4, np.random.default_rng(3), shuffle_windows=0.5))
    assert 0 < sum(w != sorted(w) for w in half) < len(EXAMPLES)
    for batch in iter_batches(EXAMPLES, 4, np.random.default_rng(3), shuffle_windows=1.0):
        real = batch.inputs[:, 1:] > 0
        # still next-item pairs: each target is the next input of the same row
        assert (batch.targets[:, :-1][real] == batch.inputs[:, 1:][real]).all()


def test_the_orderfree_variant_changes_only_the_window_order() -> None:
    model, train = bench.sasrec_configs("llm2sasrec_orderfree", seed=1)
    base_model, base_train = bench.sasrec_configs("llm2sasrec", seed=1)
    assert model == base_model and train.shuffle_windows == 0.5
    assert base_train == TrainConfig(init="text", seed=1) and base_train.shuffle_windows == 0.0
    assert bench.is_sasrec("llm2sasrec_orderfree")
    # runs stored before the field existed trained in true order: still current
    saved = dataclasses.asdict(base_train)
    saved.pop("shuffle_windows")
    assert bench._same_configs(dataclasses.asdict(base_model), saved, base_model, base_train)
