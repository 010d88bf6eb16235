"""Why an item was recommended, as facts: counterfactual ranks, co-occurrence, shared facts.

For each recommended item the evidence is built from what actually drives the pick:

- **counterfactual attribution** (``models/attribution.py``): the history items whose removal
  lowers the item's LLM2SASRec rank most, with the ranks ("#2 -> #31 without Heat");
- **co-occurrence** (``retrieval/cooccurrence.py``): how much more often people who watched
  a cited title watched this one (lift, with counts);
- **shared facts**: genres and decade shared with the cited titles, which retrieval sources
  proposed it, which request constraints it satisfies ("from the 1980s, as asked").

The cited titles are the ones with the largest counterfactual effect; when no single title
moves the item much, the evidence says so (``pivotal`` is False: the item fits the history as
a whole, or is simply popular) and still cites the titles with the largest effect, so every
explanation names at least one pasted title. Without a sequence model the cited titles are
the most similar history items by text embedding (or genre overlap): ``method`` says which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from recommender.data.catalogue import Catalogue, Item
from recommender.models.attribution import LeaveOneOut, leave_one_out
from recommender.models.sasrec import SASRec
from recommender.retrieval.cooccurrence import CoOccurrence


@dataclass(frozen=True)
class EvidenceConfig:
    """How evidence is chosen."""

    max_cited: int = 2  # pasted titles cited per recommended item
    second_share: float = 0.5  # cite a second title if its rank drop is >= this share of the first
    pivotal_factor: float = 2.0  # pivotal: without a title the rank is >= factor x the base rank
    pivotal_min_drop: int = 5  # ... and at least this many places lower
    popular_share: float = 0.25  # "simply popular": watched by at least this share of users
    min_lift_users: int = 20  # a lift counts as evidence only with this many co-watchers
    max_attributed: int = 50  # most recent distinct history items tried in leave-one-out


@dataclass(frozen=True)
class ExplainContext:
    """What the turn knows beyond the items: where they came from and what was asked."""

    provenance: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # item id -> sources
    genres_asked: tuple[str, ...] = ()  # genres the request asked for
    years_asked: tuple[int | None, int | None] = (None, None)  # year range asked for
    seed: int = 0  # varies the wording between sessions/turns, deterministically
    # items the request rules out (genres, years, titles named as unwanted): ranks count only
    # the items the user could be shown ("#3 for you" on a card, not "#139" of everything)
    excluded: frozenset[int] = frozenset()
    # titles the user asked for more of ("like Titanic"): cited when there is no history
    anchors: tuple[Item, ...] = ()
    # those of ``anchors`` the user said they liked (a paste's ratings or remarks, "I loved
    # Heat") rather than asked for more of: said as "you liked", never "you asked for"
    liked: frozenset[int] = frozenset()
    # the request's own words ("christmas", "dinosaurs") and the items whose title and genres
    # match them (``CandidateRetriever.request_matches``): "a match on your words" is said
    words_asked: str = ""
    matched_words: frozenset[int] = frozenset()
    # the subject asked for ("a prison movie") as a reply names it ("prison films"), and the
    # items on the app's own list of them (conversation/subjects.json): said before the words
    subject_asked: str = ""
    subject_films: frozenset[int] = frozenset()
    # when several lists were asked for ("a Romero zombie film"): the labels of the lists each
    # item is on ("zombie films" for Re-Animator, not "George A. Romero films and zombie films")
    subject_labels: Mapping[int, str] = field(default_factory=dict)
    # "like Inception": films the catalogue lacks, as (display title, genres)
    outside: tuple[tuple[str, tuple[str, ...]], ...] = ()
    blend: bool = False  # "a cross between Alien and Groundhog Day": the anchors at once
    # > 1: the history is a typed list, read (like the retriever reads it) as that many orders
    # averaged; the leave-one-out ranks are then the ones the picks were made by
    order_free: int = 1
    # no history: item id -> (its rank by viewers, how many films) among the catalogue's films
    # that fit the genres and years asked ("the 2nd most watched of 1,174"): why it is here
    request_ranks: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    # "something lighter" / "darker": the shade asked for and the genres it leans to
    shade: str = ""
    shade_genres: tuple[str, ...] = ()


@dataclass(frozen=True)
class CitedItem:
    """One pasted title cited as a reason, with what it contributes."""

    item: Item
    rank_without: int | None = None  # the item's LLM2SASRec rank without this title
    both: int | None = None  # users who watched this title and the item
    cited_users: int | None = None  # users who watched this title
    lift: float | None = None  # P(item | this title) / P(item)
    shared_genres: tuple[str, ...] = ()  # genres of the item this title also has
    same_decade: bool = False  # released in the same decade as the item


@dataclass(frozen=True)
class Evidence:
    """Why ``item`` fits the user: the cited history titles and the facts behind them.

    ``similar`` (the cited items), ``similarities`` and ``shared_genres`` keep the older,
    similarity-only interface; the rest is empty when the fact is unknown.
    """

    item: Item
    similar: tuple[Item, ...]  # cited history items, strongest reason first
    similarities: tuple[float, ...]  # their effect: rank drop (counterfactual) or cosine
    shared_genres: tuple[str, ...]  # genres of ``item`` that the cited items also have
    # counterfactual (LLM2SASRec leave-one-out) | similarity | anchor (no history: the titles
    # the user asked for more of are cited)
    method: str = "similarity"
    cited: tuple[CitedItem, ...] = ()
    base_rank: int | None = None  # LLM2SASRec rank with the whole history (1 = top)
    pivotal: bool = False  # removing one cited title drops the item substantially
    item_share: float | None = None  # share of all users who watched the item
    popular: bool = False  # watched by at least ``popular_share`` of users
    provenance: tuple[str, ...] = ()  # retrieval sources that proposed it
    satisfies: tuple[str, ...] = ()  # request constraints it meets, e.g. "1980s", "Comedy"
    history_size: int = 0  # distinct pasted titles tried
    # the title the user asked for more of ("something like Casablanca") when the item came
    # from the films nearest to it and the history reasons above do not name it
    asked_like: CitedItem | None = None
    # the request's words when the item's title and genres match them ("christmas")
    asked_words: str | None = None
    # whether its title or genres carry one of those words ("Return of the Jedi" for "jedi");
    # else it only sits near them in meaning (Terminator 2 for "jedi"), and is said so
    words_named: bool = True
    # the subject asked for when the item is on the app's list of its films ("prison films")
    asked_subject: str | None = None
    # "like Inception", not in the catalogue: its name and the genres the item shares with it
    asked_outside: tuple[str, tuple[str, ...]] | None = None
    # "a cross between Alien and Groundhog Day": two of the blended titles, each with the
    # genres the item shares with it (only when it shares some with both)
    blend_of: tuple[tuple[Item, tuple[str, ...]], ...] = ()
    # the cited or asked-like titles the user said they liked, not asked for ("you liked")
    said_liked: frozenset[int] = frozenset()
    # no history: (rank by viewers, films) among the films that fit the request, and the
    # item's genres beyond those asked (the cold-start order puts films that are wholly of
    # the asked genres before more watched ones that only partly are)
    request_rank: tuple[int, int] | None = None
    other_genres: tuple[str, ...] = ()
    # "something lighter": the shade asked for, and the item's genres it leans to ("Comedy")
    shade: str = ""
    shade_fit: tuple[str, ...] = ()

    @property
    def named(self) -> tuple[Item, ...]:
        """Every title an explanation of this evidence may name."""
        like = (self.asked_like.item,) if self.asked_like is not None else ()
        return (self.item, *self.similar, *like, *(title for title, _ in self.blend_of))

    def to_json(self) -> dict[str, Any]:
        """The evidence as plain data (for the trace panel and the benchmark)."""
        return {
            "item": self.item.display_title,
            "method": self.method,
            "base_rank": self.base_rank,
            "pivotal": self.pivotal,
            "popular": self.popular,
            "item_share": None if self.item_share is None else round(self.item_share, 4),
            "cited": [
                {
                    "title": c.item.display_title,
                    "rank_without": c.rank_without,
                    "lift": None if c.lift is None else round(c.lift, 2),
                    "both": c.both,
                    "cited_users": c.cited_users,
                    "shared_genres": list(c.shared_genres),
                    "same_decade": c.same_decade,
                }
                for c in self.cited
            ],
            "shared_genres": list(self.shared_genres),
            "provenance": list(self.provenance),
            "satisfies": list(self.satisfies),
            "asked_words": self.asked_words,
            "asked_subject": self.asked_subject,
            "asked_outside": None
            if self.asked_outside is None
            else {"title": self.asked_outside[0], "shared_genres": list(self.asked_outside[1])},
            "blend_of": [
                {"title": title.display_title, "shared_genres": list(genres)}
                for title, genres in self.blend_of
            ],
            "asked_like": None
            if self.asked_like is None
            else {
                "title": self.asked_like.item.display_title,
                "lift": None if self.asked_like.lift is None else round(self.asked_like.lift, 2),
                "both": self.asked_like.both,
                "cited_users": self.asked_like.cited_users,
            },
            "request_rank": None if self.request_rank is None else list(self.request_rank),
            "other_genres": list(self.other_genres),
            "shade": self.shade,
            "shade_fit": list(self.shade_fit),
        }


def decade(year: int | None) -> int | None:
    return None if year is None else year // 10 * 10


def satisfied_constraints(item: Item, context: ExplainContext) -> tuple[str, ...]:
    """Request constraints the item meets, as short facts ("Comedy", "1980s", "1990-1995")."""
    out = [g for g in context.genres_asked if g in item.genres]
    lo, hi = context.years_asked
    if item.year is not None and (lo is not None or hi is not None):
        if (lo is None or item.year >= lo) and (hi is None or item.year <= hi):
            if lo is not None and hi is not None and lo % 10 == 0 and hi == lo + 9:
                out.append(f"{lo}s")
            elif lo is not None and lo == hi:
                out.append(str(lo))  # "best movie of 1994": from 1994, not "1994-1994"
            elif lo is not None and hi is not None:
                out.append(f"{lo}-{hi}")
            elif lo is not None:
                out.append(f"after {lo - 1}" if lo % 10 == 0 else f"from {lo} on")
            else:
                out.append(
                    f"before {hi + 1}" if hi is not None and hi % 10 == 9 else f"{hi} or earlier"
                )
    return tuple(out)


def names_words(item: Item, words: str) -> bool:
    """Whether ``item``'s title or genres carry one of ``words`` (a word of four letters or
    more, so not "new" in "Newsies"; "dinosaurs" is named by "Dinosaur", "jedi" by "Return of
    the Jedi")."""
    said = [w for w in re.findall(r"[a-z0-9]+", words.lower()) if len(w) >= NAMED_WORD]
    text = re.findall(r"[a-z0-9]+", f"{item.title} {' '.join(item.genres)}".lower())
    return any(
        t.startswith(w[: max(NAMED_WORD, len(w) - 2)]) or (len(t) >= NAMED_WORD and w.startswith(t))
        for w in said
        for t in text
    )


NAMED_WORD = 4  # the shortest word of a request checked against a title ("jedi", "york")


def request_ranks(
    catalogue: Catalogue,
    viewers: np.ndarray,
    genres: Sequence[str],
    years: tuple[int | None, int | None],
    items: Iterable[int],
) -> dict[int, tuple[int, int]]:
    """Each of ``items``' rank by ``viewers`` (index = item id; 1 = most watched) among the
    catalogue's films of all of ``genres`` and of ``years``, and how many such films there
    are; {} when nothing was asked."""
    lo, hi = years
    if not genres and lo is None and hi is None:
        return {}

    def fits(item: Item) -> bool:
        if not all(g in item.genres for g in genres):
            return False
        if lo is not None and (item.year is None or item.year < lo):
            return False
        return hi is None or (item.year is not None and item.year <= hi)

    def watched(i: int) -> int:
        return int(viewers[i]) if 0 < i < len(viewers) else 0

    fitting = sorted((i.item_id for i in catalogue if fits(i)), key=lambda i: (-watched(i), i))
    place = {item_id: n for n, item_id in enumerate(fitting, start=1)}
    return {i: (place[i], len(fitting)) for i in items if i in place}


class EvidenceBuilder:
    """Builds the evidence of a turn's recommended items in one batched pass. Read-only."""

    def __init__(
        self,
        sasrec: SASRec | None = None,
        cooccurrence: CoOccurrence | None = None,
        item_vectors: np.ndarray | None = None,
        config: EvidenceConfig | None = None,
    ) -> None:
        """``item_vectors``: (N, dim) L2-normalised text embeddings, row r = item id r + 1."""
        self.sasrec = sasrec
        self.cooccurrence = cooccurrence
        self.item_vectors = item_vectors
        self.config = config or EvidenceConfig()

    def build(
        self,
        items: Sequence[Item],
        history: Sequence[Item],
        context: ExplainContext | None = None,
    ) -> list[Evidence]:
        """One ``Evidence`` per item (same order)."""
        context = context or ExplainContext()
        pool = list(dict.fromkeys(history))
        attribution = None
        if self.sasrec is not None and pool and items:
            ids = [h.item_id for h in history]
            attribution = leave_one_out(
                self.sasrec,
                ids,
                [i.item_id for i in items],
                self.config.max_attributed,
                excluded=context.excluded - {i.item_id for i in items},
                permutations=context.order_free,
            )
        return [self._one(item, pool, attribution, context) for item in items]

    # -- one item -----------------------------------------------------------------------------

    def _one(
        self,
        item: Item,
        pool: list[Item],
        attribution: LeaveOneOut | None,
        context: ExplainContext,
    ) -> Evidence:
        pool = [h for h in pool if h.item_id != item.item_id]
        share = self.cooccurrence.share(item.item_id) if self.cooccurrence is not None else None
        common = dict(
            item_share=share,
            popular=share is not None and share >= self.config.popular_share,
            provenance=tuple(context.provenance.get(item.item_id, ())),
            satisfies=satisfied_constraints(item, context),
            history_size=len(pool),
            request_rank=context.request_ranks.get(item.item_id),
        )
        fit = tuple(g for g in item.genres if g in context.shade_genres)
        if context.shade and fit:  # "something lighter": a comedy, said to be the shade asked
            common["shade"], common["shade_fit"] = context.shade, fit
        if common["request_rank"] is not None and context.genres_asked:
            common["other_genres"] = tuple(g for g in item.genres if g not in context.genres_asked)
        if context.words_asked and item.item_id in context.matched_words:
            common["asked_words"] = context.words_asked  # "a christmas movie": said first
            common["words_named"] = names_words(item, context.words_asked)
        if context.subject_asked and item.item_id in context.subject_films:
            # "a prison movie": Shawshank; of two lists, only the ones it is on
            label = context.subject_labels.get(item.item_id, context.subject_asked)
            common["asked_subject"] = label
        fits = []  # "like Inception": what it shares with each film named that is not here
        for n, (title, genres) in enumerate(context.outside):
            shared = tuple(g for g in item.genres if g in genres)
            # said when the stand-in source found it first of all sources, or, with no
            # history to explain it, it shares most of those genres (over a history, "Like
            # The Notebook (2004) ..." had led every romance card, whatever the history did)
            provenance = common["provenance"]
            found = (provenance[:1] == ("outside",) if pool else "outside" in provenance) or (
                not pool and 2 * len(shared) >= len(genres)
            )
            if shared and found:
                # the one sharing most; among equals, a different one for different picks
                turn = (n - item.item_id) % len(context.outside)
                fits.append((-len(shared), turn, title, shared))
        if fits:
            _, _, title, shared = min(fits)
            common["asked_outside"] = (title, shared)
        anchors = [a for a in context.anchors if a.item_id != item.item_id]
        if context.blend and len(anchors) > 1:  # a blend: what it shares with each of two
            shared = [(a, self._shared(item, [a])) for a in anchors[:2]]
            if all(genres for _, genres in shared):
                common["blend_of"] = tuple(shared)
        if not pool:
            if anchors:  # "something like Titanic" and no history: Titanic is the reason
                evidence = self._similarity(item, anchors, common)
                # among the films nearest to Titanic only when the anchor source found it
                # ("like Heat, a cult classic": The Princess Bride is a cult film, not near)
                near = "anchor" in common["provenance"] or not common["provenance"]
                method = "anchor" if near else "anchor_loose"
                return replace(evidence, method=method, said_liked=context.liked)
            return Evidence(item, (), (), (), **common)
        evidence = None
        if attribution is not None:
            tried = [h for h in pool if h.item_id in attribution.removed]
            if tried:
                evidence = self._counterfactual(item, tried, attribution, common)
        evidence = evidence or self._similarity(item, pool, common)
        if anchors and "anchor" in common["provenance"]:
            # "something like Casablanca" over a history: the films nearest to Casablanca are
            # where it came from; say so unless the history reasons already name Casablanca
            cited = {h.item_id for h in evidence.similar}
            named = [a for a in anchors if a.item_id not in cited]
            if len(named) == len(anchors):
                like = max(named, key=lambda a: self._lift(a, item) or 0.0)
                evidence = replace(
                    evidence, asked_like=self._cited(like, item, None), said_liked=context.liked
                )
        return evidence

    def _counterfactual(
        self, item: Item, tried: list[Item], attribution: LeaveOneOut, common: dict
    ) -> Evidence:
        base = attribution.base_rank(item.item_id)
        without = {h.item_id: attribution.rank_without(h.item_id, item.item_id) for h in tried}
        lifts = {h.item_id: self._lift(h, item) for h in tried}
        recency = {h.item_id: n for n, h in enumerate(tried)}
        # largest rank drop first; then the stronger co-occurrence; then the more recent title
        order = sorted(
            tried,
            key=lambda h: (-without[h.item_id], -(lifts[h.item_id] or 0.0), -recency[h.item_id]),
        )
        first = order[0]
        chosen = [first]
        drop_first = without[first.item_id] - base
        for h in order[1 : self.config.max_cited]:
            drop = without[h.item_id] - base
            if drop > 0 and drop >= self.config.second_share * drop_first:
                chosen.append(h)
        pivotal = (
            without[first.item_id] >= self.config.pivotal_factor * base
            and drop_first >= self.config.pivotal_min_drop
        )
        cited = tuple(self._cited(h, item, without[h.item_id]) for h in chosen)
        return Evidence(
            item,
            tuple(chosen),
            tuple(float(without[h.item_id] - base) for h in chosen),
            self._shared(item, chosen),
            method="counterfactual",
            cited=cited,
            base_rank=base,
            pivotal=pivotal,
            **common,
        )

    def _similarity(self, item: Item, pool: list[Item], common: dict) -> Evidence:
        if self.item_vectors is not None:
            vectors = self.item_vectors[[h.item_id - 1 for h in pool]]  # (H, dim)
            sims = vectors @ self.item_vectors[item.item_id - 1]  # (H,)
        else:
            genres = set(item.genres)
            sims = np.array(
                [len(genres & set(h.genres)) / max(1, len(genres | set(h.genres))) for h in pool]
            )
        # most similar first; among equals the more recent history item first
        order = sorted(range(len(pool)), key=lambda i: (-float(sims[i]), -i))
        chosen = [pool[i] for i in order[: self.config.max_cited]]
        return Evidence(
            item,
            tuple(chosen),
            tuple(float(sims[i]) for i in order[: self.config.max_cited]),
            self._shared(item, chosen),
            method="similarity",
            cited=tuple(self._cited(h, item, None) for h in chosen),
            **common,
        )

    # -- facts --------------------------------------------------------------------------------

    def _lift(self, cited: Item, item: Item) -> float | None:
        if self.cooccurrence is None:
            return None
        stats = self.cooccurrence.pair(cited.item_id, item.item_id)
        return stats.lift if stats.both >= self.config.min_lift_users else None

    def _cited(self, cited: Item, item: Item, rank_without: int | None) -> CitedItem:
        stats = (
            self.cooccurrence.pair(cited.item_id, item.item_id)
            if self.cooccurrence is not None
            else None
        )
        enough = stats is not None and stats.both >= self.config.min_lift_users
        return CitedItem(
            item=cited,
            rank_without=rank_without,
            both=stats.both if stats is not None else None,
            cited_users=stats.cited_users if stats is not None else None,
            lift=stats.lift if enough else None,
            shared_genres=tuple(g for g in item.genres if g in cited.genres),
            same_decade=decade(item.year) is not None and decade(item.year) == decade(cited.year),
        )

    @staticmethod
    def _shared(item: Item, cited: Sequence[Item]) -> tuple[str, ...]:
        theirs = {g for h in cited for g in h.genres}
        return tuple(g for g in item.genres if g in theirs)
