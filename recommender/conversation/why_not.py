"""Why a title the user names is not among the picks ("why not Aladdin?").

The answer comes from the session itself: the title was watched, turned down or seen; the
request rules it out (a genre, a period, a franchise, sequels, "nothing like X"); or it is
allowed and simply ranks lower than the picks (the caller adds its rank from the evidence).
``ruled_out`` names every rule that keeps it out, in the user's terms.
"""

from __future__ import annotations

from recommender.conversation.newer_titles import newer_title
from recommender.conversation.request_parser import titles_with_words, year_bounds
from recommender.conversation.sequels import sequel_ids
from recommender.conversation.state import SessionState
from recommender.conversation.subjects import subject, subject_films
from recommender.data.catalogue import Catalogue, Item
from recommender.wording import md, year_span


def ruled_out(item: Item, state: SessionState, catalogue: Catalogue) -> list[str]:
    """What in the session keeps ``item`` out of the picks ([] when nothing does)."""
    i, c = item.item_id, state.constraints
    said = (
        (state.history, "it is in your watched list, and I never suggest what you've seen"),
        (state.seen, "you told me you've seen it"),
        (state.disliked, "you turned it down"),
        (  # "like Alien" earlier in the session (now, the line about anchors says it)
            [n for n in state.named if n not in c.anchors],
            "you named it as a film to go by, so I take it you know it",
        ),
        (state.skipped, "it was shown before and you asked for others"),
        (c.anchors, "it is the film you asked for more like"),
        (c.avoid, "you asked for nothing like it"),
    )
    reasons = [reason for ids, reason in said if i in ids]
    unwanted = [g for g in item.genres if g in c.exclude_genres]
    if unwanted:
        reasons.append(f"it is {' and '.join(unwanted)}, and you asked for no {unwanted[0]}")
    for together in c.exclude_genre_sets:  # "no romcoms"
        if set(together) <= set(item.genres):
            reasons.append(f"it is {' and '.join(together)}, and you asked for none of those")
    if c.include_genres:
        missing = [g for g in c.include_genres if g not in item.genres]
        if c.genre_mode == "any" and len(missing) == len(c.include_genres):
            reasons.append(f"it is none of {' or '.join(c.include_genres)}")
        elif c.genre_mode == "all" and missing:
            reasons.append(f"it isn't {' and '.join(missing)}")
    if item.year is not None:
        if (c.year_min is not None and item.year < c.year_min) or (
            c.year_max is not None and item.year > c.year_max
        ):
            span = year_span(c.year_min, c.year_max)
            reasons.append(f"it is from {item.year}, outside the years you asked for ({span})")
        for lo, hi in c.exclude_years:
            if lo <= item.year <= hi:
                reasons.append(f"it is from {item.year}, and you ruled out {year_span(lo, hi)}")
    for words in c.exclude_title_words:
        if i in titles_with_words(catalogue, [words]):
            reasons.append(f"you asked for nothing from {words.title()}")
    for name in c.exclude_subjects:
        about = subject(name)
        if about is not None and i in subject_films(catalogue, name):
            reasons.append(f"it is one of the {about.label}, and you asked for none")
    if c.exclude_sequels and i in sequel_ids(catalogue):
        reasons.append("it is a sequel, and you asked for none")
    return reasons


def unknown_title_note(name: str, catalogue: Catalogue) -> str:
    """ "why not Shrek?" when no title is called that: a film the app knows of is named with
    its year, and said to be newer than the catalogue or simply not in it ("why not
    Scarface?" had been "its newest films are from 2000" for a 1983 film)."""
    newest, _ = year_bounds(catalogue)  # computed once per catalogue
    known = newer_title(name, catalogue) if 0 < len(name) <= 60 else None
    if known is not None and newest is not None and known.year > newest:
        return (
            f"{md(known.display_title)} is newer than this catalogue, whose newest films are "
            f"from {newest}, so I can't suggest it."
        )
    if known is not None:
        return (
            f"{md(known.display_title)} is not in this catalogue (it has films of that time, "
            "but not this one), so I can't suggest it."
        )
    ends = f" (its newest films are from {newest})" if newest is not None else ""
    shown = f"“{md(name)}”" if 0 < len(name) <= 60 else "that title"
    return f"I can't find {shown} in this catalogue{ends}, so I can't suggest it."
