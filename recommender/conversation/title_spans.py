"""Catalogue titles at a place in a message: the longest title that starts at a position
("like Heat and Fargo", "why not Aladdin?"), the one that ends at a position ("Heat was
great", "Fargo-esque"), and a capitalised name as typed ("James Bond").

A title that names several films is settled on the one the user watched or was just shown
(else the first), with a note. The request parser's passes and the questions about the picks
(:mod:`recommender.conversation.pick_questions`) share these.
"""

from __future__ import annotations

import re

from recommender.conversation.history_parser import TitleMatcher
from recommender.conversation.language import is_common_english
from recommender.conversation.periods import YEAR
from recommender.conversation.request_model import MessageText, ParsedRequest
from recommender.conversation.request_words import FILLER_WORDS, GENRE_VOCABULARY
from recommender.conversation.state import SessionState
from recommender.data.catalogue import Item

MAX_TITLE_WORDS = 8  # longest title tried after "like ..." / "seen ..."
MAX_SHORT_CHOICES = 3  # "like jurassic": one of at most this many titles, said which
# words no title is read from on their own: genre words, filler words, pronouns
NOT_TITLES = set(GENRE_VOCABULARY) | FILLER_WORDS | {"him", "her", "his", "hers", "home", "mine"}
# "Heat (1995) was great": a bracketed year right before where a title ends
_YEAR_AT_END = re.compile(rf"\s*[(\[]({YEAR})[)\]]\s*$")
# "Airplane! (1980)", "Heat. (1995)": punctuation between a title and its year
_PUNCT_YEAR = re.compile(rf"([!.?]?)\s*[(\[]({YEAR})[)\]]")


# where a title typed in a message must end: a comma or a sentence end, but not the period
# of an abbreviation ("E.T. the Extra-Terrestrial", "L.A. Confidential", "Dr. Strangelove")
_TITLE_STOP = re.compile(
    r"[?!;,]|\s{2,}"
    r"|(?<!\b[a-z])(?<!\bdr)(?<!\bmr)(?<!\bms)(?<!\bmrs)(?<!\bst)(?<!\bjr)(?<!\bvs)\.(?!\w)"
)


def title_at(
    msg: MessageText,
    start: int,
    matcher: TitleMatcher,
    state: SessionState | None,
    result: ParsedRequest,
) -> tuple[Item, int] | None:
    """The longest catalogue title starting at ``start`` (exact first, then near-exact)."""
    rest = msg.work[start:]
    stop = _TITLE_STOP.search(rest)
    rest = rest[: stop.start()] if stop else rest
    words = list(re.finditer(r"\S+", rest))[:MAX_TITLE_WORDS]
    for exact in (True, False):
        for n in range(len(words), 0, -1):
            phrase = rest[: words[n - 1].end()]
            if all(w.group() in NOT_TITLES for w in words[:n]) and not (
                exact and _typed_as_title(msg, start, words[:n])
            ):
                continue  # "like something funny": no title here ("like The Thing" is one)
            if not exact and len(phrase) < 6:
                continue
            year_match = re.match(rf"\s*[(\[]?({YEAR})[)\]]?", rest[words[n - 1].end() :])
            year = int(year_match.group(1)) if year_match else None
            found = matcher.match(phrase, year, exact_only=exact)
            if not found.items or (not exact and found.score < 90):
                continue
            if year is not None and not any(
                i.year is None or abs(i.year - year) <= 1 for i in found.items
            ):
                continue  # "like Dune (2021)": the catalogue's Dune is another film
            end = start + words[n - 1].end() + (year_match.end() if year_match else 0)
            # "Airplane! (1980)", "Heat. (1995)": the text above stopped at the punctuation
            dated = _PUNCT_YEAR.match(msg.work, end) if year_match is None else None
            if dated is not None:
                with_year = matcher.match(phrase + dated.group(1), int(dated.group(2)), exact)
                if with_year.items:
                    found, end = with_year, dated.end()
            return _settle(found.items, found.ambiguous, state, result), end
    for n in range(len(words), 1, -1):  # a sure short form: "like Willy Wonka", "Dr Strangelove"
        if any(w.group() in NOT_TITLES for w in words[:1] + words[n - 1 : n]):
            continue  # neither starts nor ends on a filler or genre word
        found = matcher.match_short(rest[: words[n - 1].end()])
        if found.items and not found.ambiguous:
            return found.items[0], start + words[n - 1].end()
    # one rare word that begins a title or two: "like (the) shawshank", "like jurassic"
    lead = 1 if words and words[0].group() == "the" and len(words) > 1 else 0
    if len(words) > lead and not is_common_english(words[lead].group()):
        found = matcher.match_short(words[lead].group())
        if 1 <= len(found.items) <= MAX_SHORT_CHOICES:
            item = _settle(found.items, len(found.items) > 1, state, result)
            return item, start + words[lead].end()
    return None


_SMALL = frozenset("a an the of and or in on at to for with from by vs".split())


def _typed_as_title(msg: MessageText, start: int, words: list[re.Match[str]]) -> bool:
    """ "like The Thing", "like Big", "like Mystery Train": words a request is full of, typed
    capitalised as a title is (not in a message in capitals, and not a genre alone: "like
    Romance")."""
    cased = msg.cased
    if cased is None or cased.upper() == cased:
        return False
    typed = [cased[start + w.start() : start + w.end()] for w in words]
    if all(w.group() in GENRE_VOCABULARY for w in words):
        return False
    return all(
        t[:1].isupper() or t[:1].isdigit() or (i and t.lower() in _SMALL)
        for i, t in enumerate(typed)
    )


def title_before(
    msg: MessageText,
    position: int,
    matcher: TitleMatcher,
    state: SessionState | None,
    result: ParsedRequest,
) -> tuple[Item, int] | None:
    """The longest catalogue title (exact) that ends at ``position``, within its clause, and
    where it begins."""
    clause = max(msg.work.rfind(mark, 0, position) for mark in ".?!;,") + 1
    dated = _YEAR_AT_END.search(msg.work, clause, position)  # "Heat (1995) was great"
    year = int(dated.group(1)) if dated else None
    end = dated.start() if dated else position
    words = list(re.finditer(r"\S+", msg.work[clause:end]))[-MAX_TITLE_WORDS:]
    for n in range(len(words), 0, -1):
        begin = clause + words[-n].start()
        if all(w.group() in NOT_TITLES for w in words[-n:]):
            continue
        found = matcher.match(msg.work[begin:end], year, exact_only=True)
        if found.items and found.score >= 95:
            return _settle(found.items, found.ambiguous, state, result), begin
    return None


def _settle(
    items: tuple[Item, ...], ambiguous: bool, state: SessionState | None, result: ParsedRequest
) -> Item:
    """Pick one of several equally good items: one the user watched or liked, else one just
    shown ("why not Heat?" right after Heat (1972) was shown means that one), else the first."""
    if not ambiguous:
        return items[0]
    known = set(state.history) | set(state.liked) if state is not None else set()
    shown = set(state.last_recommendations) if state is not None else set()
    chosen = next(
        (item for item in items if item.item_id in known),
        next((item for item in items if item.item_id in shown), items[0]),
    )
    others = ", ".join(i.display_title for i in items if i is not chosen)
    result.notes.append(
        f"I took {chosen.display_title} (not {others}); add the year to choose another."
        if others
        else f"I took {chosen.display_title}; type the full title if you meant another."
    )
    return chosen


def capitalised_run(
    msg: MessageText, start: int, filler_first: bool = False
) -> list[re.Match[str]]:
    """The capitalised words (a name as typed: "James Bond") right after ``start``; with
    ``filler_first`` the first may be a word requests are full of ("Get Out")."""
    if msg.cased is None:
        return []
    run: list[re.Match[str]] = []
    for word in re.finditer(r"\S+", msg.cased[start : start + 80]):
        text = word.group().strip(",.;!?")
        filler = text.lower() in FILLER_WORDS and not (filler_first and not run)
        if not text or not text[0].isupper() or filler:
            break
        run.append(word)
        if text != word.group():
            break  # punctuation ends the name
    return run
