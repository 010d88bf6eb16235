"""Interaction sequences and the leave-one-out split used by every model and benchmark."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from recommender.data.catalogue import Catalogue

Stage = Literal["valid", "test"]


@dataclass(frozen=True)
class Dataset:
    """A catalogue plus one time-ordered item sequence per user (dense item ids, 1..N).

    ``sequences[u]`` is user ``u``'s history after the single-pass >= ``min_count`` filter,
    sorted stably by timestamp (ties keep the source order).
    """

    name: str
    catalogue: Catalogue
    user_ids: list[str]  # raw user id of user index u
    sequences: list[list[int]]  # (U, variable) item ids in time order
    timestamps: list[list[int]]  # same shape as sequences, unix seconds

    @property
    def num_users(self) -> int:
        return len(self.sequences)

    @property
    def num_items(self) -> int:
        return self.catalogue.num_items

    @property
    def num_interactions(self) -> int:
        return sum(len(s) for s in self.sequences)

    @cached_property
    def split(self) -> LeaveOneOut:
        return LeaveOneOut.from_sequences(self.sequences)


@dataclass(frozen=True)
class LeaveOneOut:
    """Leave-one-out: the last item is test, the one before it validation, the rest train.

    Users with fewer than 3 interactions keep everything in train and have no targets
    (they never exist after a >= 5 filter, but BYO data may have them).
    """

    train: list[list[int]]  # seq[:-2] per user (the whole seq if it is shorter than 3)
    valid_users: list[int]  # user indices that have a validation target
    valid_targets: list[int]  # seq[-2]
    test_users: list[int]
    test_targets: list[int]  # seq[-1]
    sequences: list[list[int]]

    @classmethod
    def from_sequences(cls, sequences: list[list[int]]) -> LeaveOneOut:
        train, vu, vt, tu, tt = [], [], [], [], []
        for user, seq in enumerate(sequences):
            if len(seq) < 3:
                train.append(list(seq))
                continue
            train.append(list(seq[:-2]))
            vu.append(user)
            vt.append(seq[-2])
            tu.append(user)
            tt.append(seq[-1])
        return cls(train, vu, vt, tu, tt, sequences)

    def history(self, user: int, stage: Stage) -> list[int]:
        """What a model may see when predicting ``stage``: seq[:-2] for valid, seq[:-1] for test."""
        seq = self.sequences[user]
        return list(seq[:-2]) if stage == "valid" else list(seq[:-1])

    def cases(self, stage: Stage) -> tuple[list[list[int]], list[int]]:
        """(histories, targets) for every user of ``stage``."""
        users = self.valid_users if stage == "valid" else self.test_users
        targets = self.valid_targets if stage == "valid" else self.test_targets
        return [self.history(u, stage) for u in users], list(targets)
