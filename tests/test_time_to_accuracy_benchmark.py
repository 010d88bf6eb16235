"""benchmarks/time_to_accuracy.py: quiet epoch timing, curves in minutes, the target rule."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks import retrieval as rt
from benchmarks import time_to_accuracy as bench
from recommender.training import training_examples


def _configs(name: str, seed: int) -> dict:
    model, train = rt.sasrec_configs(name, seed)
    return {"model": dataclasses.asdict(model), "train": dataclasses.asdict(train)}


def _history(values: list[float]) -> list[dict]:
    return [
        {"epoch": e, "valid_ndcg@10": v, "cpu_seconds": 100.0 * e, "seconds": 120.0 * e}
        for e, v in enumerate(values, 1)
    ]


def _record(name: str, seed: int, values: list[float], test: float) -> dict:
    return {
        "model": name,
        "seed": seed,
        "history": _history(values),
        "epochs": int(np.argmax(values)) + 1,
        "valid": {"ndcg@10": max(values)},
        "full": {"ndcg@10": test, "hr@10": 2 * test},
        "config": _configs(name, seed),
    }


def _timing(train_seconds: float, valid_seconds: float) -> dict:
    return {
        "train_seconds_per_epoch": train_seconds,
        "valid_seconds": valid_seconds,
        "valid_users": 6040,
        "subset_valid_seconds": 1.0,
        "subset_users": 1000,
        "round_seconds": [train_seconds / 4, train_seconds / 2],
        "round_cpu_seconds": [train_seconds / 2, train_seconds / 3],
        "sampled_batches": 17,
        "batches_per_epoch": 68,
    }


def _write(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


def test_first_reaching_is_the_first_epoch_at_or_above_the_target() -> None:
    assert bench.first_reaching([0.1, 0.3, 0.2, 0.4], [1.0, 2.0, 3.0, 4.0], 0.3) == 2.0
    assert bench.first_reaching([0.1, 0.2], [1.0, 2.0], 0.3) is None


def test_report_puts_each_epoch_at_its_minutes_and_applies_the_target(tmp_path) -> None:
    runs = tmp_path / "runs" / "ml-1m"
    _write(runs / "llm2sasrec_seed0.json", _record("llm2sasrec", 0, [0.10, 0.19, 0.18], 0.18))
    _write(runs / "llm2sasrec_seed1.json", _record("llm2sasrec", 1, [0.10, 0.17, 0.21], 0.19))
    _write(runs / "ablation" / "fast20_seed0.json", _record("fast20", 0, [0.15, 0.20], 0.185))
    # a run made with another configuration is left out
    stale = _record("fast20", 1, [0.3, 0.3], 0.3)
    stale["config"]["train"]["lr"] = 1.0
    _write(runs / "ablation" / "fast20_seed1.json", stale)
    # seed 2 is still training: its .last.pt holds the epochs so far
    configs = _configs("fast20", 2)
    last = {"model_config": configs["model"], "train_config": configs["train"]}
    (tmp_path / "checkpoints" / "ml-1m").mkdir(parents=True)
    torch.save(
        {**last, "history": _history([0.12])}, tmp_path / "checkpoints/ml-1m/fast20_seed2.last.pt"
    )
    timings = {"default": _timing(50.0, 10.0), "fast20": _timing(20.0, 10.0)}
    _write(
        runs / "time_to_accuracy" / "timing_threads2.json",
        {"variants": timings, "machine": "test", "machine_before": "test", "measured_at": "now"},
    )
    argv = ["report", "--out-dir", str(tmp_path), "--variants", "default", "lr4e-3_20ep", "fast20"]
    assert bench.main(argv) == 0

    result = json.loads((tmp_path / "time_to_accuracy_ml1m.json").read_text())
    bests = [0.19, 0.21]
    assert result["target_valid_ndcg@10"] == pytest.approx(np.mean(bests) - np.std(bests, ddof=1))
    default = result["variants"]["default"]["seeds"]["0"]
    assert default["minutes"] == pytest.approx([2.0, 4.0, 6.0])  # its own recorded 120 s/epoch
    assert default["best_epoch"] == 2 and default["minutes_to_best"] == pytest.approx(4.0)
    assert result["default_recorded_seconds_per_epoch"] == pytest.approx(120.0)
    fast = result["variants"]["fast20"]
    assert fast["relative_epoch_cost"] == pytest.approx(0.5)  # (20 + 10) / (50 + 10)
    assert fast["seconds_per_epoch"] == pytest.approx(60.0)  # 120 s recorded x 0.5
    assert fast["relative_train_cpu"] == pytest.approx((20 / 3) / (50 / 3))
    assert list(fast["seeds"]) == ["0", "2"]
    run = fast["seeds"]["0"]
    assert run["finished"] and run["minutes"] == pytest.approx([1.0, 2.0])
    assert run["minutes_to_target"] == pytest.approx(2.0)  # 0.20 >= 0.1859, 0.15 is not
    assert run["cpu_seconds"] == [100.0, 200.0]
    training = fast["seeds"]["2"]
    assert not training["finished"] and training["epochs_planned"] == 20
    assert training["valid_ndcg@10"] == [0.12] and "test_ndcg@10" not in training
    assert fast["test_ndcg@10_mean"] == pytest.approx(0.185)  # finished runs only
    # a schedule-only variant is charged the default's epoch; it has no run yet
    twin = result["variants"]["lr4e-3_20ep"]
    assert twin["timed_as"] == "default" and twin["quiet_seconds_per_epoch"] == 60.0
    assert twin["relative_epoch_cost"] == 1.0 and twin["seeds"] == {}
    assert result["default_test_ndcg@10_mean"] == pytest.approx(0.185)
    assert result["provenance"]["command"].startswith("python benchmarks/time_to_accuracy.py")
    table = (tmp_path / "time_to_accuracy_ml1m.md").read_text()
    assert "| fast20 |" in table and "20.0 + 10.0" in table and "(as default)" in table
    assert "1 of 20, still training" in table
    assert (tmp_path / "time_to_accuracy_ml1m.png").stat().st_size > 0


def test_time_takes_turns_over_a_sample_of_batches_and_skips_what_was_timed(
    tiny_dataset, tmp_path, monkeypatch
) -> None:
    vectors = np.random.default_rng(0).normal(size=(tiny_dataset.num_items, 32)).astype(np.float32)
    built = []

    def tiny_context(dataset_name, config, runs, checkpoints, command, progress=True):
        built.append(command)
        return rt.Context(tiny_dataset, vectors, config, runs, checkpoints, False)

    real_configs = rt.sasrec_configs

    def small_configs(name, seed, max_epochs=None):  # the variant's changes, a tiny model
        model, train = real_configs(name, seed, max_epochs)
        return dataclasses.replace(model, hidden=16, max_len=8), dataclasses.replace(
            train, batch_size=4
        )

    monkeypatch.setattr(rt, "build_context", tiny_context)
    monkeypatch.setattr(rt, "sasrec_configs", small_configs)
    argv = ["time", "--variants", "default", "fast20", "lr4e-3_20ep", "--threads", "1"]
    argv += ["--subset-users", "5", "--rounds", "3", "--out-dir", str(tmp_path)]
    assert bench.main(argv) == 0
    path = tmp_path / "runs" / "ml-1m" / "time_to_accuracy" / "timing_threads1.json"
    record = json.loads(path.read_text())
    assert set(record["variants"]) == {"default", "fast20"}  # the schedule-only twin: not timed
    fast = record["variants"]["fast20"]
    assert len(fast["round_seconds"]) == 3 and len(fast["round_cpu_seconds"]) == 3
    # every 4th batch of 4 examples (all windows of at most 8 items), from the 3rd
    batches = math.ceil(len(training_examples(tiny_dataset.split.train, 8, True)) / 4)
    sampled = len(range(2, batches, 4))
    assert fast["batches_per_epoch"] == batches and fast["sampled_batches"] == sampled
    assert fast["train_seconds_per_epoch"] == pytest.approx(
        min(fast["round_seconds"]) * batches / sampled
    )
    assert fast["valid_seconds"] > 0 and fast["subset_users"] == 5
    assert fast["config"]["train"]["sampled_negatives"] == 1024
    assert fast["config"]["model"]["attn_dropout"] == 0.0
    assert record["variants"]["default"]["config"]["model"]["attn_dropout"] is None
    assert record["provenance"]["command"] == "python benchmarks/time_to_accuracy.py " + " ".join(
        argv
    )
    assert bench.main(argv) == 0  # timed already: nothing is loaded or trained again
    assert len(built) == 1
