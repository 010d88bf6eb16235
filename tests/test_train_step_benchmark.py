"""benchmarks/train_step.py: times both precisions and breaks the step down by operator."""

from __future__ import annotations

import json

import pytest

from benchmarks import train_step as bench


def test_a_tiny_run_writes_timings_and_a_breakdown_that_adds_up(tmp_path) -> None:
    argv = ["--batch", "4", "--length", "8", "--items", "30", "--repeats", "1"]
    assert bench.main([*argv, "--out-dir", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "train_step.json").read_text())
    assert set(result["seconds_per_step"]) == {"float32", "bfloat16 autocast"}
    assert all(s > 0 for s in result["seconds_per_step"].values())
    shares = result["float32_breakdown"]
    assert sum(shares.values()) == pytest.approx(1.0) and shares["matmul"] > 0
    assert "| float32 |" in (tmp_path / "train_step.md").read_text()


def test_variants_take_turns_and_break_each_step_down(tmp_path) -> None:
    argv = ["--batch", "4", "--length", "8", "--items", "30", "--repeats", "1", "--turns", "2"]
    argv += ["--variants", "default", "attn0+neg1024", "--out-dir", str(tmp_path)]
    assert bench.main(argv) == 0
    result = json.loads((tmp_path / "train_step_variants.json").read_text())
    assert list(result["variants"]) == ["default", "attn0+neg1024"]
    for r in result["variants"].values():
        assert len(r["turns"]) == 2 and r["seconds_per_step"] == min(r["turns"])
        assert sum(r["breakdown"].values()) == pytest.approx(1.0)
    assert result["variants"]["default"]["relative_to_first"] == 1.0
    assert not (tmp_path / "train_step.json").exists()  # the default benchmark is untouched
    assert "| attn0+neg1024 |" in (tmp_path / "train_step_variants.md").read_text()
