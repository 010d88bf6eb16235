"""Small statistics shared by the benchmarks: paired differences with bootstrap intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def paired_bootstrap(
    values_a: torch.Tensor | np.ndarray,
    values_b: torch.Tensor | np.ndarray,
    samples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Mean of b minus mean of a over paired cases, with a 95% interval from resampling cases.

    ``values_a[i]`` and ``values_b[i]`` are one case (a user) measured two ways, e.g. its
    NDCG@10 under two models; the cases are drawn with replacement ``samples`` times.
    ``relative`` is the difference over a's mean (None when that mean is 0).
    """
    a = np.asarray(values_a, dtype=np.float64)  # (n,)
    b = np.asarray(values_b, dtype=np.float64)  # (n,)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"need two non-empty 1-d arrays of one length, got {a.shape}, {b.shape}")
    diff = b - a  # (n,)
    rng = np.random.default_rng(seed)
    draws = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(samples)]
    low, high = np.percentile(draws, [2.5, 97.5])
    base = a.mean()
    return {
        "diff": float(diff.mean()),
        "ci95": [float(low), float(high)],
        "relative": float(diff.mean() / base) if base > 0 else None,
        "cases": len(diff),
    }


def compare_targets(mine: dict[str, dict[str, float]], other_run: dict[str, Any]) -> dict[str, Any]:
    """This run minus another on the same generated scenarios, paired per scenario."""
    theirs = other_run.get("targets", {})
    shared = sorted(set(mine) & set(theirs))
    out: dict[str, Any] = {
        "other": other_run.get("serving", {}).get("ranking", "?"),
        "other_command": other_run.get("command"),
        "scenarios": len(shared),
    }
    for metric in ("ndcg10", "hr10"):
        if shared:  # (b - a) = this run minus the other
            b = paired_bootstrap(
                np.array([theirs[s][metric] for s in shared]),
                np.array([mine[s][metric] for s in shared]),
            )
            out[metric] = {"diff": b["diff"], "ci95": b["ci95"]}
    return out
