"""Counterfactual attribution for a sequential recommender: what if an item were not there?

Pure torch, no I/O. For a pasted history and some recommended (target) items, the history is
scored again with items removed, all variants in one batched forward pass, and each target's
rank over the catalogue is read off. "Without Heat it drops from #2 to #31" is then a fact
about the model, not a rationalisation: it is the reason the model put the item where it did.

Ranks are 1-based and count only items the user has not seen: every item of the *full*
history stays masked in every variant (removing a title from the input does not make it
recommendable), so the ranks of one history are comparable across its variants. Items in
``excluded`` (what the user's request rules out) are masked the same way, so a rank is the
item's place among what the user could actually be shown.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import torch

from recommender.models.sasrec import SASRec, order_free_orders, score_histories


def ranks_of(scores: torch.Tensor, targets: Sequence[int]) -> torch.Tensor:
    """1-based rank of each target in each row of ``scores`` (B, N+1) -> (B, K).

    ``-inf`` columns (padding, seen items) never count as better; ties count in the
    target's favour (rank = 1 + number of strictly better items).
    """
    index = torch.as_tensor(list(targets), dtype=torch.long)  # (K,)
    target_scores = scores[:, index]  # (B, K)
    better = scores[:, None, :] > target_scores[:, :, None]  # (B, K, N+1)
    return better.sum(dim=2) + 1  # (B, K)


def ranks_without(
    model: SASRec,
    history: Sequence[int],
    targets: Sequence[int],
    removals: Sequence[Sequence[int]],
    excluded: Collection[int] = (),
    permutations: int = 1,
) -> torch.Tensor:
    """Ranks of ``targets`` after removing each set in ``removals`` from ``history``.

    Returns (1 + R, K): row 0 is the full history, row r + 1 the history without
    ``removals[r]`` (all occurrences; order of the rest kept). One forward pass for all rows.
    ``excluded`` items never count as better (like the history's). ``permutations`` > 1
    reads each variant as a typed list with no time order, averaged over that many orders
    (``order_free_scores``, as the retriever reads such a list), in the same one pass.
    """
    history = list(history)
    variants = [history] + [[i for i in history if i not in set(r)] for r in removals]
    if permutations > 1 and len(history) >= 2:
        orders = [o for v in variants for o in order_free_orders(v, permutations)]
        scores = score_histories(model, orders, exclude_seen=False)  # (V * P, N+1)
        # the mean over orders of each variant (a mean of scores ranks as the mean of their
        # log-softmax: the normalisers only shift a row)
        scores = scores.view(len(variants), permutations, -1).mean(dim=1)  # (1 + R, N+1)
    else:
        scores = score_histories(model, variants, exclude_seen=False)  # (1 + R, N+1)
    seen = torch.as_tensor(sorted(set(history) | set(excluded)), dtype=torch.long)
    if len(seen):
        scores[:, seen] = float("-inf")  # the full history stays unrecommendable in every row
    return ranks_of(scores, targets)  # (1 + R, K)


@dataclass(frozen=True)
class LeaveOneOut:
    """Each history item's effect on each target's rank.

    ``removed[h]`` is a distinct history item; ``ranks[h, k]`` is target k's rank without it;
    ``base[k]`` its rank with the whole history. A larger ``ranks[h, k] - base[k]`` means the
    model leans more on ``removed[h]`` to recommend target k.
    """

    targets: tuple[int, ...]  # K item ids
    removed: tuple[int, ...]  # H history item ids, in history order (most recent last)
    base: tuple[int, ...]  # (K,) ranks with the full history
    ranks: tuple[tuple[int, ...], ...]  # (H, K) ranks without each history item

    def rank_without(self, history_item: int, target: int) -> int:
        """Rank of ``target`` without ``history_item``."""
        return self.ranks[self.removed.index(history_item)][self.targets.index(target)]

    def base_rank(self, target: int) -> int:
        return self.base[self.targets.index(target)]


# a typed list is attributed over at most this many of its titles (the last typed), so that
# its (1 + n) variants x orders stay one affordable batch (~17 x 8 sequences)
ORDER_FREE_MAX_ITEMS = 16


def leave_one_out(
    model: SASRec,
    history: Sequence[int],
    targets: Sequence[int],
    max_items: int = 50,
    excluded: Collection[int] = (),
    permutations: int = 1,
) -> LeaveOneOut:
    """Leave-one-out attribution over the ``max_items`` most recent distinct history items.

    Older items (beyond ``max_items``) are never removed: with long histories their single
    effect is small and the batch would grow with the paste. ``permutations``: as in
    :func:`ranks_without` (a typed list, read as the retriever reads it).
    """
    if permutations > 1:  # each variant is read in that many orders: fewer variants
        max_items = min(max_items, ORDER_FREE_MAX_ITEMS)
    distinct = list(dict.fromkeys(reversed(list(history))))[:max_items][::-1]
    ranks = ranks_without(model, history, targets, [[i] for i in distinct], excluded, permutations)
    table = ranks.tolist()
    return LeaveOneOut(
        targets=tuple(targets),
        removed=tuple(distinct),
        base=tuple(table[0]),
        ranks=tuple(tuple(row) for row in table[1:]),
    )
