"""recommender.stats: paired bootstrap of per-case differences."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.stats import paired_bootstrap


def test_identical_values_give_zero_with_a_zero_interval() -> None:
    values = np.random.default_rng(0).random(200)
    out = paired_bootstrap(values, values, samples=100)
    assert out["diff"] == 0.0 and out["ci95"] == [0.0, 0.0] and out["cases"] == 200


def test_a_clear_gain_has_an_interval_above_zero_and_a_relative_size() -> None:
    rng = np.random.default_rng(0)
    a = rng.random(500)
    b = a + 0.1 + rng.normal(0, 0.01, 500)
    out = paired_bootstrap(a, b, samples=200)
    assert out["diff"] == pytest.approx(0.1, abs=0.005)
    assert 0.0 < out["ci95"][0] < out["diff"] < out["ci95"][1]
    assert out["relative"] == pytest.approx(out["diff"] / a.mean())


def test_no_gain_has_an_interval_around_zero() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.random(2000), rng.random(2000)
    low, high = paired_bootstrap(a, b, samples=200)["ci95"]
    assert low < 0.0 < high


@pytest.mark.parametrize(
    ("a", "b"),
    [(np.zeros(2), np.zeros(3)), (np.zeros((2, 2)), np.zeros((2, 2))), (np.zeros(0), np.zeros(0))],
)
def test_mismatched_or_empty_inputs_are_refused(a, b) -> None:
    with pytest.raises(ValueError):
        paired_bootstrap(a, b)
