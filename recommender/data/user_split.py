"""The new-user split: whole users held out, evaluated on short truncated histories.

The app's users are people the model never saw, pasting a handful of titles. To measure that
regime a share of the users is held out *entirely* (none of their interactions is trained,
tuned or distilled on); the models train on the remaining users' full sequences. A held-out
user is evaluated on their last item, with the ``L`` items before it as the pasted history.
A second, disjoint set of held-out users is the validation set (early stopping, tuning).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recommender.data.dataset import Dataset


@dataclass(frozen=True)
class UserSplit:
    """User indices in three disjoint, sorted parts: train, validation and test users."""

    train: tuple[int, ...]  # users whose full sequences are trained on
    valid: tuple[int, ...]  # held-out users for early stopping and tuning
    test: tuple[int, ...]  # held-out users that are only ever evaluated
    seed: int  # the seed of the permutation that drew the parts

    @classmethod
    def draw(
        cls, num_users: int, test_fraction: float = 0.1, valid_fraction: float = 0.05, seed: int = 0
    ) -> UserSplit:
        """A seeded random partition: ``round(fraction * num_users)`` test and validation users.

        The same arguments always give the same split.
        """
        if not (0 < test_fraction and 0 < valid_fraction and test_fraction + valid_fraction < 1):
            raise ValueError("need 0 < test_fraction, 0 < valid_fraction and their sum < 1")
        num_test = round(test_fraction * num_users)
        num_valid = round(valid_fraction * num_users)
        if num_test < 1 or num_valid < 1 or num_test + num_valid >= num_users:
            raise ValueError(
                f"{num_users} users are too few for {num_test} test and {num_valid} "
                "validation users and at least one training user"
            )
        order = np.random.default_rng(seed).permutation(num_users)  # (U,)
        test = order[:num_test]
        valid = order[num_test : num_test + num_valid]
        train = order[num_test + num_valid :]
        return cls(
            train=tuple(sorted(int(u) for u in train)),
            valid=tuple(sorted(int(u) for u in valid)),
            test=tuple(sorted(int(u) for u in test)),
            seed=seed,
        )

    def digest(self) -> str:
        """A short fingerprint of the three parts (12 hex of sha256), stored with every result."""
        text = json.dumps({"train": self.train, "valid": self.valid, "test": self.test})
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def restrict(dataset: Dataset, users: Sequence[int]) -> Dataset:
    """The same catalogue with only ``users`` (in the given order); nothing else is copied."""
    return Dataset(
        name=dataset.name,
        catalogue=dataset.catalogue,
        user_ids=[dataset.user_ids[u] for u in users],
        sequences=[list(dataset.sequences[u]) for u in users],
        timestamps=[list(dataset.timestamps[u]) for u in users],
    )


@dataclass(frozen=True)
class TruncatedCases:
    """Each held-out user's last item and exactly the ``length`` items before it."""

    length: int  # L: items in every history
    users: list[int]  # user indices with at least L + 1 items, in the order given
    histories: list[list[int]]  # (cases, L) the L items before the target, in time order
    targets: list[int]  # (cases,) the user's last item

    def shuffled(self, seed: int) -> list[list[int]]:
        """The same histories with their order permuted (one seeded generator for all cases)."""
        rng = np.random.default_rng(seed)
        return [[h[i] for i in rng.permutation(len(h))] for h in self.histories]


def truncated_cases(dataset: Dataset, users: Sequence[int], length: int) -> TruncatedCases:
    """Cases for ``users`` with a history of exactly ``length`` items (users with fewer: left out).

    The target is the user's last item; the history is the ``length`` items just before it.
    """
    if length < 1:
        raise ValueError("length must be at least 1")
    kept, histories, targets = [], [], []
    for user in users:
        seq = dataset.sequences[user]
        if len(seq) < length + 1:
            continue
        kept.append(int(user))
        histories.append(list(seq[-length - 1 : -1]))
        targets.append(int(seq[-1]))
    return TruncatedCases(length, kept, histories, targets)
