"""benchmarks/scale.py on a tiny synthetic catalogue: every stage, resuming, and the report
(no timing is asserted; the fake embedder stands in for MiniLM)."""

from __future__ import annotations

import argparse
import csv
import json

import numpy as np
import pytest

from benchmarks import scale
from tests.helpers import GenreEmbedder

N = 300


@pytest.fixture
def fake_embedder(monkeypatch):
    import recommender.embeddings
    import recommender.retrieval.prepare

    def make(config=None):
        return GenreEmbedder()

    monkeypatch.setattr(recommender.embeddings, "make_embedder", make)
    monkeypatch.setattr(recommender.retrieval.prepare, "make_embedder", make)


def _args(tmp_path, stage: str, **over) -> argparse.Namespace:
    values = dict(
        size=N, work=tmp_path / "work", seed=0, turns=4, embed_limit=N, embed_sample=50,
        store_limit=N, threads=None,
    )  # fmt: skip
    values.update(over)
    return argparse.Namespace(stage=stage, **values)


def test_synthetic_catalogue_is_seeded_and_every_item_has_an_interaction() -> None:
    first, again = scale.synthetic_items(N, 0), scale.synthetic_items(N, 0)
    assert first == again and len({item["id"] for item in first}) == N
    assert all(item["title"].startswith("The ") and item["genres"] for item in first)
    rows = scale.synthetic_interactions(N, 0)
    assert set(rows[:, 1].tolist()) == set(range(N))
    assert len(rows) == N + 2 * N
    counts = np.bincount(rows[:, 1], minlength=N)
    assert counts.max() >= 20 * np.median(counts)  # a popularity skew, not uniform


def test_stand_in_vectors_are_unit_length_and_near_their_sample_row() -> None:
    sample = np.eye(4, 16, dtype=np.float32)
    vectors = scale.stand_in_vectors(sample, 10, seed=0)
    assert vectors.shape == (10, 16)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert all(vectors[j] @ sample[j % 4] > 0.7 for j in range(10))


def test_every_stage_runs_on_a_tiny_catalogue_and_the_report_is_written(
    tmp_path, monkeypatch, fake_embedder
) -> None:
    for stage in scale.STAGES:
        assert scale.run_stage(_args(tmp_path, stage)) == 0
    work = tmp_path / "work" / str(N)
    with open(work / "data" / "items.csv", newline="") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == N
    load = json.loads(scale.stage_path(work, "load").read_text())
    assert 0 < load["interactions"] <= 3 * N and 0 < load["users"] <= 200
    embed = json.loads(scale.stage_path(work, "embed").read_text())
    assert embed["vectors"] == "real" and embed["embedded"] == N
    assert embed["stand_in_vectors"] == 0
    store = json.loads(scale.stage_path(work, "store").read_text())
    assert store["store_mb"] > 0
    serve = json.loads(scale.stage_path(work, "serve").read_text())
    assert serve["retrieval_ms"]["n"] == 4
    assert {"sasrec", "session", "popular"} <= set(serve["per_source_ms"])
    assert serve["serving"]["sasrec"] == "sasrec-fresh-init.pt"

    results = tmp_path / "benchmarks" / "results"
    monkeypatch.setattr(scale, "RESULTS", results)
    monkeypatch.setitem(scale.TARGETS, "size", N)
    args = argparse.Namespace(
        work=tmp_path / "work",
        sizes=[N],
        seed=0,
        turns=4,
        embed_limit=N,
        embed_sample=50,
        store_limit=N,
    )
    assert scale.report(args, "python benchmarks/scale.py --report") == 0
    result = json.loads((results / "scale.json").read_text())
    assert result["label"].startswith("SYNTHETIC")
    assert result["targets_at_100k"]["measured"] is True
    assert result["provenance"]["command"] == "python benchmarks/scale.py --report"
    assert (results / "scale.png").stat().st_size > 0
    assert "SYNTHETIC" in (results / "scale.md").read_text()
    assert result["largest_size"]["items"] == N and result["largest_size"]["slowest_source"]

    from recommender.report import Results, _block_scale

    block = _block_scale(Results(tmp_path))
    assert "| 300 |" in block and "SYNTHETIC" in block and f"At {N} items" in block


def test_a_large_size_embeds_a_sample_and_labels_the_extrapolation(tmp_path, fake_embedder) -> None:
    for stage in scale.STAGES:
        assert scale.run_stage(_args(tmp_path, stage, embed_limit=100, store_limit=120)) == 0
    work = tmp_path / "work" / str(N)
    embed = json.loads(scale.stage_path(work, "embed").read_text())
    assert embed["extrapolated"] is True and embed["embedded"] == 50
    assert "stand-ins" in embed["vectors"] and embed["stand_in_vectors"] == N - 50
    assert embed["seconds"] == pytest.approx(embed["measured_seconds"] * N / 50)
    store = json.loads(scale.stage_path(work, "store").read_text())
    assert store["extrapolated"] and store["measured_items"] == 120
    assert store["seconds"] == pytest.approx(store["measured_seconds"] * N / 120)
    serve = json.loads(scale.stage_path(work, "serve").read_text())
    assert serve["partial"] and "first 120 items" in serve["note"]
    assert serve["retrieval_ms"]["n"] == 4 and serve["serving"]["how"] == "partial"


def test_run_all_skips_stages_already_done(tmp_path, capsys) -> None:
    work = tmp_path / "work" / str(N)
    scale.stage_path(work, "generate").parent.mkdir(parents=True)
    scale.stage_path(work, "generate").write_text("{}")
    args = argparse.Namespace(
        sizes=[N], stages=["generate"], work=tmp_path / "work", seed=0, turns=4,
        embed_limit=N, embed_sample=50, store_limit=N, threads=1, force=False,
    )  # fmt: skip
    assert scale.run_all(args) == 0
    assert "done before" in capsys.readouterr().out


def test_filled_embeddings_leave_no_stand_ins(tmp_path, fake_embedder) -> None:
    for stage in ("generate", "load"):
        assert scale.run_stage(_args(tmp_path, stage)) == 0
    work = tmp_path / "work" / str(N)
    assert scale.fill_embeddings(N, work) == 0
    assert scale.run_stage(_args(tmp_path, "embed", embed_limit=100)) == 0
    embed = json.loads(scale.stage_path(work, "embed").read_text())
    assert embed["extrapolated"] is True and embed["stand_in_vectors"] == 0
    assert embed["vectors"] == "real"


def test_serve_with_set_threads_is_kept_apart(tmp_path, fake_embedder) -> None:
    for stage in scale.STAGES:
        assert scale.run_stage(_args(tmp_path, stage)) == 0
    import torch

    before = torch.get_num_threads()
    try:
        assert scale.run_stage(_args(tmp_path, "serve", threads=1)) == 0
    finally:
        torch.set_num_threads(before)
    work = tmp_path / "work" / str(N)
    one = json.loads(scale.stage_path(work, "serve_threads1").read_text())
    assert one["serving"]["torch_threads"] == 1
    assert set(scale.collect(tmp_path / "work", [N])[str(N)]) == {*scale.STAGES, "serve_threads1"}
    assert scale.run_stage(_args(tmp_path, "serve")) == 0  # a rerun keeps the earlier result
    collected = scale.collect(tmp_path / "work", [N])[str(N)]
    assert list(collected["previous"]) == ["serve-0"]
    assert collected["previous"]["serve-0"]["retrieval_ms"]["n"] == 4
