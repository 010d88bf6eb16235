"""benchmarks/retrieval.py: runs and checkpoints made with another configuration are not reused."""

from __future__ import annotations

import dataclasses
import json

import torch

from benchmarks import retrieval as bench
from recommender.models import SASRecConfig
from recommender.training import TrainConfig


def test_ablations_keep_their_base_when_the_default_changes() -> None:
    model, train = bench.sasrec_configs("base", seed=2)
    for field, value in bench.ABLATION_BASE[1].items():
        assert getattr(train, field) == value
    assert train.seed == 2 and train.init == "text" and model == SASRecConfig()
    _, smoothing = bench.sasrec_configs("label_smoothing_0.1", seed=0)
    assert smoothing.label_smoothing == 0.1 and not smoothing.all_windows
    _, default = bench.sasrec_configs("llm2sasrec", seed=0)
    assert default == TrainConfig(init="text", seed=0)


def test_same_configs_reads_missing_fields_as_before_they_existed() -> None:
    model, train = SASRecConfig(), TrainConfig(seed=1, all_windows=False)
    saved_train = dataclasses.asdict(train)
    saved_train.pop("all_windows")  # a run stored before the field existed: no windows
    assert not bench._same_configs(
        dataclasses.asdict(model), saved_train, model, dataclasses.replace(train, all_windows=True)
    )
    saved_train["betas"] = list(saved_train["betas"])  # JSON turns tuples into lists
    saved_model = {**dataclasses.asdict(model), "num_items": 99}  # N is filled in per dataset
    assert bench._same_configs(saved_model, saved_train, model, train)
    assert not bench._same_configs(
        saved_model, {**saved_train, "label_smoothing": 0.3}, model, train
    )
    assert not bench._same_configs({**saved_model, "hidden": 8}, saved_train, model, train)


def test_a_stale_run_is_moved_aside_and_redone(retrieval_context) -> None:
    """(random init: the default width is more than the tiny catalogue's PCA can give)"""
    ctx = retrieval_context
    model, train = bench.sasrec_configs("sasrec_random", 0, ctx.max_epochs)
    old_train = {**dataclasses.asdict(train), "label_smoothing": train.label_smoothing + 0.2}
    stale = {
        "model": "sasrec_random",
        "seed": 0,
        "config": {"model": dataclasses.asdict(model), "train": old_train},
        "full": {"ndcg@10": 0.99},
    }
    assert not bench._current(stale, ctx.max_epochs)
    assert bench._current({"model": "mostpop", "seed": 0})  # nothing to compare
    assert not bench._current({"model": "hybrid", "seed": 0})  # no config stored

    ctx.runs.mkdir(parents=True)
    (ctx.runs / "sasrec_random_seed0.json").write_text(json.dumps(stale))
    # a checkpoint of the same name made with the old configuration must not be reused either
    stale_checkpoint = ctx.checkpoints / "sasrec_random_seed0.pt"
    stale_checkpoint.parent.mkdir(parents=True)
    torch.save(
        {"model_config": dataclasses.asdict(model), "train_config": old_train},
        stale_checkpoint,
    )
    torch.save(
        {"model_config": dataclasses.asdict(model), "train_config": old_train},
        stale_checkpoint.with_suffix(".last.pt"),
    )
    out = bench.run_one(ctx, "sasrec_random", 0)

    record = json.loads(out.read_text())
    assert record["full"]["ndcg@10"] != 0.99  # evaluated again
    assert bench._current(record, ctx.max_epochs)
    assert record["config"]["train"]["label_smoothing"] == train.label_smoothing
    assert [p.name.split(".")[0] for p in (ctx.runs / "superseded").iterdir()] == [
        "sasrec_random_seed0"
    ]
    moved = sorted(p.name for p in (ctx.checkpoints / "superseded").iterdir())
    assert len(moved) == 2 and all(name.startswith("sasrec_random_seed0.") for name in moved)
    payload = torch.load(stale_checkpoint, map_location="cpu", weights_only=False)
    assert payload["train_config"]["label_smoothing"] == train.label_smoothing


def test_a_finished_checkpoint_with_the_same_configs_is_reused_under_another_name(
    retrieval_context,
) -> None:
    ctx = retrieval_context
    first = json.loads(bench.run_one(ctx, "sasrec_random", 0).read_text())
    best = ctx.checkpoints / "sasrec_random_seed0.pt"
    best.rename(ctx.checkpoints / "renamed_seed0.pt")
    best.with_suffix(".last.pt").rename(ctx.checkpoints / "renamed_seed0.last.pt")

    _, info = bench._train_sasrec(ctx, "sasrec_random", 0)  # nothing to train: copied

    assert best.exists() and best.with_suffix(".last.pt").exists()
    copied = torch.load(best.with_suffix(".last.pt"), map_location="cpu", weights_only=False)
    assert info["train_seconds"] == copied["train_seconds"]  # read back, not measured anew
    assert info["epochs"] == first["epochs"] and info["history"] == first["history"]
