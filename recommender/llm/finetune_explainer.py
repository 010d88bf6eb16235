"""LoRA fine-tuning of the local LLM as a constrained realiser of explanation evidence.

A data-to-text task a 135M model can learn: the input is the explainer's own prompt (the
compact fact record of an item's strongest phrase kinds, ``Realiser.fact_record``), the target
is the deterministic realiser's wording of exactly those kinds with the same short titles
(``Realiser.realise_kinds``), drawn with varied seeds from the app's phrase bank plus a bank of
extra paraphrases (``prompts/explain_paraphrases.json``). Every target is checked by the
grounding filter before it is used, so the model only ever sees sentences that state given
facts. The loss is the causal-LM cross-entropy on the answer tokens only (and the end-of-turn
token, so it learns to stop); the LM head is computed at those positions only.

The evidence is real: ML-1M histories cut from the *training* sequences of users outside the
benchmark's and the validation's share of users (``user_role``), the app's LLM2SASRec top items
for them, counterfactual ranks and co-occurrence from the training sequences.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
import zlib
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
from recommender.llm.config import LLMConfig, PromptTemplate, load_prompt
from recommender.llm.evidence import Evidence, EvidenceBuilder, ExplainContext
from recommender.llm.explainer import evidence_prompt, evidence_sentences
from recommender.llm.grounding import Grounding
from recommender.llm.realiser import Realiser
from recommender.models.sasrec import score_histories

logger = logging.getLogger(__name__)

ADAPTER_DIR = "adapter"  # the final adapter (what llm.explain_adapter_path points to)
CHECKPOINT_DIR = "checkpoint"  # the latest resumable state
PARAPHRASES = "explain_paraphrases.json"  # extra target wordings, next to explain_phrases.json


def user_role(user: int) -> str:
    """``benchmark`` (20% of users), ``validation`` (10%) or ``train``; fixed by the user index.

    ``benchmarks/explanations.py`` draws its cases from the benchmark share only, the fine-tune
    its pairs from the train share only, so no benchmark user's evidence is ever trained on.
    """
    bucket = zlib.crc32(f"explainer-user:{user}".encode()) % 10
    return "benchmark" if bucket < 2 else "validation" if bucket == 2 else "train"


@dataclass
class ExplainerFinetuneConfig:
    """LoRA fine-tuning of the LLM realiser."""

    output_dir: Path = Path("finetune-explainer")  # adapter/, checkpoint/, config, log
    max_steps: int = 400  # optimiser steps (the time budget usually stops first)
    time_budget_min: float = 40.0  # wall-clock budget of this run, checkpoint at the end
    batch_size: int = 8  # pairs per optimiser step
    lr: float = 1e-3  # AdamW peak learning rate
    warmup_steps: int = 10  # linear warm-up, then cosine decay to 10% by max_steps
    lora_r: int = 8  # LoRA rank
    lora_alpha: int = 16  # LoRA scaling numerator
    lora_dropout: float = 0.0
    lora_modules: tuple[str, ...] = (
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    )
    lora_layers: int = 8  # adapt the top N transformer blocks only (backward stops there)
    max_facts: int = 2  # phrase kinds per pair: 1..max_facts, the plan's lead always first
    items_per_history: int = 5  # LLM2SASRec top items explained per sampled history
    min_history: int = 10  # pasted history: a window of min..max training items (the benchmark's)
    max_history: int = 20
    ask_share: float = 0.3  # histories whose "request" asks for a genre/decade the top item has
    checkpoint_minutes: float = 5.0  # wall-clock minutes between resumable checkpoints
    eval_pairs: int = 40  # validation pairs: answer loss before/after, filter pass after
    seed: int = 0


@dataclass(frozen=True)
class Pair:
    """One training pair: the explainer's prompt for an item and a grounded target wording."""

    user: int
    item_id: int
    kinds: tuple[str, ...]
    prompt: str  # the user turn, exactly as the explainer builds it
    target: str  # the answer to learn
    evidence: Evidence = field(compare=False, repr=False)


def paraphrase_realiser(prompt_dir: Path) -> Realiser:
    """The app's phrase bank merged with the extra paraphrases (targets only)."""
    base = json.loads((Path(prompt_dir) / "explain_phrases.json").read_text(encoding="utf-8"))
    extra = json.loads((Path(prompt_dir) / PARAPHRASES).read_text(encoding="utf-8"))
    merged = {k: list(v) for k, v in base.items() if not k.startswith("_")}
    for kind, wordings in extra.items():
        if not kind.startswith("_"):
            merged.setdefault(kind, []).extend(wordings)
    return Realiser(merged)


def _context(items: Sequence[Any], rng: random.Random, ask_share: float) -> ExplainContext:
    """Sometimes a request that the top item meets (a genre and/or its decade)."""
    seed = rng.randrange(1 << 30)
    top = items[0]
    if rng.random() >= ask_share or not top.genres:
        return ExplainContext(seed=seed)
    genres = (rng.choice(top.genres),) if rng.random() < 0.7 else ()
    years: tuple[int | None, int | None] = (None, None)
    if top.year and (not genres or rng.random() < 0.5):
        years = (top.year // 10 * 10, top.year // 10 * 10 + 9)
    return ExplainContext(genres_asked=genres, years_asked=years, seed=seed)


def make_pairs(
    dataset: Dataset,
    builder: EvidenceBuilder,
    template: PromptTemplate,
    realiser: Realiser,
    grounding: Grounding,
    count: int,
    config: ExplainerFinetuneConfig,
    role: str = "train",
    seed: int = 0,
    progress: bool = False,
    targets: Realiser | None = None,
) -> list[Pair]:
    """``count`` pairs from histories of ``role`` users (``user_role``), deterministic per seed.

    Each history is 10-20 (``min_history``..``max_history``) consecutive items of a user's
    *training* sequence; its LLM2SASRec top
    ``items_per_history`` unseen items get their evidence; each item with cited titles gives
    one pair whose kinds are the plan's lead plus up to ``max_facts - 1`` of its other kinds.
    Targets are worded by ``targets`` (default ``realiser``; ``paraphrase_realiser`` adds the
    extra wordings); those the grounding filter would reject are skipped (counted in the log).
    """
    if builder.sasrec is None:
        raise ValueError("pairs need the LLM2SASRec evidence builder (a sequence model)")
    rng = random.Random(seed)
    train = dataset.split.train
    shortest = config.min_history
    users = [u for u, seq in enumerate(train) if user_role(u) == role and len(seq) >= shortest]
    if not users:
        raise ValueError(f"no {role} user has {shortest} training items")
    targets = targets or realiser
    pairs: list[Pair] = []
    rejected = 0
    bar = tqdm(total=count, disable=not progress, desc=f"{role} pairs")
    while len(pairs) < count:
        user = rng.choice(users)
        seq = train[user]
        end = rng.randint(shortest, len(seq))
        history = seq[max(0, end - rng.randint(shortest, config.max_history)) : end]
        scores = score_histories(builder.sasrec, [history])[0]  # (N+1,), history masked
        top = torch.topk(scores, config.items_per_history).indices.tolist()
        items = dataset.catalogue.many(top)
        context = _context(items, rng, config.ask_share)
        for evidence in builder.build(items, dataset.catalogue.many(history), context):
            if not evidence.similar or len(pairs) >= count:
                continue
            plan = realiser.plan(evidence)
            extra = rng.randint(0, min(config.max_facts, len(plan)) - 1)
            chosen = set(rng.sample(plan[1:], extra))
            kinds = [plan[0], *(k for k in plan[1:] if k in chosen)]
            target = targets.realise_kinds(evidence, kinds, rng.randrange(1 << 30), short=True)
            if any(grounding.violations(s, evidence) for s in evidence_sentences(target, evidence)):
                rejected += 1
                continue
            prompt = evidence_prompt(template, realiser, evidence, kinds)
            pairs.append(Pair(user, evidence.item.item_id, tuple(kinds), prompt, target, evidence))
            bar.update(1)
    bar.close()
    if rejected:
        logger.warning("%d targets rejected by the grounding filter", rejected)
    return pairs


# --------------------------------------------------------------------------- loss and training


def pair_rows(backend: LocalBackend, pairs: Sequence[Pair]) -> list[tuple[list[int], int]]:
    """(chat-formatted prompt + answer + end-of-turn token ids, prompt length) per pair."""
    tokenizer = backend.tokenizer
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if not isinstance(end, int) or end == tokenizer.unk_token_id:
        end = tokenizer.eos_token_id
    rows = []
    for pair in pairs:
        prompt = backend.encode(pair.prompt)
        answer = tokenizer(pair.target, add_special_tokens=False)["input_ids"]
        rows.append(([*prompt, *answer, end], len(prompt)))
    return rows


def answer_loss(backend: LocalBackend, pairs: Sequence[Pair]) -> Any:
    """Mean cross-entropy of the answer tokens given the prompt (LM head at those rows only).

    Rows are right-padded: with a causal mask real tokens never see the padding after them.
    """
    rows = pair_rows(backend, pairs)
    pad = backend.tokenizer.pad_token_id
    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    for i, (row, _) in enumerate(rows):
        ids[i, : len(row)] = torch.as_tensor(row)
    hidden = backend._decoder()(input_ids=ids, use_cache=False).last_hidden_state  # (B, T, C)
    # position p predicts token p + 1: the answer tokens are predicted from start - 1 on
    which = [(i, p) for i, (row, start) in enumerate(rows) for p in range(start - 1, len(row) - 1)]
    b = torch.tensor([i for i, _ in which])
    p = torch.tensor([q for _, q in which])
    logits = backend.model.get_output_embeddings()(hidden[b, p])  # (N, V)
    return torch.nn.functional.cross_entropy(logits.float(), ids[b, p + 1])


def lr_at(step: int, config: ExplainerFinetuneConfig) -> float:
    """Linear warm-up, then cosine decay to 10% of the peak at ``max_steps``."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    span = max(1, config.max_steps - config.warmup_steps)
    progress = min(1.0, (step - config.warmup_steps) / span)
    return config.lr * (0.1 + 0.9 * 0.5 * (1.0 + np.cos(np.pi * progress)))


def validation_loss(backend: LocalBackend, pairs: Sequence[Pair], batch: int = 8) -> float:
    """Mean answer loss over ``pairs`` (no gradients)."""
    if not pairs:
        return float("nan")
    with torch.inference_mode():
        losses = [
            answer_loss(backend, pairs[i : i + batch]).item() * len(pairs[i : i + batch])
            for i in range(0, len(pairs), batch)
        ]
    return sum(losses) / len(pairs)


def filter_pass(
    backend: LocalBackend,
    pairs: Sequence[Pair],
    grounding: Grounding,
    max_new_tokens: int,
    batch: int = 10,
) -> dict[str, Any]:
    """Greedy answers to ``pairs``: share whose every sentence passes the grounding filter and
    that names a cited title, and a few examples."""
    passed, examples = 0, []
    for start in range(0, len(pairs), batch):
        chunk = pairs[start : start + batch]
        answers = ["" for _ in chunk]
        for k, delta in backend.stream([p.prompt for p in chunk], max_new_tokens, 600.0):
            answers[k] += delta
        for pair, answer in zip(chunk, answers, strict=True):
            sentences = evidence_sentences(answer.strip(), pair.evidence)
            ok = (
                bool(sentences)
                and not any(grounding.violations(s, pair.evidence) for s in sentences)
                and grounding.names_cited(answer, pair.evidence)
            )
            passed += ok
            if len(examples) < 6:
                examples.append({"prompt": pair.prompt, "answer": answer, "passes": ok})
    return {
        "pass_share": round(passed / max(1, len(pairs)), 3),
        "n": len(pairs),
        "examples": examples,
    }


@dataclass
class ExplainerFinetuneResult:
    """What a run did."""

    steps: int  # optimiser steps done in total (over all resumed runs)
    seconds: float  # wall-clock time of this run
    losses: list[float] = field(default_factory=list)  # per step, all runs
    stopped_by: str = "max_steps"  # max_steps | time_budget
    before: dict[str, Any] = field(default_factory=dict)  # validation before the first step
    after: dict[str, Any] = field(default_factory=dict)  # validation after this run
    adapter_dir: Path | None = None
    log: dict[str, Any] = field(default_factory=dict)  # the JSON record


def _save_state(model: Any, optimizer: Any, step: int, losses: list[float], folder: Path) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    model.save_pretrained(tmp)
    torch.save(
        {"optimizer": optimizer.state_dict(), "step": step, "losses": losses}, tmp / "state.pt"
    )
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)


def add_lora(model: Any, config: ExplainerFinetuneConfig) -> tuple[Any, list[int] | None]:
    """``model`` with LoRA on ``lora_modules`` of its top ``lora_layers`` blocks."""
    from peft import LoraConfig, get_peft_model

    n = model.config.num_hidden_layers
    layers = list(range(n - config.lora_layers, n)) if 0 < config.lora_layers < n else None
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.lora_modules),
        layers_to_transform=layers,
        bias="none",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora), layers


def finetune_explainer(
    backend: LocalBackend,
    train_pairs: Callable[[int], list[Pair]],
    valid_pairs: Sequence[Pair],
    grounding: Grounding,
    config: ExplainerFinetuneConfig,
    llm_config: LLMConfig,
    resume: bool = True,
    progress: bool = True,
    record: dict[str, Any] | None = None,
) -> ExplainerFinetuneResult:
    """Train the realiser's LoRA adapter; resumes from ``output_dir/checkpoint`` if present.

    ``train_pairs(n)`` returns the first ``n`` pairs of a fixed, seeded stream (a resumed run
    continues it). ``backend`` must hold the base model without an adapter. Saves
    ``output_dir/adapter`` and ``output_dir/finetune_log.json`` (``record`` is merged in).
    """
    from peft import PeftModel, set_peft_model_state_dict
    from safetensors.torch import load_file

    started = time.perf_counter()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(backend.model, PeftModel):
        raise ValueError("finetune_explainer needs the base model without an adapter")
    model, layers = add_lora(backend.model, config)
    backend.model = model
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=0.0)
    step, losses = 0, []
    checkpoint = out / CHECKPOINT_DIR
    log_path = out / "finetune_log.json"
    previous = json.loads(log_path.read_text()) if log_path.exists() else {}
    if resume and (checkpoint / "state.pt").exists():
        set_peft_model_state_dict(model, load_file(str(checkpoint / "adapter_model.safetensors")))
        state = torch.load(checkpoint / "state.pt", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        step, losses = int(state["step"]), list(state["losses"])
        logger.info("resuming from step %d", step)
    result = ExplainerFinetuneResult(steps=step, seconds=0.0)
    model.eval()
    if step == 0 and valid_pairs:
        result.before = {"answer_loss": round(validation_loss(backend, valid_pairs), 4)}
        logger.info("validation before: %s", result.before)
    elif previous:
        result.before = previous.get("validation_before", {})
    pairs = train_pairs(config.max_steps * config.batch_size)
    budget_s = config.time_budget_min * 60.0
    last_save = time.perf_counter()
    bar = tqdm(total=config.max_steps, initial=step, disable=not progress, desc="finetune")
    model.train()
    while step < config.max_steps:
        if time.perf_counter() - started > budget_s:
            result.stopped_by = "time_budget"
            break
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, config)
        loss = answer_loss(
            backend, pairs[step * config.batch_size : (step + 1) * config.batch_size]
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        step += 1
        losses.append(round(loss.item(), 4))
        bar.update(1)
        bar.set_postfix(loss=f"{np.mean(losses[-10:]):.3f}")
        if progress is False and step % 10 == 0:
            logger.info(
                "step %d loss %.4f (%.0f s)",
                step,
                np.mean(losses[-10:]),
                time.perf_counter() - started,
            )
        if time.perf_counter() - last_save > config.checkpoint_minutes * 60.0:
            _save_state(model, optimizer, step, losses, checkpoint)
            last_save = time.perf_counter()
    bar.close()
    _save_state(model, optimizer, step, losses, checkpoint)
    model.eval()
    adapter = out / ADAPTER_DIR
    model.save_pretrained(adapter)
    if valid_pairs:
        result.after = {
            "answer_loss": round(validation_loss(backend, valid_pairs), 4),
            "generation": filter_pass(backend, valid_pairs, grounding, llm_config.max_new_tokens),
        }
        logger.info(
            "validation after: %s", {k: v for k, v in result.after.items() if k != "generation"}
        )
    result.steps, result.losses, result.adapter_dir = step, losses, adapter
    result.seconds = time.perf_counter() - started
    runs = [
        *previous.get("runs", []),
        {
            "steps_at_end": step,
            "seconds": round(result.seconds, 1),
            "stopped_by": result.stopped_by,
        },
    ]
    result.log = {
        **(record or {}),
        "steps": step,
        "examples_seen": step * config.batch_size,
        "seconds_total": round(sum(r["seconds"] for r in runs), 1),
        "runs": runs,
        "config": jsonable(asdict(config)),
        "lora_layers": layers,
        "trainable_parameters": sum(p.numel() for p in trainable),
        "adapter_bytes": sum(f.stat().st_size for f in adapter.iterdir() if f.is_file()),
        "validation_before": result.before,
        "validation_after": result.after,
        "losses": losses,
    }
    log_path.write_text(json.dumps(result.log, indent=2) + "\n")
    return result


def load_template(llm_config: LLMConfig) -> PromptTemplate:
    """The explainer's prompt file (the pairs use exactly the app's prompt)."""
    return load_prompt(llm_config.prompt_dir, "explain_evidence")


__all__ = [
    "ADAPTER_DIR",
    "CHECKPOINT_DIR",
    "ExplainerFinetuneConfig",
    "ExplainerFinetuneResult",
    "Pair",
    "answer_loss",
    "filter_pass",
    "finetune_explainer",
    "load_template",
    "make_pairs",
    "paraphrase_realiser",
    "user_role",
]
