"""Candidate-constrained LLM ranking (LLMRank prompts, LlamaRec verbaliser, bootstrapping).

The candidates are shown to the LLM with letter labels (A, B, ...). The local model is never
asked for titles: one forward pass gives the next-token logits of the labels, so its answer
cannot leave the candidate set. Against position bias (LLMRank, Hou et al. 2024) the
candidates are shown in ``B`` shuffled orders and each candidate's label log-probability is
averaged over them. The final order fuses the LLM score with the retrieval score.

Departures from the papers: LlamaRec scores with a fine-tuned 7B model and a single order; we
average B orders and fuse with retrieval because a 135M model has a strong position bias.
A backend without label scores (OpenAI-compatible server without logprobs) answers with a
list of letters, which ``parse_ranking`` reads and repairs.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from recommender.data.catalogue import Catalogue, Item
from recommender.llm.backends import BackendError, LLMBackend
from recommender.llm.config import LABELS, LLMConfig, load_prompt
from recommender.retrieval.candidates import Candidate  # noqa: F401  (re-exported)

logger = logging.getLogger(__name__)

PROMPT_STYLES = ("recency", "sequential", "in_context")


class CandidateLike(Protocol):
    """What the ranker reads from a candidate (``retrieval.candidates.Candidate`` fits)."""

    @property
    def item_id(self) -> int: ...

    @property
    def score(self) -> float: ...

    @property
    def provenance(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class RankedItem:
    """A candidate with its place in the final order and the scores that put it there."""

    item_id: int
    final_score: float  # the fused score the order is sorted by
    llm_score: float | None  # mean label log-probability over the B orders (None: not shown)
    retrieval_score: float
    retrieval_rank: int  # 0-based position in the retrieval order
    provenance: tuple[str, ...] = ()


@dataclass
class Ranking:
    """The ranker's answer: a permutation of the candidates, plus a trace for demos."""

    items: list[RankedItem]  # every candidate exactly once, best first
    method: str  # label_logits | generated | retrieval_fallback
    permutations: list[list[int]] = field(default_factory=list)  # shown orders (candidate idx)
    prompts: list[str] = field(default_factory=list)  # the B prompts as sent
    answers: list[str] = field(default_factory=list)  # raw generated answers (generated only)
    latency_ms: float = 0.0
    error: str | None = None  # why the LLM was not used (retrieval_fallback only)

    @property
    def item_ids(self) -> list[int]:
        return [item.item_id for item in self.items]

    def fused_ids(self, weight: float) -> list[int]:
        """The order for another fusion weight, without asking the LLM again (for tuning)."""
        shown = [i for i in self.items if i.llm_score is not None]
        rest = sorted(
            (i for i in self.items if i.llm_score is None), key=lambda i: i.retrieval_rank
        )
        if not shown:
            return [i.item_id for i in rest]
        final = fuse(
            np.array([i.llm_score for i in shown]),
            np.array([i.retrieval_score for i in shown]),
            weight,
        )
        order = sorted(range(len(shown)), key=lambda k: (-final[k], shown[k].retrieval_rank))
        return [shown[k].item_id for k in order] + [i.item_id for i in rest]

    def llm_only_ids(self) -> list[int]:
        """The order by LLM score alone (ties and unshown candidates in retrieval order)."""
        shown = [i for i in self.items if i.llm_score is not None]
        rest = [i for i in self.items if i.llm_score is None]
        shown.sort(key=lambda i: (-i.llm_score, i.retrieval_rank))  # type: ignore[operator]
        rest.sort(key=lambda i: i.retrieval_rank)
        return [i.item_id for i in shown + rest]


# ------------------------------------------------------------------------- parsing and repair

# a single capital letter that is not part of a word; the pronoun "I" and the article "A"
# before a lower-case word ("I think", "A movie") are words, not labels
_LABEL = re.compile(r"(?<![A-Za-z0-9'])(?:[AI](?= [a-z])|([A-Z]))(?![A-Za-z0-9'])")


def parse_ranking(text: str, labels: Sequence[str]) -> list[int]:
    """Label positions in the order the answer names them, repaired into a full permutation.

    Unknown and repeated labels are dropped; labels never named are appended in their shown
    order. Whatever the text says, the result is a permutation of ``range(len(labels))``.
    """
    index = {label: i for i, label in enumerate(labels)}
    order: list[int] = []
    seen: set[int] = set()
    for match in _LABEL.finditer(text or ""):
        position = index.get(match.group(1)) if match.group(1) else None
        if position is not None and position not in seen:
            order.append(position)
            seen.add(position)
    order.extend(i for i in range(len(labels)) if i not in seen)
    return order


def zscore(values: np.ndarray) -> np.ndarray:
    """Standardised values; constant input gives zeros; non-finite values count as the worst."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.all():
        floor = values[finite].min() if finite.any() else 0.0
        values = np.where(finite, values, floor)
    std = values.std()
    return np.zeros_like(values) if std < 1e-12 else (values - values.mean()) / std


def fuse(llm: np.ndarray, retrieval: np.ndarray, weight: float) -> np.ndarray:
    """``weight * z(llm) + (1 - weight) * z(retrieval)``: 1 = LLM only, 0 = retrieval only."""
    return weight * zscore(llm) + (1.0 - weight) * zscore(retrieval)


def as_items(catalogue: Catalogue, history: Sequence[Item | int]) -> list[Item]:
    """Catalogue items for a history given as items or item ids (unknown ids are skipped)."""
    out = []
    for entry in history:
        if isinstance(entry, Item):
            out.append(entry)
        elif 1 <= int(entry) <= catalogue.num_items:
            out.append(catalogue.get(int(entry)))
    return out


def dedupe_candidates(candidates: Sequence[CandidateLike]) -> list[CandidateLike]:
    """Candidates with repeated item ids removed (the first, better-retrieved one stays)."""
    seen: set[int] = set()
    out = []
    for candidate in candidates:
        if candidate.item_id not in seen:
            seen.add(candidate.item_id)
            out.append(candidate)
    return out


# ------------------------------------------------------------------------- prompts


class RankPromptBuilder:
    """Fills the LLMRank-style prompt files; history most recent last, letters as labels."""

    def __init__(self, config: LLMConfig, catalogue: Catalogue) -> None:
        if config.prompt_style not in PROMPT_STYLES:
            raise ValueError(f"llm.prompt_style must be one of {PROMPT_STYLES}")
        self.config = config
        self.catalogue = catalogue
        load = lambda name: load_prompt(config.prompt_dir, name)  # noqa: E731
        self.style = load(f"rank_{config.prompt_style}")
        self.sequential = load("rank_sequential")
        self.cold = load("rank_cold")
        self.request = load("rank_request")
        self.answer_label = load("answer_label")
        self.answer_ranking = load("answer_ranking")

    def build(
        self,
        history: Sequence[Item],
        candidate_ids: Sequence[int],
        request: str = "",
        answer: str = "label",
    ) -> str:
        """The prompt for ``candidate_ids`` in the order shown; ``answer``: label | ranking."""
        n = len(candidate_ids)
        lines = [
            f"{LABELS[i]}. {self.catalogue.get(item_id).display_title}"
            for i, item_id in enumerate(candidate_ids)
        ]
        recent = list(history)[-self.config.max_history :] if self.config.max_history else []
        request = " ".join(request.split())
        values = {
            "candidates": "\n".join(lines),
            "num_candidates": n,
            "request": self.request.format(request=request) + "\n" if request else "",
            "answer_instruction": (
                self.answer_label if answer == "label" else self.answer_ranking
            ).format(num_candidates=n),
        }
        if not recent:
            return self.cold.format(**values)
        titles = [item.display_title for item in recent]
        template = self.style
        if template.name == "rank_in_context" and len(titles) < 2:
            template = self.sequential  # in-context needs an example before the last item
        values.update(
            history="\n".join(titles),
            history_before_last="\n".join(titles[:-1]),
            last_title=titles[-1],
        )
        return template.format(**values)


# ------------------------------------------------------------------------- the ranker


class LLMRanker:
    """Re-ranks retrieval candidates with an LLM; only ever returns the given candidates."""

    def __init__(self, backend: LLMBackend, catalogue: Catalogue, config: LLMConfig) -> None:
        self.backend = backend
        self.catalogue = catalogue
        self.config = config
        self.prompts = RankPromptBuilder(config, catalogue)

    def permutations(self, candidate_ids: Sequence[int], bootstrap: int) -> list[list[int]]:
        """``bootstrap`` shuffled orders of the shown candidates, seeded by config and ids.

        Seeding with the ids varies the orders between requests (so a fixed position bias
        cannot always favour the same retrieval rank) while keeping each call reproducible.
        """
        rng = np.random.default_rng([self.config.seed, *map(int, candidate_ids)])
        n = len(candidate_ids)
        return [rng.permutation(n).tolist() for _ in range(bootstrap)]

    def rank(
        self,
        history: Sequence[Item | int],
        candidates: Sequence[CandidateLike],
        request: str = "",
        bootstrap: int | None = None,
        fusion_weight: float | None = None,
    ) -> Ranking:
        """Rank ``candidates`` (retrieval order) for a user with ``history`` (most recent last).

        The first ``config.num_candidates`` are shown to the LLM; any others follow them in
        retrieval order. If the LLM fails, the retrieval order is returned (``method`` says so).
        """
        started = time.perf_counter()
        pool = dedupe_candidates(candidates)
        shown = pool[: self.config.num_candidates]
        bootstrap = max(1, self.config.bootstrap if bootstrap is None else bootstrap)
        history = as_items(self.catalogue, history)
        weight = self.config.fusion_weight if fusion_weight is None else fusion_weight
        if len(shown) < 2:
            return finish_ranking(pool, None, weight, "retrieval_fallback", started, [], [], [])
        ids = [c.item_id for c in shown]
        perms = self.permutations(ids, bootstrap)
        labels = LABELS[: len(shown)]
        answers: list[str] = []
        try:
            prompts = [
                self.prompts.build(history, [ids[j] for j in perm], request) for perm in perms
            ]
            scores = self.backend.score_labels(prompts, labels)  # (B, n) by shown position
            method = "label_logits"
            if scores is None:
                method = "generated"
                prompts = [
                    self.prompts.build(history, [ids[j] for j in p], request, answer="ranking")
                    for p in perms
                ]
                scores, answers = self._generated_scores(prompts, labels)
            llm = self._unpermute(np.asarray(scores, dtype=np.float64), perms)
        except (BackendError, TimeoutError, ValueError, KeyError) as exc:
            logger.warning("LLM ranking failed, keeping the retrieval order: %s", exc)
            ranking = finish_ranking(
                pool, None, weight, "retrieval_fallback", started, perms, [], []
            )
            ranking.error = str(exc)
            return ranking
        return finish_ranking(pool, llm, weight, method, started, perms, prompts, answers)

    def _generated_scores(
        self, prompts: Sequence[str], labels: Sequence[str]
    ) -> tuple[np.ndarray, list[str]]:
        """Scores from generated letter lists: the k-th named label scores ``-k``."""
        scores = np.empty((len(prompts), len(labels)))
        answers = []
        for row, prompt in enumerate(prompts):
            answer = self.backend.generate(
                prompt, max_new_tokens=4 * len(labels), timeout_s=self.config.request_timeout_s
            )
            answers.append(answer)
            order = parse_ranking(answer, labels)
            scores[row, order] = -np.arange(len(labels), dtype=np.float64)
        return scores, answers

    @staticmethod
    def _unpermute(scores: np.ndarray, perms: Sequence[Sequence[int]]) -> np.ndarray:
        """Mean over orders of the score each candidate got at the position it was shown at."""
        if scores.shape != (len(perms), len(perms[0])):
            raise ValueError(f"backend returned scores of shape {scores.shape}")
        if not np.isfinite(scores).all():
            raise ValueError("backend returned non-finite label scores")
        total = np.zeros(len(perms[0]))
        for row, perm in zip(scores, perms, strict=True):
            total[np.asarray(perm)] += row  # position p showed candidate perm[p]
        return total / len(perms)


def finish_ranking(
    pool: Sequence[CandidateLike],
    llm: np.ndarray | None,
    weight: float,
    method: str,
    started: float,
    perms: list[list[int]],
    prompts: list[str],
    answers: list[str],
) -> Ranking:
    """Sort the first ``len(llm)`` candidates by fused score, append the rest; the result is
    checked to be a permutation of ``pool`` (the hard guarantee every ranker relies on)."""
    n_shown = 0 if llm is None else len(llm)
    retrieval = np.array([c.score for c in pool[:n_shown]], dtype=np.float64)
    final = fuse(llm, retrieval, weight) if llm is not None else np.zeros(0)
    items = [
        RankedItem(
            item_id=c.item_id,
            final_score=float(final[i]) if i < n_shown else float("-inf"),
            llm_score=float(llm[i]) if llm is not None and i < n_shown else None,
            retrieval_score=float(c.score),
            retrieval_rank=i,
            provenance=tuple(c.provenance),
        )
        for i, c in enumerate(pool)
    ]
    head = sorted(items[:n_shown], key=lambda r: (-r.final_score, r.retrieval_rank))
    ordered = head + items[n_shown:]
    # the hard guarantee: exactly the candidates, each once (checked, not assumed)
    if sorted(r.item_id for r in ordered) != sorted(c.item_id for c in pool):
        raise AssertionError("ranker output is not a permutation of its candidates")
    return Ranking(
        items=ordered,
        method=method,
        permutations=perms,
        prompts=prompts,
        answers=answers,
        latency_ms=(time.perf_counter() - started) * 1000.0,
    )
