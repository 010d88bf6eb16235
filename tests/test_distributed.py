"""Data-parallel training: ``torch.distributed.run`` with 2 CPU processes (gloo) trains the
same model as one process with the same effective batch, and writes a checkpoint the app loads.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from recommender.distributed import shard_rows, shard_weight
from recommender.models import SASRecConfig
from recommender.seeding import seed_everything
from recommender.serving import load_sasrec
from recommender.training import (
    TrainConfig,
    _from_dict,
    build_model,
    iter_batches,
    load_checkpoint,
    training_examples,
)

ROOT = Path(__file__).resolve().parents[1]
TRAIN_ARGS = [
    "train", "--init", "random", "--seed", "0", "--epochs", "2", "--batch-size", "8",
    "--hidden", "16", "--blocks", "1", "--heads", "1", "--max-len", "8", "--dropout", "0",
    "--warmup", "2", "--threads", "1", "--no-progress",
]  # fmt: skip


@pytest.mark.parametrize("world_size", [2, 3])
def test_weighted_shards_give_the_whole_batch_gradient(tiny_dataset, world_size) -> None:
    """The mean over ranks of the weighted shard gradients (what DDP computes) equals the
    gradient of the whole batch, however unevenly the targets fall on the ranks."""
    config = SASRecConfig(hidden=16, max_len=8, num_blocks=1, dropout=0.0)
    config = dataclasses.replace(config, num_items=tiny_dataset.num_items)
    seed_everything(0)
    model = build_model(config, TrainConfig(init="random"))
    examples = training_examples(tiny_dataset.split.train, config.max_len)
    batch = next(iter_batches(examples, 7, np.random.default_rng(0)))

    def gradient(loss: torch.Tensor) -> torch.Tensor:
        model.zero_grad()
        loss.backward()
        return torch.cat([p.grad.flatten() for p in model.parameters()])

    whole = gradient(model.loss(batch))
    averaged = torch.zeros_like(whole)
    for rank in range(world_size):
        shard = shard_rows(batch, rank, world_size)
        averaged += gradient(model.loss(shard) * shard_weight(shard, batch, world_size))
    averaged /= world_size
    assert sum(len(shard_rows(batch, r, world_size).inputs) for r in range(world_size)) == 7
    assert torch.allclose(averaged, whole, atol=1e-6, rtol=1e-4)


def write_byo_folder(dataset, folder: Path) -> Path:
    """The fixture dataset as a bring-your-own folder (items.csv + interactions.csv)."""
    folder.mkdir(parents=True)
    with open(folder / "items.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "year", "genres"])
        for item in dataset.catalogue:
            writer.writerow([item.raw_id, item.title, item.year, "|".join(item.genres)])
    with open(folder / "interactions.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user", "item", "timestamp"])
        for user, seq, times in zip(
            dataset.user_ids, dataset.sequences, dataset.timestamps, strict=True
        ):
            for item, stamp in zip(seq, times, strict=True):
                writer.writerow([user, dataset.catalogue.get(item).raw_id, stamp])
    return folder


def train(command: list[str], cache: Path) -> Path:
    env = dict(
        os.environ,
        SEQUEL_CACHE_DIR=str(cache),
        PYTHONPATH=str(ROOT),
        OMP_NUM_THREADS="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    out = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=240, check=False
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    lines = [line for line in out.stdout.splitlines() if line.startswith("checkpoint: ")]
    assert len(lines) == 1, out.stdout  # only rank 0 reports
    return Path(lines[0].removeprefix("checkpoint: "))


def test_two_process_ddp_equals_one_process(tiny_dataset, tmp_path) -> None:
    folder = write_byo_folder(tiny_dataset, tmp_path / "tiny-byo")
    args = [*TRAIN_ARGS, "--dataset", str(folder)]
    single = train([sys.executable, "-m", "recommender", *args], tmp_path / "single")
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    ddp = train([*launcher, "--nproc_per_node", "2", "-m", "recommender", *args], tmp_path / "ddp")

    one, one_payload = load_checkpoint(single)
    two, two_payload = load_checkpoint(ddp)
    assert two_payload["distributed"] == {"world_size": 2, "backend": "gloo"}
    assert "distributed" not in one_payload
    assert set(two_payload) == set(one_payload) | {"distributed"}  # the same checkpoint format
    assert two_payload["epoch"] == one_payload["epoch"]
    for row_one, row_two in zip(one_payload["history"], two_payload["history"], strict=True):
        assert row_two["loss"] == pytest.approx(row_one["loss"], rel=1e-4)
    start = initial_state(one_payload)
    moved = [not torch.equal(value, start[key]) for key, value in one.state_dict().items()]
    assert any(moved)  # training changed the weights, so the comparison below means something
    for key, value in one.state_dict().items():
        assert torch.allclose(two.state_dict()[key], value, atol=1e-4, rtol=1e-3), key

    model, info = load_sasrec(ddp, tiny_dataset.num_items)  # the app's loader
    assert model is not None, info
    history = torch.tensor([[1, 2, 3]])
    assert torch.allclose(model.score_all(history), one.score_all(history), atol=1e-3)


def initial_state(payload: dict) -> dict[str, torch.Tensor]:
    """The weights the run started from (same seed, same configs)."""
    seed_everything(payload["train_config"]["seed"])
    model_config = _from_dict(SASRecConfig, payload["model_config"])
    return build_model(model_config, _from_dict(TrainConfig, payload["train_config"])).state_dict()
