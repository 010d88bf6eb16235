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
from dataclasses import dataclass, replace

import numpy as np

from recommender.data.catalogue import Catalogue, Item, natural_title
from recommender.llm.backends import BackendError, LLMBackend
from recommender.llm.config import LLMConfig, load_prompt

logger = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
_COMPLETE = re.compile(r"[.!?][\"')\]]*\s*$")
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
    source: str  # llm | llm_filtered (a sentence was dropped) | template
    reason: str | None = None  # template only: no_backend | timeout | error | filtered | empty
    done: bool = True


def _join_titles(titles: Sequence[str]) -> str:
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


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
        """False when the sentence names a catalogue title other than the item and evidence."""
        allowed = {evidence.item.item_id, *(h.item_id for h in evidence.similar)}
        return not (self.matcher.find(sentence) - allowed)

    # -- explaining ------------------------------------------------------------------------------

    def _fallback(self, evidence: Evidence, reason: str) -> Explanation:
        return Explanation(
            evidence.item.item_id, self.template_text(evidence), evidence, "template", reason
        )

    def stream(self, items: Sequence[Item], history: Sequence[Item]) -> Iterator[list[Explanation]]:
        """Explain ``items`` together; yields the list of all current snapshots on every change.

        Text is released one checked sentence at a time (a sentence is only shown after the
        title filter has passed it). The last yield has ``done`` set on every explanation.
        """
        evidences = [self.evidence(item, history) for item in items]
        current = [Explanation(e.item.item_id, "", e, "llm", done=False) for e in evidences]
        asked = [i for i, e in enumerate(evidences) if e.similar and self.backend is not None]
        for i, e in enumerate(evidences):
            if i not in asked:
                current[i] = self._fallback(e, "no_backend" if e.similar else "empty")
        yield list(current)
        if not asked:
            return
        buffers = {i: "" for i in asked}
        accepted: dict[int, list[str]] = {i: [] for i in asked}
        dropped = dict.fromkeys(asked, False)
        failure: str | None = None
        prompts = [self.build_prompt(evidences[i]) for i in asked]
        try:
            assert self.backend is not None
            for k, delta in self.backend.stream(
                prompts, self.config.max_new_tokens, self.config.explain_timeout_s
            ):
                i = asked[k]
                if len(accepted[i]) >= 2:
                    continue
                buffers[i] += delta
                parts = _SENTENCE_END.split(buffers[i])
                if len(parts) == 1:
                    continue
                *complete, buffers[i] = parts
                changed = self._accept(i, complete, evidences[i], accepted, dropped)
                if changed:
                    current[i] = replace(current[i], text=" ".join(accepted[i]))
                    yield list(current)
                if all(len(accepted[j]) >= 2 for j in asked):
                    break  # every item has its two sentences: stop generating
        except TimeoutError:
            failure = "timeout"
        except BackendError as exc:
            logger.warning("explanation failed, using templates: %s", exc)
            failure = "error"
        for i in asked:
            if failure is None and _COMPLETE.search(buffers[i]) and len(accepted[i]) < 2:
                # the answer's last sentence, unless cut off by the token limit
                self._accept(i, [buffers[i]], evidences[i], accepted, dropped)
            if accepted[i]:
                source = "llm_filtered" if dropped[i] else "llm"
                current[i] = replace(
                    current[i], text=" ".join(accepted[i]), source=source, done=True
                )
            else:
                reason = failure or ("filtered" if dropped[i] else "empty")
                current[i] = self._fallback(evidences[i], reason)
        yield list(current)

    def _accept(
        self,
        i: int,
        sentences: Sequence[str],
        evidence: Evidence,
        accepted: dict[int, list[str]],
        dropped: dict[int, bool],
    ) -> bool:
        changed = False
        for sentence in sentences:
            sentence = " ".join(sentence.split())
            if not sentence or len(accepted[i]) >= 2:
                continue
            if self.allowed_sentence(sentence, evidence):
                accepted[i].append(sentence)
                changed = True
            else:
                dropped[i] = True
        return changed

    def explain(self, items: Sequence[Item], history: Sequence[Item]) -> list[Explanation]:
        """The final explanations of ``items`` (the last snapshot of ``stream``)."""
        final: list[Explanation] = []
        for final in self.stream(items, history):  # noqa: B007
            pass
        return final
