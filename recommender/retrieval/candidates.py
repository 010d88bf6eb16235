"""Candidate generation: LLM2SASRec next-item scores + Chroma similarity, fused and filtered.

Each source ranks the catalogue its own way:

- ``sasrec``: the sequential model's next-item scores for the pasted history;
- ``request``: Chroma similarity to the free text of the request ("a heist with a twist");
- ``session``: Chroma similarity to the recency-weighted mean of the history's text
  embeddings (LLMSeqSim, Boz et al. 2024);
- ``anchor``: Chroma similarity to items the user named ("like Heat");
- ``popular``: popularity in the training data (the cold-start fallback).
- ``subject``: the films of a subject asked for ("a prison movie": conversation/subjects.json);
- ``outside``: for a film the catalogue lacks ("like Inception"), the films of its genres.

Their top lists are merged with weighted reciprocal-rank fusion, which needs no common score
scale, and every candidate passes the same ``ItemFilter`` (seen, disliked, genres, years).
Each candidate keeps its per-source ranks, so the demo panel can show where it came from.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from recommender.config import RetrievalConfig
from recommender.data.catalogue import Catalogue
from recommender.models.sasrec import SASRec, order_free_scores, score_histories
from recommender.retrieval.likeness import Likeness, item_space
from recommender.retrieval.vectorstore import ItemFilter, ItemStore

OUTSIDE_POPULARITY = 0.2  # "like Inception": popularity's share beside the genre overlap


@dataclass(frozen=True)
class Candidate:
    """One retrieval candidate, in retrieval order (best first)."""

    item_id: int  # dense catalogue id
    score: float  # fused retrieval score (higher is better)
    provenance: tuple[str, ...] = ()  # sources that proposed it, best-ranking source first
    source_ranks: tuple[tuple[str, int], ...] = ()  # (source, 0-based rank) for the trace


@dataclass(frozen=True)
class RetrievalQuery:
    history: Sequence[int] = ()  # item ids, oldest first
    text: str | None = None  # free-text part of the request, if any
    # whether ``text`` describes what is wanted ("christmas"): its matches then lead over a
    # history (``request_match_bonus``); False for names of titles the catalogue lacks
    lift_text: bool = True
    # films about the subject the request names ("a prison movie": the app's own list of
    # them, conversation/subjects.json): proposed, and lifted like a full match on the words
    subject_items: Sequence[int] = ()
    # "like Inception", a film the catalogue lacks: the genres of each such film; the films
    # most of a kind with it (genre overlap, then popularity) stand in for it
    outside_genres: Sequence[Sequence[str]] = ()
    anchors: Sequence[int] = ()  # items the user named as "like X"
    blend: bool = False  # "a cross between X and Y": like all the anchors at once, not any
    avoid: Sequence[int] = ()  # items the user named as "nothing like X": they and their
    # nearest neighbours (text vectors) are left out
    popularity: str = ""  # "popular": only the most watched; "obscure": none of them
    ordered: bool = True  # False: the history is a typed list with no time order
    filters: ItemFilter = field(default_factory=ItemFilter)
    # soft wishes ("lighter" -> Comedy): items of these genres move up (config's bonus)
    prefer_genres: Sequence[str] = ()


@dataclass
class CandidateSet:
    candidates: list[Candidate]
    sources: dict[str, list[int]]  # each source's filtered top list (item ids), for the trace
    timings_ms: dict[str, float]
    source_scores: dict[str, list[float]] = field(default_factory=dict)  # raw, per source
    # items the retriever itself ruled out beyond the query's filters ("nothing like X" and its
    # nearest, the most watched for "hidden gems", all but them for "popular stuff"): the
    # explanations rank a pick among what the user could be shown
    ruled_out: frozenset[int] = frozenset()


def session_vector(
    item_vectors: np.ndarray, history: Sequence[int], window: int, decay: float
) -> np.ndarray | None:
    """Recency-weighted mean of the last ``window`` history items' text vectors (unit length)."""
    recent = list(history)[-window:]
    if not recent:
        return None
    weights = np.array([decay**i for i in range(len(recent))][::-1], dtype=np.float32)
    vector = weights @ item_vectors[np.asarray(recent) - 1]  # (dim,)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else None


class CandidateRetriever:
    """Builds the candidate set for one turn. Stateless between calls; safe to share."""

    def __init__(
        self,
        catalogue: Catalogue,
        store: ItemStore,
        item_vectors: np.ndarray,
        popularity: np.ndarray,
        sasrec: SASRec | None = None,
        config: RetrievalConfig | None = None,
    ):
        self.catalogue = catalogue
        self.store = store
        self.item_vectors = item_vectors  # (N, dim), row r = item id r + 1
        self.popularity = popularity  # (N + 1,), index = item id
        self.sasrec = sasrec
        self.config = config or RetrievalConfig()
        # the popularity order never changes: sorted once, not on every turn (a full sort of
        # a 1M-item catalogue costs ~0.1 s)
        self._popular_order = np.argsort(-popularity, kind="stable")
        # "popular stuff" / "hidden gems": the most watched share of the catalogue
        most = max(1, round(self.config.popular_share * len(catalogue)))
        self._most_watched = frozenset(int(i) for i in self._popular_order[:most] if i > 0)
        self._less_watched = frozenset(range(1, len(catalogue) + 1)) - self._most_watched
        # "like Heat" / "nothing like Heat": in the sequence model's item space (who watches
        # what) plus shared genres, not the title-text space alone (which groups films by
        # year and title words: "like Titanic" gave "Raise the Titanic"); see likeness.py
        space = item_space(sasrec, item_vectors, self.config.anchor_space)
        self._likeness = Likeness(
            catalogue, space, self.config.anchor_genre_weight, self.config.blend_genre_weight
        )

    def _accept_ranked(self, order: Sequence[int], filters: ItemFilter, depth: int) -> list[int]:
        kept = []
        for item_id in order:
            if item_id > 0 and filters.accepts(self.catalogue.get(int(item_id))):
                kept.append(int(item_id))
                if len(kept) == depth:
                    break
        return kept

    def _best_accepted(self, scores: torch.Tensor, filters: ItemFilter) -> list[int]:
        """The ``per_source`` best-scoring finite items that pass ``filters``: a top-k that
        widens (x4) while the filters reject too many, instead of sorting every item."""
        wanted = self.config.per_source
        finite = int(torch.isfinite(scores).sum())
        depth = min(finite, 4 * wanted + len(filters.exclude_ids))
        while True:
            top = torch.topk(scores, depth).indices.tolist() if depth else []
            kept = self._accept_ranked(top, filters, wanted)
            if len(kept) == wanted or depth >= finite:
                return kept
            depth = min(finite, depth * 4)

    def _sasrec(
        self, history: Sequence[int], filters: ItemFilter, ordered: bool = True
    ) -> list[tuple[int, float]]:
        permutations = self.config.order_free_permutations
        if ordered or len(history) < 2 or permutations <= 1:
            scores = score_histories(self.sasrec, [list(history)])[0]  # (N + 1,)
        else:
            scores = order_free_scores(self.sasrec, list(history), permutations)  # (N + 1,)
        kept = self._best_accepted(scores, filters)
        return [(i, float(scores[i])) for i in kept]

    def _nearest(
        self, text: str | None, vector: np.ndarray | None, filters: ItemFilter
    ) -> list[tuple[int, float]]:
        hits = self.store.query(text=text, vector=vector, k=self.config.per_source, filters=filters)
        return [(hit.item_id, hit.score) for hit in hits]

    def _popular_order_for(self, genres: Sequence[str]) -> np.ndarray:
        """Items by popularity x (share of their genres among ``genres``) ** focus: the films
        that are mostly what was asked first; the rest follow by popularity alone."""
        likeness = self._likeness  # its (N, G) genre matrix: row = item id - 1
        columns = [likeness.genre_column[g] for g in genres if g in likeness.genre_column]
        focus = self.config.popular_genre_focus
        if not columns or focus <= 0:
            return self._popular_order
        asked = likeness.genres[:, columns].sum(axis=1) / np.maximum(likeness.genre_counts, 1.0)
        share = np.concatenate([[0.0], asked])  # index = item id (0: padding)
        matching = np.flatnonzero(share > 0)
        weighted = self.popularity[matching] * share[matching] ** focus
        first = matching[np.lexsort((matching, -weighted))]
        rest = self._popular_order[share[self._popular_order] == 0]
        return np.concatenate([first, rest])

    def _popular(self, filters: ItemFilter, genres: Sequence[str] = ()) -> list[tuple[int, float]]:
        order = self._popular_order_for(genres)
        kept = self._accept_ranked(order, filters, self.config.per_source)
        return [(i, float(self.popularity[i])) for i in kept]

    def _listed(
        self, items: Sequence[int], filters: ItemFilter, anchors: Sequence[int] = ()
    ) -> list[tuple[int, float]]:
        """``items`` that pass ``filters``, the most watched first; those most like the named
        ``anchors`` first when there are some ("like Heat, a cult classic": the cult films
        nearest to Heat, not The Princess Bride for being the most watched of them)."""
        known = [i for i in set(items) if 1 <= i <= len(self.catalogue)]
        if anchors:
            likeness = self._likeness.scores(anchors, False)
            score = {i: float(likeness[i - 1]) for i in known}
        else:
            score = {i: float(self.popularity[i]) for i in known}
        ranked = sorted(known, key=lambda i: (-score[i], i))
        kept = self._accept_ranked(ranked, filters, self.config.per_source)
        return [(i, score[i]) for i in kept]

    def _of_genres(
        self, genre_sets: Sequence[Sequence[str]], filters: ItemFilter
    ) -> list[tuple[int, float]]:
        """Items by their best genre overlap (Jaccard) with one of ``genre_sets``, the most
        watched first among equals (``OUTSIDE_POPULARITY`` of a log-popularity share)."""
        likeness = self._likeness  # (N, G) genre matrix, row = item id - 1
        best = np.zeros(len(self.catalogue), dtype=np.float32)
        for genres in genre_sets:
            columns = [likeness.genre_column[g] for g in genres if g in likeness.genre_column]
            if not columns:
                continue
            shared = likeness.genres[:, columns].sum(axis=1)
            union = likeness.genre_counts + len(columns) - shared
            best = np.maximum(best, shared / np.maximum(union, 1.0))
        popular = np.log1p(self.popularity[1:].astype(np.float32))
        popular = popular / max(float(popular.max()), 1e-9)
        score = np.concatenate([[-np.inf], best + OUTSIDE_POPULARITY * popular])
        score[np.concatenate([[False], best <= 0])] = -np.inf  # no genre in common: none
        order = np.argsort(-score, kind="stable")
        kept = self._accept_ranked(
            [i for i in order if np.isfinite(score[i])], filters, self.config.per_source
        )
        return [(i, float(score[i])) for i in kept]

    def near(self, items: Sequence[int]) -> set[int]:
        """``items`` and, for each, the ``avoid_neighbours`` items most like it: what
        "nothing like Heat" leaves out."""
        found: set[int] = set()
        for item_id in items:
            if 1 <= item_id <= len(self.catalogue):
                found |= self._likeness.nearest(item_id, self.config.avoid_neighbours)
        return found

    def _alike(
        self, anchors: Sequence[int], filters: ItemFilter, all_of: bool = False
    ) -> list[tuple[int, float]]:
        """The items most like the anchors (``Likeness``; ``all_of``: like each), best first."""
        scores = torch.full((len(self.catalogue) + 1,), float("-inf"))
        likeness = self._likeness.scores(anchors, all_of)
        scores[1:] = torch.from_numpy(likeness.astype(np.float32))
        kept = self._best_accepted(scores, filters)
        return [(i, float(scores[i])) for i in kept]

    def _lean_to_anchor_genres(
        self, fused: dict[int, float], anchors: Sequence[int], bonus: float, all_of: bool = False
    ) -> None:
        """Each fused item gains ``bonus`` x its genre overlap (Jaccard) with the named film
        it is most like in genres (``all_of``, a blend: the geometric mean over them)."""
        profiles = {frozenset(self.catalogue.get(a).genres) for a in anchors}
        profiles.discard(frozenset())
        if not profiles:
            return
        for item_id in fused:
            genres = set(self.catalogue.get(item_id).genres)
            if genres and item_id not in anchors:  # "loved the third one": not shown again
                overlaps = [len(genres & p) / len(genres | p) for p in profiles]
                overlap = math.prod(overlaps) ** (1 / len(overlaps)) if all_of else max(overlaps)
                fused[item_id] += bonus * overlap

    def match_grade(self, similarity: float) -> float:
        """How well a title matches the request's words, from their cosine similarity: 0 at
        ``request_match_floor`` or below, 1 from ``request_match_full``."""
        config = self.config
        span = max(config.request_match_full - config.request_match_floor, 1e-9)
        return min(1.0, max(0.0, (similarity - config.request_match_floor) / span))

    def request_matches(self, text: str, item_ids: Sequence[int]) -> frozenset[int]:
        """The items of ``item_ids`` whose title and genres match ``text`` (a grade above 0):
        what an explanation may say was "a match on your words"."""
        known = [i for i in item_ids if 1 <= i <= len(self.catalogue)]
        if not text.strip() or not known:
            return frozenset()
        query = self.store.embedder.embed([text])[0]
        vectors = self.item_vectors[np.asarray(known) - 1]  # (n, dim), unit rows
        similarity = vectors @ query / max(float(np.linalg.norm(query)), 1e-12)
        return frozenset(i for i, s in zip(known, similarity, strict=True) if self.match_grade(s))

    def _lean_to_request_matches(
        self,
        fused: dict[int, float],
        items: Sequence[int],
        similarity: Sequence[float],
        listed: Sequence[int] = (),
    ) -> None:
        """Each item the request source found gains the match bonus x its match grade; a film
        of the subject asked for (``listed``) gains all of it."""
        bonus = self.config.request_match_bonus * max(fused.values(), default=0.0)
        grades = {i: 1.0 for i in listed}
        for item_id, score in zip(items, similarity, strict=True):
            grades[item_id] = max(grades.get(item_id, 0.0), self.match_grade(score))
        for item_id, grade in grades.items():
            fused[item_id] += bonus * grade

    def retrieve(self, query: RetrievalQuery) -> CandidateSet:
        """Candidates for ``query``: never an item the filters reject."""
        config = self.config
        history = [i for i in query.history if 1 <= i <= len(self.catalogue)]
        ruled_out = self.near(query.avoid)
        if query.popularity == "obscure":  # "hidden gems": none of the most watched, anywhere
            ruled_out |= self._most_watched
        excluded = query.filters.exclude_ids | set(history) | ruled_out
        if query.popularity == "popular":  # kept out after fusion (see below), named here
            ruled_out |= self._less_watched
        filters = replace(query.filters, exclude_ids=excluded)
        sources: dict[str, list[int]] = {}
        scores: dict[str, list[float]] = {}
        timings: dict[str, float] = {}

        def run(name: str, produce, *args) -> None:
            started = time.perf_counter()
            ranked = produce(*args)
            timings[name] = (time.perf_counter() - started) * 1000
            sources[name] = [item_id for item_id, _ in ranked]
            scores[name] = [score for _, score in ranked]

        if history and self.sasrec is not None:
            run("sasrec", self._sasrec, history, filters, query.ordered)
        if query.text and query.text.strip():
            run("request", self._nearest, query.text, None, filters)
        named_anchors = [a for a in query.anchors if 1 <= a <= len(self.catalogue)]
        if query.subject_items:
            run("subject", self._listed, query.subject_items, filters, named_anchors)
        if query.outside_genres:
            run("outside", self._of_genres, query.outside_genres, filters)
        if query.ordered:
            vector = session_vector(
                self.item_vectors, history, config.session_window, config.recency_decay
            )
        else:  # a typed list: every title counts the same, whatever its line
            vector = session_vector(self.item_vectors, sorted(history), len(history), 1.0)
        if vector is not None:
            run("session", self._nearest, None, vector, filters)
        anchors = [a for a in query.anchors if 1 <= a <= len(self.catalogue)]
        named = bool(anchors)  # "like Casablanca", not a short paste read as "like these"
        if not anchors and 0 < len(history) <= config.history_anchors_upto:
            anchors = list(history)  # "Fargo" pasted alone: also "like Fargo" (see config)
        if anchors:
            without_anchors = replace(filters, exclude_ids=filters.exclude_ids | set(anchors))
            run("anchor", self._alike, anchors, without_anchors, named and query.blend)
        if query.popularity != "obscure" or not sources:
            # "a hidden gem from the 70s" and nothing else to go on: the most watched of what
            # is left once the most watched of all are out (else nothing was offered)
            asked = (*filters.genres_all, *filters.genres_any, *query.prefer_genres)
            run("popular", self._popular, filters, tuple(dict.fromkeys(asked)))
        weights = {
            "sasrec": config.weight_sasrec,
            "request": config.weight_request,
            "session": config.weight_session,
            "anchor": config.weight_named_anchor if named else config.weight_anchor,
            "popular": config.weight_popular,
            "subject": config.weight_request,
            "outside": config.weight_named_anchor,
        }
        if query.popularity == "popular":  # only the most watched, and popularity counts more
            weights["popular"] *= config.popular_boost
        fused: dict[int, float] = {}
        ranks: dict[int, list[tuple[str, int]]] = {}
        for name, items in sources.items():
            for rank, item_id in enumerate(items):
                fused[item_id] = fused.get(item_id, 0.0) + weights[name] / (config.rrf_k + rank + 1)
                ranks.setdefault(item_id, []).append((name, rank))
        if query.lift_text and config.request_match_bonus:
            self._lean_to_request_matches(
                fused,
                sources.get("request", []),
                scores.get("request", []),
                sources.get("subject", []),
            )
        best = max(fused.values(), default=0.0)
        # over a history only: it counters the history's pull; "like X" alone is the anchor
        # source's already (its likeness weighs shared genres; benchmarks/anchors.py)
        lean = config.blend_genre_bonus if query.blend else config.named_anchor_genre_bonus
        if named and history and lean:
            self._lean_to_anchor_genres(fused, anchors, lean * best, query.blend)
        wanted = set(query.prefer_genres)
        if named and not wanted and config.named_anchor_any_genre:  # the app before 77fe63b
            wanted = {g for a in anchors for g in self.catalogue.get(a).genres}
        if wanted and fused:
            bonus = config.preferred_genre_bonus * best
            for item_id in fused:
                if wanted.intersection(self.catalogue.get(item_id).genres):
                    fused[item_id] += bonus
        order = sorted(fused, key=lambda i: (-fused[i], i))
        if query.popularity == "popular":  # the popular source always offers enough of them
            order = [i for i in order if i in self._most_watched]
        order = order[: config.num_candidates]
        candidates = []
        for item_id in order:
            by_rank = sorted(ranks[item_id], key=lambda pair: pair[1])
            candidates.append(
                Candidate(
                    item_id=item_id,
                    score=fused[item_id],
                    provenance=tuple(name for name, _ in by_rank),
                    source_ranks=tuple(by_rank),
                )
            )
        return CandidateSet(candidates, sources, timings, scores, frozenset(ruled_out))
