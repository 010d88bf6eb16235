"""Training SASRec / LLM2SASRec: batching, schedule, early stopping and checkpoints.

The model (``recommender.models.sasrec``) is pure; this module owns everything around it:
length-bucketed batches of left-padded next-item examples, AdamW with linear warm-up,
full-catalogue cross-entropy, validation NDCG@10 after every epoch with early stopping, a
checkpoint per epoch (for resuming) and one for the best epoch, each storing the configs
that made it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from recommender.data.catalogue import PADDING_ID
from recommender.data.dataset import Dataset, LeaveOneOut
from recommender.distributed import (
    DistributedContext,
    LossModule,
    all_reduce_mean,
    broadcast_object,
    shard_rows,
    shard_weight,
)
from recommender.models.bert4rec import BERT4Rec, BERT4RecConfig
from recommender.models.sasrec import SASRec, SASRecConfig, SequenceBatch
from recommender.models.text_init import init_item_embeddings, text_embedding_table
from recommender.seeding import seed_everything

log = logging.getLogger(__name__)

INITS = ("text", "random", "shuffled")
NEGATIVE_SAMPLERS = ("uniform", "popularity")
# model config class -> (architecture name stored in checkpoints, model class); both models
# share one contract (loss / score_all / item_emb), so the same loop trains either
ARCHITECTURES: dict[type, tuple[str, type]] = {
    SASRecConfig: ("sasrec", SASRec),
    BERT4RecConfig: ("bert4rec", BERT4Rec),
}
CHECKPOINT_VERSION = 1

__all__ = [
    "INITS",
    "NEGATIVE_SAMPLERS",
    "SASRecConfig",
    "TrainConfig",
    "TrainResult",
    "build_model",
    "iter_batches",
    "load_checkpoint",
    "NegativeSampler",
    "make_optimiser",
    "negative_sampler",
    "training_step",
    "sample_negatives",
    "train_sasrec",
]


@dataclass
class TrainConfig:
    init: str = "text"  # item-embedding init: text (LLM2SASRec) | random | shuffled (control)
    text_init_std: float | None = 0.02  # rescale PCA'd text vectors to this std; None = raw
    freeze_item_embeddings: bool = False  # keep the (text) item table fixed during training
    seed: int = 0  # seeds init, batch order, dropout and the shuffled control
    batch_size: int = 128  # users per batch (length-bucketed)
    lr: float = 2e-3  # peak learning rate after warm-up
    warmup_steps: int = 200  # linear warm-up from 0 to lr
    min_lr_ratio: float = 0.1  # cosine decay to lr * this by max_epochs (1.0 = constant)
    betas: tuple[float, float] = (0.9, 0.98)  # AdamW betas
    weight_decay: float = 0.0  # AdamW decoupled weight decay (biases and norms excluded)
    grad_clip: float = 1.0  # max global gradient norm; 0 disables clipping
    label_smoothing: float = 0.1  # cross-entropy label smoothing (0.1: +0.0031 valid NDCG@10)
    sampled_negatives: int = 0  # K > 0: sampled softmax over K negatives shared per batch
    negative_sampler: str = "uniform"  # uniform (without replacement) | popularity (logQ)
    all_windows: bool = True  # also train on the earlier max_len windows of long histories
    shuffle_windows: float = 0.0  # share of training windows in random order (pastes have none)
    max_epochs: int = 40  # upper bound on epochs, and the horizon of the cosine decay
    patience: int = 10  # stop after this many evaluations without a better validation NDCG@10
    max_minutes: float | None = None  # wall-clock budget for the whole run; None = unlimited
    eval_users: int | None = None  # validate on this many users (seeded subset); None = all
    eval_batch_size: int = 256  # users per scoring batch in validation
    num_threads: int | None = None  # torch intra-op threads; None leaves torch's default


@dataclass
class TrainResult:
    """What a training run produced: the best model and its history."""

    model: SASRec  # holds the best-validation weights, in eval mode
    best_epoch: int  # 1-based epoch of the best validation NDCG@10 (0 = never evaluated)
    best_metrics: dict[str, float]  # validation metrics at best_epoch
    # one row per epoch: loss, seconds and cpu_seconds (cumulative wall / process CPU time of
    # the run), valid_seconds (that epoch's validation wall time), valid_<metric>
    history: list[dict[str, float]] = field(default_factory=list)
    train_seconds: float = 0.0  # wall time of the whole run
    seconds_to_best: float = 0.0  # wall time until the best epoch was finished


def improves(value: float, best: float, epoch: int = 0) -> bool:
    """Whether a validation metric beats the best so far; a non-finite one never does.

    The evaluation guards keep NaN scores from producing non-finite metrics, but a NaN or inf
    metric (from another scorer, or a future metric) must not become the "best" epoch: it is
    logged and treated as no improvement, so it also counts towards the patience.
    """
    if not math.isfinite(value):
        log.warning("epoch %d: validation metric is %s; not a candidate for the best", epoch, value)
        return False
    return value > best


def _config_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)


def _from_dict(cls: type, values: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: v for k, v in values.items() if k in names}
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    return cls(**kwargs)


def build_model(
    model_config: SASRecConfig | BERT4RecConfig,
    train_config: TrainConfig,
    item_vectors: np.ndarray | None = None,
) -> SASRec | BERT4Rec:
    """A freshly initialised model (SASRec or BERT4Rec, by the config's type); ``text`` /
    ``shuffled`` inits need ``item_vectors`` (N, D).

    Call after :func:`seed_everything` so that the random parts are reproducible.
    """
    if train_config.init not in INITS:
        raise ValueError(f"unknown init {train_config.init!r}; use one of {', '.join(INITS)}")
    model = ARCHITECTURES[type(model_config)][1](model_config)
    if train_config.init in ("text", "shuffled"):
        if item_vectors is None:
            raise ValueError(f"init {train_config.init!r} needs the items' text embeddings")
        if len(item_vectors) != model_config.num_items:
            raise ValueError(f"{len(item_vectors)} text vectors for {model_config.num_items} items")
        table = text_embedding_table(
            item_vectors,
            model_config.hidden,
            std=train_config.text_init_std,
            permutation_seed=train_config.seed if train_config.init == "shuffled" else None,
        )  # (N+1, C)
        init_item_embeddings(
            model.item_emb, table, trainable=not train_config.freeze_item_embeddings
        )
    elif train_config.freeze_item_embeddings:
        model.item_emb.weight.requires_grad_(False)
    model.label_smoothing = train_config.label_smoothing
    return model


def training_examples(
    train: Sequence[Sequence[int]], max_len: int, all_windows: bool = False
) -> list[list[int]]:
    """Per user, the last ``max_len + 1`` training items (inputs are [:-1], targets [1:]).

    With ``all_windows``, a history longer than that also gives its earlier windows: cut from
    the end in steps of ``max_len`` so that every training item is a target exactly once (each
    window overlaps the next by one item, its first input). Users with fewer than 2 training
    items give no example.
    """
    examples = []
    for seq in train:
        end = len(seq)
        while end >= 2:
            examples.append(list(seq[max(0, end - max_len - 1) : end]))
            if not all_windows:
                break
            end -= max_len
    return examples


def iter_batches(
    examples: Sequence[Sequence[int]],
    batch_size: int,
    rng: np.random.Generator,
    shuffle_windows: float = 0.0,
) -> Iterator[SequenceBatch]:
    """Length-bucketed batches in random order, each left-padded to its own longest example.

    Users are sorted by length (random tie-break), cut into batches of ``batch_size``, and the
    batches are shuffled: little padding, and every epoch sees different batch contents.
    With ``shuffle_windows`` > 0 that share of the examples (drawn anew every epoch) has its
    items permuted: order-free training for histories that come without dates. At 0 nothing
    more is drawn from ``rng``, so earlier runs replay exactly.
    """
    lengths = np.array([len(e) - 1 for e in examples])  # (U,)
    order = np.lexsort((rng.random(len(examples)), lengths))  # (U,) by length, random ties
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    for index in rng.permutation(len(chunks)):
        chunk = chunks[index]
        width = int(lengths[chunk].max())
        inputs = np.full((len(chunk), width), PADDING_ID, dtype=np.int64)  # (B, T)
        targets = np.full((len(chunk), width), PADDING_ID, dtype=np.int64)  # (B, T)
        shuffled = rng.random(len(chunk)) < shuffle_windows if shuffle_windows > 0 else None
        for row, user in enumerate(chunk):
            seq = examples[user]
            if shuffled is not None and shuffled[row]:
                seq = [seq[i] for i in rng.permutation(len(seq))]
            n = len(seq) - 1
            inputs[row, width - n :] = seq[:-1]
            targets[row, width - n :] = seq[1:]
        yield SequenceBatch(torch.from_numpy(inputs), torch.from_numpy(targets))


def negative_distribution(
    train: Sequence[Sequence[int]], num_items: int, sampler: str
) -> torch.Tensor | None:
    """The probability of each item 1..N (index i-1) as a negative: ``None`` for uniform,
    else each item's share of the training interactions (every item at least once)."""
    if sampler not in NEGATIVE_SAMPLERS:
        raise ValueError(
            f"unknown negative sampler {sampler!r}; use one of {', '.join(NEGATIVE_SAMPLERS)}"
        )
    if sampler == "uniform":
        return None
    counts = np.ones(num_items, dtype=np.float64)  # (N,) add-one: no item is never drawn
    for seq in train:
        np.add.at(counts, np.asarray(seq, dtype=np.int64) - 1, 1.0)
    return torch.from_numpy(counts / counts.sum())  # (N,)


def sample_negatives(
    num_items: int, count: int, probabilities: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` negative item ids (K,) and the log of each one's expected count in the
    sample (K,), for the logQ correction of a sampled softmax.

    Uniform (``probabilities`` None): K distinct items, each drawn with probability K/N.
    Otherwise K draws with replacement from ``probabilities`` (N,): expected count K * q_i.
    Uses torch's global generator, which training seeds and checkpoints.
    """
    if count < 1:
        raise ValueError("the number of sampled negatives must be at least 1")
    if probabilities is None:
        count = min(count, num_items)
        ids = torch.randperm(num_items)[:count] + 1  # (K,)
        return ids, torch.full((count,), math.log(count / num_items))
    drawn = torch.multinomial(probabilities, count, replacement=True)  # (K,) 0-based
    return drawn + 1, torch.log(count * probabilities[drawn]).float()


def _param_groups(model: SASRec, weight_decay: float) -> list[dict[str, Any]]:
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        (no_decay if param.ndim < 2 or name.endswith("bias") else decay).append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def _lr_factor(step: int, total_steps: int, config: TrainConfig) -> float:
    if config.warmup_steps and step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    if config.min_lr_ratio >= 1.0 or total_steps <= config.warmup_steps:
        return 1.0
    progress = min(1.0, (step - config.warmup_steps) / (total_steps - config.warmup_steps))
    cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
    return config.min_lr_ratio + (1.0 - config.min_lr_ratio) * cosine


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Write atomically (temp file + rename), so a killed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def load_checkpoint(
    path: Path | str, map_location: str = "cpu"
) -> tuple[SASRec | BERT4Rec, dict[str, Any]]:
    """The model (eval mode) and the whole checkpoint dict (configs, metrics, history)."""
    payload = torch.load(path, map_location=map_location, weights_only=False)
    architecture = payload.get("architecture", "sasrec")  # older checkpoints: all SASRec
    config_class, model_class = next(
        (config, model) for config, (name, model) in ARCHITECTURES.items() if name == architecture
    )
    model_config = _from_dict(config_class, payload["model_config"])
    model = model_class(model_config)
    model.load_state_dict(payload["state_dict"])
    model.eval()
    return model, payload


def _validation_cases(
    split: LeaveOneOut, max_users: int | None, seed: int
) -> tuple[list[list[int]], list[int]]:
    histories, targets = split.cases("valid")
    if max_users is not None and max_users < len(targets):
        keep = np.sort(np.random.default_rng(seed).choice(len(targets), max_users, replace=False))
        histories = [histories[i] for i in keep]
        targets = [targets[i] for i in keep]
    return histories, targets


def train_sasrec(
    dataset: Dataset,
    model_config: SASRecConfig,
    train_config: TrainConfig,
    item_vectors: np.ndarray | None = None,
    checkpoint_path: Path | None = None,
    resume: bool = False,
    progress: bool = True,
    extra: dict[str, Any] | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    train_sequences: Sequence[Sequence[int]] | None = None,
    validate: Callable[[SASRec], dict[str, float]] | None = None,
    distributed: DistributedContext | None = None,
) -> TrainResult:
    """Train on ``dataset.split.train`` and early-stop on validation NDCG@10 (full ranking).

    ``checkpoint_path`` gets the best model (configs, metrics and history inside) and
    ``<stem>.last.pt`` gets the latest epoch with the optimiser state; ``resume`` continues
    from that file when it exists. ``extra`` is stored in both (e.g. dataset and command).

    Another protocol (e.g. held-out users) passes ``train_sequences`` (trained on instead of
    ``dataset.split.train``) and ``validate`` (the model -> metrics with ``ndcg@10``, which
    early stopping uses; every key is kept in the history as ``valid_<key>``); then the
    leave-one-out split of ``dataset`` is never touched.

    With ``distributed`` (a process of a ``torch.distributed.run`` job, see
    :mod:`recommender.distributed`) the model is wrapped in DDP and every rank trains on its
    share of the users of each global batch of ``batch_size`` users (the effective batch);
    rank 0 validates, decides early stopping for all ranks and writes the checkpoints, in the
    same format. Without it the run is the single-process one, unchanged.
    """
    from recommender.evaluation import SASRecRecommender, evaluate_cases  # avoid an import cycle

    if train_config.num_threads:
        torch.set_num_threads(train_config.num_threads)
    # Denormal floats (e.g. in Adam's second moments of rare items) made CPU epochs several
    # times slower as training went on; flushing them to zero costs nothing in accuracy.
    torch.set_flush_denormal(True)
    model_config = dataclasses.replace(model_config, num_items=dataset.num_items)
    seed_everything(train_config.seed)
    model = build_model(model_config, train_config, item_vectors)
    train_module = _wrap_for_ddp(model, distributed, train_config.seed)
    writes = distributed is None or distributed.is_main
    optimiser = make_optimiser(model, train_config)
    train = dataset.split.train if train_sequences is None else train_sequences
    sampler = negative_sampler(train, model, train_config, distributed)
    examples = training_examples(train, model_config.max_len, train_config.all_windows)
    if not examples:
        raise ValueError("no user has 2 or more training items")
    steps_per_epoch = math.ceil(len(examples) / train_config.batch_size)
    log.info(
        "%d training examples (%d targets of %d training items after each user's first)",
        len(examples),
        sum(len(e) - 1 for e in examples),
        sum(max(len(seq) - 1, 0) for seq in train),
    )
    total_steps = steps_per_epoch * train_config.max_epochs
    if validate is None:
        valid_histories, valid_targets = _validation_cases(
            dataset.split, train_config.eval_users, train_config.seed
        )

        def validate(model: SASRec) -> dict[str, float]:
            return evaluate_cases(
                SASRecRecommender(model),
                valid_histories,
                valid_targets,
                batch_size=train_config.eval_batch_size,
                progress=False,
            )

    rng = np.random.default_rng(train_config.seed)
    last_path = checkpoint_path.with_suffix(".last.pt") if checkpoint_path else None
    meta = {
        "version": CHECKPOINT_VERSION,
        "architecture": ARCHITECTURES[type(model_config)][0],
        "model_config": _config_dict(model_config),
        "train_config": _config_dict(train_config),
        "dataset": dataset.name,
        "num_items": dataset.num_items,
        **(extra or {}),
    }

    history: list[dict[str, float]] = []
    best_ndcg, best_epoch, best_metrics = -1.0, 0, {}
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    start_epoch, step, elapsed_before, seconds_to_best, stale = 1, 0, 0.0, 0.0, 0
    cpu_before = 0.0
    if resume and last_path is not None and last_path.exists():
        state = torch.load(last_path, map_location="cpu", weights_only=False)
        model.load_state_dict(state["state_dict"])
        optimiser.load_state_dict(state["optimizer"])
        rng.bit_generator.state = state["rng_state"]
        torch.set_rng_state(state["torch_rng_state"])
        history = state["history"]
        best_ndcg, best_epoch = state["best_ndcg"], state["best_epoch"]
        best_metrics, best_state = state["best_metrics"], state["best_state"]
        start_epoch, step, stale = state["epoch"] + 1, state["step"], state["stale"]
        elapsed_before, seconds_to_best = state["train_seconds"], state["seconds_to_best"]
        cpu_before = state.get("cpu_seconds", 0.0)  # checkpoints before it existed: 0
        log.info("resuming from %s after epoch %d", last_path, state["epoch"])

    # distributed: this rank's share of each global batch, weighted for DDP's average
    loss_fn = None if distributed is None else partial(_shard_loss, train_module, distributed)
    started = time.perf_counter() - elapsed_before
    cpu_started = time.process_time() - cpu_before
    epochs = tqdm(
        range(start_epoch, train_config.max_epochs + 1),
        desc="epochs",
        disable=not progress,
        initial=start_epoch - 1,
        total=train_config.max_epochs,
    )
    for epoch in epochs:
        if stale >= train_config.patience:
            break
        model.train()
        total_loss, count = 0.0, 0
        batches = tqdm(
            iter_batches(examples, train_config.batch_size, rng, train_config.shuffle_windows),
            total=steps_per_epoch,
            desc=f"epoch {epoch}",
            leave=False,
            disable=not progress,
        )
        for batch in batches:
            for group in optimiser.param_groups:
                group["lr"] = train_config.lr * _lr_factor(step, total_steps, train_config)
            total_loss += training_step(model, optimiser, batch, train_config, sampler, loss_fn)
            step += 1
            count += 1
            batches.set_postfix(loss=f"{total_loss / count:.4f}")
        epoch_loss = total_loss / count
        valid_started = time.perf_counter()
        if distributed is None:
            metrics = validate(model)
            elapsed = time.perf_counter() - started
        else:  # every rank follows rank 0's validation, so they stop together
            epoch_loss = all_reduce_mean(epoch_loss, distributed)
            metrics, elapsed = broadcast_object(
                (validate(model), time.perf_counter() - started) if writes else None,
                distributed,
            )
        cpu_seconds = time.process_time() - cpu_started
        row = {
            "epoch": epoch,
            "loss": epoch_loss,
            "seconds": elapsed,
            "cpu_seconds": cpu_seconds,
            "valid_seconds": time.perf_counter() - valid_started,
        }
        row.update({f"valid_{k}": v for k, v in metrics.items()})
        history.append(row)
        if improves(metrics["ndcg@10"], best_ndcg, epoch):
            best_ndcg, best_epoch, best_metrics, stale = metrics["ndcg@10"], epoch, metrics, 0
            seconds_to_best = elapsed
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if checkpoint_path is not None and writes:
                save_checkpoint(
                    checkpoint_path,
                    {
                        **meta,
                        "state_dict": best_state,
                        "epoch": epoch,
                        "valid_metrics": metrics,
                        "history": history,
                        "train_seconds": elapsed,
                    },
                )
        else:
            stale += 1
        log.info(
            "epoch %d loss %.4f valid ndcg@10 %.4f hr@10 %.4f (%.0f s)%s",
            epoch,
            row["loss"],
            metrics["ndcg@10"],
            metrics["hr@10"],
            elapsed,
            " *" if best_epoch == epoch else "",
        )
        epochs.set_postfix(
            loss=f"{row['loss']:.4f}", ndcg10=f"{metrics['ndcg@10']:.4f}", best=best_epoch
        )
        if on_epoch is not None:
            on_epoch(row)
        if last_path is not None and writes:
            save_checkpoint(
                last_path,
                {
                    **meta,
                    "state_dict": model.state_dict(),
                    "optimizer": optimiser.state_dict(),
                    "rng_state": rng.bit_generator.state,
                    "torch_rng_state": torch.get_rng_state(),
                    "history": history,
                    "best_ndcg": best_ndcg,
                    "best_epoch": best_epoch,
                    "best_metrics": best_metrics,
                    "best_state": best_state,
                    "epoch": epoch,
                    "step": step,
                    "stale": stale,
                    "train_seconds": elapsed,
                    "cpu_seconds": cpu_seconds,
                    "seconds_to_best": seconds_to_best,
                },
            )
        if train_config.max_minutes is not None and elapsed > 60 * train_config.max_minutes:
            log.info(
                "time budget of %.1f min reached after epoch %d", train_config.max_minutes, epoch
            )
            break
    epochs.close()

    model.load_state_dict(best_state)
    model.eval()
    return TrainResult(
        model=model,
        best_epoch=best_epoch,
        best_metrics=best_metrics,
        history=history,
        train_seconds=time.perf_counter() - started,
        seconds_to_best=seconds_to_best,
    )


@dataclass
class NegativeSampler:
    """Draws the shared negatives of one batch (see :func:`sample_negatives`)."""

    num_items: int  # N
    count: int  # K
    probabilities: torch.Tensor | None = None  # (N,); None = uniform

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
        return sample_negatives(self.num_items, self.count, self.probabilities)


def negative_sampler(
    train: Sequence[Sequence[int]],
    model: SASRec | BERT4Rec,
    config: TrainConfig,
    distributed: DistributedContext | None = None,
) -> NegativeSampler | None:
    """The run's sampler of shared negatives; ``None`` = full-catalogue cross-entropy."""
    if config.sampled_negatives < 0:
        raise ValueError("sampled_negatives must be >= 0 (0 = full-catalogue cross-entropy)")
    if config.sampled_negatives == 0:
        return None
    if not isinstance(model, SASRec):
        raise ValueError("sampled_negatives is implemented for SASRec only")
    if distributed is not None:
        raise ValueError("sampled_negatives is not supported in distributed training yet")
    num_items = model.config.num_items
    probabilities = negative_distribution(train, num_items, config.negative_sampler)
    return NegativeSampler(num_items, config.sampled_negatives, probabilities)


def make_optimiser(model: SASRec | BERT4Rec, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW at the peak learning rate, no weight decay on biases and norms."""
    return torch.optim.AdamW(
        _param_groups(model, config.weight_decay), lr=config.lr, betas=config.betas
    )


def training_step(
    model: SASRec | BERT4Rec,
    optimiser: torch.optim.Optimizer,
    batch: SequenceBatch,
    config: TrainConfig,
    sampler: NegativeSampler | None = None,
    loss_fn: Callable[[SequenceBatch], torch.Tensor] | None = None,
) -> float:
    """One optimiser step on ``batch`` (shared negatives drawn first when the run samples
    them): loss (``model.loss`` unless ``loss_fn``), backward, clipping, AdamW. The loss."""
    if sampler is not None:
        batch.negatives, batch.negative_log_q = sampler()
    loss = model.loss(batch) if loss_fn is None else loss_fn(batch)
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    if config.grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
    optimiser.step()
    return loss.item()


def _wrap_for_ddp(
    model: SASRec | BERT4Rec, distributed: DistributedContext | None, seed: int
) -> torch.nn.Module | None:
    """The DDP-wrapped loss of ``model`` on this rank's device (``None`` single-process).

    Every rank built the same seeded model; DDP still broadcasts rank 0's weights. Dropout
    is then seeded per rank, so that ranks do not drop the same units of different users.
    """
    if distributed is None:
        return None
    from torch.nn.parallel import DistributedDataParallel

    model.to(distributed.device)
    device_ids = [distributed.local_rank] if distributed.backend == "nccl" else None
    wrapped = DistributedDataParallel(LossModule(model), device_ids=device_ids)
    torch.manual_seed(seed + distributed.rank)
    return wrapped


def _shard_loss(
    train_module: torch.nn.Module, distributed: DistributedContext, batch: SequenceBatch
) -> torch.Tensor:
    """This rank's loss on its users of the global ``batch``, weighted so that the gradient
    DDP averages over ranks equals the gradient of the whole batch's mean loss."""
    shard = shard_rows(batch, distributed.rank, distributed.world_size)
    weight = shard_weight(shard, batch, distributed.world_size)
    if len(shard.inputs) == 0:  # fewer users than ranks: join the reduction with no weight
        shard, weight = shard_rows(batch, 0, len(batch.inputs)), 0.0
    device = distributed.device
    loss = train_module(shard.inputs.to(device), shard.targets.to(device))  # ()
    return loss * weight
