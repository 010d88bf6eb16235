"""LoRA fine-tuning of the local LLM for candidate-constrained ranking.

Training examples come from the training sequences only (never a validation or test item): a
user's history up to a random cut -> the item that came next, hidden among negatives, shown in
a shuffled order with letter labels, in exactly the prompt the ranker uses. The loss is the
cross-entropy over the candidate label logits at the answer position (the answer token only,
and only the candidates' labels: LlamaRec's verbaliser objective).

Negatives: the ``finetune`` command passes :func:`retrieval_negatives` (the LLM2SASRec top-k
for the history, the candidates the ranker sees in the app); without a ``negatives`` function
they are drawn from item popularity, an easier task than re-ranking retrieval candidates.
LoRA sits on the upper layers only (``lora_layers``) to save time on two CPU cores.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from recommender.config import jsonable
from recommender.data.dataset import Dataset
from recommender.llm.backends import LocalBackend
from recommender.llm.config import LABELS, LLMConfig
from recommender.llm.ranker import RankPromptBuilder
from recommender.models.sasrec import SASRec, score_histories

logger = logging.getLogger(__name__)

ADAPTER_DIR = "adapter"  # the final adapter, what LLMConfig.adapter_path points to
CHECKPOINT_DIR = "checkpoint"  # the latest resumable state
CONFIG_FILE = "finetune_config.json"


@dataclass
class FinetuneConfig:
    """LoRA fine-tuning of the ranking LLM."""

    output_dir: Path = Path("finetune")  # adapter/, checkpoint/, finetune_config.json, log
    max_steps: int = 2000  # optimiser steps (the time budget usually stops first)
    time_budget_min: float = 60.0  # wall-clock budget per run; a checkpoint is saved at the end
    batch_size: int = 4  # prompts per optimiser step
    lr: float = 5e-4  # AdamW peak learning rate
    warmup_steps: int = 20  # linear warm-up, then cosine decay to 10% by max_steps
    weight_decay: float = 0.0
    lora_r: int = 8  # LoRA rank
    lora_alpha: int = 16  # LoRA scaling numerator
    lora_dropout: float = 0.05
    lora_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")  # adapted layers
    lora_layers: int = 10  # adapt the top N transformer blocks only (0 = all)
    num_candidates: int = 20  # candidates per training prompt (true next item + negatives)
    max_history: int | None = None  # history titles per prompt; None = the ranker's setting
    min_history: int = 3  # shortest history a training example may have
    checkpoint_every: int = 25  # steps between resumable checkpoints
    eval_users: int = 100  # validation prompts scored before and after training (0 = skip)
    seed: int = 0


@dataclass
class Example:
    """One training prompt: a history, shuffled candidates and the index of the true one."""

    history: list[int]  # item ids, most recent last
    candidates: list[int]  # shown order
    answer: int  # index into ``candidates`` of the item that came next


def popularity(dataset: Dataset, sequences: Sequence[Sequence[int]]) -> np.ndarray:
    """Interaction counts per item id (index 0 is padding), from ``sequences`` only."""
    counts = np.zeros(dataset.num_items + 1, dtype=np.float64)
    for seq in sequences:
        np.add.at(counts, np.asarray(seq, dtype=np.int64), 1.0)
    return counts


NegativesFn = Callable[[list[int], int, random.Random], list[int]]


def retrieval_negatives(model: SASRec) -> NegativesFn:
    """``negatives(history, n, rng)``: the retriever's top ``n + 1`` items for the history.

    These are the hard negatives the ranker meets in the app (SASRec's own top candidates,
    history masked). The caller drops the target if it is among them and keeps ``n``, so an
    example shows the true item with the best-scored other items, as at inference.
    """

    def negatives(history: list[int], n: int, rng: random.Random) -> list[int]:
        scores = score_histories(model, [history])[0]  # (N+1,), history and padding -inf
        k = min(n + 1, int(torch.isfinite(scores).sum()))
        return torch.topk(scores, k).indices.tolist()

    return negatives


def _example(
    history: list[int],
    target: int,
    n: int,
    negatives: NegativesFn | None,
    weights: np.ndarray,
    rng: random.Random,
    np_rng: np.random.Generator,
    max_history: int,
) -> Example:
    """The target among ``n - 1`` others (``negatives`` first, then popularity), shuffled."""
    proposed = negatives(history, n - 1, rng) if negatives is not None else []
    seen = set(history)
    others = [i for i in dict.fromkeys(proposed) if i != target and i not in seen][: n - 1]
    if len(others) < n - 1:  # top up from popularity, never the history or target
        p = weights.copy()
        p[[*history, target, *others]] = 0.0
        k = min(n - 1 - len(others), int((p > 0).sum()))
        others += np_rng.choice(len(p), size=k, replace=False, p=p / p.sum()).tolist()
    shown = [target, *others]
    rng.shuffle(shown)
    return Example(history[-max_history:], shown, shown.index(target))


def make_examples(
    dataset: Dataset,
    count: int,
    config: FinetuneConfig,
    max_history: int,
    seed: int,
    negatives: NegativesFn | None = None,
) -> list[Example]:
    """``count`` examples from the training sequences, deterministic for a seed.

    ``negatives(history, n, rng)`` may supply the other candidates (e.g. the retriever's);
    by default they are drawn in proportion to popularity, excluding the history and target.
    """
    rng = random.Random(seed)
    train = dataset.split.train
    users = [u for u, seq in enumerate(train) if len(seq) > config.min_history]
    if not users:
        raise ValueError(f"no training sequence is longer than {config.min_history} items")
    n = min(config.num_candidates, dataset.num_items)
    pop = popularity(dataset, train)
    pop[0] = 0.0
    weights = (pop + 1.0) ** 0.75  # word2vec-style smoothing: rare items appear too
    weights[0] = 0.0
    np_rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        seq = train[rng.choice(users)]
        cut = rng.randint(config.min_history, len(seq) - 1)
        history, target = seq[:cut], seq[cut]
        out.append(_example(history, target, n, negatives, weights, rng, np_rng, max_history))
    return out


def validation_examples(
    dataset: Dataset,
    count: int,
    config: FinetuneConfig,
    max_history: int,
    seed: int,
    negatives: NegativesFn | None = None,
) -> list[Example]:
    """Examples whose target is each sampled user's validation item (history = seq[:-2]).

    The other candidates come from ``negatives`` when given (as in training), else popularity.
    """
    rng = random.Random(seed)
    split = dataset.split
    pairs = list(zip(split.valid_users, split.valid_targets, strict=True))
    rng.shuffle(pairs)
    pop = popularity(dataset, split.train)
    weights = (pop + 1.0) ** 0.75
    weights[0] = 0.0
    np_rng = np.random.default_rng(seed)
    n = min(config.num_candidates, dataset.num_items)
    out = []
    for user, target in pairs[:count]:
        history = split.history(user, "valid")
        out.append(_example(history, target, n, negatives, weights, rng, np_rng, max_history))
    return out


def example_prompt(example: Example, builder: RankPromptBuilder) -> str:
    """The ranker's own prompt for an example."""
    history = builder.catalogue.many(example.history)
    return builder.build(history, example.candidates)


def example_loss(
    backend: LocalBackend, examples: Sequence[Example], builder: RankPromptBuilder
) -> Any:
    """Mean cross-entropy of the true labels over the candidate label logits."""
    n = len(examples[0].candidates)
    label_ids = backend.label_token_ids(LABELS[:n])
    rows = [backend.encode(example_prompt(e, builder)) for e in examples]
    logits = backend.label_logits(rows, label_ids)  # (b, n)
    target = torch.tensor([e.answer for e in examples])
    return torch.nn.functional.cross_entropy(logits, target)


def evaluate_examples(
    backend: LocalBackend, examples: Sequence[Example], builder: RankPromptBuilder
) -> dict[str, float]:
    """HR@1 and NDCG@10 of the true item among each example's candidates (label scores)."""
    if not examples:
        return {}
    hits, ndcg = 0.0, 0.0
    for start in range(0, len(examples), backend.config.batch_size):
        batch = examples[start : start + backend.config.batch_size]
        prompts = [example_prompt(e, builder) for e in batch]
        scores = backend.score_labels(prompts, LABELS[: len(batch[0].candidates)])
        for row, example in zip(scores, batch, strict=True):
            rank = int((row > row[example.answer]).sum())
            hits += rank == 0
            ndcg += 1.0 / math.log2(rank + 2) if rank < 10 else 0.0
    return {"hr@1": hits / len(examples), "ndcg@10": ndcg / len(examples), "n": len(examples)}


def _lr_at(step: int, config: FinetuneConfig) -> float:
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = min(
        1.0, (step - config.warmup_steps) / max(1, config.max_steps - config.warmup_steps)
    )
    return config.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


@dataclass
class FinetuneResult:
    """What a run did."""

    steps: int  # optimiser steps done in total (over all resumed runs)
    seconds: float  # wall-clock time of this run
    losses: list[float] = field(default_factory=list)  # per step, this run
    before: dict[str, float] = field(default_factory=dict)  # validation metrics before
    after: dict[str, float] = field(default_factory=dict)  # validation metrics after
    adapter_dir: Path | None = None
    stopped_by: str = "max_steps"  # max_steps | time_budget


def _save_checkpoint(
    model: Any, optimizer: Any, step: int, losses: list[float], folder: Path
) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    model.save_pretrained(tmp)
    torch.save(
        {"optimizer": optimizer.state_dict(), "step": step, "losses": losses},
        tmp / "trainer_state.pt",
    )
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    tmp.rename(folder)


def finetune(
    dataset: Dataset,
    llm_config: LLMConfig,
    config: FinetuneConfig,
    resume: bool = True,
    progress: bool = True,
    backend: LocalBackend | None = None,
    negatives: NegativesFn | None = None,
) -> FinetuneResult:
    """Train a LoRA adapter for ranking; resumes from ``output_dir/checkpoint`` if present.

    Saves ``output_dir/adapter`` (point ``llm.adapter_path`` at it) and the configs that made
    it. ``backend`` may be given to reuse an already loaded base model (it must have no adapter);
    ``negatives(history, n, rng)`` may supply retrieval candidates (see ``make_examples``).
    """
    from peft import LoraConfig, PeftModel, get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    started = time.perf_counter()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    if backend is None:
        base_config = LLMConfig(**{**asdict(llm_config), "adapter_path": None})
        backend = LocalBackend.from_config(base_config, progress=progress)
    model = backend.model
    if isinstance(model, PeftModel):
        raise ValueError("finetune needs the base model without an adapter")
    num_layers = model.config.num_hidden_layers
    layers = (
        list(range(num_layers - config.lora_layers, num_layers))
        if 0 < config.lora_layers < num_layers
        else None
    )
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.lora_modules),
        layers_to_transform=layers,
        bias="none",
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    backend.model = model
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    step, losses_all = 0, []
    checkpoint = out / CHECKPOINT_DIR
    if resume and (checkpoint / "trainer_state.pt").exists():
        set_peft_model_state_dict(model, load_file(str(checkpoint / "adapter_model.safetensors")))
        state = torch.load(checkpoint / "trainer_state.pt", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        step, losses_all = int(state["step"]), list(state["losses"])
        logger.info("resuming from step %d", step)
    max_history = config.max_history or llm_config.max_history
    builder = RankPromptBuilder(llm_config, dataset.catalogue)
    (out / CONFIG_FILE).write_text(
        json.dumps(
            {
                "finetune": jsonable(asdict(config)),
                "llm": jsonable(asdict(llm_config)),
                "dataset": dataset.name,
                "lora_layers": layers,
            },
            indent=2,
        )
    )
    valid = (
        validation_examples(
            dataset, config.eval_users, config, max_history, config.seed + 1, negatives
        )
        if config.eval_users
        else []
    )
    result = FinetuneResult(steps=step, seconds=0.0)
    model.eval()
    if valid and step == 0:
        result.before = evaluate_examples(backend, valid, builder)
        logger.info("validation before: %s", result.before)
    # the whole example stream is a function of the seed, so a resumed run continues it
    examples = make_examples(
        dataset, config.max_steps * config.batch_size, config, max_history, config.seed, negatives
    )
    budget_s = config.time_budget_min * 60.0
    bar = tqdm(total=config.max_steps, initial=step, disable=not progress, desc="finetune")
    model.train()
    while step < config.max_steps:
        if time.perf_counter() - started > budget_s:
            result.stopped_by = "time_budget"
            break
        for group in optimizer.param_groups:
            group["lr"] = _lr_at(step, config)
        batch = examples[step * config.batch_size : (step + 1) * config.batch_size]
        loss = example_loss(backend, batch, builder)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        step += 1
        result.losses.append(loss.item())
        losses_all.append(loss.item())
        bar.update(1)
        bar.set_postfix(loss=f"{np.mean(result.losses[-20:]):.3f}")
        if step % config.checkpoint_every == 0:
            _save_checkpoint(model, optimizer, step, losses_all, checkpoint)
    bar.close()
    _save_checkpoint(model, optimizer, step, losses_all, checkpoint)
    model.eval()
    adapter = out / ADAPTER_DIR
    model.save_pretrained(adapter)
    result.steps = step
    result.adapter_dir = adapter
    if valid:
        result.after = evaluate_examples(backend, valid, builder)
        logger.info("validation after %d steps: %s", step, result.after)
    result.seconds = time.perf_counter() - started
    log_path = out / "finetune_log.json"
    if not result.before and log_path.exists():  # a resumed run keeps the first "before"
        result.before = json.loads(log_path.read_text()).get("before", {})
    log = {
        "steps": step,
        "seconds_this_run": round(result.seconds, 1),
        "stopped_by": result.stopped_by,
        "before": result.before,
        "after": result.after,
        "losses": losses_all,
    }
    log_path.write_text(json.dumps(log, indent=2))
    return result
