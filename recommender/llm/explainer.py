"""Grounded explanations: real evidence, deterministic wording at once, LLM wording streamed.

For each recommended item the evidence (``llm/evidence.py``) is why the model put it there:
the pasted titles whose removal lowers its LLM2SASRec rank most, how much more often their
viewers watched it (lift), what it shares with them and which request constraint it meets.
The deterministic realiser (``llm/realiser.py``) words it at once; the LLM, given the facts of its
strongest ``llm.explain_facts`` phrase kinds as a compact record with short titles
(``prompts/explain_evidence.txt``), may then reword them as it streams: zero-shot, or with the
LoRA adapter trained for it (``llm/finetune_explainer.py``, ``llm.explain_adapter_path``).
An LLM sentence that names a title, year, number, genre or name that is not in the evidence is
dropped (``llm/grounding.py``); the LLM text replaces the deterministic one only once it names a
cited pasted title. If nothing usable is left, or the LLM fails or runs out of time, the
deterministic text stays and the explanation says so (``source == "template"`` and
``reason``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from recommender.data.catalogue import Catalogue, Item
from recommender.llm.backends import BackendError, LLMBackend
from recommender.llm.config import LLMConfig, PromptTemplate, load_prompt
from recommender.llm.constrained import NumberConstraint
from recommender.llm.evidence import (
    Evidence,
    EvidenceBuilder,
    EvidenceConfig,
    ExplainContext,
)
from recommender.llm.grounding import Grounding, TitleMatcher, names_title
from recommender.llm.ranker import as_items
from recommender.llm.realiser import Realiser, short_title

logger = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr vs vol no blvd mt ft lt col gen prof etc aka".split()
)
_COMPLETE = re.compile(r"[.!?][\"')\]]*\s*$")
_WORD = re.compile(r"[\w'&!?-]+")


@dataclass(frozen=True)
class Explanation:
    """One item's explanation (a streamed snapshot until ``done``)."""

    item_id: int
    text: str
    evidence: Evidence
    source: str  # llm | llm_filtered (an unsupported sentence was dropped) | template
    # template only: no_backend | timeout | error | filtered | ungrounded | empty | pending
    reason: str | None = None
    done: bool = True


def _inside_title(text: str, end: int, title: str) -> bool:
    """Whether the punctuation at ``text[end]`` is, or may still become, part of ``title``.

    True when the text up to ``end`` ends with a piece of the title that stops at this
    punctuation and what follows agrees with the rest of the title so far (a streamed answer
    may not have the rest yet: "Tie Me Up! Ti" could still be "Tie Me Up! Tie Me Down!").
    """
    for j, char in enumerate(title[:-1]):  # a title's own final "!" may end the sentence
        if char != text[end] or not text[: end + 1].endswith(title[: j + 1]):
            continue
        rest, expected = text[end + 1 :], title[j + 1 :]
        if rest.startswith(expected) or expected.startswith(rest):
            return True
    return False


def split_sentences(text: str, protected: Sequence[str] = ()) -> list[str]:
    """Complete sentences of ``text`` followed by the unfinished rest (possibly empty).

    No break inside a ``protected`` string (titles such as "Sunset Blvd. (1950)") or after an
    abbreviation or an initial ("Dr.", "a.k.a.", "J.").
    """
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        if any(_inside_title(text, end, title) for title in protected if title):
            continue
        word = re.search(r"([\w.]+)$", text[start:end])
        before = word.group(1).lower() if word else ""
        if text[end] == "." and (before in _ABBREVIATIONS or len(before) == 1 or "." in before):
            continue
        pieces.append(text[start : match.end()].strip())
        start = match.end()
    return [*pieces, text[start:]]


def _overlap(a: str, b: str) -> float:
    """Jaccard overlap of the lower-cased words of two sentences."""
    wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(wa & wb) / max(1, len(wa | wb))


def title_spellings(evidence: Evidence) -> list[str]:
    """How the item and its cited titles may be written (with and without year), longest first."""
    names = set()
    for item in (evidence.item, *evidence.similar):
        names |= TitleMatcher.names(item) | {item.display_title}
    return sorted(names, key=len, reverse=True)


def evidence_sentences(text: str, evidence: Evidence) -> list[str]:
    """The non-empty sentences of ``text``, never broken inside a title of the evidence
    ("Tora! Tora! Tora!", "Sgt. Bilko")."""
    return [s for s in split_sentences(text, title_spellings(evidence)) if s.strip()]


def llm_kinds(realiser: Realiser, evidence: Evidence, max_facts: int) -> list[str]:
    """The phrase kinds the LLM words: the strongest ``max_facts`` of the realiser's plan."""
    return realiser.plan(evidence)[: max(1, max_facts)]


def evidence_prompt(
    template: PromptTemplate, realiser: Realiser, evidence: Evidence, kinds: Sequence[str]
) -> str:
    """The LLM prompt (user turn) for one item: the compact record of ``kinds`` + the ask."""
    facts = "\n".join(realiser.fact_record(evidence, kinds))
    first = short_title(evidence.similar[0]) if evidence.similar else ""
    return template.format(facts=facts, title=short_title(evidence.item), first=first)


def instruction_sentences(template: PromptTemplate, evidence: Evidence) -> list[str]:
    """The prompt's own words without the facts: an answer that repeats them is an echo."""
    text = template.format(facts="", title=short_title(evidence.item), first="")
    return [s for s in split_sentences(text) if s.strip()]


@dataclass
class _Progress:
    """One item's answer while it streams."""

    buffer: str = ""  # text after the last complete sentence
    accepted: list[str] = field(default_factory=list)  # sentences that passed the checks
    dropped: str | None = None  # filtered (an unsupported fact) | ungrounded (no cited title)
    prompt: list[str] = field(default_factory=list)  # the instruction's sentences (echoes dropped)
    finished: bool = False  # the answer ended by itself (not cut off by the limit or the clock)


__all__ = [
    "Evidence",
    "ExplainContext",
    "Explainer",
    "Explanation",
    "TitleMatcher",
    "evidence_prompt",
    "evidence_sentences",
    "llm_kinds",
    "split_sentences",
]


class Explainer:
    """Explains recommended items from real evidence; streams, never states an unsupported fact."""

    def __init__(
        self,
        backend: LLMBackend | None,
        catalogue: Catalogue,
        config: LLMConfig,
        item_vectors: np.ndarray | None = None,
        evidence_builder: EvidenceBuilder | None = None,
        realiser: Realiser | None = None,
    ) -> None:
        """``item_vectors``: (N, dim) L2-normalised text embeddings, row r = item id r + 1, used
        for similarity evidence when no ``evidence_builder`` (with a sequence model) is given."""
        self.backend = backend
        self.catalogue = catalogue
        self.config = config
        self.builder = evidence_builder or EvidenceBuilder(
            item_vectors=item_vectors, config=EvidenceConfig(max_cited=config.evidence_items)
        )
        self.realiser = realiser or Realiser.from_prompt_dir(config.prompt_dir)
        self.grounding = Grounding(catalogue, self.realiser)
        self.matcher = self.grounding.matcher
        self.prompt = load_prompt(config.prompt_dir, "explain_evidence")

    # -- evidence and deterministic wording ----------------------------------------------------

    def evidence(
        self, item: Item, history: Sequence[Item], context: ExplainContext | None = None
    ) -> Evidence:
        """The evidence for one item (``evidences`` does a whole reply in one batch)."""
        return self.builder.build([item], list(history), context)[0]

    def evidences(
        self, items: Sequence[Item], history: Sequence[Item], context: ExplainContext | None = None
    ) -> list[Evidence]:
        return self.builder.build(list(items), list(history), context)

    def template_text(self, evidence: Evidence, seed: int = 0) -> str:
        """The deterministic explanation built from the evidence alone."""
        return self.realiser.realise(evidence, seed)

    def build_prompt(self, evidence: Evidence) -> str:
        """The LLM prompt for one item: the record of its strongest facts (only with evidence:
        else no LLM)."""
        kinds = llm_kinds(self.realiser, evidence, self.config.explain_facts)
        return evidence_prompt(self.prompt, self.realiser, evidence, kinds)

    # -- filtering -------------------------------------------------------------------------------

    def allowed_sentence(self, sentence: str, evidence: Evidence) -> bool:
        """False when the sentence states anything the evidence does not hold: another title,
        a year or number, a genre the item lacks, an unknown name (``llm/grounding.py``)."""
        return not self.grounding.violations(sentence, evidence)

    @staticmethod
    def _titles(evidence: Evidence) -> list[str]:
        """How the item and its evidence may be written: with and without the year."""
        return title_spellings(evidence)

    def grounded_sentence(self, sentence: str, evidence: Evidence) -> bool:
        """True when the sentence names the item or one of its cited items."""
        return any(names_title(sentence, name) for name in self._titles(evidence))

    def _check(self, state: _Progress, sentences: Sequence[str], evidence: Evidence) -> bool:
        """Accept up to two sentences; the first must be grounded. True if text was added."""
        changed = False
        for sentence in sentences:
            sentence = " ".join(sentence.split())
            if not sentence or len(state.accepted) >= 2:
                continue
            if not self.allowed_sentence(sentence, evidence):
                state.dropped = "filtered"
            elif not state.accepted and not self.grounded_sentence(sentence, evidence):
                state.dropped = state.dropped or "ungrounded"
            elif any(_overlap(sentence, seen) > 0.5 for seen in state.accepted + state.prompt):
                continue  # a small model repeating itself or echoing the prompt
            else:
                state.accepted.append(sentence)
                changed = True
        return changed

    # -- explaining ------------------------------------------------------------------------------

    def stream(
        self,
        items: Sequence[Item | int],
        history: Sequence[Item | int],
        context: ExplainContext | None = None,
    ) -> Iterator[list[Explanation]]:
        """Explain ``items`` together; yields the list of all current snapshots on every change.

        The first yield already has the deterministic wording of every item. The LLM answers
        for all items are then generated in one batch, released one checked sentence at a
        time; an item's LLM text replaces its deterministic text once it names a cited pasted
        title. The last yield has ``done`` set on every explanation; ``source``/``reason`` say
        whether the LLM wording was used.
        """
        context = context or ExplainContext()
        history = as_items(self.catalogue, history)
        evidences = self.evidences(as_items(self.catalogue, items), history, context)
        texts = self.realiser.realise_all(evidences, context.seed)
        asked = [i for i, e in enumerate(evidences) if e.similar and self.backend is not None]
        current = []
        for i, (e, text) in enumerate(zip(evidences, texts, strict=True)):
            if i in asked:
                current.append(Explanation(e.item.item_id, text, e, "template", "pending", False))
            else:
                reason = "no_backend" if e.similar else "empty"
                current.append(Explanation(e.item.item_id, text, e, "template", reason))
        yield list(current)
        if not asked:
            return
        prompts = [self.build_prompt(evidences[i]) for i in asked]
        constraints = (
            [NumberConstraint.from_text(p) for p in prompts]
            if self.config.explain_constrained
            else None
        )
        states = {
            i: _Progress(prompt=instruction_sentences(self.prompt, evidences[i])) for i in asked
        }
        failure: str | None = None
        try:
            assert self.backend is not None
            for k, delta in self.backend.stream(
                prompts,
                self.config.max_new_tokens,
                self.config.explain_timeout_s,
                constraints=constraints,
            ):
                i, state = asked[k], states[asked[k]]
                state.finished = state.finished or not delta  # an empty delta: it ended
                if len(state.accepted) >= 2:
                    continue
                state.buffer += delta
                *complete, state.buffer = split_sentences(state.buffer, self._titles(evidences[i]))
                if complete and self._check(state, complete, evidences[i]):
                    text = " ".join(state.accepted)
                    if self.grounding.names_cited(text, evidences[i]):
                        current[i] = replace(current[i], text=text, source="llm")
                        yield list(current)
                if all(len(s.accepted) >= 2 for s in states.values()):
                    break  # every item has its two sentences: stop generating
        except TimeoutError:
            failure = "timeout"
        except BackendError as exc:
            logger.warning("explanation failed, using the deterministic wording: %s", exc)
            failure = "error"
        for i, state in states.items():
            if (failure is None or state.finished) and _COMPLETE.search(state.buffer):
                # the answer's last sentence, unless the token limit or the clock cut it off
                # (an answer that ended by itself before a timeout is complete)
                self._check(state, [state.buffer], evidences[i])
            text = " ".join(state.accepted)
            if state.accepted and self.grounding.names_cited(text, evidences[i]):
                source = "llm_filtered" if state.dropped == "filtered" else "llm"
                current[i] = replace(current[i], text=text, source=source, reason=None, done=True)
            else:
                reason = failure or state.dropped or ("ungrounded" if state.accepted else "empty")
                current[i] = replace(
                    current[i], text=texts[i], source="template", reason=reason, done=True
                )
        yield list(current)

    def explain(
        self,
        items: Sequence[Item | int],
        history: Sequence[Item | int],
        context: ExplainContext | None = None,
    ) -> list[Explanation]:
        """The final explanations of ``items`` (the last snapshot of ``stream``)."""
        final: list[Explanation] = []
        for final in self.stream(items, history, context):  # noqa: B007
            pass
        return final
