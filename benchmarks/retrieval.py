"""Retrieval benchmark: LLM2SASRec against its controls and the baselines, full ranking.

    python benchmarks/retrieval.py --dataset ml-1m --seeds 3

Models: ``mostpop``, ``llmseqsim`` (mean session embedding), ``llmseqsim_recency``
(recency-weighted, decay tuned on validation), ``llm2sasrec`` (text init), ``hybrid``
(llm2sasrec + llmseqsim_recency, weight tuned on validation), ``sasrec_random`` and
``llm2sasrec_shuffled`` (text vectors permuted across items). SASRec variants use the default
``SASRecConfig`` / ``TrainConfig`` (the same as ``python -m recommender train``). Also, run only
when named: ``llm2sasrec_permavg`` (the llm2sasrec checkpoint, scores averaged over random
history orders), ``llm2sasrec_orderfree`` (half of the training windows shuffled),
``llm2bert4rec`` / ``bert4rec_random`` (BERT4Rec with text / random item init).

Resumable: each (model, seed) writes ``benchmarks/results/runs/<dataset>/<model>_seed<k>.json``
as soon as it is done and is skipped when that file exists; SASRec checkpoints go to the
git-ignored ``benchmarks/results/checkpoints/`` with a ``.last.pt`` per epoch, so an interrupted
training continues where it stopped. A run or checkpoint made with another configuration (the
defaults changed since) is never reused: it is moved to ``superseded/`` and done again, and the
tables leave it out. A finished checkpoint with the same configuration is reused, whether
``python -m recommender train`` or an ablation of this benchmark made it. The final JSON,
markdown table and PNG are assembled from whatever runs exist (``--assemble-only`` does only
that).

Ablations (issue: "try what helps and report what each gave"):

    python benchmarks/retrieval.py --dataset ml-1m --ablation [NAME ...] [--seeds 1]

trains ``llm2sasrec`` on ``ABLATION_BASE`` (the default before label smoothing and all history
windows were adopted from these ablations) with one change each (``ABLATIONS``: label
smoothing, longer training, a third block, the raw PCA scale of the text vectors, less or more
dropout, a frozen text table, a lower learning rate, weight decay, the new default itself), in
the same resumable way (runs under ``runs/<dataset>/ablation/``), and writes
``retrieval_ablation_<dataset>.{json,md}``: validation and test metrics of each and its
difference from the ``base`` run of the same seed. Pick changes by validation, not test.

New users (``benchmarks/new_users.py`` says what is measured):

    python benchmarks/retrieval.py --protocol new-users --dataset ml-1m --seeds 3

holds 10% of the users out entirely (fixed seed) and 5% more for validation, trains on the
other users' full sequences and ranks each held-out user's last item after their last 5, 10,
20 and 50 items, in true and shuffled order. Runs go to ``runs/<dataset>/new_users/``,
checkpoints to ``checkpoints/<dataset>/new_users/`` (never shared with the standard protocol:
those saw the held-out users); the tables to ``new_users_<dataset>.{json,md,png}``. Resumable
the same way; re-running the same command skips what is done and assembles the tables.
Every run records its provenance (command, git commit, digests of the data, the text vectors
and the checkpoint, the split).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

if __package__ in (None, ""):  # run as a script: import this checkout, not an installed copy
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import new_users as nu  # noqa: E402
from recommender.config import PROJECT_ROOT, Config, load_config  # noqa: E402
from recommender.data import Dataset, dataset_key, load_dataset  # noqa: E402
from recommender.digest import artifact_digest  # noqa: E402
from recommender.evaluation import (  # noqa: E402
    Hybrid,
    LLMSeqSim,
    MostPopular,
    Recommender,
    SASRecRecommender,
    evaluate,
)
from recommender.machine import describe_machine  # noqa: E402
from recommender.models import SASRec, SASRecConfig, score_histories  # noqa: E402
from recommender.models.bert4rec import BERT4RecConfig  # noqa: E402
from recommender.provenance import collect_provenance  # noqa: E402
from recommender.seeding import seed_everything  # noqa: E402
from recommender.training import (  # noqa: E402
    ARCHITECTURES,
    TrainConfig,
    load_checkpoint,
    train_sasrec,
)

log = logging.getLogger("benchmarks.retrieval")

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
SASREC_INITS = {"llm2sasrec": "text", "sasrec_random": "random", "llm2sasrec_shuffled": "shuffled"}
# LLM2BERT4Rec (Boz et al. 2024's best variant) and its random-init control: BERT4RecConfig
BERT4REC_INITS = {"llm2bert4rec": "text", "bert4rec_random": "random"}
# SASRec trained with another TrainConfig: name -> (init, changes). orderfree: half of the
# training windows in random order (issue: pasted lists have no order; 0.5 is not tuned)
SASREC_VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "llm2sasrec_orderfree": ("text", {"shuffle_windows": 0.5}),
}
MODELS = (
    "mostpop",
    "llmseqsim",
    "llmseqsim_recency",
    "llm2sasrec",
    "hybrid",
    "sasrec_random",
    "llm2sasrec_shuffled",
    "llm2sasrec_permavg",
    "llm2sasrec_orderfree",
    "llm2bert4rec",
    "bert4rec_random",
)
DEFAULT_MODELS = MODELS[:7]  # what runs when --models is not given (the others: when named)
METRICS = ("ndcg@10", "hr@10", "mrr@10", "ndcg@20", "hr@20", "mrr@20")
RECENCY_DECAYS = (0.1, 0.3, 0.5, 0.7, 0.9)
HYBRID_WEIGHTS = (0.5, 0.7, 0.8, 0.9, 0.95)
PERMUTATIONS = 8  # llm2sasrec_permavg: random history orders averaged (order-free scoring)
# models made from the llm2sasrec checkpoint without training anything else
ON_LLM2SASREC = ("hybrid", "llm2sasrec_permavg", *nu.LLM_RERANKERS)
# The ablations were measured against this base: the default until label smoothing and all
# history windows became the default (they pin the old values, so the table stays comparable).
ABLATION_BASE: tuple[dict[str, Any], dict[str, Any]] = (
    {},
    {"label_smoothing": 0.0, "all_windows": False, "patience": 5},
)
BASE_DESCRIPTION = "d=128, 2 blocks, dropout 0.2, lr 2e-3, 40 epochs, patience 5, no smoothing"
# what ABLATION_BASE pins, at today's default values (a variant of today's default sets these)
CURRENT_DEFAULT: dict[str, Any] = {"label_smoothing": 0.1, "all_windows": True, "patience": 10}
# name -> (description, SASRecConfig overrides, TrainConfig overrides) on top of ABLATION_BASE
ABLATIONS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "base": (BASE_DESCRIPTION, {}, {}),
    "label_smoothing_0.1": ("cross-entropy label smoothing 0.1", {}, {"label_smoothing": 0.1}),
    "epochs_80": (
        "80 epochs (cosine horizon 80), patience 10",
        {},
        {"max_epochs": 80, "patience": 10},
    ),
    "blocks_3": ("3 transformer blocks instead of 2", {"num_blocks": 3}, {}),
    "raw_pca_scale": (
        "text vectors at their raw PCA scale (not rescaled)",
        {},
        {"text_init_std": None},
    ),
    "dropout_0.1": ("dropout 0.1 instead of 0.2", {"dropout": 0.1}, {}),
    "frozen_text": (
        "text item table frozen (only the rest trains)",
        {},
        {"freeze_item_embeddings": True},
    ),
    "lr_1e-3": ("peak learning rate 1e-3 instead of 2e-3", {}, {"lr": 1e-3}),
    "weight_decay_0.1": ("AdamW weight decay 0.1 instead of 0", {}, {"weight_decay": 0.1}),
    "dropout_0.3": ("dropout 0.3 instead of 0.2", {"dropout": 0.3}, {}),
    "smoothing_windows": (
        "label smoothing 0.1 + all max_len windows of long histories (+52% targets), "
        "patience 10 (the new default)",
        {},
        {"label_smoothing": 0.1, "all_windows": True, "patience": 10},
    ),
    "smoothing_windows_15ep": (
        "the new default with a 15-epoch cosine horizon (~15 min on 2 cores)",
        {},
        {"label_smoothing": 0.1, "all_windows": True, "patience": 10, "max_epochs": 15},
    ),
    # cheaper training (issue 16 part 6; benchmarks/time_to_accuracy.py draws their curves):
    # today's default with a short cosine horizon and a higher peak, then cheaper steps
    "lr4e-3_20ep": (
        "the default with peak lr 4e-3 and a 20-epoch cosine horizon (patience 20)",
        {},
        {**CURRENT_DEFAULT, "lr": 4e-3, "max_epochs": 20, "patience": 20},
    ),
    "attn0_20ep": (
        "lr4e-3_20ep + no attention-weight dropout (fused attention kernel)",
        {"attn_dropout": 0.0},
        {**CURRENT_DEFAULT, "lr": 4e-3, "max_epochs": 20, "patience": 20},
    ),
    "neg1024_20ep": (
        "lr4e-3_20ep + sampled softmax, 1024 uniform shared negatives (logQ)",
        {},
        {
            **CURRENT_DEFAULT,
            "lr": 4e-3,
            "max_epochs": 20,
            "patience": 20,
            "sampled_negatives": 1024,
        },
    ),
    "fast20": (
        "lr4e-3_20ep + no attention-weight dropout + sampled softmax, 1024 uniform shared "
        "negatives (logQ)",
        {"attn_dropout": 0.0},
        {
            **CURRENT_DEFAULT,
            "lr": 4e-3,
            "max_epochs": 20,
            "patience": 20,
            "sampled_negatives": 1024,
        },
    ),
}


@dataclasses.dataclass
class Context:
    """Everything one benchmark run shares between models."""

    dataset: Dataset
    vectors: np.ndarray  # (N, D) item text embeddings
    config: Config
    runs: Path  # per-(model, seed) JSON files
    checkpoints: Path  # per-(model, seed) SASRec checkpoints (git-ignored)
    progress: bool
    max_epochs: int | None = None  # override TrainConfig.max_epochs (smoke runs only)
    new_users: nu.NewUsers | None = None  # the new-user protocol; None = leave-one-out
    provenance: dict[str, Any] = dataclasses.field(default_factory=dict)  # stored in each run


def _protocol_key(ctx: Context) -> dict[str, Any] | None:
    """What a run or checkpoint must have been made under to be reused (None = standard)."""
    return ctx.new_users.key() if ctx.new_users is not None else None


def _train_sequences(ctx: Context) -> list[list[int]]:
    """What every model is fitted on: leave-one-out training parts, or the training users."""
    if ctx.new_users is not None:
        return ctx.new_users.train_sequences
    return ctx.dataset.split.train


def _validate(ctx: Context, recommender: Recommender) -> dict[str, float]:
    """Validation metrics of the protocol (never the test users)."""
    if ctx.new_users is not None:
        return ctx.new_users.validate(recommender)
    return evaluate(recommender, ctx.dataset, "valid", progress=False)


def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The checkout's commit and whether it had uncommitted changes (None outside git)."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": commit, "git_dirty": bool(status.strip())}


def data_digest(dataset: Dataset, vectors: np.ndarray) -> dict[str, str]:
    """Short sha256 fingerprints of the interaction sequences and of the item text vectors."""
    sequences = hashlib.sha256()
    for seq in dataset.sequences:
        sequences.update(np.asarray(seq, dtype=np.int64).tobytes())
        sequences.update(b"|")
    text = hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return {"sequences_digest": sequences.hexdigest()[:12], "vectors_digest": text.hexdigest()[:12]}


def is_sasrec(name: str) -> bool:
    """Whether ``name`` is a trained sequence model (SASRec, BERT4Rec or an ablation)."""
    return any(name in d for d in (SASREC_INITS, BERT4REC_INITS, SASREC_VARIANTS, ABLATIONS))


def sasrec_configs(
    name: str, seed: int, max_epochs: int | None = None
) -> tuple[SASRecConfig | BERT4RecConfig, TrainConfig]:
    """The configs of a SASRec / BERT4Rec model or ablation: the defaults plus the ablation's
    changes."""
    if name in BERT4REC_INITS:
        model, train = BERT4RecConfig(), TrainConfig(init=BERT4REC_INITS[name], seed=seed)
    elif name in SASREC_VARIANTS:
        init, changes = SASREC_VARIANTS[name]
        model, train = SASRecConfig(), TrainConfig(init=init, seed=seed, **changes)
    elif name in ABLATIONS:
        _, model_changes, train_changes = ABLATIONS[name]
        model = dataclasses.replace(SASRecConfig(), **{**ABLATION_BASE[0], **model_changes})
        train = dataclasses.replace(
            TrainConfig(init="text", seed=seed), **{**ABLATION_BASE[1], **train_changes}
        )
    else:
        model, train = SASRecConfig(), TrainConfig(init=SASREC_INITS[name], seed=seed)
    if max_epochs is not None:
        train = dataclasses.replace(train, max_epochs=max_epochs)
    return model, train


def measure_latency(
    model: SASRec, lengths: tuple[int, ...] = (1, 20, 200, 1000), repeats: int = 50
) -> dict[str, float]:
    """Median milliseconds to score one pasted history against the whole catalogue.

    Includes padding/cutting the history, the forward pass, masking the history and a
    top-50; the threads are whatever torch uses in this process.
    """
    rng = np.random.default_rng(0)
    top = min(50, model.config.num_items)
    out = {}
    for length in lengths:
        history = rng.integers(1, model.config.num_items + 1, size=length).tolist()
        times = []
        for _ in range(repeats + 3):
            started = time.perf_counter()
            score_histories(model, [history])[0].topk(top)
            times.append(time.perf_counter() - started)
        out[f"len{length}"] = float(np.median(times[3:]) * 1000)
    return out


# fields added to the configs after runs were stored -> the value those runs trained with
ADDED_FIELDS: dict[type, dict[str, Any]] = {TrainConfig: {"all_windows": False}}


def _same_configs(
    saved_model: dict[str, Any],
    saved_train: dict[str, Any],
    model: SASRecConfig,
    train: TrainConfig,
) -> bool:
    """Whether saved config dicts describe ``model`` / ``train`` (threads and N aside).

    A field the saved dict lacks was added later: it counts as the behaviour before it existed
    (``ADDED_FIELDS``), else as its default.
    """
    ignore = {"num_items", "num_threads"}

    def normal(saved: dict[str, Any], want: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        defaults = {**dataclasses.asdict(type(want)()), **ADDED_FIELDS.get(type(want), {})}
        have = {k: saved.get(k, defaults[k]) for k in defaults if k not in ignore}
        if "betas" in have:
            have["betas"] = tuple(have["betas"])
        return have, {k: v for k, v in dataclasses.asdict(want).items() if k not in ignore}

    have_model, want_model = normal(saved_model, model)
    have_train, want_train = normal(saved_train, train)
    return have_model == want_model and have_train == want_train


def _same_architecture(payload: dict[str, Any], model: SASRecConfig | BERT4RecConfig) -> bool:
    """Whether a checkpoint holds the model class ``model`` configures (older ones: SASRec)."""
    return payload.get("architecture", "sasrec") == ARCHITECTURES[type(model)][0]


def _supersede(paths: list[Path], folder: Path) -> None:
    """Move results made with another configuration aside (kept, never silently reused)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path in paths:
        if path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{path.stem}.{stamp}{path.suffix}"
            path.replace(target)
            log.warning("%s was made with another configuration: moved to %s", path, target)


def _load(path: Path) -> dict[str, Any] | None:
    """A checkpoint's payload, or None when there is none."""
    return torch.load(path, map_location="cpu", weights_only=False) if path.exists() else None


def _finished(state: dict[str, Any], train: TrainConfig) -> bool:
    """Whether a ``.last.pt`` state ended its run (early stop or the epoch cap)."""
    return state["stale"] >= train.patience or state["epoch"] >= train.max_epochs


def finished_checkpoint(ctx: Context, name: str, seed: int) -> bool:
    """Whether ``name``'s checkpoint for ``seed`` exists, finished, under this protocol and
    today's configs (then :func:`_train_sasrec` only loads it)."""
    path = ctx.checkpoints / f"{name}_seed{seed}.pt"
    payload, state = _load(path), _load(path.with_suffix(".last.pt"))
    if payload is None or state is None:
        return False
    model, train = sasrec_configs(name, seed, ctx.max_epochs)
    return (
        _same_configs(payload["model_config"], payload["train_config"], model, train)
        and payload.get("protocol") == _protocol_key(ctx)
        and _same_architecture(payload, model)
        and _finished(state, train)
    )


def _reuse_trained(
    ctx: Context, name: str, seed: int, target: Path, model, train
) -> dict[str, Any] | None:
    """Copy a finished checkpoint with identical configs, if any: one made by
    ``recommender train``, or one of this benchmark under another name (an ablation that
    became the default, or the other way round). Returns the copied ``.last.pt`` state."""
    if target.exists():
        return None
    trained = ctx.config.data.cache_dir / "models" / ctx.dataset.name / f"{name}_seed{seed}.pt"
    # ``recommender train`` saw every user: never a candidate under another protocol
    sources = [] if ctx.new_users is not None else [trained]
    for source in [*sources, *sorted(ctx.checkpoints.glob(f"*_seed{seed}.pt"))]:
        last = source.with_suffix(".last.pt")
        if not (source.exists() and last.exists()):
            continue
        payload = _load(source)
        if not _same_configs(payload["model_config"], payload["train_config"], model, train):
            continue
        if payload.get("protocol") != _protocol_key(ctx) or not _same_architecture(payload, model):
            continue
        state = _load(last)
        if not _finished(state, train):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        shutil.copyfile(last, target.with_suffix(".last.pt"))
        log.info("reusing %s (finished, same configuration)", source)
        return state
    return None


def _train_sasrec(ctx: Context, name: str, seed: int) -> tuple[Recommender, dict[str, Any]]:
    model_config, train_config = sasrec_configs(name, seed, ctx.max_epochs)
    path = ctx.checkpoints / f"{name}_seed{seed}.pt"
    last = path.with_suffix(".last.pt")
    state = _load(last)  # the latest epoch; it carries the same configs as the best one
    saved = state if state is not None else _load(path)
    if saved is not None and (
        not _same_configs(saved["model_config"], saved["train_config"], model_config, train_config)
        or saved.get("protocol") != _protocol_key(ctx)
        or not _same_architecture(saved, model_config)
    ):
        _supersede([path, last], ctx.checkpoints / "superseded")
        state = None
    if state is None:
        state = _reuse_trained(ctx, name, seed, path, model_config, train_config)
    started = time.perf_counter()
    if path.exists() and state is not None and _finished(state, train_config):
        # finished earlier: load the best weights, no need to rebuild the optimiser
        model, payload = load_checkpoint(path)
        info = {
            "train_seconds": state["train_seconds"],
            "seconds_to_best": state["seconds_to_best"],
            "epochs": payload["epoch"],
            "epochs_run": state["epoch"],
            "history": state["history"],
        }
    else:
        extra: dict[str, Any] = {"name": name, "command": "benchmarks/retrieval.py"}
        protocol: dict[str, Any] = {}
        if ctx.new_users is not None:
            extra["protocol"] = _protocol_key(ctx)
            protocol = {
                "train_sequences": ctx.new_users.train_sequences,
                "validate": lambda m: ctx.new_users.validate(SASRecRecommender(m)),
            }
        result = train_sasrec(
            ctx.new_users.train_dataset if ctx.new_users is not None else ctx.dataset,
            model_config,
            train_config,
            item_vectors=None if train_config.init == "random" else ctx.vectors,
            checkpoint_path=path,
            resume=True,
            progress=ctx.progress,
            extra=extra,
            **protocol,
        )
        model = result.model
        info = {
            "train_seconds": result.train_seconds,
            "seconds_to_best": result.seconds_to_best,
            "epochs": result.best_epoch,
            "epochs_run": len(result.history),
            "history": result.history,
        }
    info["config"] = {
        "model": dataclasses.asdict(model.config),
        "train": dataclasses.asdict(train_config),
    }
    info["checkpoint"] = str(
        path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    )
    log.info("%s seed %d ready in %.0f s", name, seed, time.perf_counter() - started)
    return SASRecRecommender(model, name), info


def _tune(
    ctx: Context, make: Callable[[float], Recommender], grid: tuple[float, ...], what: str
) -> tuple[float, dict[str, float]]:
    """The grid value with the best validation NDCG@10 (never the test split)."""
    scores = {}
    for value in grid:
        scores[value] = _validate(ctx, make(value))["ndcg@10"]
        log.info("  %s=%s: valid ndcg@10 %.4f", what, value, scores[value])
    best = max(scores, key=scores.get)
    return best, {str(k): v for k, v in scores.items()}


def build(ctx: Context, name: str, seed: int) -> tuple[Recommender, dict[str, Any]]:
    """The recommender ``name`` for ``seed`` and what it cost to build."""
    started = time.perf_counter()
    if name == "mostpop":
        return MostPopular(_train_sequences(ctx), ctx.dataset.num_items), {
            "train_seconds": time.perf_counter() - started
        }
    if name == "llmseqsim":
        return LLMSeqSim(ctx.vectors, "mean"), {"train_seconds": 0.0}
    if name == "llmseqsim_recency":
        decay, grid = _tune(
            ctx, lambda d: LLMSeqSim(ctx.vectors, "recency", decay=d), RECENCY_DECAYS, "decay"
        )
        return LLMSeqSim(ctx.vectors, "recency", decay=decay), {
            "train_seconds": time.perf_counter() - started,
            "decay": decay,
            "valid_grid": grid,
        }
    if is_sasrec(name):
        return _train_sasrec(ctx, name, seed)
    if name == "hybrid":
        sasrec, info = _train_sasrec(ctx, "llm2sasrec", seed)
        seqsim, seqsim_info = build(ctx, "llmseqsim_recency", seed)
        weight, grid = _tune(
            ctx, lambda w: Hybrid(sasrec, seqsim, weight=w), HYBRID_WEIGHTS, "sasrec weight"
        )
        return Hybrid(sasrec, seqsim, weight=weight), {
            "train_seconds": info["train_seconds"] + seqsim_info["train_seconds"],
            "epochs": info.get("epochs"),
            "config": info["config"],
            "checkpoint": info["checkpoint"],
            "weight": weight,
            "decay": seqsim_info["decay"],
            "valid_grid": grid,
        }
    if name == "llm2sasrec_permavg":
        sasrec, info = _train_sasrec(ctx, "llm2sasrec", seed)
        return nu.PermutationAveraged(sasrec, PERMUTATIONS, seed=seed, name=name), {
            "train_seconds": info["train_seconds"],
            "epochs": info.get("epochs"),
            "config": info["config"],
            "checkpoint": info["checkpoint"],
            "permutations": PERMUTATIONS,
        }
    raise ValueError(f"unknown model {name!r}")


def _current(
    record: dict[str, Any], max_epochs: int | None = None, protocol: dict[str, Any] | None = None
) -> bool:
    """Whether a stored run was made with the configuration this code would use now, under
    ``protocol`` (a :meth:`NewUsers.key`; None = the standard leave-one-out protocol)."""
    if record.get("protocol") != protocol:
        return False
    name = "llm2sasrec" if record["model"] in ON_LLM2SASREC else record["model"]
    if not is_sasrec(name):
        return True
    saved = record.get("config")
    if saved is None:
        return False
    model, train = sasrec_configs(name, record["seed"], max_epochs)
    return _same_configs(saved["model"], saved["train"], model, train)


def run_one(
    ctx: Context,
    name: str,
    seed: int,
    builder: Callable[[Context, str, int], tuple[Recommender, dict[str, Any]]] | None = None,
) -> Path:
    """Evaluate (model, seed) and write its JSON; skipped when the JSON exists.

    ``builder`` makes the recommender (default :func:`build`; ``benchmarks/new_users_llm.py``
    passes its LLM re-rankers)."""
    out = ctx.runs / f"{name}_seed{seed}.json"
    if out.exists() and not _current(
        json.loads(out.read_text()), ctx.max_epochs, _protocol_key(ctx)
    ):
        _supersede([out], ctx.runs / "superseded")
    if out.exists():
        log.info("%s seed %d: already done (%s)", name, seed, out)
        return out
    log.info("%s seed %d: building", name, seed)
    seed_everything(seed)
    recommender, info = (builder or build)(ctx, name, seed)
    record: dict[str, Any] = {"model": name, "seed": seed, "dataset": ctx.dataset.name, **info}
    started = time.perf_counter()
    record["valid"] = _validate(ctx, recommender)
    if ctx.new_users is not None:
        record["protocol"] = _protocol_key(ctx)
        record["protocol_sizes"] = ctx.new_users.describe()
        record.update(ctx.new_users.evaluate(recommender))
    else:
        record["full"] = evaluate(recommender, ctx.dataset, "test", progress=False)
        record["sampled"] = evaluate(
            recommender, ctx.dataset, "test", protocol="sampled", seed=seed, progress=False
        )
    record["eval_seconds"] = time.perf_counter() - started
    record["provenance"] = dict(ctx.provenance)
    if "checkpoint" in info:
        checkpoint = PROJECT_ROOT / info["checkpoint"]
        record["provenance"]["checkpoint_digest"] = artifact_digest(checkpoint)
    if isinstance(recommender, SASRecRecommender):
        record["latency_ms"] = measure_latency(recommender.model)
    record["machine"] = describe_machine()
    record["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    ctx.runs.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(out)
    if ctx.new_users is not None:
        log.info(
            "%s seed %d: test ndcg@10 %s",
            name,
            seed,
            ", ".join(
                f"L={n} {m['true']['ndcg@10']:.4f} (shuffled {m['shuffled']['ndcg@10']:.4f})"
                for n, m in record["test"].items()
            ),
        )
        return out
    log.info(
        "%s seed %d: test ndcg@10 %.4f hr@10 %.4f (sampled ndcg@10 %.4f)",
        name,
        seed,
        record["full"]["ndcg@10"],
        record["full"]["hr@10"],
        record["sampled"]["ndcg@10"],
    )
    return out


def _summary(records: list[dict[str, Any]], protocol: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for metric in METRICS:
        values = np.array([r[protocol][metric] for r in records])
        out[metric] = float(values.mean())
        out[f"{metric}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    out["seeds"] = sorted(r["seed"] for r in records)
    return out


def write_tables(out_dir: Path, name: str, result: dict[str, Any], table: str) -> str:
    """``<stem>.json`` and ``<stem>.md`` in ``out_dir`` (stem: ``name`` without dashes)."""
    stem = name.replace("-", "")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
    (out_dir / f"{stem}.md").write_text(table)
    return stem


def assemble(dataset: str, runs: Path, out_dir: Path, command: str) -> dict[str, Any]:
    """Final JSON + markdown table + PNG from every per-run JSON that exists."""
    by_model: dict[str, list[dict[str, Any]]] = {}
    for file in sorted(runs.glob("*_seed*.json")):
        record = json.loads(file.read_text())
        if not _current(record):
            log.warning("left out %s: made with another configuration (run it again)", file)
            continue
        by_model.setdefault(record["model"], []).append(record)
    order = [m for m in MODELS if m in by_model] + sorted(set(by_model) - set(MODELS))
    result: dict[str, Any] = {
        "dataset": dataset,
        "protocol": "full",
        "split": "test (leave-one-out; history items masked)",
        "models": {},
        "sampled": {
            "protocol": "sampled: target vs 100 uniformly drawn unseen items (SASRec paper); "
            "for comparison with older papers only",
            "models": {},
        },
        "machine": next(iter(by_model.values()))[0]["machine"] if by_model else describe_machine(),
        "command": command,
    }
    for name in order:
        records = by_model[name]
        full = _summary(records, "full")
        full["train_seconds"] = float(np.mean([r.get("train_seconds", 0.0) for r in records]))
        epochs = [r["epochs"] for r in records if r.get("epochs") is not None]
        full["epochs"] = float(np.mean(epochs)) if epochs else None
        full["valid_ndcg@10"] = float(np.mean([r["valid"]["ndcg@10"] for r in records]))
        latencies = [r["latency_ms"] for r in records if "latency_ms" in r]
        if latencies:
            full["latency_ms_one_history"] = {
                k: float(np.median([lat[k] for lat in latencies])) for k in latencies[0]
            }
        result["models"][name] = full
        result["sampled"]["models"][name] = _summary(records, "sampled")
    result["provenance"] = collect_provenance(command)  # each run's digests are in its record
    stem = write_tables(out_dir, f"retrieval_{dataset_key(dataset)}", result, markdown(result))
    plot(result, out_dir / f"{stem}.png")
    return result


def assemble_new_users(
    dataset: str,
    runs: Path,
    out_dir: Path,
    spec: nu.NewUserSpec,
    command: str,
    max_epochs: int | None = None,
) -> dict[str, Any]:
    """``new_users_<dataset>.{json,md,png}`` from the runs made under ``spec``'s protocol.

    The split digest is read from the stored runs (the spec alone fixes it for one dataset),
    so assembling needs no data and no model.
    """
    want = json.loads(json.dumps(dataclasses.asdict(spec)))  # tuples read back as lists

    def current(record: dict[str, Any]) -> bool:
        key = record.get("protocol") or {}
        return {k: key.get(k) for k in want} == want and _current(record, max_epochs, key)

    result = nu.assemble(dataset, runs, current, [*MODELS, *nu.LLM_RERANKERS], command)
    digests = {
        (r.get("protocol") or {}).get("split_digest")
        for r in (json.loads(f.read_text()) for f in runs.glob("*_seed*.json"))
    } - {None}
    if len(digests) > 1:  # one spec, one dataset -> one split: anything else is a bug
        raise RuntimeError(f"runs under {runs} were made on {len(digests)} different splits")
    # per-run provenance (checkpoint, data, split digests) sits in each run; this is the table's
    result["provenance"] = collect_provenance(command, config={"protocol": want})
    stem = write_tables(out_dir, f"new_users_{dataset_key(dataset)}", result, nu.markdown(result))
    nu.plot(result, out_dir / f"{stem}.png")
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Retrieval on {result['dataset']}: full-catalogue ranking, test split",
        "",
        "Leave-one-out; the held-out item is ranked against every item, the user's history "
        "masked. Mean ± std over the seeds listed.",
        "",
        "| model | seeds | NDCG@10 | HR@10 | MRR@10 | NDCG@20 | HR@20 | train s | best epoch |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in result["models"].items():
        epochs = f"{m['epochs']:.1f}" if m.get("epochs") else "-"
        lines.append(
            f"| {name} | {len(m['seeds'])} | {m['ndcg@10']:.4f} ± {m['ndcg@10_std']:.4f} "
            f"| {m['hr@10']:.4f} ± {m['hr@10_std']:.4f} | {m['mrr@10']:.4f} "
            f"| {m['ndcg@20']:.4f} | {m['hr@20']:.4f} | {m['train_seconds']:.0f} | {epochs} |"
        )
    lines += [
        "",
        "Sampled protocol (target vs 100 random unseen items, as in the SASRec paper; inflated, "
        "for comparison with older papers only):",
        "",
        "| model | NDCG@10 | HR@10 |",
        "|---|---|---|",
    ]
    for name, m in result["sampled"]["models"].items():
        lines.append(f"| {name} | {m['ndcg@10']:.4f} | {m['hr@10']:.4f} |")
    lines += ["", f"Machine: {result['machine']}", "", f"Command: `{result['command']}`", ""]
    return "\n".join(lines)


def assemble_ablation(dataset: str, runs: Path, out_dir: Path, command: str) -> dict[str, Any]:
    """``retrieval_ablation_<dataset>.{json,md}``: each change against the base, same seed."""
    records = [json.loads(f.read_text()) for f in sorted((runs / "ablation").glob("*_seed*.json"))]
    records = [r for r in records if _current(r)]  # pinned to the base, so normally all
    base_runs = {r["seed"]: r for r in records if r["model"] == "base"}
    variants: dict[str, Any] = {}
    for record in records:
        name, seed = record["model"], record["seed"]
        if name == "base":
            continue
        base = base_runs.get(seed)
        entry = variants.setdefault(name, {"change": ABLATIONS.get(name, ("?",))[0], "seeds": {}})
        entry["seeds"][str(seed)] = {
            "valid_ndcg@10": record["valid"]["ndcg@10"],
            "test": {m: record["full"][m] for m in METRICS},
            "test_ndcg@10_minus_base": (
                record["full"]["ndcg@10"] - base["full"]["ndcg@10"] if base else None
            ),
            "valid_ndcg@10_minus_base": (
                record["valid"]["ndcg@10"] - base["valid"]["ndcg@10"] if base else None
            ),
            "epochs": record.get("epochs"),
            "train_seconds": record.get("train_seconds"),
            "seconds_to_best": record.get("seconds_to_best"),
        }
    result = {
        "dataset": dataset,
        "protocol": "full",
        "base": {
            str(seed): {
                "valid_ndcg@10": r["valid"]["ndcg@10"],
                "test": {m: r["full"][m] for m in METRICS},
                "epochs": r.get("epochs"),
                "train_seconds": r.get("train_seconds"),
            }
            for seed, r in sorted(base_runs.items())
        },
        "variants": variants,
        "command": command,
    }
    write_tables(
        out_dir, f"retrieval_ablation_{dataset_key(dataset)}", result, ablation_markdown(result)
    )
    return result


def ablation_markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# LLM2SASRec ablations on {result['dataset']}: one change each, full ranking",
        "",
        "Each row is the base `llm2sasrec` (the default before these ablations) with one "
        "change, against the base run of the same seed. Choose by the validation column; the "
        "test columns only report.",
        "",
        "| variant | change | seed | valid NDCG@10 (Δ) | test NDCG@10 (Δ) | test HR@10 "
        "| best epoch | train s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for seed, r in result["base"].items():
        lines.append(
            f"| base | {BASE_DESCRIPTION} | {seed} "
            f"| {r['valid_ndcg@10']:.4f} | {r['test']['ndcg@10']:.4f} | {r['test']['hr@10']:.4f} "
            f"| {r['epochs']} | {r['train_seconds']:.0f} |"
        )

    def delta(value: float | None) -> str:
        return "" if value is None else f" ({value:+.4f})"

    for name, entry in result["variants"].items():
        for seed, r in entry["seeds"].items():
            lines.append(
                f"| {name} | {entry['change']} | {seed} "
                f"| {r['valid_ndcg@10']:.4f}{delta(r['valid_ndcg@10_minus_base'])} "
                f"| {r['test']['ndcg@10']:.4f}{delta(r['test_ndcg@10_minus_base'])} "
                f"| {r['test']['hr@10']:.4f} | {r['epochs']} | {r['train_seconds']:.0f} |"
            )
    lines += ["", f"Command: `{result['command']}`", ""]
    return "\n".join(lines)


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["models"])
    if not names:
        return
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 2, 4))
    for offset, metric in ((-0.2, "ndcg@10"), (0.2, "hr@10")):
        means = [result["models"][n][metric] for n in names]
        stds = [result["models"][n][f"{metric}_std"] for n in names]
        ax.bar(x + offset, means, 0.4, yerr=stds, capsize=3, label=metric.upper())
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel("test, full ranking")
    ax.set_title(f"{result['dataset']}: retrieval (mean ± std over seeds)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def build_context(
    dataset_name: str,
    config: Config,
    runs: Path,
    checkpoints: Path,
    command: str,
    progress: bool = True,
    max_epochs: int | None = None,
    new_users: nu.NewUserSpec | None = None,
) -> Context:
    """Load the data set and its item text vectors into a :class:`Context` whose runs record
    ``command`` and the checkout's state as provenance."""
    dataset = load_dataset(dataset_name, config.data, progress=progress)
    from recommender.embeddings import item_embeddings, make_embedder

    vectors = item_embeddings(
        dataset.catalogue, make_embedder(config.embedding), config.data.cache_dir, progress=progress
    )
    ctx = Context(
        dataset=dataset,
        vectors=vectors,
        config=config,
        runs=runs,
        checkpoints=checkpoints,
        progress=progress,
        max_epochs=max_epochs,
        new_users=nu.NewUsers(dataset, new_users) if new_users is not None else None,
        provenance={"command": command, **git_state(), **data_digest(dataset, vectors)},
    )
    processed = config.data.cache_dir / "processed" / dataset_key(dataset_name)
    if processed.is_dir():  # the prepared files, if cached
        ctx.provenance["processed_digest"] = artifact_digest(processed)
    return ctx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ml-1m", help="ml-1m, ml-100k or a CSV folder")
    parser.add_argument("--seeds", type=int, default=None, help="seeds 0..N-1 per model (3)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(DEFAULT_MODELS))
    parser.add_argument(
        "--protocol",
        choices=("standard", "new-users"),
        default="standard",
        help="standard: leave-one-out on every user; new-users: held-out users, short histories",
    )
    parser.add_argument(
        "--valid-users",
        type=int,
        default=None,
        help="new-users: early-stop and tune on this many (fixed, seeded) validation users",
    )
    parser.add_argument("--out-dir", type=Path, default=RESULTS, help="where results go")
    parser.add_argument("--assemble-only", action="store_true", help="only rebuild the tables")
    parser.add_argument(
        "--ablation",
        nargs="*",
        choices=list(ABLATIONS),
        default=None,
        help="train llm2sasrec with one change each (all of ABLATIONS if no name is given) "
        "instead of the models; --seeds defaults to 1 here",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument(
        "--max-epochs", type=int, default=None, help="override max epochs (smoke runs only)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.threads:
        torch.set_num_threads(args.threads)
    config = load_config()
    key = dataset_key(args.dataset)
    new_users = args.protocol == "new-users"
    if new_users and args.ablation is not None:
        parser.error("--ablation runs under the standard protocol only")
    runs = args.out_dir / "runs" / key / ("new_users" if new_users else "")
    checkpoints = args.out_dir / "checkpoints" / key / ("new_users" if new_users else "")
    spec = nu.NewUserSpec(valid_users=args.valid_users)
    ablation = args.ablation is not None
    names = (args.ablation or list(ABLATIONS)) if ablation else args.models
    seeds = args.seeds if args.seeds is not None else (1 if ablation else 3)
    command = "python benchmarks/retrieval.py " + shlex.join(
        a for a in (argv if argv is not None else sys.argv[1:]) if a != "--assemble-only"
    )

    def assemble_all() -> dict[str, Any]:
        if ablation:
            return assemble_ablation(args.dataset, runs, args.out_dir, command)
        if new_users:
            return assemble_new_users(
                args.dataset, runs, args.out_dir, spec, command, args.max_epochs
            )
        return assemble(args.dataset, runs, args.out_dir, command)

    if not args.assemble_only:
        ctx = build_context(
            args.dataset,
            config,
            runs=runs / "ablation" if ablation else runs,
            checkpoints=checkpoints,
            command=command,
            progress=not args.no_progress,
            max_epochs=args.max_epochs,
            new_users=spec if new_users else None,
        )
        for seed in range(seeds):  # seed-major: one full seed of every model first
            for name in names:
                run_one(ctx, name, seed)
                assemble_all()
    result = assemble_all()
    if ablation:
        print(ablation_markdown(result))
    else:
        print(nu.markdown(result) if new_users else markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
