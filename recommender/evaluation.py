"""Leave-one-out evaluation: full-catalogue ranking metrics and the baselines, in one harness.

Every recommender follows one small contract (:class:`Recommender`): raw scores for a batch
of histories over every item id. The harness masks what the user already has and ranks the
held-out item:

* ``protocol="full"`` (the one we report): the target is ranked against the **whole
  catalogue**, the user's history items masked. Ties count against the target.
* ``protocol="sampled"``: the target is ranked against 100 random items the user has not
  interacted with (the original SASRec paper's protocol). Only for comparison with older
  papers: it inflates every number and can reorder models (Krichene & Rendle, 2020).

Guards, so that a broken model cannot look good:

* **Non-finite scores.** A target whose score is NaN or infinite ranks after every item (a
  miss at every k), and a NaN score of any other item counts against the target. The cases
  are counted (``nonfinite`` in the metrics) and logged as a warning. Without this, a NaN
  target compared as neither greater nor equal and got rank -1: HR@10 = 1, NDCG = MRR = inf.
* **Repeated items.** A history may hold an item more than once (bring-your-own data can;
  ML-1M cannot): masking is by item, so repeats change nothing. A target that already occurs
  in its own history is masked with the rest of the history and so counts as a miss: the
  harness measures recommending items the user does not have yet, which is all the app can
  show. Such cases are counted (``target_in_history``) and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import torch
from tqdm.auto import tqdm

from recommender.data.catalogue import PADDING_ID
from recommender.data.dataset import Dataset, Stage
from recommender.models.sasrec import SASRec, mask_items, score_histories

log = logging.getLogger(__name__)

RankingProtocol = Literal["full", "sampled"]
DEFAULT_KS = (10, 20)
SAMPLED_NEGATIVES = 100


class Recommender(Protocol):
    """What the harness needs: a name and raw scores for histories of any length."""

    name: str

    def score_batch(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        """Raw scores (B, N+1) for each item id; no masking needed (the harness masks)."""
        ...


@dataclass
class RankAudit:
    """What the guards caught while ranking (see the module docstring); counts of cases."""

    cases: int = 0  # cases ranked
    nonfinite: int = 0  # a NaN/+inf score in the row, or a target the model scored -inf
    target_in_history: int = 0  # the target already occurs in its history: masked, a miss

    def warn(self, name: str) -> None:
        """Log a warning for every non-zero count."""
        if self.nonfinite:
            log.warning(
                "%s: %d of %d cases had non-finite scores (NaN/inf); their targets rank last",
                name,
                self.nonfinite,
                self.cases,
            )
        if self.target_in_history:
            log.warning(
                "%s: %d of %d targets already occur in their history; masked, counted as misses",
                name,
                self.target_in_history,
                self.cases,
            )


# --------------------------------------------------------------------------- metrics
def target_ranks(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """0-based rank of each target among its row (ties count against it): (B, M), (B,) -> (B,).

    A non-finite target score (NaN, +inf, or -inf, e.g. masked) ranks last (M - 1); a NaN
    score elsewhere in the row counts as higher than the target.
    """
    target_scores = scores.gather(1, targets[:, None])  # (B, 1)
    beats = (scores > target_scores) | torch.isnan(scores)  # (B, M)
    ties = (scores == target_scores).sum(dim=1) - 1  # (B,) other items with the same score
    ranks = beats.sum(dim=1) + ties  # (B,)
    last = torch.full_like(ranks, scores.shape[1] - 1)  # (B,)
    return torch.where(torch.isfinite(target_scores[:, 0]), ranks, last)  # (B,)


def _count_nonfinite(scores: torch.Tensor, targets: torch.Tensor) -> int:
    """Rows with a NaN or +inf score, or whose target score is -inf: (B, M), (B,) -> count."""
    bad_row = (torch.isnan(scores) | torch.isposinf(scores)).any(dim=1)  # (B,)
    bad_target = torch.isneginf(scores.gather(1, targets[:, None])[:, 0])  # (B,)
    return int((bad_row | bad_target).sum())


def case_ndcg(ranks: torch.Tensor, k: int = 10) -> torch.Tensor:
    """NDCG@k of each case from its 0-based target rank: (B,) -> (B,) float64."""
    ranks = ranks.double()  # (B,)
    return torch.where(ranks < k, 1.0 / torch.log2(ranks + 2.0), 0.0)  # (B,)


def ranking_metrics(ranks: torch.Tensor, ks: Sequence[int] = DEFAULT_KS) -> dict[str, float]:
    """Mean HR@k, NDCG@k and MRR@k for 0-based target ranks (one relevant item per case)."""
    ranks = ranks.double()  # (B,)
    out: dict[str, float] = {}
    for k in ks:
        hit = ranks < k  # (B,)
        out[f"hr@{k}"] = hit.double().mean().item()
        out[f"ndcg@{k}"] = case_ndcg(ranks, k).mean().item()
        out[f"mrr@{k}"] = torch.where(hit, 1.0 / (ranks + 1.0), 0.0).mean().item()
    return out


def _sample_negatives(
    rng: np.random.Generator, num_items: int, exclude: set[int], count: int
) -> np.ndarray:
    """``count`` distinct items from 1..num_items not in ``exclude`` (uniform)."""
    allowed = np.setdiff1d(np.arange(1, num_items + 1), np.fromiter(exclude, dtype=np.int64))
    return rng.choice(allowed, size=min(count, len(allowed)), replace=False)


def evaluate_cases(
    recommender: Recommender,
    histories: Sequence[Sequence[int]],
    targets: Sequence[int],
    protocol: RankingProtocol = "full",
    ks: Sequence[int] = DEFAULT_KS,
    batch_size: int = 256,
    num_negatives: int = SAMPLED_NEGATIVES,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, float]:
    """HR/NDCG/MRR at ``ks`` of ``recommender`` on (history, target) cases.

    Also ``users`` (cases), ``nonfinite`` and ``target_in_history`` (counts, see
    :class:`RankAudit`), as floats like the metrics.
    """
    audit = RankAudit()
    ranks = case_ranks(
        recommender,
        histories,
        targets,
        protocol=protocol,
        batch_size=batch_size,
        num_negatives=num_negatives,
        seed=seed,
        progress=progress,
        audit=audit,
    )
    metrics = ranking_metrics(ranks, ks)
    metrics["users"] = float(len(ranks))
    metrics["nonfinite"] = float(audit.nonfinite)
    metrics["target_in_history"] = float(audit.target_in_history)
    return metrics


def case_ranks(
    recommender: Recommender,
    histories: Sequence[Sequence[int]],
    targets: Sequence[int],
    protocol: RankingProtocol = "full",
    batch_size: int = 256,
    num_negatives: int = SAMPLED_NEGATIVES,
    seed: int = 0,
    progress: bool = True,
    audit: RankAudit | None = None,
) -> torch.Tensor:
    """0-based rank of each case's target under ``protocol``, in case order: (cases,).

    Histories are scored in length-sorted batches (less padding for sequence models).
    ``audit`` (optional) receives the guards' counts; they are logged either way.
    """
    audit = audit if audit is not None else RankAudit()
    name = getattr(recommender, "name", type(recommender).__name__)
    if len(histories) != len(targets):
        raise ValueError("histories and targets differ in length")
    if protocol not in ("full", "sampled"):
        raise ValueError(f"unknown protocol {protocol!r}")
    rng = np.random.default_rng(seed)
    negatives: list[np.ndarray] = []  # sampled protocol: drawn once, in case order
    order = sorted(range(len(histories)), key=lambda i: len(histories[i]))
    ranks = torch.empty(len(order), dtype=torch.long)
    for start in tqdm(
        range(0, len(order), batch_size), desc=f"scoring ({protocol})", disable=not progress
    ):
        index = order[start : start + batch_size]
        batch_histories = [histories[i] for i in index]
        batch_targets = torch.tensor([targets[i] for i in index], dtype=torch.long)  # (B,)
        scores = recommender.score_batch(batch_histories).float()  # (B, N+1)
        repeated = torch.tensor(
            [t in set(h) for t, h in zip(batch_targets.tolist(), batch_histories, strict=True)]
        )  # (B,) the target is already in the history
        audit.cases += len(index)
        audit.target_in_history += int(repeated.sum())
        if protocol == "full":
            mask_items(scores, batch_histories)  # history + padding -> -inf
            fresh = ~repeated  # (B,) a masked repeat target is no model failure
            audit.nonfinite += _count_nonfinite(scores[fresh], batch_targets[fresh])
            ranks[index] = target_ranks(scores, batch_targets)
            continue
        if not negatives:  # the catalogue size is known from the first scores
            num_items = scores.shape[1] - 1
            negatives = [
                _sample_negatives(rng, num_items, {*history, target, PADDING_ID}, num_negatives)
                for history, target in zip(histories, targets, strict=True)
            ]
        # A small catalogue can have fewer unseen items than num_negatives: pad the shorter
        # rows with PADDING_ID, whose score is -inf, so they never outrank the target.
        candidates = torch.full((len(index), 1 + num_negatives), PADDING_ID, dtype=torch.long)
        for row, i in enumerate(index):
            drawn = torch.from_numpy(negatives[i].astype(np.int64))
            candidates[row, 0] = targets[i]
            candidates[row, 1 : 1 + len(drawn)] = drawn
        # (B, 1 + num_negatives), target first
        candidate_scores = scores.gather(1, candidates)  # (B, 1 + num_negatives)
        candidate_scores[candidates == PADDING_ID] = float("-inf")
        candidate_scores[repeated, 0] = float("-inf")  # a repeat target is a miss here too
        first = torch.zeros(len(index), dtype=torch.long)  # (B,) the target's column
        fresh = ~repeated  # (B,)
        audit.nonfinite += _count_nonfinite(candidate_scores[fresh], first[fresh])
        ranks[index] = target_ranks(candidate_scores, first)
    audit.warn(name)
    return ranks


def evaluate(
    recommender: Recommender,
    dataset: Dataset,
    stage: Stage = "test",
    protocol: RankingProtocol = "full",
    ks: Sequence[int] = DEFAULT_KS,
    batch_size: int = 256,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, float]:
    """Leave-one-out metrics on ``stage`` (valid: history seq[:-2]; test: seq[:-1])."""
    histories, targets = dataset.split.cases(stage)
    return evaluate_cases(
        recommender,
        histories,
        targets,
        protocol=protocol,
        ks=ks,
        batch_size=batch_size,
        seed=seed,
        progress=progress,
    )


# ------------------------------------------------------------------------- baselines
class MostPopular:
    """Items ranked by their number of training interactions, the same for every user."""

    name = "mostpop"

    def __init__(self, train: Sequence[Sequence[int]], num_items: int) -> None:
        counts = np.zeros(num_items + 1, dtype=np.float32)  # (N+1,)
        for seq in train:
            np.add.at(counts, np.asarray(seq, dtype=np.int64), 1.0)
        counts[PADDING_ID] = -np.inf
        self.counts = torch.from_numpy(counts)  # (N+1,)

    def score_batch(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        return self.counts[None].expand(len(histories), -1).clone()  # (B, N+1)


class LLMSeqSim:
    """Cosine similarity between each item's text embedding and the session's (Harte et al.).

    The session embedding is the mean of the history's item embeddings (``weighting="mean"``)
    or a recency-weighted mean with weight ``decay ** age`` (age 0 = the most recent item).
    ``last`` limits the session to the most recent items.
    """

    def __init__(
        self,
        item_vectors: np.ndarray,
        weighting: Literal["mean", "recency"] = "mean",
        decay: float = 0.9,
        last: int | None = None,
        name: str | None = None,
    ) -> None:
        vectors = torch.as_tensor(np.asarray(item_vectors, dtype=np.float32))  # (N, D)
        vectors = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-12)  # (N, D)
        self.table = torch.cat([torch.zeros(1, vectors.shape[1]), vectors])  # (N+1, D) row 0 pad
        self.weighting = weighting
        self.decay = decay
        self.last = last
        self.name = name or ("llmseqsim" if weighting == "mean" else "llmseqsim_recency")

    def session_vectors(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        """Unit session embeddings: (B, D)."""
        rows = []
        for history in histories:
            items = list(history)[-self.last :] if self.last else list(history)
            if not items:
                rows.append(torch.zeros(self.table.shape[1]))
                continue
            vecs = self.table[torch.tensor(items)]  # (L, D)
            if self.weighting == "recency":
                ages = torch.arange(len(items) - 1, -1, -1, dtype=torch.float32)  # (L,)
                weights = self.decay**ages  # (L,)
            else:
                weights = torch.ones(len(items))  # (L,)
            session = (weights[:, None] * vecs).sum(0) / weights.sum()  # (D,)
            rows.append(session / session.norm().clamp_min(1e-12))
        return torch.stack(rows)  # (B, D)

    def score_batch(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        return self.session_vectors(histories) @ self.table.T  # (B, N+1)


class SASRecRecommender:
    """A trained SASRec / LLM2SASRec model under the harness contract."""

    def __init__(self, model: SASRec, name: str = "sasrec") -> None:
        self.model = model
        self.name = name

    def score_batch(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        return score_histories(self.model, histories, exclude_seen=False)  # (B, N+1)


def standardise_rows(scores: torch.Tensor) -> torch.Tensor:
    """Z-score each row over its finite entries; non-finite entries become ``-inf``: (B, M)."""
    finite = torch.isfinite(scores)  # (B, M)
    zeroed = torch.where(finite, scores, 0.0)  # (B, M)
    count = finite.sum(1, keepdim=True).clamp_min(1)  # (B, 1)
    mean = zeroed.sum(1, keepdim=True) / count  # (B, 1)
    var = (torch.where(finite, scores - mean, 0.0) ** 2).sum(1, keepdim=True) / count  # (B, 1)
    z = (scores - mean) / var.sqrt().clamp_min(1e-12)  # (B, M)
    return torch.where(finite, z, float("-inf"))  # (B, M)


class Hybrid:
    """Weighted sum of two recommenders' row-standardised scores: ``w * a + (1 - w) * b``."""

    def __init__(
        self, first: Recommender, second: Recommender, weight: float = 0.5, name: str = "hybrid"
    ) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ValueError("weight must be in [0, 1]")
        self.first, self.second, self.weight, self.name = first, second, weight, name

    def score_batch(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        a = standardise_rows(self.first.score_batch(histories).float())  # (B, N+1)
        b = standardise_rows(self.second.score_batch(histories).float())  # (B, N+1)
        mixed = self.weight * a.clamp_min(-1e9) + (1.0 - self.weight) * b.clamp_min(-1e9)
        return torch.where(torch.isinf(a) | torch.isinf(b), float("-inf"), mixed)  # (B, N+1)
