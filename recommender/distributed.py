"""Data-parallel training with PyTorch's own engine (``torch.distributed`` + DDP).

Launched as ``python -m torch.distributed.run --nproc_per_node N -m recommender train ...``:
``torchrun`` sets ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK`` / ``MASTER_ADDR`` and every
process calls :func:`init_from_env`. The backend is ``nccl`` when CUDA is available (one GPU
per process, by local rank) and ``gloo`` on CPU.

Sampling over users: every rank draws the same global, length-bucketed batch of
``batch_size`` users (the same seeded generator), and :func:`shard_rows` gives each rank its
share of the batch's users (rows ``rank::world_size``). Each rank's mean loss is weighted by
its share of the batch's targets (:func:`shard_weight`), so the gradient DDP averages equals
the single-process gradient of the whole batch: the effective batch is ``batch_size`` however
many processes there are. ``torch.utils.data.DistributedSampler`` is not used because it pads
(repeats users) or drops users to give every rank the same count, which would change that
batch.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from recommender.models.sasrec import SequenceBatch

log = logging.getLogger(__name__)

__all__ = [
    "DistributedContext",
    "LossModule",
    "broadcast_object",
    "init_from_env",
    "launched_by_torchrun",
    "shard_rows",
    "shard_weight",
]


@dataclass(frozen=True)
class DistributedContext:
    """Where this process sits in a data-parallel job."""

    rank: int  # global rank; rank 0 validates, logs and writes checkpoints
    world_size: int  # number of processes
    local_rank: int  # rank on this machine (selects the GPU with nccl)
    backend: str  # gloo (CPU) | nccl (CUDA)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def device(self) -> torch.device:
        if self.backend == "nccl":
            return torch.device("cuda", self.local_rank)
        return torch.device("cpu")


def launched_by_torchrun() -> bool:
    """Whether this process was started by ``torch.distributed.run`` with more than one rank."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def init_from_env(backend: str | None = None) -> DistributedContext:
    """Join the process group described by torchrun's environment variables.

    ``backend`` defaults to ``nccl`` when CUDA is available, else ``gloo``.
    """
    backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if backend == "nccl":
        torch.cuda.set_device(local_rank)
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    context = DistributedContext(
        rank=dist.get_rank(),
        world_size=dist.get_world_size(),
        local_rank=local_rank,
        backend=backend,
    )
    log.info("rank %d of %d (%s)", context.rank, context.world_size, backend)
    return context


def shard_rows(batch: SequenceBatch, rank: int, world_size: int) -> SequenceBatch:
    """This rank's users of a global batch: rows ``rank, rank + world_size, ...``.

    Rows are length-sorted inside a bucketed batch, so striding gives every rank a similar
    mix of lengths (and of targets). A rank may get no row when the batch is smaller than
    the world; it then still joins the gradient reduction with a zero weight.
    """
    return SequenceBatch(batch.inputs[rank::world_size], batch.targets[rank::world_size])


def shard_weight(shard: SequenceBatch, batch: SequenceBatch, world_size: int) -> float:
    """The factor on this rank's mean loss that makes DDP's gradient average equal the
    gradient of the whole batch's mean loss: ``world_size * shard targets / batch targets``."""
    total = int((batch.targets != 0).sum())
    return world_size * int((shard.targets != 0).sum()) / max(total, 1)


class LossModule(nn.Module):
    """The model's ``loss`` as ``forward``, so that DDP's hooks see every training step."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.model.loss(SequenceBatch(inputs, targets))  # ()


def broadcast_object(value: Any, context: DistributedContext) -> Any:
    """Rank 0's ``value`` on every rank (for decisions that must agree, e.g. early stopping)."""
    box = [value if context.is_main else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def all_reduce_mean(value: float, context: DistributedContext) -> float:
    """The mean of a float over all ranks."""
    tensor = torch.tensor([value], dtype=torch.float64, device=context.device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / context.world_size
