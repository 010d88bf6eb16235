"""LLM-SRec (Kim et al. 2025): the SASRec user representation distilled into a frozen LLM.

The LLM never trains. It reads a history as one title per line under a short header
(``prompts/srec_user.txt``); its last-layer state at the end of each line is the user "so far",
so one forward pass over a history gives a state for every prefix of it. An item is the LLM's
mean state over its own text (``prompts/srec_item.txt``). Two small MLPs, the only trained
parameters, map both into the SASRec space:

    score(u, i) = f_user(h_u) . f_item(h_i)
    loss = CE(next item, over the catalogue)
         + distill_user * ||f_user(h_u) - s_u||^2 / C      (s_u: SASRec's state, same prefix)
         + distill_item * ||f_item(h_i) - e_i||^2 / C      (e_i: SASRec's item embedding)

Request-aware variant (``SRecConfig.request``): the user prompt ends with the request as the app
understood it (``prompts/srec_request.txt``, text from ``describe_request``) and the user is
``[state after the last title, state after the request line]``. Distilling SASRec alone cannot
teach the request (SASRec never sees it), so these heads are trained with the recommendation
loss on the held-out item a generated request was built from, over the items the request's
hard filters allow (``benchmarks/srec_request.py``). ``SRecConfig.history_from = "items"`` is
the cheap form: the user is ``[mean LLM state of the history's items (cached), the LLM's mean
state over the request line alone]``, so no LLM pass reads the history (a request line is ~15
tokens against ~150 for a 5-20 title paste), and a typed list's order cannot matter.

Departures from the paper, for two CPU cores: the states are cached once (the LLM is frozen, so
caching changes nothing) instead of running the LLM in every step; a user is the state after a
title line, not a special ``[UserOut]`` token; no uniformity term (the CE keeps the item vectors
apart). At inference the LLM reads the history once and the heads score the retrieved
candidates only: nothing outside the candidate set can come out, and there is no candidate
prompt, label or order, so no position bias.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from recommender.llm.config import load_prompt

log = logging.getLogger(__name__)


@dataclass
class SRecConfig:
    max_history: int = 50  # most recent titles the LLM reads per user
    pool: int = 0  # 0: a user is the state after the last line; n: that plus the mean of the
    # states after the last n lines (a longer memory than a 135M model's last token keeps)
    hidden: int = 512  # inner width of both MLPs
    dropout: float = 0.1  # on the MLPs' inner layer
    distill_user: float = 1.0  # weight of the user-state distillation loss
    distill_item: float = 1.0  # weight of the item-embedding distillation loss
    lr: float = 1e-3  # AdamW
    weight_decay: float = 0.01
    batch_size: int = 512  # (user state, next item) examples per step
    max_epochs: int = 30
    patience: int = 3  # epochs without a better validation NDCG@10
    seed: int = 0
    request: bool = False  # the user prompt ends with the request (prompts/srec_request.txt);
    # the user is [state after the last title, state after the request line]
    history_from: str = "prompt"  # request heads only: "prompt" as above; "items": the user is
    # [mean of the history items' LLM states, the LLM's mean state over the request line alone]


# ---------------------------------------------------------------------------- frozen LLM states


class LLMStates:
    """Frozen-LLM states of histories (one per title line) and of item texts."""

    def __init__(self, model: Any, tokenizer: Any, prompt_dir: Path, batch_size: int = 8) -> None:
        self.model = model  # a causal LM; its decoder body (no LM head) is used
        self.tokenizer = tokenizer
        self.header = load_prompt(prompt_dir, "srec_user").text + "\n"
        self.item_template = load_prompt(prompt_dir, "srec_item")
        self.request_template = load_prompt(prompt_dir, "srec_request")
        self.batch_size = batch_size
        # memo of title -> token ids: bounded by the catalogue (only matched titles are read),
        # safe to share between sessions (a pure function of the title; setdefault is atomic)
        self._line_ids: dict[str, list[int]] = {}

    @classmethod
    def from_backend(cls, backend: Any, batch_size: int = 8) -> LLMStates:
        """The states of a :class:`~recommender.llm.backends.LocalBackend`'s model."""
        return cls(backend.model, backend.tokenizer, backend.config.prompt_dir, batch_size)

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def _decoder(self) -> Any:
        model = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        return model.model

    def _tokens(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def history_tokens(self, titles: Sequence[str]) -> tuple[list[int], list[int]]:
        """Token ids of the header and one line per title, and the last token of each line.

        Lines are tokenised one by one (and cached), so a title's tokens do not depend on its
        neighbours and the state after line ``k`` is exactly that of the first ``k`` titles.
        """
        ids = self._tokens(self.header)
        ends = []
        for title in titles:
            line = self._line_ids.get(title)
            if line is None:
                line = self._line_ids.setdefault(title, self._tokens(title + "\n"))
            ids.extend(line)
            ends.append(len(ids) - 1)
        return ids, ends

    def _run(self, rows: Sequence[Sequence[int]]) -> torch.Tensor:
        """Last-layer states of right-padded rows (causal: padding after a token is unseen)."""
        pad = self.tokenizer.pad_token_id
        pad = self.tokenizer.eos_token_id if pad is None else pad
        ids = torch.full((len(rows), max(len(r) for r in rows)), pad, dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.as_tensor(row)
        with torch.inference_mode():
            return self._decoder()(input_ids=ids, use_cache=False).last_hidden_state.float()

    def history_states(
        self, histories: Sequence[Sequence[str]], progress: bool = False, desc: str = "LLM states"
    ) -> list[np.ndarray]:
        """For each history (titles, oldest first; callers cut it to ``max_history``):
        ``(L, D)`` states, row ``k`` = the user after the first ``k + 1`` titles."""
        order = sorted(range(len(histories)), key=lambda i: len(histories[i]))  # similar lengths
        out: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(histories)
        bar = tqdm(total=len(histories), desc=desc, disable=not progress, unit="user")
        for start in range(0, len(order), self.batch_size):
            batch = [i for i in order[start : start + self.batch_size] if histories[i]]
            if batch:
                tokens = [self.history_tokens(histories[i]) for i in batch]
                hidden = self._run([ids for ids, _ in tokens])  # (b, T, D)
                for row, (i, (_, ends)) in enumerate(zip(batch, tokens, strict=True)):
                    out[i] = hidden[row, ends].numpy()  # (L, D)
            bar.update(len(order[start : start + self.batch_size]))
        bar.close()
        return out

    def request_states(
        self,
        histories: Sequence[Sequence[str]],
        requests: Sequence[str],
        progress: bool = False,
        desc: str = "LLM states (requests)",
    ) -> np.ndarray:
        """``(B, 2D)``: for each history (titles, non-empty) read with its request line after
        it, the state after the last title and the state after the request line."""
        if len(histories) != len(requests):
            raise ValueError("one request per history")
        if any(not h for h in histories):
            raise ValueError("request states need at least one title per history")
        rows = []
        for history, request in zip(histories, requests, strict=True):
            ids, ends = self.history_tokens(history)
            rows.append((ids + self._tokens(self.request_line(request) + "\n"), ends[-1]))
        order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))  # similar lengths
        out = np.zeros((len(rows), 2 * self.dim), np.float32)
        bar = tqdm(total=len(rows), desc=desc, disable=not progress, unit="prompt")
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            hidden = self._run([rows[i][0] for i in batch])  # (b, T, D)
            for row, i in enumerate(batch):
                ids, last_title = rows[i]
                out[i, : self.dim] = hidden[row, last_title].numpy()
                out[i, self.dim :] = hidden[row, len(ids) - 1].numpy()
            bar.update(len(batch))
        bar.close()
        return out

    def request_line_states(self, requests: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """``(B, D)`` mean state over each request line read alone (``history_from="items"``)."""
        rows = [self._tokens(self.request_line(r)) for r in requests]
        return self.states_of_rows(rows, batch_size=batch_size)

    def request_line(self, request: str) -> str:
        return self.request_template.format(request=" ".join(request.split()) or "anything")

    def item_rows(self, items: Sequence[Any]) -> list[list[int]]:
        """Token ids of each item's text (catalogue ``Item`` objects) under the item prompt."""
        texts = [
            self.item_template.format(title=item.display_title, genres=", ".join(item.genres))
            for item in items
        ]
        return [self._tokens(text) for text in texts]

    def states_of_rows(
        self, rows: Sequence[Sequence[int]], progress: bool = False, batch_size: int = 32
    ) -> np.ndarray:
        """``(N, D)`` mean state over each token row, in batches of similar lengths."""
        out = np.zeros((len(rows), self.dim), np.float32)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        starts = range(0, len(order), batch_size)
        for start in tqdm(starts, desc="item states", disable=not progress, unit="batch"):
            batch = order[start : start + batch_size]
            hidden = self._run([rows[i] for i in batch])  # (b, T, D)
            for row, i in enumerate(batch):
                out[i] = hidden[row, : len(rows[i])].mean(0).numpy()
        return out

    def item_states(
        self, items: Sequence[Any], progress: bool = False, batch_size: int = 32
    ) -> np.ndarray:
        """``(N, D)`` mean state over each item's text (catalogue ``Item`` objects)."""
        return self.states_of_rows(self.item_rows(items), progress, batch_size)


def user_features(lines: np.ndarray, pool: int) -> np.ndarray:
    """``(L, D)`` line states of one history -> ``(L, F)``: row ``k`` describes the user after
    line ``k``: its state, plus (``pool`` > 0) the mean state of lines ``k-pool+1 .. k``."""
    if pool <= 0:
        return lines
    sums = np.cumsum(np.concatenate([np.zeros_like(lines[:1]), lines]), axis=0)  # (L+1, D)
    ends = np.arange(1, len(lines) + 1)
    starts = np.maximum(ends - pool, 0)
    means = (sums[ends] - sums[starts]) / (ends - starts)[:, None]  # (L, D)
    return np.concatenate([lines, means.astype(lines.dtype)], axis=1)


def item_mean_features(
    item_states: np.ndarray, histories: Sequence[Sequence[int]], request_states: np.ndarray
) -> np.ndarray:
    """``(B, 2D)``: the mean LLM state of each history's items (ids 1-based; rows of
    ``item_states`` are ids 1..N) next to its request line's state (``history_from="items"``)."""
    means = np.stack([item_states[np.asarray(h, dtype=int) - 1].mean(0) for h in histories])
    return np.concatenate([means, request_states], axis=1).astype(np.float32)


def feature_dim(llm_dim: int, pool: int, request: bool = False) -> int:
    """Width of the user features: the last state, the pooled mean, the request state."""
    return llm_dim * (1 + (pool > 0) + request)


# ---------------------------------------------------------------------------- the trained heads


def _mlp(inputs: int, hidden: int, outputs: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.LayerNorm(inputs),
        nn.Linear(inputs, hidden),
        nn.GELU(),
        nn.Dropout(dropout),
        nn.Linear(hidden, outputs),
    )


class SRecHead(nn.Module):
    """LLM-SRec's trainable part: a user MLP and an item MLP over frozen LLM states."""

    def __init__(self, llm_dim: int, cf_dim: int, config: SRecConfig) -> None:
        super().__init__()
        width = feature_dim(llm_dim, config.pool, config.request)
        self.user = _mlp(width, config.hidden, cf_dim, config.dropout)
        self.item = _mlp(llm_dim, config.hidden, cf_dim, config.dropout)

    def scores(self, user_states: torch.Tensor, item_states: torch.Tensor) -> torch.Tensor:
        """``(B, D)``, ``(N, D)`` -> ``(B, N)`` dot products in the SASRec space."""
        return self.user(user_states) @ self.item(item_states).T  # (B, N)

    def losses(
        self,
        user_states: torch.Tensor,  # (B, D) LLM states of the prefixes
        targets: torch.Tensor,  # (B,) next item, 0-based row of item_states
        item_states: torch.Tensor,  # (N, D) LLM states of every item
        cf_users: torch.Tensor,  # (B, C) SASRec states of the same prefixes
        cf_items: torch.Tensor,  # (N, C) SASRec item embeddings
        allowed: torch.Tensor | None = None,  # (B, N) items the example's filters allow
    ) -> dict[str, torch.Tensor]:
        users = self.user(user_states)  # (B, C)
        items = self.item(item_states)  # (N, C)
        return {
            "rec": F.cross_entropy(masked(users @ items.T, allowed, targets), targets),  # (B, N)
            "user": F.mse_loss(users, cf_users),
            "item": F.mse_loss(items, cf_items),
        }


@dataclass
class SRecExamples:
    """Cached training material: one row per (prefix, next item)."""

    user_states: np.ndarray  # (E, F) LLM features after the prefix (``user_features``)
    cf_users: np.ndarray  # (E, C) SASRec state after the same prefix
    targets: np.ndarray  # (E,) next item id (1-based)
    groups: np.ndarray  # (E,) user index, to split by user
    # (E, N) bool, or None: the items each example's request allows (its hard filters, minus
    # the history); the recommendation loss and the monitor then rank among these only
    allowed: np.ndarray | None = None

    def subset(self, mask: np.ndarray) -> SRecExamples:
        allowed = None if self.allowed is None else self.allowed[mask]
        return SRecExamples(
            self.user_states[mask],
            self.cf_users[mask],
            self.targets[mask],
            self.groups[mask],
            allowed,
        )

    def __len__(self) -> int:
        return len(self.targets)


def masked(
    scores: torch.Tensor, allowed: torch.Tensor | None, targets: torch.Tensor
) -> torch.Tensor:
    """``scores`` with the items ``allowed`` rules out set to -inf (the 0-based target never)."""
    if allowed is None:
        return scores
    keep = allowed.clone()
    keep[torch.arange(len(targets)), targets] = True
    return scores.masked_fill(~keep, float("-inf"))


def _ndcg10(scores: torch.Tensor, targets: torch.Tensor) -> float:
    """NDCG@10 of 0-based ``targets`` over the catalogue (or the allowed items, when ``scores``
    are ``masked``; no history masking otherwise: a training monitor)."""
    target_scores = scores.gather(1, targets[:, None])  # (B, 1)
    ranks = (scores > target_scores).sum(1)  # (B,) 0-based
    gains = torch.where(ranks < 10, 1.0 / torch.log2(ranks.float() + 2.0), torch.zeros(()))
    return float(gains.mean())


def train_head(
    train: SRecExamples,
    valid: SRecExamples,
    item_states: np.ndarray,  # (N, D) rows = item ids 1..N
    cf_items: np.ndarray,  # (N, C) SASRec item embeddings, same rows
    config: SRecConfig,
    progress: bool = True,
) -> tuple[SRecHead, list[dict[str, float]]]:
    """Fit the heads; keeps the epoch with the best validation NDCG@10 (full catalogue)."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    head = SRecHead(item_states.shape[1], cf_items.shape[1], config)
    optimiser = torch.optim.AdamW(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    items = torch.from_numpy(item_states)
    cf_item = torch.from_numpy(cf_items)
    v_users = torch.from_numpy(valid.user_states)
    v_targets = torch.from_numpy(valid.targets - 1).long()
    v_allowed = None if valid.allowed is None else torch.from_numpy(valid.allowed)
    best, best_state, stale, history = -1.0, None, 0, []
    epochs = tqdm(range(1, config.max_epochs + 1), desc="LLM-SRec heads", disable=not progress)
    for epoch in epochs:
        head.train()
        order = rng.permutation(len(train))
        totals = {"rec": 0.0, "user": 0.0, "item": 0.0}
        steps = 0
        for start in range(0, len(order), config.batch_size):
            idx = order[start : start + config.batch_size]
            parts = head.losses(
                torch.from_numpy(train.user_states[idx]),
                torch.from_numpy(train.targets[idx] - 1).long(),
                items,
                torch.from_numpy(train.cf_users[idx]),
                cf_item,
                None if train.allowed is None else torch.from_numpy(train.allowed[idx]),
            )
            loss = (
                parts["rec"]
                + config.distill_user * parts["user"]
                + config.distill_item * parts["item"]
            )
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            for name, value in parts.items():
                totals[name] += float(value.detach())
            steps += 1
        head.eval()
        with torch.no_grad():
            ndcg = _ndcg10(masked(head.scores(v_users, items), v_allowed, v_targets), v_targets)
        row = {"epoch": epoch, **{k: v / max(steps, 1) for k, v in totals.items()}}
        row["valid_ndcg@10"] = ndcg
        history.append(row)
        epochs.set_postfix(rec=f"{row['rec']:.3f}", valid=f"{ndcg:.4f}")
        log.info("epoch %d: %s", epoch, {k: round(v, 4) for k, v in row.items()})
        if ndcg > best:
            best, stale = ndcg, 0
            best_state = {k: v.detach().clone() for k, v in head.state_dict().items()}
        else:
            stale += 1
            if stale >= config.patience:
                break
    if best_state is not None:
        head.load_state_dict(best_state)
    head.eval()
    return head, history


# ---------------------------------------------------------------------------- scoring


class SRecScorer:
    """Scores candidate items for a history with the frozen LLM and trained heads."""

    def __init__(
        self,
        states: LLMStates,
        head: SRecHead,
        item_vectors: np.ndarray,
        pool: int = 0,
        request: bool = False,
        item_states: np.ndarray | None = None,
    ) -> None:
        self.states = states
        self.pool = pool  # SRecConfig.pool the head was trained with
        self.request = request  # SRecConfig.request: the user prompt carries the request
        # the LLM states of every item (rows = ids 1..N): given for history_from="items" only
        self.item_states = item_states
        self.head = head.eval()
        self.item_vectors = item_vectors  # (N, C) f_item of every item, rows = ids 1..N

    @classmethod
    def build(
        cls,
        states: LLMStates,
        head: SRecHead,
        item_states: np.ndarray,
        pool: int = 0,
        request: bool = False,
        history_from: str = "prompt",
    ) -> SRecScorer:
        with torch.no_grad():
            vectors = head.item(torch.from_numpy(item_states)).numpy()
        by_items = item_states if request and history_from == "items" else None
        return cls(states, head, vectors, pool, request, by_items)

    def request_vectors(
        self, histories: Sequence[Sequence[str]], requests: Sequence[str]
    ) -> np.ndarray:
        """``(B, C)``: f_user of each (non-empty) history read with its request."""
        return self.vectors_of_features(self.states.request_states(histories, requests))

    def vectors_of_features(self, features: np.ndarray) -> np.ndarray:
        """``(B, C)``: f_user of ready-made ``(B, F)`` features."""
        with torch.no_grad():
            return self.head.user(torch.from_numpy(np.asarray(features, np.float32))).numpy()

    def user_vectors(self, histories: Sequence[Sequence[str]]) -> np.ndarray:
        """``(B, C)``: f_user of each history's features after its last line."""
        return self.vectors_of_lines(self.states.history_states(histories))

    def vectors_of_lines(self, lines: Sequence[np.ndarray]) -> np.ndarray:
        """``(B, C)``: f_user after the last of each history's ``(L, D)`` line states (as
        ``LLMStates.history_states`` gives them; an empty history reads as zeros)."""
        width = feature_dim(self.states.dim, self.pool)
        rows = [
            user_features(one, self.pool)[-1] if len(one) else np.zeros(width, np.float32)
            for one in lines
        ]
        with torch.no_grad():
            return self.head.user(torch.from_numpy(np.stack(rows))).numpy()

    def candidate_scores(self, user: np.ndarray, candidate_ids: Sequence[int]) -> np.ndarray:
        """``(K,)`` scores of the candidates (item ids, 1-based, in the order given)."""
        return self.item_vectors[np.asarray(candidate_ids, dtype=int) - 1] @ user

    def score(
        self,
        history: Sequence[str],
        candidate_ids: Sequence[int],
        request: str = "",
        history_ids: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Scores of the candidates only (item ids, 1-based), in the order given; ``request``
        is read by request-aware heads only; ``history_ids`` (the titles' item ids) by heads
        that read the history from the item states (``history_from="items"``)."""
        if self.request and self.item_states is not None:
            if not history_ids:
                raise ValueError("these heads read the history's item ids")
            line = self.states.request_line_states([request])
            features = item_mean_features(self.item_states, [history_ids], line)
            user = self.vectors_of_features(features)[0]
        elif self.request:
            user = self.request_vectors([history], [request])[0]
        else:
            user = self.user_vectors([history])[0]
        return self.candidate_scores(user, candidate_ids)


def save_head(path: Path, head: SRecHead, config: SRecConfig, meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": asdict(config), "state_dict": head.state_dict(), **meta}, path)


def load_head(path: Path) -> tuple[SRecHead, SRecConfig, dict[str, Any]]:
    state = torch.load(path, map_location="cpu", weights_only=False)
    config = SRecConfig(**state["config"])
    weights = state["state_dict"]
    llm_dim = weights["item.1.weight"].shape[1]
    cf_dim = weights["user.4.weight"].shape[0]
    head = SRecHead(llm_dim, cf_dim, config)
    head.load_state_dict(weights)
    head.eval()
    meta = {k: v for k, v in state.items() if k not in ("config", "state_dict")}
    return head, config, meta


# ---------------------------------------------------------------------------- the app's ranker


class SRecRanker:
    """Ranks retrieved candidates with LLM-SRec heads; the contract of ``LLMRanker.rank``.

    The LLM reads the history once (no candidate prompt, so no position bias and no
    bootstrap); the heads score the first ``num_candidates`` candidates, which are fused with
    the retrieval scores by ``fusion_weight`` (tuned on validation users by
    ``benchmarks/llm_srec.py``, or on generated requests of training users by
    ``benchmarks/srec_request.py``). The order is always a permutation of the candidates.

    Request-aware heads read the request as the app understood it: the orchestrator passes
    ``describe_request(constraints)`` instead of the leftover query when
    ``reads_request_description`` is true.
    """

    def __init__(
        self,
        scorer: SRecScorer,
        catalogue: Any,
        fusion_weight: float,
        max_history: int = SRecConfig.max_history,
        num_candidates: int = 20,
    ) -> None:
        self.scorer = scorer
        self.catalogue = catalogue
        self.fusion_weight = fusion_weight
        self.max_history = max_history
        self.num_candidates = num_candidates

    @property
    def reads_request_description(self) -> bool:
        return self.scorer.request

    def rank(
        self,
        history: Sequence[Any],
        candidates: Sequence[Any],
        request: str = "",
        bootstrap: int | None = None,
        fusion_weight: float | None = None,
    ) -> Any:
        """A ``Ranking`` of ``candidates`` (retrieval order) for ``history`` (most recent last);
        ``request`` is read by request-aware heads only (else the retrieval stage applied it);
        ``bootstrap`` is ignored."""
        from recommender.llm.ranker import as_items, dedupe_candidates, finish_ranking

        started = time.perf_counter()
        pool = dedupe_candidates(candidates)
        shown = pool[: self.num_candidates]
        read = as_items(self.catalogue, history)[-self.max_history :]
        titles = [i.display_title for i in read]
        weight = self.fusion_weight if fusion_weight is None else fusion_weight
        if len(shown) < 2 or not titles:
            return finish_ranking(pool, None, weight, "retrieval_fallback", started, [], [], [])
        ids = [c.item_id for c in shown]
        scores = self.scorer.score(titles, ids, request, [i.item_id for i in read])
        scores = scores.astype(np.float64)
        if not np.isfinite(scores).all():
            return finish_ranking(pool, None, weight, "retrieval_fallback", started, [], [], [])
        return finish_ranking(pool, scores, weight, "llm_srec", started, [], [], [])


ITEM_STATES_BATCH = 32  # items per LLM forward pass
ITEM_STATES_CHUNK = 512  # items per resumable part file (a multiple of the batch)


def item_states_path(
    states: LLMStates, items: Sequence[Any], cache_dir: Path, model_name: str
) -> Path:
    """Where the item states live: a name that changes with the model, the item prompt and
    the item texts (a content digest), so a changed catalogue or model is never served stale."""
    texts = "\n".join(f"{i.display_title}|{','.join(i.genres)}" for i in items)
    key = hashlib.sha256(
        "\n".join([model_name, states.item_template.text, texts]).encode()
    ).hexdigest()[:16]
    return Path(cache_dir) / f"srec-items-{key}.npy"


def item_states_cached(states: LLMStates, items: Sequence[Any], cache_dir: Path,
                       model_name: str, progress: bool = True) -> np.ndarray:  # fmt: skip
    """``states.item_states(items)``, kept in ``cache_dir`` under :func:`item_states_path`.

    Built by ``python -m recommender prepare`` (or here, on first use): items are sorted by
    token length and cut into parts of ``ITEM_STATES_CHUNK``, each saved when done in a
    ``.parts`` folder, so an interrupted run resumes where it stopped. The batches are those
    of one ``item_states`` call, so the result is the same as computing it in one go.
    """
    path = item_states_path(states, items, cache_dir, model_name)
    if path.exists():
        return np.load(path)
    rows = states.item_rows(items)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))  # the batches of one pass
    parts = path.with_suffix(".parts")
    parts.mkdir(parents=True, exist_ok=True)
    starts = range(0, len(order), ITEM_STATES_CHUNK)
    done = [s for s in starts if (parts / f"{s:09d}.npy").exists()]
    log.info(
        "LLM-SRec: computing the LLM states of %d items (%d already done, resumable)",
        len(items),
        min(len(done) * ITEM_STATES_CHUNK, len(items)),
    )
    out = np.zeros((len(rows), states.dim), np.float32)
    with tqdm(total=len(rows), desc="LLM item states", unit="item", disable=not progress) as bar:
        for start in starts:
            chunk = order[start : start + ITEM_STATES_CHUNK]
            part = parts / f"{start:09d}.npy"
            if part.exists():
                values = np.load(part)
            else:
                values = states.states_of_rows([rows[i] for i in chunk], False, ITEM_STATES_BATCH)
                _save_npy(part, values)
            out[chunk] = values
            bar.update(len(chunk))
    _save_npy(path, out)
    for part in parts.glob("*.npy"):
        part.unlink()
    parts.rmdir()
    return out


def _save_npy(path: Path, values: np.ndarray) -> None:
    """Write atomically (temp file + rename): a killed run never leaves half a file."""
    tmp = path.with_name(path.stem + ".tmp.npy")
    np.save(tmp, values)
    tmp.replace(path)


def srec_wanted(llm_ranking: str, llm_config: Any) -> bool:
    """Whether the app ranks with LLM-SRec: ``llm_ranking`` is auto, no LoRA adapter asks for
    the label ranker, and the heads file exists."""
    return (
        llm_ranking == "auto"
        and llm_config.adapter_path is None
        and llm_config.srec_head is not None
        and Path(llm_config.srec_head).exists()
    )


def load_srec_ranker(
    head_path: Path,
    backend: Any,
    catalogue: Any,
    cache_dir: Path,
    progress: bool = True,
    sasrec_digest: str | None = None,
) -> tuple[SRecRanker | None, str]:
    """The app's LLM-SRec ranker from a heads file; ``None`` and the reason if unusable.

    ``sasrec_digest`` (``artifact_digest`` of the app's LLM2SASRec checkpoint): heads distilled
    from, and a fusion weight tuned with, another checkpoint still rank, but the reason says so
    and a warning is logged, because their measured numbers do not apply.
    """
    if not Path(head_path).exists():
        return None, f"no LLM-SRec heads at {head_path} (run: python benchmarks/llm_srec.py)"
    if not hasattr(backend, "model") or not hasattr(backend, "tokenizer"):
        return None, "LLM-SRec needs the local LLM backend (its hidden states)"
    head, config, meta = load_head(Path(head_path))
    if meta.get("num_items") != catalogue.num_items:
        return None, f"{Path(head_path).name} was trained on {meta.get('num_items')} items"
    if meta.get("llm") != backend.name:
        return None, f"{Path(head_path).name} was trained on {meta.get('llm')}, not {backend.name}"
    states = LLMStates.from_backend(backend)
    items = [catalogue.get(i) for i in range(1, catalogue.num_items + 1)]
    item_states = item_states_cached(states, items, cache_dir, backend.name, progress)
    scorer = SRecScorer.build(
        states, head, item_states, config.pool, config.request, config.history_from
    )
    weight = float(meta.get("fusion_weight", 0.5))
    ranker = SRecRanker(scorer, catalogue, weight, config.max_history)
    kind = ""
    if config.request:
        kind = "request-aware " + ("(item states) " if config.history_from == "items" else "")
    info = f"LLM-SRec {kind}heads {Path(head_path).name} (fusion weight {weight:g})"
    trained_with = meta.get("checkpoint_sha")
    if sasrec_digest is not None and trained_with != sasrec_digest:
        log.warning(
            "%s was trained with LLM2SASRec checkpoint %s, the app uses %s: rerun "
            "benchmarks/llm_srec.py to distil and tune the heads for it",
            Path(head_path).name,
            trained_with,
            sasrec_digest,
        )
        info += f" [trained with another LLM2SASRec checkpoint ({trained_with})]"
    return ranker, info
