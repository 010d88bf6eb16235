"""Grounded explanations: evidence from the user's history, LLM wording, a title filter.

For each recommended item the evidence is the history items most similar to it (cosine of
the item text embeddings; genre overlap when no embeddings are given) and the genres it shares
with them. The LLM writes one or two sentences that may name only the item and its evidence
items. Any sentence naming another catalogue title is dropped; if nothing is left, or the LLM
fails or runs out of time, a deterministic template built from the same evidence is used and
the explanation says so (``source == "template"`` and ``reason``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from recommender.data.catalogue import Catalogue, Item, natural_title
from recommender.llm.backends import BackendError, LLMBackend
from recommender.llm.config import LLMConfig, load_prompt
from recommender.llm.ranker import as_items

logger = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr vs vol no blvd mt ft lt col gen prof etc aka".split()
)
_COMPLETE = re.compile(r"[.!?][\"')\]]*\s*$")
_YEAR = re.compile(r"\b(?:18|19|20)\d\d\b")  # a year the model may have invented
_WORD = re.compile(r"[\w'&!?-]+")


@dataclass(frozen=True)
class Evidence:
    """Why an item fits a user: similar history items and shared genres."""

    item: Item
    similar: tuple[Item, ...]  # history items most similar to ``item``, most similar first
    similarities: tuple[float, ...]  # their cosine (or genre Jaccard) similarities
    shared_genres: tuple[str, ...]  # genres of ``item`` that the similar items also have


@dataclass(frozen=True)
class Explanation:
    """One item's explanation (a streamed snapshot until ``done``)."""

    item_id: int
    text: str
    evidence: Evidence
    source: str  # llm | llm_filtered (a sentence naming another title was dropped) | template
    # template only: no_backend | timeout | error | filtered | ungrounded | empty
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


def _join_titles(titles: Sequence[str]) -> str:
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


@dataclass
class _Progress:
    """One item's answer while it streams."""

    buffer: str = ""  # text after the last complete sentence
    accepted: list[str] = field(default_factory=list)  # sentences that passed the checks
    dropped: str | None = None  # filtered (named another title) | ungrounded (named nothing)
    prompt: list[str] = field(default_factory=list)  # the prompt's sentences (echoes are dropped)


class TitleMatcher:
    """Finds catalogue titles named in a text (case-sensitive, whole words).

    Titles are matched as users and models write them ("The Matrix", also with its year); a
    one-word title of four letters or fewer ("Heat", "Big") counts only with its year, since
    such words occur in ordinary sentences.
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for item in catalogue:
            for name in self._names(item):
                words = tuple(_WORD.findall(name))
                if not words:
                    continue
                if len(words) == 1 and len(words[0]) <= 4 and not name.endswith(")"):
                    continue
                self._by_first.setdefault(words[0], []).append((words, item.item_id))

    @staticmethod
    def _names(item: Item) -> set[str]:
        main = re.sub(r"\s*\([^)]*\)\s*$", "", item.title).strip()  # "(a.k.a. ...)" suffixes
        names = {natural_title(item.title), natural_title(main)}
        if item.year:
            names |= {f"{n} ({item.year})" for n in list(names)}
        return {n for n in names if n}

    def find(self, text: str) -> set[int]:
        """Ids of the catalogue items whose titles occur in ``text``."""
        words = _WORD.findall(text)
        found: set[int] = set()
        for start, word in enumerate(words):
            for title_words, item_id in self._by_first.get(word, ()):
                if tuple(words[start : start + len(title_words)]) == title_words:
                    found.add(item_id)
        return found


class Explainer:
    """Explains recommended items from the user's history; streams, never invents titles."""

    def __init__(
        self,
        backend: LLMBackend | None,
        catalogue: Catalogue,
        config: LLMConfig,
        item_vectors: np.ndarray | None = None,
    ) -> None:
        """``item_vectors``: (N, dim) L2-normalised text embeddings, row r = item id r + 1."""
        self.backend = backend
        self.catalogue = catalogue
        self.config = config
        self.item_vectors = item_vectors
        self.matcher = TitleMatcher(catalogue)
        load = lambda name: load_prompt(config.prompt_dir, name)  # noqa: E731
        self.prompt = load("explain")
        self.prompt_genres = load("explain_genre_clause")
        self.template = load("explain_template")
        self.template_genres = load("explain_template_genres")
        self.template_cold = load("explain_template_cold")

    # -- evidence ------------------------------------------------------------------------------

    def evidence(self, item: Item, history: Sequence[Item]) -> Evidence:
        """The ``config.evidence_items`` history items most similar to ``item``."""
        pool = [h for h in dict.fromkeys(history) if h.item_id != item.item_id]
        if not pool:
            return Evidence(item, (), (), ())
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
        chosen = order[: self.config.evidence_items]
        similar = tuple(pool[i] for i in chosen)
        their_genres = {g for h in similar for g in h.genres}
        shared = tuple(g for g in item.genres if g in their_genres)
        return Evidence(item, similar, tuple(float(sims[i]) for i in chosen), shared)

    def template_text(self, evidence: Evidence) -> str:
        """The deterministic explanation built from the evidence alone."""
        if not evidence.similar:
            return self.template_cold.format(title=evidence.item.display_title)
        genres = (
            self.template_genres.format(genres=_join_titles([g for g in evidence.shared_genres]))
            if evidence.shared_genres
            else ""
        )
        return self.template.format(
            evidence_titles=_join_titles([h.display_title for h in evidence.similar]),
            genre_clause=genres,
            title=evidence.item.display_title,
        )

    def build_prompt(self, evidence: Evidence) -> str:
        """The LLM prompt for one item (only with evidence: otherwise the template is used)."""
        genres = (
            self.prompt_genres.format(genres=", ".join(evidence.shared_genres))
            if evidence.shared_genres
            else ""
        )
        return self.prompt.format(
            title=evidence.item.display_title,
            evidence_titles=_join_titles([h.display_title for h in evidence.similar]),
            genre_clause=genres,
        )

    # -- filtering -------------------------------------------------------------------------------

    def allowed_sentence(self, sentence: str, evidence: Evidence) -> bool:
        """False when the sentence names a catalogue title other than the item and evidence,
        or a year that none of them has ("From Dusk Till Dawn (1985)" for a 1996 film)."""
        allowed = {evidence.item.item_id, *(h.item_id for h in evidence.similar)}
        if self.matcher.find(sentence) - allowed:
            return False
        years = {str(i.year) for i in (evidence.item, *evidence.similar) if i.year}
        return set(_YEAR.findall(sentence)) <= years

    @staticmethod
    def _titles(evidence: Evidence) -> list[str]:
        """How the item and its evidence may be written: with and without the year."""
        names = []
        for item in (evidence.item, *evidence.similar):
            names += [item.display_title, natural_title(item.title)]
        return sorted(set(names), key=len, reverse=True)

    def grounded_sentence(self, sentence: str, evidence: Evidence) -> bool:
        """True when the sentence names the item or one of its evidence items."""
        return any(name in sentence for name in self._titles(evidence))

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

    def _fallback(self, evidence: Evidence, reason: str) -> Explanation:
        return Explanation(
            evidence.item.item_id, self.template_text(evidence), evidence, "template", reason
        )

    def stream(
        self, items: Sequence[Item | int], history: Sequence[Item | int]
    ) -> Iterator[list[Explanation]]:
        """Explain ``items`` together; yields the list of all current snapshots on every change.

        The LLM answers for all items are generated in one batch. Text is released one checked
        sentence at a time: a sentence is shown only after the title filter has passed it, and
        the first shown sentence must name the item or an evidence item. The last yield has
        ``done`` set on every explanation; ``source``/``reason`` say whether the LLM was used.
        """
        history = as_items(self.catalogue, history)
        evidences = [self.evidence(item, history) for item in as_items(self.catalogue, items)]
        current = [Explanation(e.item.item_id, "", e, "llm", done=False) for e in evidences]
        asked = [i for i, e in enumerate(evidences) if e.similar and self.backend is not None]
        for i, e in enumerate(evidences):
            if i not in asked:
                current[i] = self._fallback(e, "no_backend" if e.similar else "empty")
        yield list(current)
        if not asked:
            return
        prompts = [self.build_prompt(evidences[i]) for i in asked]
        states = {
            i: _Progress(prompt=[p for p in split_sentences(prompt) if p.strip()])
            for i, prompt in zip(asked, prompts, strict=True)
        }
        failure: str | None = None
        try:
            assert self.backend is not None
            for k, delta in self.backend.stream(
                prompts, self.config.max_new_tokens, self.config.explain_timeout_s
            ):
                i, state = asked[k], states[asked[k]]
                if len(state.accepted) >= 2:
                    continue
                state.buffer += delta
                *complete, state.buffer = split_sentences(state.buffer, self._titles(evidences[i]))
                if complete and self._check(state, complete, evidences[i]):
                    current[i] = replace(current[i], text=" ".join(state.accepted))
                    yield list(current)
                if all(len(s.accepted) >= 2 for s in states.values()):
                    break  # every item has its two sentences: stop generating
        except TimeoutError:
            failure = "timeout"
        except BackendError as exc:
            logger.warning("explanation failed, using templates: %s", exc)
            failure = "error"
        for i, state in states.items():
            if failure is None and _COMPLETE.search(state.buffer):
                # the answer's last sentence, unless the token limit cut it off
                self._check(state, [state.buffer], evidences[i])
            if state.accepted:
                source = "llm_filtered" if state.dropped == "filtered" else "llm"
                text = " ".join(state.accepted)
                current[i] = replace(current[i], text=text, source=source, done=True)
            else:
                current[i] = self._fallback(evidences[i], failure or state.dropped or "empty")
        yield list(current)

    def explain(
        self, items: Sequence[Item | int], history: Sequence[Item | int]
    ) -> list[Explanation]:
        """The final explanations of ``items`` (the last snapshot of ``stream``)."""
        final: list[Explanation] = []
        for final in self.stream(items, history):  # noqa: B007
            pass
        return final
