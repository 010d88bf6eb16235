"""One chat turn: ``step(state, message, deps) -> (state, reply)``.

The single path used by the UI, the API, the tests and the benchmarks::

    understand  history paste -> catalogue items; message -> constraints / feedback
    retrieve    LLM2SASRec + Chroma (request, session, anchors) + popularity, filtered
    rank        candidate-constrained LLM ranking (label logits), retrieval order on failure
    explain     grounded explanations, streamed; templates when the LLM fails or is slow

``step_stream`` yields growing snapshots of the reply (first the items, then explanations)
for a streamed UI; ``step`` returns the last one. Neither mutates the state it is given, and
nothing here is shared between sessions: everything per-user lives in ``SessionState``.
"""

from __future__ import annotations

import concurrent.futures
import logging
import re
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from recommender.config import ChatConfig
from recommender.conversation.compare import Together, compare
from recommender.conversation.history_parser import (
    AmbiguousLine,
    HistoryParse,
    TitleMatcher,
    UnmatchedLine,
    parse_history,
    reads_as_prose,
)
from recommender.conversation.message_split import (
    SURE_TITLE,
    is_request,
    split_message,
    title_shaped,
)
from recommender.conversation.namesakes import settle_namesakes, unsettled_options
from recommender.conversation.newer_titles import NewerTitle, missing_films, newer_title
from recommender.conversation.pick_summary import ORDERS, order_picks, summarise_picks
from recommender.conversation.request_parser import (
    LIGHT_PREFER,
    ParsedRequest,
    apply_request,
    looks_like_instructions,
    parse_request,
    series_films,
    titles_with_words,
    year_bounds,
)
from recommender.conversation.request_text import describe_request
from recommender.conversation.request_words import FILLER_WORDS
from recommender.conversation.sequels import sequel_ids, series_ids, series_of
from recommender.conversation.series_lines import expand_series_lines
from recommender.conversation.state import Constraints, SessionState
from recommender.conversation.subject_requests import (
    films_asked,
    listed_only_films,
    on_most_lists,
    searched_words,
    subject_lists,
)
from recommender.conversation.subjects import (
    has_other_language_name,
    people_of,
    subject,
    subject_films,
)
from recommender.conversation.verdict_words import CRITICISM
from recommender.conversation.vocabulary import english_words, quotable
from recommender.conversation.why_not import ruled_out, unknown_title_note
from recommender.data.catalogue import Catalogue, Item
from recommender.llm.evidence import ExplainContext, request_ranks
from recommender.retrieval.candidates import Candidate, CandidateSet, RetrievalQuery
from recommender.retrieval.vectorstore import ItemFilter
from recommender.wording import (
    MOVIE_WORDS,
    CatalogueWords,
    cut_at_word,
    join_words,
    md,
    year_span,
)

log = logging.getLogger(__name__)

ReplyKind = Literal["recommendations", "question", "notice", "explanation"]

# "I watched Heat, Fargo and Alien" / "my history: ..." -> the rest is a history paste


class Retriever(Protocol):
    def retrieve(self, query: RetrievalQuery) -> CandidateSet: ...


class Ranker(Protocol):
    def rank(self, history: Sequence[Item], candidates: Sequence[Candidate], request: str = ""):
        """Returns a ``Ranking``: ``item_ids`` (a permutation of the candidates), ``method``."""


class ExplanationStream(Protocol):
    def stream(
        self, items: Sequence[Item], history: Sequence[Item], context: ExplainContext | None = None
    ) -> Iterator[list[Any]]:
        """Snapshots of ``Explanation``s (``text``, ``source``, ``done``, ``evidence``)."""


@dataclass
class Deps:
    """Everything a turn needs, built once at start-up and shared read-only by all sessions."""

    catalogue: Catalogue
    retriever: Retriever
    explainer: ExplanationStream
    ranker: Ranker | None = None
    config: ChatConfig = field(default_factory=ChatConfig)
    pool: concurrent.futures.ThreadPoolExecutor = field(
        default_factory=lambda: concurrent.futures.ThreadPoolExecutor(4, "sequel-rank")
    )
    words: CatalogueWords = MOVIE_WORDS  # "watched" movies or "bought" products, in replies
    matcher: TitleMatcher = field(init=False)  # title index shared by both parsers

    def __post_init__(self) -> None:
        self.matcher = TitleMatcher(self.catalogue)
        english_words()  # read once here (~0.1 s), not in the first user's turn


@dataclass
class Card:
    item_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    explanation: str = ""
    explanation_source: str = "pending"  # llm | llm_filtered | template | pending
    # template only: why the LLM wording was not used (timeout, filtered, ...; Explanation.reason)
    explanation_reason: str | None = None
    because: tuple[str, ...] = ()  # history titles cited as evidence
    provenance: tuple[str, ...] = ()  # retrieval sources that proposed it
    evidence: dict[str, Any] | None = None  # structured evidence (Evidence.to_json())

    def to_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "title": self.title,
            "year": self.year,
            "genres": list(self.genres),
            "explanation": self.explanation,
            "evidence": self.evidence,
        }


@dataclass
class Reply:
    kind: ReplyKind
    text: str  # markdown for the chat bubble
    cards: list[Card] = field(default_factory=list)
    matched_history: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trace: dict[str, Any] = field(default_factory=dict)
    done: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "items": [card.to_json() for card in self.cards],
            "matched_history": list(self.matched_history),
            "unmatched": list(self.unmatched),
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------------------ understanding


def _safe_line(text: str) -> str:
    """A pasted line shown back to the user: instruction-like text is never echoed."""
    if looks_like_instructions(text):
        return "(a line that looked like instructions was ignored)"
    return text


def _read_history(
    paste: str | bytes, deps: Deps, reply: Reply, state: SessionState | None = None
) -> HistoryParse | None:
    size = len(paste.encode("utf-8", "replace")) if isinstance(paste, str) else len(paste)
    if size > deps.config.max_paste_bytes:
        limit = deps.config.max_paste_bytes // 1_000_000
        reply.notes.append(f"That paste is too large ({size:,} bytes); the limit is {limit} MB.")
        return None
    parsed = _titles_in(paste, deps)
    _report_history(parsed, deps, reply, state)
    return parsed


def _titles_in(text: str | bytes, deps: Deps) -> HistoryParse:
    """A paste or a list typed in the chat, read as titles: one film of several names settled
    on the most watched where it dominates, a series line ("Toy Story 1&2") as its films."""
    parsed = parse_history(text, deps.catalogue, matcher=deps.matcher)
    parsed = settle_namesakes(
        parsed,
        deps.catalogue,
        lambda ids: _viewers(deps, ids),
        lambda line: _newer(line, deps.catalogue) is not None,
    )
    return expand_series_lines(parsed, deps.catalogue, deps.matcher)


def _take_verdicts(parsed: HistoryParse, state: SessionState, reply: Reply) -> None:
    """ "Alien - hated it", "Fargo (loved it)": what the user typed of a film marks it, and a
    film they disliked no longer steers the picks (it stays watched)."""
    said = {"liked": [], "disliked": []}
    for line in parsed.matched:
        if line.verdict == "liked":
            state.mark_liked(line.item_id)
        elif line.verdict == "disliked":
            state.mark_disliked(line.item_id)
        if line.verdict:
            said[line.verdict].append(md(line.title))
    if said["disliked"]:
        reply.notes.append(
            f"You didn't like {_some(said['disliked'])}, so "
            f"{'it doesn' if len(said['disliked']) == 1 else 'they don'}'t steer the picks."
        )
    if said["liked"]:
        reply.notes.append(f"Marked as liked from your remarks: {_some(said['liked'])}.")


SHOWN_VERDICTS = 5  # a rated export's verdicts are named up to this many, then counted


def _some(titles: Sequence[str]) -> str:
    """ "A, B and C" or "A, B, C, D, E and 81 more": a rated export may judge hundreds."""
    if len(titles) <= SHOWN_VERDICTS:
        return join_words(list(titles))  # "Fargo (1996) and Titanic (1997)"
    return f"{', '.join(titles[:SHOWN_VERDICTS])} and {len(titles) - SHOWN_VERDICTS} more"


def _report_history(
    parsed: HistoryParse, deps: Deps, reply: Reply, state: SessionState | None = None
) -> None:
    """What the parser matched and could not match, for the reply (instructions not echoed).
    A line that names a well-known film the catalogue lacks ("Inception") is said as such,
    and its genres lean the picks of ``state`` (``Constraints.outside_anchors``)."""
    reply.notes.extend(parsed.notes)
    reply.matched_history.extend(m.title for m in parsed.matched)
    shown = deps.config.shown_unmatched
    newer = _newer_lines(parsed, deps.catalogue)
    if newer:
        newest, _ = year_bounds(deps.catalogue)
        reply.notes.append(
            f"Not in the catalogue: {missing_films(newer, newest)}. I can't recommend from "
            "them as titles, so their genres lean your picks."
        )
        if state is not None:
            c = state.constraints
            c.outside_anchors += [
                f.display_title for f in newer if f.display_title not in c.outside_anchors
            ]
    unmatched = [_safe_line(u.text) for u in parsed.unmatched if not _newer(u, deps.catalogue)]
    ambiguous = [
        f"{_safe_line(a.text)} (did you mean {' or '.join(a.option_titles[:3])}?)"
        for a in parsed.ambiguous
        if not _newer(a, deps.catalogue)
    ]
    reply.unmatched.extend(unmatched + ambiguous)
    if len(reply.unmatched) > shown:
        reply.notes.append(f"{len(reply.unmatched) - shown} more lines could not be matched.")
        del reply.unmatched[shown:]


def _newer_line(text: str, catalogue: Catalogue) -> NewerTitle | None:
    """The well-known film a pasted line names that the catalogue lacks ("Inception",
    "Parasite (2019) - loved it"), None for anything else or a film turned down."""
    if re.search(rf"\b(?:{CRITICISM}|hated|disliked)\b", text, re.IGNORECASE):
        return None  # "Inception - boring": no lean towards it
    for reading in (text, re.split(r"\s+[-–—|]\s+|\s*[,;]\s*|\s+\(\D", text)[0]):
        found = newer_title(reading.strip(), catalogue)
        if found is not None:
            return found
    return None


def _newer(line: UnmatchedLine | AmbiguousLine, catalogue: Catalogue) -> NewerTitle | None:
    """:func:`_newer_line` of a line, or of the name an export's other columns give it (its
    original title and year: "Der Herr der Ringe: Die Gefährten" is The Fellowship of the
    Ring, 2001, not the catalogue's Lord of the Rings of 1978)."""
    found = _newer_line(line.text, catalogue)
    if found is None and line.named_as:
        found = _newer_line(line.named_as, catalogue)
    return found


def _newer_lines(parsed: HistoryParse, catalogue: Catalogue) -> list[NewerTitle]:
    """The films the catalogue lacks that unmatched lines name, and lines whose year rules
    out every film of that name here ("Parasite (2019)": the catalogue's is from 1982)."""
    found = (_newer(line, catalogue) for line in [*parsed.unmatched, *parsed.ambiguous])
    return list({f.display_title: f for f in found if f is not None}.values())


MAX_SERIES_HISTORY = 30  # "I'm a Star Trek fan": at most this many of its films join the history


def _whole_series(parsed: HistoryParse, liked: bool, deps: Deps) -> list[int]:
    """ "I'm a Star Trek fan", "I love the Alien films": one liked line that names a series
    (films of different names that share it), so all of them; [] for one name of several films
    ("Titanic" (1997) or (1953): the caller asks which)."""
    if not liked or len(parsed.ambiguous) != 1 or parsed.matched or parsed.unmatched:
        return []
    names = {re.sub(r"\s*\((?:18|19|20)\d\d\)$", "", o) for o in parsed.ambiguous[0].option_titles}
    if len(names) < 2:
        return []
    return series_films(deps.catalogue, parsed.ambiguous[0].text, limit=MAX_SERIES_HISTORY)


def _all_names(parsed: HistoryParse, deps: Deps) -> bool:
    """Every line the parser could not match is written like a title ("Inception", "The Dark
    Knight"), not like a wish ("dark gritty thrillers", "Tom Hanks")."""
    return bool(parsed.unmatched) and all(
        title_shaped(line.text, deps.catalogue, deps.matcher) for line in parsed.unmatched
    )


def _only_asks_for_more(request: str, deps: Deps) -> bool:
    """ "what else?", "any ideas?": a request for picks that says nothing about them."""
    if not request.strip():
        return False
    parsed = parse_request(request, deps.catalogue, matcher=deps.matcher)
    return parsed.action == "recommend" and parsed.constraints.is_empty()


def _quoted(names: Sequence[str]) -> str:
    """ "“A”", "“A” or “B”", "“A”, “B” or “C”": the user's own lines, as text."""
    return join_words([f"“{md(name)}”" for name in names], "or")


def _constraint_summary(c: Constraints, catalogue: Catalogue | None = None) -> list[str]:
    parts = []
    if c.anchors and catalogue is not None:
        titles = [catalogue.get(a).display_title for a in c.anchors[:3]]
        parts.append(("a blend of " if c.blend else "like ") + " and ".join(titles))
    outside = _outside(c, catalogue) if catalogue is not None else []
    if outside:  # "like Inception (2010)": from the app's own table, never the state's text
        parts.append("like " + join_words([f.display_title for f in outside]) + " (by genre)")
    if c.avoid and catalogue is not None:
        titles = [catalogue.get(a).display_title for a in c.avoid[:2]]
        more = f" or {len(c.avoid) - 2} more" if len(c.avoid) > 2 else ""
        parts.append("nothing like " + " or ".join(titles) + more)
    if c.include_genres:
        parts.append((" or " if c.genre_mode == "any" else " + ").join(c.include_genres))
    if c.exclude_genres:
        parts.append("no " + ", ".join(c.exclude_genres))
    for together in c.exclude_genre_sets:
        parts.append("no " + " + ".join(together))
    if c.prefer_genres:
        parts.append("leaning " + ", ".join(c.prefer_genres))
    if c.year_min is not None or c.year_max is not None:
        parts.append(year_span(c.year_min, c.year_max))  # "up to 1976", not "…–1976"
    for lo, hi in c.exclude_years:
        parts.append(f"not {year_span(lo, hi)}")
    if c.exclude_title_words:
        parts.append("nothing from " + ", ".join(w.title() for w in c.exclude_title_words))
    labels = [s.label for s in map(subject, c.exclude_subjects) if s is not None]
    if labels:  # names from our own table only: a state may come back from a browser
        parts.append("no " + join_words(labels, "or"))
    if c.exclude_series:
        parts.append("no franchise films")
    elif c.exclude_sequels:
        parts.append("no sequels")
    if c.popularity:
        parts.append("widely watched" if c.popularity == "popular" else "less watched")
    if c.query:  # quoted back only when it is a few dictionary words: it may carry injected text
        said = quotable(c.said_topic)  # again: a state may come back from a browser
        parts.append(f"“{said}”" if said else "your description")
    return parts


MAX_OUTSIDE = 3  # "like Inception and Interstellar": at most this many stand in
MAX_NAME_WORDS = 8  # the longest title looked for in a message (a window of words)


def _beyond_the_catalogue(c: Constraints, deps: Deps) -> str:
    """What a year range outside the catalogue's years is, said plainly ("" when inside)."""
    newest, oldest = year_bounds(deps.catalogue)
    items = deps.words.items
    if newest is not None and c.year_min is not None and c.year_min > newest:
        return (
            f"The catalogue's newest {items} are from {newest}, so none is from {c.year_min} "
            "or later. Try an earlier period, or say “any year”."
        )
    if oldest is not None and c.year_max is not None and c.year_max < oldest:
        return (
            f"The catalogue's oldest {items} are from {oldest}, so none is from {c.year_max} "
            "or earlier. Try a later period, or say “any year”."
        )
    return ""


def _titles_named(text: str, deps: Deps) -> frozenset[int]:
    """The catalogue titles written out in ``text`` as typed, capitalised ("Heat",
    "The Usual Suspects"); matched exactly, never as typos."""
    words = re.findall(r"[\w'’&:.-]+", text)[:200]
    found: set[int] = set()
    for i, first in enumerate(words):
        if not first[:1].isupper():
            continue
        for j in range(min(len(words), i + MAX_NAME_WORDS), i, -1):
            match = deps.matcher.match(" ".join(words[i:j]).strip(".,:"), exact_only=True)
            if match.items and not match.ambiguous and match.score >= SURE_TITLE:
                found.add(match.items[0].item_id)
                break
    return frozenset(found)


def _name_lookalikes(names: Sequence[str], catalogue: Catalogue) -> frozenset[int]:
    """The titles that share a word of a name the catalogue lacks ("Harry", "Potter")."""
    words = {
        w
        for name in names
        for w in re.findall(r"[^\W\d_]+", name.lower())
        if len(w) >= MIN_LOOKALIKE_CHARS and w not in FILLER_WORDS
    }
    return frozenset(titles_with_words(catalogue, sorted(words)))


MIN_LOOKALIKE_CHARS = 4


def _filters(
    state: SessionState, catalogue: Catalogue, also_out: Sequence[int] | frozenset[int] = ()
) -> ItemFilter:
    c = state.constraints
    any_mode = c.genre_mode == "any"
    excluded = state.excluded_ids() | titles_with_words(catalogue, c.exclude_title_words)
    for name in c.exclude_subjects:  # "no vampires": the vampire films, not all horror
        excluded |= subject_films(catalogue, name)
    excluded |= set(also_out)
    for together in c.exclude_genre_sets:  # "no romcoms": the films that are all of them
        excluded |= {i.item_id for i in catalogue if set(together) <= set(i.genres)}
    if c.exclude_sequels:
        excluded |= sequel_ids(catalogue)
    if c.exclude_series:
        excluded |= series_ids(catalogue)
    excluded |= set(c.anchors)  # "more like Heat": the user knows Heat
    return ItemFilter(
        genres_any=tuple(c.include_genres) if any_mode else (),
        genres_all=() if any_mode else tuple(c.include_genres),
        genres_none=tuple(c.exclude_genres),
        year_from=c.year_min,
        year_to=c.year_max,
        years_not=tuple((lo, hi) for lo, hi in c.exclude_years),
        exclude_ids=frozenset(excluded),
    )


# ------------------------------------------------------------------------------ the turn


def step(
    state: SessionState, message: str, deps: Deps, paste: str | bytes | None = None
) -> tuple[SessionState, Reply]:
    """One turn, complete: the new state and the final reply."""
    final: tuple[SessionState, Reply] | None = None
    for final in step_stream(state, message, deps, paste):  # noqa: B007
        pass
    assert final is not None
    return final


def step_stream(
    state: SessionState, message: str, deps: Deps, paste: str | bytes | None = None
) -> Iterator[tuple[SessionState, Reply]]:
    """One turn as growing snapshots; the last one has ``reply.done`` set."""
    started = time.perf_counter()
    config = deps.config
    new = state.copy()
    new.turn += 1
    reply = Reply(kind="notice", text="", done=False)
    timings: dict[str, float] = {}
    message = cut_at_word(message or "", config.max_message_chars)
    if _prose_paste(paste, deps):  # "Watched: Heat, Fargo. Loved Alien but hated Titanic."
        told = " ".join(paste.split())  # one message, read as the chat reads it
        told += "" if told[-1] in ".!?" else "."
        message, paste = cut_at_word(f"{told} {message}".strip(), config.max_message_chars), None
    said = message  # as typed (``message`` becomes its request part after a paste)

    pasted_items = 0
    unknown_names: list[str] = []  # titles the catalogue lacks, searched by name
    mentioned: list[int] = []  # the titles this message gave as watched ("more like that")
    unsure: set[int] = set()  # the options of titles asked about: never offered back
    paste_format = ""  # "imdb-watchlist": read, and nothing in it was watched
    if paste is not None and (len(paste) > 0):
        parsed = _read_history(paste, deps, reply, new)
        paste_format = parsed.format if parsed is not None else ""
        unsure |= unsettled_options(parsed)
        if parsed is not None:
            new.history_dated = parsed.dated and (not new.history or new.history_dated)
            new.add_history(parsed.item_ids)
            _take_verdicts(parsed, new, reply)
            pasted_items += len(parsed.item_ids)
    # a history typed in the chat, maybe with a request after it ("Heat, Fargo. Something lighter")
    split = split_message(message, deps.catalogue, deps.matcher) if message.strip() else None
    if split is not None and split.history.strip():
        probe = _titles_in(split.history, deps)
        lines = len(probe.matched) + len(probe.unmatched) + len(probe.ambiguous)
        asked = lines == 1 and probe.ambiguous and not pasted_items
        if asked and is_request(probe.ambiguous[0].text, deps.catalogue, deps.matcher):
            asked = False  # "I like horror": the genre, not "which Horror film?"
        series = _whole_series(probe, split.liked, deps) if asked else []
        if series:  # "I'm a Star Trek fan": all of its films, not "which one?"
            asked = False
            shown = [deps.catalogue.get(i).display_title for i in series]
            reply.matched_history.extend(shown)
            reply.notes.append(
                f"I read “{probe.ambiguous[0].text}” as its {len(series)} "
                f"{deps.words.items}: {', '.join(shown[:4])}{', …' if len(shown) > 4 else '.'}"
            )
            new.history_dated = False
            new.add_history(series)
            for item_id in series:
                new.mark_liked(item_id)
            pasted_items += len(series)
            message = split.request
        if asked:
            titles = probe.ambiguous[0].option_titles
            reply.kind, reply.done = "question", True  # "Titanic": which one was it?
            then = f", {split.request.strip()}" if 0 < len(split.request) <= 80 else ""
            reply.text = (
                f"Which one do you mean: {' or '.join(titles[:4])}? "
                f"Add the year, e.g. “{titles[0]}{md(then)}”."
            )
            yield new, reply
            return
        sure = any(m.score >= SURE_TITLE for m in probe.matched)
        if split.disliked:  # "I gave up on Titanic": each title said, and not liked
            probe = replace(probe, matched=[replace(m, verdict="disliked") for m in probe.matched])
        if probe.matched and (len(probe.matched) * 2 >= lines or (sure and lines > 1)):
            # most lines are titles, or some lines surely are: never search (and offer back)
            # titles the user just named because other lines were noise
            _report_history(probe, deps, reply, new)  # parsed once; messages are size-capped
            unsure |= unsettled_options(probe)
            # titles typed in the chat have no time order; one already there ("Fargo was
            # great") keeps its place, and a dated export keeps its dates
            known = set(new.history)
            fresh = [i for i in dict.fromkeys(probe.item_ids) if i not in known]
            if fresh:
                new.history_dated = False
            new.add_history(fresh)
            _take_verdicts(probe, new, reply)
            if split.liked:  # "I loved Heat and Fargo": more like them, too
                for line in probe.matched:  # ... but not "I loved Heat but hated Fargo"
                    if line.verdict != "disliked":
                        new.mark_liked(line.item_id)
            pasted_items += len(probe.item_ids)
            message = split.request
            # "I loved Alien, more like that": what the request's "that" means
            mentioned = [m.item_id for m in probe.matched if m.verdict != "disliked"]
        elif split.led and not probe.matched and not probe.ambiguous and _all_names(probe, deps):
            if _only_asks_for_more(split.request, deps):
                # "I loved Shrek, what else?": its name is the only clue, so it is searched
                # (the text embedding knows some films it was never shown: animated for Shrek)
                unknown_names = [line.text for line in probe.unmatched]
            else:  # "Inception, Interstellar, The Dark Knight", "I loved Inception. Any 80s
                # comedies?": said back as unknown, not searched (that found "First Knight")
                _report_history(probe, deps, reply, new)
            message = split.request
    timings["understand_history"] = (time.perf_counter() - started) * 1000
    added = len(set(new.history) - set(state.history))  # "Fargo was great": told, not new
    told = (added, max(0, pasted_items - added))

    request: ParsedRequest = parse_request(
        message,
        deps.catalogue,
        state=new,
        matcher=deps.matcher,
        unknown_titles=unknown_names,
        mentioned=mentioned,
    )
    if request.action == "unreadable" and not pasted_items and paste is None:
        reply.kind, reply.done = "question", True  # "asdfghjkl": ask, and change nothing
        reply.text = _not_understood(request, new, deps.words)
        yield new, reply
        return
    if request.language:  # a pasted history with a request in Spanish: picks from the history
        reply.notes.append(
            f"Your request looks like {request.language}; I only understand requests in "
            "English so far, so these follow your history alone."
        )
    reply.notes.extend(request.notes)
    new = apply_request(new, request)
    if request.action == "reset":
        new.last_recommendations = []
        reply.kind, reply.done = "notice", True
        kept = len(new.history)
        reply.text = (
            "Starting over. "
            + (f"Your {deps.words.history} is cleared too. " if request.clear_history else "")
            + (
                f"Your {kept} {deps.words.did} {'title stays' if kept == 1 else 'titles stay'} "
                "(say “forget my history” to clear "
                f"{'it' if kept == 1 else 'them'} too). "
                if kept
                else ""
            )
            + "What are you in the mood for?"
        )
        yield new, reply
        return
    # "Inception, Interstellar": films the catalogue lacks, said as such, whose genres lean
    leaning = new.constraints.outside_anchors != state.constraints.outside_anchors
    if request.action == "empty" and leaning:
        request.action = "recommend"
    if request.action == "empty" and not pasted_items and paste is None and not reply.unmatched:
        reply.kind, reply.done = "question", True
        reply.text = (
            f"I didn't get a message. Paste a few titles you {deps.words.did} (one per line), or "
            f"tell me what you're in the mood for, e.g. “{deps.words.example}”."
        )
        yield new, reply
        return
    if request.action == "ask":  # "films from my childhood": when were you born?
        reply.kind, reply.done = "question", True
        reply.text = request.question
        yield new, reply
        return
    if request.action == "chat":
        reply.kind, reply.done = "notice", True
        if request.chat in ("state", "request"):
            reply.text = _session_summary(new, deps, request_first=request.chat == "request")
        elif request.chat == "about":
            reply.text = _about_catalogue(deps)
        else:
            reply.text = _small_talk(request.chat, new, deps.words)
        yield new, reply
        return
    if request.action == "chose":  # "I'll watch the 2nd": enjoy it; the picks stay as they are
        names = [md(deps.catalogue.get(i).display_title) for i in request.chosen]
        titles = " and ".join(f"**{name}**" for name in names)
        reply.kind, reply.done = "notice", True
        reply.text = (
            f"Enjoy {titles}! Tell me afterwards how it was (“it was great”, “not for me”), "
            "or ask for more whenever you like."
        )
        yield new, reply
        return
    if request.action == "why_not":  # "why not Aladdin?": what keeps it out, no new picks
        yield from _why_not(new, request, deps, reply)
        return
    if request.action == "explain":
        if request.explain_about:
            reply.notes.append(
                f"I have no plot summaries, only what {deps.words.items} are, and who watches them."
            )
        yield from _explain_items(new, request.explain, deps, reply, request)
        return
    nothing_to_go_on = not new.history and new.constraints.is_empty() and not new.liked
    # ("more" after them: the next most watched, never "tell me a little more")
    if nothing_to_go_on and (request.asks_for_picks or request.skipped) and paste is None:
        # "surprise me", "recommend something": the most watched, and how to do better
        reply.notes.append(
            f"I don't know your taste yet, so these are among the most watched here. Paste a "
            f"few {deps.words.items} you liked, or name a genre or a decade, for picks of "
            "your own."
        )
    elif nothing_to_go_on:
        reply.kind, reply.done = "question", True
        couldnt = (
            " I couldn't match anything you pasted to the catalogue."
            if paste and paste_format != "imdb-watchlist"
            else ""
        )
        if reply.unmatched and not paste:  # "Inception, Interstellar": none of them is here
            newest = year_bounds(deps.catalogue)[0]
            upto = f", whose newest {deps.words.items} are from {newest}" if newest else ""
            couldnt = f" I couldn't find {_quoted(reply.unmatched)} in the catalogue{upto}."
        reply.text = (
            f"Tell me a little more.{couldnt} Paste a few {deps.words.items} you "
            f"{deps.words.did} or liked (one per line, or {deps.words.exports}), or describe "
            f"what you want: a genre, a decade, a {deps.words.item} it should be like."
        )
        reply.text += "".join(f"\n\n_{md(note)}_" for note in reply.notes)  # "a French film"
        yield new, reply
        return
    timings["understand"] = (time.perf_counter() - started) * 1000

    # -- retrieve
    t0 = time.perf_counter()
    search = new  # what this turn searches for
    if request.swap:  # "swap the third one for something older": older is for that pick only
        search = new.copy()
        search.constraints = request.constraints.copy()
    k = min(new.constraints.k or config.default_k, config.max_k)
    if (new.constraints.k or 0) > config.max_k:
        reply.notes.append(f"I show at most {config.max_k} at a time.")
    query_text = searched_words(search.constraints.query)
    # a search for words never offers back a title the user named in them ("something in
    # between Heat and Casablanca" had found Heat and Casablanca)
    named = _titles_named(said, deps) if query_text else frozenset()
    named |= frozenset(request.referenced)  # "same director as Alien": his others, not Alien
    # "like Harry Potter", not in the catalogue, is searched by its name: the titles that only
    # share a word of it (*Deconstructing Harry*, *Let's Get Harry*) are no likeness
    named |= _name_lookalikes(request.unknown_titles, deps.catalogue)
    subject_items = films_asked(search.constraints.topic, deps.catalogue)
    named -= subject_items  # "the Mad Max films": Mad Max (1979) is one of those asked for
    query = RetrievalQuery(
        history=new.taste_history,  # without what the user said they disliked
        text=query_text or None,
        lift_text=bool(search.constraints.topic),
        subject_items=subject_items,
        outside_genres=[f.genres for f in _outside(search.constraints, deps.catalogue)],
        anchors=_anchor_ids(search.constraints, new),
        blend=search.constraints.blend,
        avoid=list(search.constraints.avoid),
        popularity=search.constraints.popularity or ("popular" if nothing_to_go_on else ""),
        filters=_filters(search, deps.catalogue, named | unsure),
        ordered=new.history_dated,
        prefer_genres=_preferred_genres(search.constraints),
    )
    retrieved = deps.retriever.retrieve(query)
    wanted = search.constraints.include_genres
    if not retrieved.candidates and search.constraints.genre_mode == "all" and len(wanted) > 1:
        search.constraints.genre_mode = "any"  # "funny sci-fi" with nothing both: take either
        reply.notes.append(
            f"Nothing is {' and '.join(wanted)} at once here, so I took either of them."
        )
        query = replace(query, filters=_filters(search, deps.catalogue, named | unsure))
        retrieved = deps.retriever.retrieve(query)
    candidates = retrieved.candidates
    timings["retrieve"] = (time.perf_counter() - t0) * 1000
    if not candidates:
        reply.kind, reply.done = "notice", True
        active = (
            ", ".join(_constraint_summary(search.constraints, deps.catalogue)) or "your filters"
        )
        reply.text = (
            f"Nothing in the catalogue fits {active} once I leave out what you've already "
            "seen or turned down. Try loosening something, e.g. a wider year range, or say "
            "“start over”."
        )
        beyond = _beyond_the_catalogue(search.constraints, deps)
        if beyond:  # "anything from 2005?" in a catalogue that ends in 2000
            reply.text = beyond
        reply.trace = _trace(new, retrieved, [], None, timings, deps)
        yield new, reply
        return

    # -- rank
    t0 = time.perf_counter()
    history_items = deps.catalogue.many(new.taste_history)
    # a typed list has no time order: the ranker reads it in one fixed order, not as typed
    read = history_items if new.history_dated else sorted(history_items, key=lambda i: i.item_id)
    ranker_text = search.constraints.query  # what the label ranker's request prompt was made for
    if getattr(deps.ranker, "reads_request_description", False):
        ranker_text = describe_request(search.constraints, deps.catalogue)
    order, method = _rank(deps, read, candidates, ranker_text)
    timings["rank"] = (time.perf_counter() - t0) * 1000
    listed_only = listed_only_films(search.constraints, bool(new.taste_history), deps.catalogue)
    if listed_only is not None:  # "a Pixar movie" and nothing else to go on: only theirs
        kept = [i for i in order if i in listed_only[1]]
        kept = on_most_lists(kept, search.constraints.topic, deps.catalogue)
        if not kept and order:  # "a funny shark movie": no listed film is a comedy
            reply.notes.append(
                f"None of the {listed_only[0]} on the app's own list fits the rest of your "
                "request, so these fit the rest of it only."
            )
        if kept:
            # the listed films first; over a history the history's picks follow them, said
            # so ("something by Tarantino" after a paste: his three, then two of the history)
            rest = [i for i in order if i not in listed_only[1]] if new.taste_history else []
            order = kept + rest
            if len(kept) < k:
                fit = "fits" if len(kept) == 1 else "fit"
                reply.notes.append(
                    f"The app's own list of {listed_only[0]} has {len(kept)} that {fit} here; "
                    + (
                        "the other picks follow your history."
                        if rest
                        else "that is all I can find (the catalogue has no plots, cast or studios)."
                    )
                )
    if method in ("timeout", "error"):
        reply.notes.append(
            "The language model did not answer in time, so these are ranked by the "
            "retrieval models alone."
            if method == "timeout"
            else "The language model failed, so these are ranked by the retrieval models alone."
        )
    counts = request.genre_counts
    if counts:  # "two westerns and a comedy": enough of each genre to choose from
        extra = _more_of_each(counts, request.genre_years, order, new, query, deps)
        candidates = [*candidates, *extra]
        order = [*order, *(c.item_id for c in extra)]
    picked = _with_counts(order, k, counts, deps.catalogue, request.genre_years)
    if request.genre_years and not request.swap:  # "3 comedies from the 80s and 2 ..."
        reply.notes.append(_counts_note(counts, request.genre_years, picked, deps.catalogue))
    if request.undo and state.undo_picks:  # "undo" after a swap: the list as it was
        picked = [i for i in state.undo_picks if 1 <= i <= len(deps.catalogue)]
    elif (
        request.undo
        and state.undo_constraints is None
        and state.last_recommendations
        and (request.constraints == state.constraints)
    ):  # "undo" with nothing to undo: the list stays as it is
        picked = list(state.last_recommendations)
    elif request.swap and state.last_recommendations:
        picked = _swapped(state.last_recommendations, request.swap, order)
        reply.notes.append(_swap_note(state.last_recommendations, request, picked, search, deps))
    elif len(picked) < k and listed_only is None:  # "any westerns?" in the 80s: say why
        active = ", ".join(_constraint_summary(new.constraints, deps.catalogue)) or "the request"
        reply.notes.append(
            f"Only {len(picked)} fit {active} once I leave out what you've already seen or "
            "turned down; loosen something for more."
        )
    provenance = {c.item_id: c.provenance for c in candidates}
    items = deps.catalogue.many(picked)
    reply.cards = [
        Card(i.item_id, i.display_title, i.year, i.genres, provenance=provenance.get(i.item_id, ()))
        for i in items
    ]
    new.last_recommendations = list(picked)
    if new.focus == state.focus:  # new picks: "it" is the first of them again, unless this
        new.focus = None  # turn named one ("love the third one!": "more like that" next)
    swapped_in = [i for i in picked if i not in state.last_recommendations]
    if request.swap and len(swapped_in) == 1:
        new.focus = swapped_in[0]  # "swap the third one" ... "why that one?": the new third
    reply.kind = "recommendations"
    timings["first_recommendation"] = (time.perf_counter() - started) * 1000
    reply.trace = _trace(new, retrieved, candidates, (order, method), timings, deps)
    reply.text = _compose(reply, new, told, deps.words, deps.catalogue)
    yield new, reply

    # -- explain (streamed)
    t0 = time.perf_counter()
    # ranks count what the session can show (a swap's own wishes were for one pick only)
    filters = _filters(new, deps.catalogue, named | unsure) if request.swap else query.filters
    context = _explain_context(
        new,
        deps,
        excluded=filters.rejected(deps.catalogue) | retrieved.ruled_out,
        provenance=provenance,
        items=[item.item_id for item in items],
    )
    try:
        for snapshot in deps.explainer.stream(items, history_items, context):
            for card, explanation in zip(reply.cards, snapshot, strict=True):
                card.explanation = explanation.text
                card.explanation_source = explanation.source if explanation.done else "pending"
                card.explanation_reason = explanation.reason
                card.because = tuple(e.display_title for e in explanation.evidence.similar)
                to_json = getattr(explanation.evidence, "to_json", None)
                card.evidence = to_json() if to_json else None
            if "explained" not in timings and all(c.explanation for c in reply.cards):
                timings["explained"] = (time.perf_counter() - started) * 1000
            reply.trace["evidence"] = [c.evidence for c in reply.cards if c.evidence]
            reply.text = _compose(reply, new, told, deps.words, deps.catalogue)
            yield new, reply
    except Exception:  # the explainer must never cost the user their recommendations
        log.exception("explainer failed")
        reply.notes.append("Explanations are unavailable right now.")
        for card in reply.cards:
            if card.explanation_source == "pending":
                card.explanation, card.explanation_source = "", "template"
    timings["explain"] = (time.perf_counter() - t0) * 1000
    timings["total"] = (time.perf_counter() - started) * 1000
    reply.trace["timings_ms"] = {k: round(v, 1) for k, v in timings.items()}
    reply.text = _compose(reply, new, told, deps.words, deps.catalogue)
    reply.done = True
    yield new, reply


def _swapped(last: Sequence[int], swap: Sequence[int], order: Sequence[int]) -> list[int]:
    """The last picks with each swapped one replaced where it stood by the best new candidate
    (dropped when there is none); the others keep their places."""
    kept = [i for i in last if i not in swap]
    fresh = iter([i for i in order if i not in set(last)])
    picked: list[int] = []
    for item_id in last:
        replacement = item_id if item_id in kept else next(fresh, None)
        if replacement is not None:
            picked.append(replacement)
    return picked


def _swap_note(
    last: Sequence[int],
    request: ParsedRequest,
    picked: Sequence[int],
    search: SessionState,
    deps: Deps,
) -> str:
    """ "In place of #3, Bound (1996): Body Heat (1981), for: up to 1995. The others stay." """
    title = lambda i: deps.catalogue.get(i).display_title  # noqa: E731 (md'd with the note)
    new_ones = [i for i in picked if i not in last]
    gone = [f"#{last.index(i) + 1}, {title(i)}" for i in request.swap if i in last]
    wanted = ", ".join(_constraint_summary(search.constraints, deps.catalogue))
    for_what = f", for: {wanted}" if wanted else ""
    if not new_ones:
        return (
            f"Nothing else fits{for_what}, once I leave out what you've seen or turned down, "
            f"so I took out {' and '.join(gone)}."
        )
    return (
        f"In place of {' and '.join(gone)}: {' and '.join(title(i) for i in new_ones)}"
        f"{for_what}. The other picks stay where they were."
    )


def _outside(c: Constraints, catalogue: Catalogue) -> list[NewerTitle]:
    """The films the catalogue lacks that the request is like ("like Inception"), read only
    through the app's own table (a state may come back from a browser)."""
    found = (newer_title(name, catalogue) for name in c.outside_anchors[:MAX_OUTSIDE])
    return [film for film in found if film is not None]


def _prose_paste(paste: str | bytes | None, deps: Deps) -> bool:
    """A short paste written as sentences ("Watched: Heat, Casablanca, Fargo and also Toy
    Story. Loved Alien but hated Titanic."): line by line it had matched The Watcher, and
    the titles, loves and hates were lost; the chat reads such text well."""
    if not isinstance(paste, str) or not paste.strip():
        return False
    if len(paste) > deps.config.max_message_chars:
        return False
    return reads_as_prose(paste, deps.catalogue, deps.matcher)


def _anchor_ids(c: Constraints, state: SessionState) -> list[int]:
    """The titles to find films like: those asked about ("something like Heat") or, when none
    is, those the user said they liked ("I loved Titanic"). Both at once had let a liked
    title drown the one asked about ("I loved Titanic", then "like Heat": no Heat-like pick),
    and a film the catalogue lacks is asked about too ("like Get Out" over a rated export)."""
    if c.anchors or c.outside_anchors:
        return list(c.anchors)
    return list(dict.fromkeys(state.liked))


def _explain_context(
    state: SessionState,
    deps: Deps,
    excluded: frozenset[int] | set[int],
    provenance: dict[int, tuple[str, ...]] | None = None,
    salt: Any = None,
    items: Sequence[int] = (),
) -> ExplainContext:
    """What the explainer knows about this turn: the request, the items it rules out (so
    ranks count what can be shown), the titles asked about, which of ``items`` match the
    request's words, and a wording seed."""
    c = state.constraints
    seed = (state.history, state.turn) if salt is None else (state.history, state.turn, salt)
    # said back only when safe (a state may come from a browser); never a subject's words
    # ("tarantino"): its films come from the app's list, and a film near the word is no match
    words = quotable(searched_words(c.said_topic))
    # our own labels only ("prison films"), never the user's text
    lists = subject_lists(c.topic, deps.catalogue)
    on_lists = {i: [s.label for s, films in lists if i in films] for i in items}
    return ExplainContext(
        blend=c.blend,
        words_asked=words,
        matched_words=deps.retriever.request_matches(c.topic, items) if words else frozenset(),
        subject_asked=join_words([s.label for s, _ in lists]),
        subject_films=films_asked(c.topic, deps.catalogue),
        subject_labels={i: join_words(labels) for i, labels in on_lists.items() if labels},
        outside=tuple((f.display_title, f.genres) for f in _outside(c, deps.catalogue)),
        provenance=provenance or {},
        genres_asked=tuple(c.include_genres),
        years_asked=(c.year_min, c.year_max),
        seed=zlib.crc32(repr(seed).encode()),
        excluded=frozenset(excluded),
        anchors=tuple(deps.catalogue.many(_anchor_ids(c, state))),
        liked=frozenset(state.liked) - frozenset(c.anchors),  # said liked, not asked like
        # a typed list is read by the retriever in many orders: the ranks cited are those
        order_free=1 if state.history_dated else _order_free_permutations(deps),
        request_ranks=_request_ranks(state, deps, items),
        shade=_shade_asked(c),
        shade_genres=tuple(c.prefer_genres),
    )


def _shade_asked(c: Constraints) -> str:
    """ "lighter" or "darker" when the request leans to a shade's genres (else "")."""
    if not c.prefer_genres:
        return ""
    return "lighter" if set(c.prefer_genres) <= set(LIGHT_PREFER) else "darker"


def _request_ranks(
    state: SessionState, deps: Deps, items: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """No history and no film asked about: each pick's rank by viewers among the films that
    fit the genres and years asked (the cold-start order is by viewers within them)."""
    c = state.constraints
    viewers = getattr(deps.retriever, "popularity", None)
    if viewers is None or state.history or c.anchors or c.outside_anchors or state.liked:
        return {}
    if c.genre_mode == "any" and len(c.include_genres) > 1:
        return {}  # "a comedy or a romance": a pick meets one of them, the count either
    return request_ranks(deps.catalogue, viewers, c.include_genres, (c.year_min, c.year_max), items)


def _order_free_permutations(deps: Deps) -> int:
    """How many orders the retriever averages a typed list over (1: it reads one order)."""
    config = getattr(deps.retriever, "config", None)
    return int(getattr(config, "order_free_permutations", 1) or 1)


def _not_understood(request: ParsedRequest, state: SessionState, words: CatalogueWords) -> str:
    """The reply to a message with no known word in it ("asdfghjkl", "qwzx vbnm")."""
    shown = request.unreadable.quoted() if request.unreadable else ""
    said = f"I couldn't make sense of “{shown}”" if shown else "I couldn't make sense of that"
    if request.language:
        said = (
            f"That looks like {request.language}; I only understand requests in English so "
            f"far (pasted titles may be in any language the catalogue knows)"
        )
    if state.history or state.last_recommendations or not state.constraints.is_empty():
        return (
            f"{said}, so nothing changed. Tell me what to change (“older”, “no horror”, "
            "“more like the 2nd one”), say “more” for other picks, or ask “why the 2nd one?”."
        )
    return (
        f"{said}. Paste a few {words.items} you {words.did} (one per line, or "
        f"{words.exports}), or tell me what you're in the mood for, e.g. “{words.example}”."
    )


def _small_talk(kind: str, state: SessionState, words: CatalogueWords) -> str:
    """A reply to "hi", "thanks" or "what can you do?" that asks for nothing new."""
    if kind == "thanks":
        return (
            "You're welcome! Say “more” for other picks, tell me what to change "
            "(“older”, “no horror”, “just 3”), or ask “why the 2nd one?”."
        )
    if kind == "bye":
        return (
            "Enjoy your film! Your list stays here while this tab is open: come back and say "
            "“more” any time."
        )
    if kind == "elsewhere":  # "can you recommend TV shows?", "what's the weather?"
        return (
            f"I only recommend {words.items}, and only from this catalogue: nothing else (no "
            f"TV series, books, music or news). Paste a few {words.items} you {words.did}, or "
            f"tell me what you're in the mood for, e.g. “{words.example}”."
        )
    if kind == "real":  # "are these real movies?"
        return (
            f"Every pick is real: a {words.item} of this catalogue, and nothing outside it ever "
            "reaches you; each explanation says what the pick rests on (your titles, the "
            "sequence model's ranking, who watched what). Ask “is Heat in the catalogue?” to "
            "check any title."
        )
    if kind == "audience":  # "which one would my mom like?"
        return (
            "I don't know the taste of the people you watch with, so I can't tell which they "
            "would like: the picks follow what you told me. Name a film they liked (“like "
            "Casablanca”) or a genre, and I'll aim the picks at them."
        )
    if kind == "rude":  # "you suck": said calmly, and what would help
        sorry = "Sorry these missed." if state.last_recommendations else "Sorry."
        return (
            f"{sorry} Tell me what was wrong (“too old”, “no horror”, “not that one”), name a "
            f"{words.item} you liked for more like it, or say “start over”."
        )
    if kind == "plot":
        return (
            f"I have no plot summaries: the catalogue knows each {words.item}'s title, year and "
            f"genres, and who {words.did} it. Ask “why the 2nd one?” for why a pick fits you, "
            "or “is the first one scary?”, “when is it from?”."
        )
    if kind == "help":
        return (
            f"I recommend {words.items} from this catalogue, and only from it. Paste a few "
            f"{words.items} you {words.did} (one per line, or {words.exports}), then ask in "
            f"plain words: a genre or a mood (“{words.example}”), a period (“80s”, “not "
            f"older than 10 years”), what to leave out (“no sequels”), a {words.item} it "
            "should be like (“more like the 2nd one”) or how many (“give me 3”). Tell me what "
            "you've seen or don't like (“seen 1 and 4”, “not that one”), ask “why the 2nd "
            "one?”, or say “start over”."
        )
    if state.history or state.last_recommendations:
        return "Hi again! Tell me what you're in the mood for, or say “more” for other picks."
    return (
        f"Hi! Paste a few {words.items} you {words.did} (one per line, or {words.exports}), "
        f"or tell me what you're in the mood for, e.g. “{words.example}”."
    )


def _about_catalogue(deps: Deps) -> str:
    """ "What data do you use?", "how many movies do you have?", "are you an AI?": what the
    catalogue holds and how picks are made, from the catalogue itself."""
    words, catalogue = deps.words, deps.catalogue
    newest, oldest = year_bounds(catalogue)
    genres = catalogue.genres
    span = f", from {oldest} to {newest}" if newest is not None and oldest is not None else ""
    kinds = f", in {len(genres)} genres: {join_words(genres)}" if genres else ""
    sources = (
        f"a sequence model trained on what people {words.did} (LLM2SASRec) and a similarity "
        "search over the titles"
        if getattr(deps.retriever, "sasrec", None) is not None
        else f"a similarity search over the titles and how often each was {words.did}"
    )
    return (
        f"I'm a recommender, not a person. The catalogue holds {len(catalogue):,} "
        f"{words.items}{span}{kinds}. For each I know its title, year and genres and who "
        f"{words.did} it; no plots, cast, ratings or reviews. Picks come from {sources}, only "
        f"ever from this catalogue, and each explanation says what the pick rests on. Paste a "
        f"few {words.items} you {words.did}, or tell me what you're in the mood for, e.g. "
        f"“{words.example}”."
    )


SUMMARY_TITLES = 25  # "what's in my history?": the most recent this many are named


def _session_summary(state: SessionState, deps: Deps, request_first: bool = False) -> str:
    """ "what's in my history?": what the session holds, read back; nothing changes.
    ``request_first``: "what did I ask for?" is answered by the request before the rest."""

    def title(item_id: int) -> str:
        return md(deps.catalogue.get(item_id).display_title)

    words = deps.words
    lines: list[str] = []
    if state.history:
        n = len(state.history)
        recent = state.history[-SUMMARY_TITLES:]
        order = "oldest first" if state.history_dated else "as you gave them"
        lines.append(
            f"**Your {words.history}** ({n} {'title' if n == 1 else 'titles'}, {order}): "
            + ", ".join(title(i) for i in recent)
            + (f", and {n - len(recent)} earlier ones" if n > len(recent) else "")
            + "."
        )
    else:
        lines.append(f"Your {words.history} is empty.")
    for label, ids in (
        ("You liked", state.liked),
        ("Not for you", state.disliked),
        ("You chose", state.chosen),
        ("Already seen", [i for i in state.seen if i not in state.chosen]),
    ):
        if ids:
            lines.append(f"{label}: " + ", ".join(title(i) for i in ids[-SUMMARY_TITLES:]) + ".")
    summary = _constraint_summary(state.constraints, deps.catalogue)
    asked = (
        "Your request: " + md(", ".join(summary)) + "."
        if summary
        else "No request yet: tell me a genre, a period or a title it should be like."
    )
    lines.insert(0 if request_first else len(lines), asked)
    if state.birth_year is not None:
        lines.append(f"You were born in {state.birth_year}.")
    lines.append(
        "_Say “remove …” or “add …” with a title to change the list, “start over” to drop the "
        "request, or “forget my history” to clear it._"
    )
    return "\n\n".join(lines)


def _explain_items(
    state: SessionState,
    item_ids: list[int],
    deps: Deps,
    reply: Reply,
    request: ParsedRequest | None = None,
) -> Iterator[tuple[SessionState, Reply]]:
    """ "why the second one?": the evidence for items already shown, worded like a card's;
    no new recommendations, the last ones stay what "the second one" refers to. A question
    about the items ("is the first one scary?", "when is it from?") is answered first."""
    reply.kind, reply.done = "explanation", False
    items = deps.catalogue.many(item_ids)
    history_items = deps.catalogue.many(state.taste_history)
    viewers = _viewers(deps, item_ids)
    if request is not None and request.about_picks in ORDERS:  # "sort them by year"
        items = order_picks(request.about_picks, items, viewers)
        state.last_recommendations = [item.item_id for item in items]  # "the first" follows
    context = _explain_context(
        state,
        deps,
        _filters(state, deps.catalogue).rejected(deps.catalogue),
        salt=item_ids,
        items=item_ids,
    )
    texts = ["" for _ in items]
    evidence: list[Any] = [None for _ in items]
    about_picks = request.about_picks if request is not None else ""

    shown = set(state.last_recommendations)
    picks = any(i.item_id in shown for i in items)
    watched = set(state.history)
    asked = request is not None and bool(request.asked_genres or request.asked_about)
    excluded = set(state.constraints.exclude_genres)
    if picks:
        noun = "this pick" if len(items) == 1 else "these picks"
        lead = f"About {noun}:" if asked or about_picks else f"Why {noun}:"
        if request is not None and request.compare_with is not None:  # "compare the first
            other = deps.catalogue.get(request.compare_with).display_title  # and the second"
            lead = f"Set beside {md(other)}:"
        hint = (
            f"Paste a few {deps.words.items} you {deps.words.did} and I can say which of them "
            "it depends on."
        )
    else:  # "what is Heat about?" before Heat was ever a pick
        lead = "What I know about " + " and ".join(i.display_title for i in items) + ":"
        hint = (
            f"Say “more like {items[0].display_title}” for similar {deps.words.items}, or paste "
            f"a few you {deps.words.did} and I can say how it relates to them."
        )

    def compose() -> str:
        lines = [lead]
        ruled = [g for g in (request.asked_genres if request else []) if g in excluded]
        if about_picks == "genre" and ruled:  # "why was horror excluded?": the user's own rule
            lines.append(
                f"You asked for no {join_words(ruled)}, so it is left out; say "
                f"“{ruled[0].lower()} is fine” to allow it again."
            )
        if about_picks and request is not None:  # "why these?", "why so many crime films?"
            lines.append(
                summarise_picks(
                    about_picks,
                    items,
                    evidence,
                    history_items,
                    deps.words,
                    request.asked_genres,
                    request.asked_years,
                    viewers,
                )
            )
        for item, text in zip(items, texts, strict=True):
            lines.append(f"\n**{md(item.display_title)}** · {', '.join(item.genres)}")
            answered = request is not None and not about_picks
            answer = _answer(item, request, deps, state.last_recommendations) if answered else ""
            if answer:
                lines.append(f"   {answer}")
            if item.item_id in watched:  # a watched title has no "why for you"
                lines.append("   It is in your history: one of the titles your picks come from.")
                continue
            out = ruled_out(item, state, deps.catalogue) if item.item_id not in shown else []
            if out:  # "why is Bound in there?" after "no romance" took it out
                lines.append(f"   It is not among the picks now: {'; '.join(out)}.")
            elif text:
                lines.append(f"   {text}")
        if not state.history:
            lines.append(f"\n_{hint}_")
        return "\n".join(lines + [f"\n_{md(note)}_" for note in reply.notes])

    try:
        for snapshot in deps.explainer.stream(items, history_items, context):
            texts = [explanation.text for explanation in snapshot]
            evidence = [getattr(explanation, "evidence", None) for explanation in snapshot]
            reply.text = compose()
            yield state, reply
    except Exception:  # the explainer must never cost the user the conversation
        log.exception("explainer failed")
        reply.notes.append("Explanations are unavailable right now.")
    reply.text, reply.done = compose(), True
    yield state, reply


def _more_of_each(
    counts: Sequence[tuple[str, int]],
    years: Mapping[str, tuple[int, int]],
    order: Sequence[int],
    state: SessionState,
    query: RetrievalQuery,
    deps: Deps,
) -> list[Candidate]:
    """Candidates of each counted genre (in its own period, if it has one) the fused list
    lacks, from a retrieval of that genre alone (the either-genre list can be all comedies)."""
    extra: dict[int, Candidate] = {}
    for genre, count in counts:
        have = sum(1 for i in order if _counts_as(deps.catalogue.get(i), genre, years))
        if have >= count:
            continue
        narrow = state.copy()
        narrow.constraints.include_genres, narrow.constraints.genre_mode = [genre], "all"
        if genre in years:
            narrow.constraints.year_min, narrow.constraints.year_max = years[genre]
        found = deps.retriever.retrieve(replace(query, filters=_filters(narrow, deps.catalogue)))
        for candidate in found.candidates:
            if candidate.item_id not in order:
                extra.setdefault(candidate.item_id, candidate)
    return list(extra.values())


def _counts_as(item: Item, genre: str, years: Mapping[str, tuple[int, int]]) -> bool:
    """Whether ``item`` is one of the counted ``genre`` films (of its own period, if any)."""
    if genre not in item.genres:
        return False
    if genre not in years:
        return True
    lo, hi = years[genre]
    return item.year is not None and lo <= item.year <= hi


def _with_counts(
    order: Sequence[int],
    k: int,
    counts: Sequence[tuple[str, int]],
    catalogue: Catalogue,
    years: Mapping[str, tuple[int, int]] | None = None,
) -> list[int]:
    """The first ``k`` of ``order``; with counts per genre ("3 comedies and 2 horror films")
    the best of each genre (of its own period: "from the 80s") up to its count, then the rest
    in order, kept in ranked order."""
    if not counts:
        return list(order[:k])
    years = years or {}
    chosen: list[int] = []
    for genre, count in counts:
        fits = [i for i in order if _counts_as(catalogue.get(i), genre, years) and i not in chosen]
        chosen += fits[:count]
    chosen += [i for i in order if i not in chosen][: max(0, k - len(chosen))]
    rank = {item: n for n, item in enumerate(order)}
    return sorted(chosen[:k], key=rank.__getitem__)


def _counts_note(
    counts: Sequence[tuple[str, int]],
    years: Mapping[str, tuple[int, int]],
    picked: Sequence[int],
    catalogue: Catalogue,
) -> str:
    """ "As asked: 3 Comedy from 1980–1989 and 2 Horror from 1970–1979." (and what is short)"""
    parts, short = [], []
    for genre, count in counts:
        span = f" from {years[genre][0]}–{years[genre][1]}" if genre in years else ""
        parts.append(f"{count} {genre}{span}")
        found = sum(_counts_as(catalogue.get(i), genre, years) for i in picked)
        if found < count:
            short.append(f"only {found} {genre}{span} fit")
    note = f"As asked: {join_words(parts)}."
    return note + (f" ({'; '.join(short)}.)" if short else "")


def _viewers(deps: Deps, item_ids: Sequence[int]) -> dict[int, int]:
    """How many people here watched each item (the retriever's popularity counts)."""
    popularity = getattr(deps.retriever, "popularity", None)
    if popularity is None:
        return {}
    return {i: int(popularity[i]) for i in item_ids if 0 < i < len(popularity)}


def _by_genre(item: Item, other: Item, genre: str, degree: str) -> str:
    """ "Which is scarier?": the catalogue has genres, not how much of them a film has."""
    a, b = genre in item.genres, genre in other.genres
    if a and b:
        return (
            f"Both are listed as {genre}; the catalogue has genres, not how much of them a film "
            f"has, so I can't say which is {degree}."
        )
    if a or b:
        one, two = (item, other) if a else (other, item)
        return (
            f"{one.display_title} is listed as {genre} and {two.display_title} is not, so by the "
            f"catalogue's genres {one.display_title} is the {degree} one."
        )
    return f"Neither is listed as {genre}, so the catalogue can't say which is {degree}."


def _better(item: Item, other: Item, picks: list[int]) -> str:
    """ "Is the fourth one better than the first?": only the order of fit is known."""
    if item.item_id in picks and other.item_id in picks:
        ahead, behind = (
            (item, other)
            if picks.index(item.item_id) < picks.index(other.item_id)
            else (other, item)
        )
        return (
            f"I have no reviews to say which is the better film; for you, {ahead.display_title} "
            f"fits what you told me better than {behind.display_title}, so it comes first."
        )
    return "I have no reviews to say which is the better film."


def _together(deps: Deps, other: Item, item: Item) -> Together | None:
    """How often the watchers of ``other`` also watched ``item`` (None without watch data)."""
    cooccurrence = getattr(getattr(deps.explainer, "builder", None), "cooccurrence", None)
    if cooccurrence is None:
        return None
    pair = cooccurrence.pair(other.item_id, item.item_id)
    return Together(pair.both, pair.cited_users, pair.lift)


def _answer(item: Item, request: ParsedRequest, deps: Deps, picks: Sequence[int] = ()) -> str:
    """The answer to a question about an item, from what the catalogue knows: "is it a
    comedy?" (its genres), "when is it from?" (its year), "how popular is it?" (its rank by
    how many people here watched it); ``picks``: the last list, for "which one first?"."""
    if request.asked_about == "best":  # "which one should I watch first?"
        return (
            f"This one: it heads the list, the one of the {len(picks)} I rank as the best fit "
            "for what you told me. I have no reviews to say which is the better film."
        )
    if request.compare_with is not None:  # "how is Seven like Heat?"
        other = deps.catalogue.get(request.compare_with)
        lines = compare(item, other, _together(deps, other, item), deps.words)
        if request.asked_about == "better":  # "is the fourth one better than the first?"
            lines.insert(0, _better(item, other, list(picks)))
        if request.asked_degree and request.asked_genres:  # "which is scarier?"
            lines.insert(0, _by_genre(item, other, request.asked_genres[0], request.asked_degree))
        return " ".join(lines)
    asked = request.asked_genres
    if asked:
        has = [g for g in asked if g in item.genres]
        if has:
            return f"Yes: it is listed as {' and '.join(has)}."
        return (
            f"No: it isn't listed as {' or '.join(asked)} "
            f"(the catalogue lists it as {', '.join(item.genres) or 'no genre'})."
        )
    if request.asked_about == "year":
        return f"It is from {item.year}." if item.year else "The catalogue has no year for it."
    if request.asked_about == "genre":
        if not item.genres:
            return "The catalogue lists no genre for it."
        return f"It is listed as {join_words(item.genres)}."
    if request.asked_about == "people":
        return _people_answer(item, deps.catalogue)
    if request.asked_about == "length":
        return "The catalogue has no running times, so I can't say how long it is."
    if request.asked_about == "sequel":
        return _sequel_answer(item, deps.catalogue)
    if request.asked_about == "where":
        return (
            "I don't know where films stream or can be rented: the catalogue has titles, years, "
            "genres and who watched them, nothing about availability."
        )
    if request.asked_about == "content":
        return (
            "The catalogue has no content ratings (violence, language, nudity), so I can't say; "
            f"it is listed as {join_words(item.genres) or 'no genre'}."
        )
    if request.asked_about == "colour":
        return _colour_answer(item)
    if request.asked_about == "language":
        return _language_answer(item, deps)
    if request.asked_about == "story":
        return (
            "The catalogue has no plot summaries, so I can't say what happens in it; it is "
            f"listed as {join_words(item.genres) or 'no genre'}."
        )
    popularity = getattr(deps.retriever, "popularity", None)
    if request.asked_about == "popularity" and popularity is not None:
        rank = int((popularity[1:] > popularity[item.item_id]).sum()) + 1
        total = len(popularity) - 1
        return f"It is #{rank:,} of {total:,} here by how many people watched it."
    return ""


COLOUR_NORM_YEAR = 1970  # by then nearly every film was shot in colour
BLACK_AND_WHITE_YEAR = 1940  # before, nearly every film was black and white


def _people_answer(item: Item, catalogue: Catalogue) -> str:
    """ "who directed it?": the app's lists of people and studios, said to be the app's."""
    lists = [s.label for s in people_of(catalogue, item.item_id)]
    if not lists:
        return "The catalogue has no cast or crew, so I can't say who made it or who is in it."
    return (
        "The catalogue has no cast or crew; the app's own lists count it among the "
        f"{join_words([label.removesuffix(' films') for label in lists])} films."
    )


def _sequel_answer(item: Item, catalogue: Catalogue) -> str:
    """ "is it a sequel?": the app's list of series ("Aliens" follows Alien), else the title."""
    found = series_of(catalogue, item.item_id)
    if found is not None and len(found[1]) > 1:
        name, films = found
        series = f"the {name.title()} series (by the app's own list of series)"
        earlier = [f.display_title for f in films if (f.year or 0) < (item.year or 0)]
        if earlier:
            return f"Yes: it follows {join_words(earlier[-2:])} in {series}."
        later = [f.display_title for f in films if f.item_id != item.item_id]
        return f"No: it is the first of {series}; {join_words(later[:2])} came after it."
    if item.item_id in sequel_ids(catalogue):
        return "Yes: its title marks it as a later film of a series."
    return "Not as far as its title shows: nothing in it marks a later film of a series."


def _colour_answer(item: Item) -> str:
    """ "is the first one in colour?": the catalogue has no such data; the year is a hint."""
    said = "The catalogue doesn't record colour"
    if item.year is None:
        return f"{said}, and it has no year for this one."
    if item.year >= COLOUR_NORM_YEAR:
        return f"{said}; from {item.year}, it is almost certainly in colour."
    if item.year < BLACK_AND_WHITE_YEAR:
        return f"{said}; from {item.year}, it is most likely black and white."
    return f"{said}; from {item.year}, it could be either."


def _language_answer(item: Item, deps: Deps) -> str:
    """ "is the third one in English?": the catalogue records no language; the app's own
    reading of films in other languages (subjects.json, "foreign") says what it can."""
    said = "The catalogue records no languages"
    if item.item_id not in subject_films(deps.catalogue, "foreign"):
        return (
            f"{said}; nothing here says this one is in another language (no other-language "
            "title, and not on the app's own list of films in other languages)."
        )
    if has_other_language_name(item.title):
        return (
            f"{said}, but its title here carries a name in another language "
            f"({md(item.display_title)}), so most likely not in English."
        )
    return f"{said}; it is on the app's own list of films in other languages, so most likely not."


def _why_not(
    state: SessionState, request: ParsedRequest, deps: Deps, reply: Reply
) -> Iterator[tuple[SessionState, Reply]]:
    """ "why not Aladdin?": what keeps each named title out of the picks, in the session's
    own terms; an allowed title gets its rank among what the request allows, and its
    evidence worded like a card's."""
    reply.kind, reply.done = "explanation", False
    lines = [unknown_title_note(name, deps.catalogue) for name in request.why_not_unknown]
    items = deps.catalogue.many(request.why_not)
    if request.asked_have:  # "do you have Casablanca?": yes first, then where it stands
        lines += [
            f"Yes: **{md(item.display_title)}** is in the catalogue ({', '.join(item.genres)})."
            for item in items
        ]
    filters = _filters(state, deps.catalogue)
    last = list(state.last_recommendations)
    allowed: list[Item] = []
    for item in items:
        if item.item_id in last:
            place = f"#{last.index(item.item_id) + 1}"
            lines.append(
                f"Likely: **{item.display_title}** is one of your picks ({place}); I have no "
                "reviews to say how good it is, only how it fits what you told me."
                if request.asked_fit
                else f"**{item.display_title}** is in your picks: {place}."
            )
            continue
        reasons = ruled_out(item, state, deps.catalogue)
        if reasons:
            lines.append(f"**{item.display_title}** is left out: {'; '.join(reasons)}.")
        else:
            allowed.append(item)
    context = _explain_context(state, deps, filters.rejected(deps.catalogue), salt=request.why_not)
    texts = {item.item_id: "" for item in allowed}
    ranks: dict[int, int | None] = {item.item_id: None for item in allowed}

    def compose() -> str:
        out = list(lines)
        for item in allowed:
            rank = ranks[item.item_id]
            said = f"Nothing you said rules out **{item.display_title}**"
            if request.asked_fit and state.history:  # "would I like it?"
                shown = len(deps.catalogue) - len(context.excluded)
                fit = (
                    _fit(item, rank, shown, len(state.history))
                    if rank is not None
                    else f"{said}; I have no reviews to say how good it is, only how it relates "
                    "to what you watched."
                )
                out.append(fit + " " + texts[item.item_id])
                continue
            if request.asked_fit and not state.history:
                said = f"I can't tell yet whether **{item.display_title}** is for you"
                out.append(
                    f"{said}: paste a few {deps.words.items} you {deps.words.did} and I can say "
                    "where it stands for you. It is listed as "
                    f"{join_words(item.genres) or 'no genre'}, from {item.year}."
                )
                continue
            if rank is not None and state.history:
                said += (
                    f"; with your {len(state.history)} titles it ranks #{rank:,} of what you "
                    "can be shown, below the picks"
                )
            elif not state.history and last:
                said += ", but I don't know your taste yet, so the most watched came first"
            out.append(said + ". " + texts[item.item_id])
        out.append("_Say “more like …” with a title for films like it, or tell me what to change._")
        return "\n\n".join(part.strip() for part in out)

    if allowed:
        history = deps.catalogue.many(state.taste_history)
        try:
            for snapshot in deps.explainer.stream(allowed, history, context):
                for item, explanation in zip(allowed, snapshot, strict=True):
                    texts[item.item_id] = explanation.text
                    ranks[item.item_id] = getattr(explanation.evidence, "base_rank", None)
                reply.text = compose()
                yield state, reply
        except Exception:  # the explainer must never cost the user the conversation
            log.exception("explainer failed")
    reply.text, reply.done = compose(), True
    yield state, reply


FIT_STRONG, FIT_FAIR = 0.02, 0.10  # top shares of what can be shown: a strong / a fair fit


def _fit(item: Item, rank: int, shown: int, titles: int) -> str:
    """ "Would I like Casablanca?": where it stands among what the user can be shown."""
    share = rank / max(1, shown)
    verdict = (
        "Likely: it is a strong fit"
        if share <= FIT_STRONG
        else "Perhaps: it is a fair fit"
        if share <= FIT_FAIR
        else "Probably not the best fit"
    )
    return (
        f"{verdict}. With your {titles} titles, **{item.display_title}** ranks #{rank:,} of the "
        f"{shown:,} you can be shown (the top {share:.0%}); I have no reviews to say how good "
        "it is, only how it fits what you watched."
    )


def _preferred_genres(c: Constraints) -> tuple:
    """Soft genre preferences for retrieval: "lighter" -> Comedy. The genres of films named
    ("more like Young Frankenstein") weigh in the retriever, by how much a film shares them
    (``retrieval.named_anchor_genre_bonus``)."""
    return tuple(c.prefer_genres)


def _rank(
    deps: Deps, history: list[Item], candidates: list[Candidate], request: str
) -> tuple[list[int], str]:
    """The LLM's order of the candidates; the retrieval order if it fails or is too slow."""
    retrieval_order = [c.item_id for c in candidates]
    if deps.ranker is None:
        return retrieval_order, "retrieval"
    future = deps.pool.submit(deps.ranker.rank, history, candidates, request)
    try:
        ranking = future.result(timeout=deps.config.rank_timeout_s)
    except concurrent.futures.TimeoutError:
        log.warning("ranking timed out after %.1fs", deps.config.rank_timeout_s)
        return retrieval_order, "timeout"
    except Exception:
        log.exception("ranking failed")
        return retrieval_order, "error"
    allowed = set(retrieval_order)
    order = [i for i in dict.fromkeys(ranking.item_ids) if i in allowed]  # never outside
    order += [i for i in retrieval_order if i not in set(order)]
    return order, getattr(ranking, "method", "llm")


def _compose(
    reply: Reply,
    state: SessionState,
    told: tuple[int, int],
    words: CatalogueWords = MOVIE_WORDS,
    catalogue: Catalogue | None = None,
) -> str:
    """The reply's text; ``told``: how many titles this turn added to the history, and how
    many it named that were there already."""
    lines: list[str] = []
    added, again = told
    if added:
        titles = "title" if added == 1 else "titles"
        lines.append(f"Added {added} {titles} to your history ({len(state.history)} in all).")
    elif again:
        that = "That was" if again == 1 else "Those were"
        lines.append(f"{that} already in your history ({len(state.history)} in all).")
    summary = _constraint_summary(state.constraints, catalogue)
    count = len(reply.cards)
    intro = "Here is 1 pick" if count == 1 else f"Here are {count} picks"
    if state.history:
        n = len(state.taste_history)
        intro += f" from your {n} {words.did} {'title' if n == 1 else 'titles'}"
        if n < len(state.history):  # "I didn't like Alien": it no longer steers the picks
            intro += " you didn't turn down"
    if summary:  # "... for: like Heat (1995), no Horror, 1990–1999"
        intro += (", for: " if state.history else " for: ") + ", ".join(summary)
    lines.append(intro + ":")
    for n, card in enumerate(reply.cards, start=1):
        genres = ", ".join(card.genres)
        lines.append(f"\n**{n}. {card.title}** · {genres}")
        if card.explanation:
            lines.append(f"   {card.explanation}")
    if reply.unmatched:  # the user's own lines: shown as text, never as links or markup
        lines.append("\nI couldn't match: " + "; ".join(f"“{md(u)}”" for u in reply.unmatched))
        if catalogue is not None and (newest := year_bounds(catalogue)[0]) is not None:
            lines[-1] += f" (the catalogue's newest {words.items} are from {newest})"
    for note in reply.notes:
        lines.append(f"\n_{md(note)}_")
    return "\n".join(lines)


def _trace(
    state: SessionState,
    retrieved: CandidateSet,
    candidates: list[Candidate],
    ranked: tuple[list[int], str] | None,
    timings: dict[str, float],
    deps: Deps,
) -> dict[str, Any]:
    title = lambda i: deps.catalogue.get(i).display_title  # noqa: E731
    c = state.constraints
    trace: dict[str, Any] = {
        "filters": {
            "include_genres": list(c.include_genres),
            "genre_mode": c.genre_mode,
            "exclude_genres": list(c.exclude_genres),
            "prefer_genres": list(c.prefer_genres),
            "years": [c.year_min, c.year_max],
            "years_not": [list(r) for r in c.exclude_years],
            "title_words_not": list(c.exclude_title_words),
            "sequels": "excluded" if c.exclude_sequels else "allowed",
            "franchise_films": "excluded" if c.exclude_series else "allowed",
            "popularity": c.popularity or "any",
            "query": c.query,
            "anchors": [title(a) for a in c.anchors],
            "nothing_like": [title(a) for a in c.avoid],
            "excluded_items": len(state.excluded_ids()),
            "history_order": "dated (read in time order)"
            if state.history_dated
            else "typed (sequence scores averaged over orders)",
        },
        "sources": {
            name: [
                {"title": title(i), "score": round(score, 3)}
                for i, score in zip(ids[:10], retrieved.source_scores.get(name, []), strict=False)
            ]
            for name, ids in retrieved.sources.items()
        },
        "source_timings_ms": {k: round(v, 1) for k, v in retrieved.timings_ms.items()},
        "candidates": [
            {"title": title(x.item_id), "score": round(x.score, 4), "from": list(x.provenance)}
            for x in candidates
        ],
        "timings_ms": {k: round(v, 1) for k, v in timings.items()},
    }
    if ranked is not None:
        order, method = ranked
        trace["ranking"] = {
            "method": method,
            "order": [title(i) for i in order],
            "order_ids": list(order),
        }
    return trace


FeedbackKind = Literal["like", "dislike", "seen"]


def apply_feedback(state: SessionState, item_id: int, kind: FeedbackKind) -> SessionState:
    """A card button press: a new state with the item liked, disliked or marked seen."""
    new = state.copy()
    if kind == "like":
        new.mark_liked(item_id)
    elif kind == "dislike":
        new.mark_disliked(item_id)
    elif kind == "seen":
        new.mark_seen(item_id)
    else:
        raise ValueError(f"unknown feedback {kind!r}")
    return new
