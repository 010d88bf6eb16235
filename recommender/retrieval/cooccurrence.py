"""Co-occurrence in the interaction data: who watched A also watched B, and how much more often.

``lift(a, b) = P(watched b | watched a) / P(watched b)``: 3.0 means people who watched ``a``
were three times as likely as people in general to have watched ``b``. Counts come with it,
so an explanation can say "612 of the 1,540 people who watched Vertigo also watched Rear
Window", and a lift built on a handful of users can be recognised as such.

Each item keeps the sorted array of user rows that watched it; a pair costs one sorted
intersection (microseconds), so nothing quadratic is precomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PairStats:
    """How often ``cited`` and ``item`` were watched by the same people."""

    cited: int  # item id of the history item
    item: int  # item id of the recommended item
    both: int  # users who watched both
    cited_users: int  # users who watched ``cited``
    item_users: int  # users who watched ``item``
    users: int  # all users

    @property
    def lift(self) -> float:
        """P(item | cited) / P(item); 0 when either was never watched."""
        if not self.cited_users or not self.item_users:
            return 0.0
        return self.both * self.users / (self.cited_users * self.item_users)

    @property
    def share_given_cited(self) -> float:
        """P(item | cited)."""
        return self.both / self.cited_users if self.cited_users else 0.0


class CoOccurrence:
    """Per-item user sets of an interaction dataset; pair statistics on demand."""

    def __init__(self, users_of: list[np.ndarray], num_users: int) -> None:
        """``users_of[i]``: sorted unique user rows of item id ``i`` (index 0 = padding)."""
        self.users_of = users_of
        self.num_users = num_users

    @classmethod
    def from_sequences(cls, sequences: Sequence[Sequence[int]], num_items: int) -> CoOccurrence:
        """Build from per-user item sequences (item ids 1..num_items)."""
        rows = np.concatenate(
            [np.full(len(s), u, dtype=np.int32) for u, s in enumerate(sequences)] or [np.empty(0)]
        ).astype(np.int32)
        items = np.concatenate(
            [np.asarray(s, dtype=np.int32) for s in sequences] or [np.empty(0)]
        ).astype(np.int32)
        order = np.lexsort((rows, items))
        rows, items = rows[order], items[order]
        bounds = np.searchsorted(items, np.arange(num_items + 2))
        users_of = [np.unique(rows[bounds[i] : bounds[i + 1]]) for i in range(num_items + 1)]
        return cls(users_of, len(sequences))

    def count(self, item: int) -> int:
        """Users who watched ``item``."""
        return len(self.users_of[item]) if 0 < item < len(self.users_of) else 0

    def share(self, item: int) -> float:
        """Share of all users who watched ``item``."""
        return self.count(item) / self.num_users if self.num_users else 0.0

    def pair(self, cited: int, item: int) -> PairStats:
        """Co-occurrence of a history item and a recommended item."""
        valid = 0 < cited < len(self.users_of) and 0 < item < len(self.users_of)
        both = (
            len(np.intersect1d(self.users_of[cited], self.users_of[item], assume_unique=True))
            if valid
            else 0
        )
        return PairStats(cited, item, both, self.count(cited), self.count(item), self.num_users)
