"""Constrained decoding of numbers: the LLM realiser may only write numbers its facts hold.

A 135M model copies titles well but numbers badly ("#13" for "#12", "#19" for "#39"): most
explanations the grounding filter dropped had one rank copied wrongly. A ``NumberConstraint``
is built from the prompt (the fact record) and consulted before every generated token:

- a rank ("#" and digits) must be one of the record's ranks, each used at most as often as the
  record has it (so "from #3 to #3" cannot be written when the record says #3 and #39);
- any other number must be one of the record's numbers ("2.3", "1,901", "37", a title's "7");
- once a number has started it must be finished as one of those, and a "#" needs a rank left.

It works on characters, so any tokenizer whose digits are single tokens can apply it
(``LocalBackend.stream``). It only narrows what the model may write; the grounding filter
(``llm/grounding.py``) still checks every sentence, including which title a rank belongs to.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_RANK = re.compile(r"#(\d[\d,]*\d|\d)")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_TRAILING = re.compile(r"(#?)(\d[\d,.]*)$")
NUMBER_CHARS = frozenset("0123456789,.")


@dataclass(frozen=True)
class Step:
    """What may come next: these number characters, and whether other text (``other``) and a
    "#" (``hash``) may."""

    chars: frozenset[str]
    other: bool
    hash: bool


@dataclass(frozen=True)
class NumberConstraint:
    """The numbers one answer may contain (see the module docstring)."""

    ranks: tuple[str, ...]  # every "#N" of the facts, with repeats, as written ("1,234")
    numbers: frozenset[str]  # every number of the facts (ranks included)

    @classmethod
    def from_text(cls, facts: str) -> NumberConstraint:
        """The constraint of a prompt: its ranks and numbers."""
        numbers = {n.rstrip(".,") for n in _NUMBER.findall(facts)}
        return cls(tuple(_RANK.findall(facts)), frozenset(numbers))

    def ranks_left(self, text: str) -> Counter[str]:
        """The ranks ``text`` has not used yet (a rank still being written counts as unused)."""
        left = Counter(self.ranks)
        complete = text if not _TRAILING.search(text) else text[: _TRAILING.search(text).start()]
        for rank in _RANK.findall(complete):
            left[rank] -= 1
        return +left

    def step(self, text: str) -> Step:
        """What may follow ``text`` (the answer so far)."""
        ranks = self.ranks_left(text)
        if text.endswith("#"):
            return Step(_next_chars("", ranks), other=False, hash=False)
        trailing = _TRAILING.search(text)
        if trailing is None:  # between numbers: start one that the facts hold
            starts = frozenset(n[0] for n in self.numbers)
            return Step(starts, other=True, hash=bool(ranks))
        allowed = ranks if trailing.group(1) else self.numbers
        written = trailing.group(2)
        # "#12," or "2.3." may be a finished number followed by punctuation
        finished = written in allowed or (written[-1] in ",." and written[:-1] in allowed)
        return Step(_next_chars(written, allowed), other=finished, hash=finished and bool(ranks))


def _next_chars(written: str, allowed) -> frozenset[str]:
    """The characters that continue ``written`` towards one of ``allowed``."""
    return frozenset(
        n[len(written)]
        for n in allowed
        if len(n) > len(written) and n.startswith(written) and n[len(written)] in NUMBER_CHARS
    )


__all__ = ["NUMBER_CHARS", "NumberConstraint", "Step"]
