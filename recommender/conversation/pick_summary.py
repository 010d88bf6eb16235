"""Answers to questions about the whole list of picks, from the picks and their evidence.

    "why these?" / "what do they have in common?"  -> what the picks share, and which of the
                                                      user's titles lead them
    "how did you pick them?"                        -> how the list is made, then the same
    "why so many crime films?"                      -> how many are, and which titles of the
                                                      user's own history lean that way
    "are they all from the 90s?" / "... comedies?"  -> yes, or no with the ones that aren't

Every number and title comes from the catalogue, the picks and the evidence the explainer
built (the history title whose removal moves a pick most); nothing is generated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from recommender.data.catalogue import Item
from recommender.llm.evidence import Evidence
from recommender.wording import CatalogueWords, join_words, md

MAX_NAMED = 3  # titles named in one sentence before "and N more"
# the picks in an order: "which one is the oldest?"; "rated" ("the highest rated one?") is
# "popular" said as such, for the catalogue holds no ratings or reviews to rank them by
ORDERS = ("oldest", "newest", "popular", "obscure", "rated")


def order_picks(kind: str, picks: Sequence[Item], viewers: dict[int, int]) -> list[Item]:
    """The picks oldest first, newest first, most watched first or least watched first
    (``viewers``: item id -> how many people here watched it); ties keep the list's own
    order."""
    if kind == "oldest":
        return sorted(picks, key=lambda i: i.year if i.year is not None else 10_000)
    if kind == "newest":
        return sorted(picks, key=lambda i: -(i.year or 0))
    if kind == "obscure":
        return sorted(picks, key=lambda i: viewers.get(i.item_id, 0))
    return sorted(picks, key=lambda i: -viewers.get(i.item_id, 0))


def summarise_picks(
    kind: str,
    picks: Sequence[Item],
    evidence: Sequence[Evidence | None],
    history: Sequence[Item],
    words: CatalogueWords,
    asked_genres: Sequence[str] = (),
    asked_years: tuple[int, int] | None = None,
    viewers: dict[int, int] | None = None,
) -> str:
    """The answer to a question of ``kind`` ("summary", "method", "genre", "all", or one of
    ``ORDERS`` with the picks already in that order) about ``picks`` (with their
    ``evidence``, same order; None where there is none)."""
    if not picks:
        return ""
    if kind in ORDERS:
        return _order_answer(kind, picks, viewers or {})
    if kind in ("all", "any", "which"):
        return _all_answer(
            picks, asked_genres, asked_years, any_of=kind != "all", which=kind == "which"
        )
    if kind == "genre":
        return _genre_answer(picks, evidence, history, asked_genres)
    if kind == "length":  # "which one is the longest?"
        return "The catalogue has no running times, so I can't say which is longest or shortest."
    if kind == "seen":  # "how many of these have I seen?"
        return (
            f"None that I know of: I never suggest a title from your {words.history} or one "
            "you told me you've seen. If you have seen some, say so (“seen 2 and 4”) and I'll "
            "replace them."
        )
    said = [_shared(picks), _leaders(evidence)]
    if kind == "method":
        said.insert(0, _method(history, words))
    return " ".join(part for part in said if part)


def _names(items: Sequence[Item]) -> str:
    shown = [md(item.display_title) for item in items[:MAX_NAMED]]
    more = len(items) - len(shown)
    return join_words([*shown, f"{more} more"] if more else shown)


def _of(count: int, total: int) -> str:
    """ "4 of the 5", "both", "all 5"."""
    if count < total:
        return f"{count} of the {total}"
    return "both" if total == 2 else f"all {total}"


def _shared(picks: Sequence[Item]) -> str:
    """ "4 of the 5 are Crime and 3 Thriller; they are from 1994 to 1998." """
    total = len(picks)
    counts = Counter(genre for item in picks for genre in item.genres)
    common = [(g, n) for g, n in counts.most_common() if n * 2 > total][:3]
    if common:
        (first, n), rest = common[0], common[1:]
        said = join_words([f"{_of(n, total)} are {first}", *(f"{m} {g}" for g, m in rest)])
    else:
        said = f"the {total} picks share no genre"
    years = sorted(item.year for item in picks if item.year is not None)
    if years:
        span = f"from {years[0]}" if years[0] == years[-1] else f"from {years[0]} to {years[-1]}"
        said += f"; they are {span}"
    return said[0].upper() + said[1:] + "."


def _leaders(evidence: Sequence[Evidence | None]) -> str:
    """ "Of your titles, Fargo (1996) leads 3 of them and Heat (1995) 1; 1 fits your list as
    a whole, with no single title deciding." """
    leads: Counter[str] = Counter()
    whole = 0
    for found in evidence:
        if found is None or not found.similar:
            continue
        if found.method == "counterfactual" and found.pivotal:
            leads[found.similar[0].display_title] += 1
        else:
            whole += 1
    parts = []
    if leads:
        ranked = leads.most_common()
        (title, n), rest = ranked[0], ranked[1:]
        named = [f"{md(title)} leads {n} of them", *(f"{md(t)} {m}" for t, m in rest)]
        parts.append("Of your titles, " + join_words(named))
    if whole:
        fits = "fits" if whole == 1 else "fit"
        parts.append(f"{whole} {fits} your list as a whole, with no single title deciding")
    return "; ".join(parts) + "." if parts else ""


def _method(history: Sequence[Item], words: CatalogueWords) -> str:
    if history:
        n = len(history)
        source = (
            f"From your {n} {words.did} {'title' if n == 1 else 'titles'}, a sequence model "
            f"(LLM2SASRec, trained on what other people {words.did}) scores every "
            f"{words.item} in the catalogue, and a text search adds ones like your titles and "
            "your words"
        )
    else:
        source = (
            f"With no {words.item} of yours to go on, the candidates come from a text search "
            f"over titles and genres (for your words, or the {words.items} you name) and from "
            f"how widely each was {words.did}"
        )
    return (
        f"{source}; what you've seen or turned down and what your request rules out are "
        f"dropped, and the best-scored are shown. Each pick's reason is the title of yours "
        "that moves it most when left out."
    )


def _genre_answer(
    picks: Sequence[Item],
    evidence: Sequence[Evidence | None],
    history: Sequence[Item],
    asked: Sequence[str],
) -> str:
    """ "why so many crime films?" """
    genre = asked[0]
    total = len(picks)
    having = [item for item in picks if genre in item.genres]
    if not having:
        return f"None of the {total} picks is listed as {genre}."
    said = f"{_of(len(having), total)} are listed as {genre}"
    said = said[0].upper() + said[1:]
    yours = [item for item in history if genre in item.genres]
    if history:
        if yours:
            said += (
                f": {len(yours)} of your {len(history)} titles are too ({_names(yours)}), "
                "and the model follows them"
            )
        else:
            said += f", though none of your {len(history)} titles is"
    led = Counter(
        e.similar[0].display_title
        for item, e in zip(picks, evidence, strict=True)
        if e is not None and e.similar and genre in item.genres and e.method == "counterfactual"
    )
    if led:
        title, n = led.most_common(1)[0]
        said += f"; {md(title)} leads {n} of them"
    return f"{said}. Say “no {genre.lower()}” to leave them out, or name a genre you'd rather have."


def _all_answer(
    picks: Sequence[Item],
    asked_genres: Sequence[str],
    asked_years: tuple[int, int] | None,
    any_of: bool = False,
    which: bool = False,
) -> str:
    """ "are they all from the 90s?", "are they all comedies?"; ``any_of``: "are any of them
    comedies?", "which ones are thrillers?" (the ones that are, named; ``which``: no yes or
    no before them)."""
    total = len(picks)
    if asked_genres:
        wanted = " or ".join(asked_genres)

        def fits(item: Item) -> bool:
            return any(g in item.genres for g in asked_genres)

        what = f"listed as {wanted}"
    elif asked_years is not None:
        lo, hi = asked_years

        def fits(item: Item) -> bool:
            return item.year is not None and lo <= item.year <= hi

        what = f"from {lo}" if lo == hi else f"from {lo}–{hi}"
    else:
        return _shared(picks)
    misses = [item for item in picks if not fits(item)]
    if any_of:  # "which ones are thrillers?" is answered without a yes or no
        hits = [item for item in picks if fits(item)]
        if not hits:
            return f"{'None' if which else 'No: none'} of the {total} is {what}."
        verb = "is" if len(hits) == 1 else "are"
        said = f"{_of(len(hits), total)} {verb} {what}: {_names(hits)}."
        return said[0].upper() + said[1:] if which else f"Yes: {said}"
    if not misses:
        return f"Yes: {_of(total, total)} are {what}."
    if len(misses) == total:
        return f"No: none of the {total} is {what}."
    return (
        f"No: {_of(total - len(misses), total)} are {what}; "
        f"{_names(misses)} {'is' if len(misses) == 1 else 'are'} not."
    )


def _order_answer(kind: str, picks: Sequence[Item], viewers: dict[int, int]) -> str:
    """ "The oldest is Heat (1995); oldest first below." """
    first = picks[0]
    if kind == "obscure":
        seen = viewers.get(first.item_id)
        said = f"The least watched here is {md(first.display_title)}"
        return said + (f" ({seen:,} viewers)" if seen else "") + "; the least watched first below."
    if kind in ("popular", "rated"):
        seen = viewers.get(first.item_id)
        said = f"The most watched here is {md(first.display_title)}"
        if kind == "rated":
            said = (
                "I have no ratings or reviews to go by, only how many people watched them. " + said
            )
        said += f" ({seen:,} viewers)" if seen else ""
        return said + "; the most watched first below."
    word = "oldest" if kind == "oldest" else "newest"
    return f"The {word} is {md(first.display_title)}; {word} first below."
