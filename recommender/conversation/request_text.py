"""The request as the app understood it, in words: what request-aware rankers read.

A person's words vary ("something set in space", "scifi", "the nineties"); the parsed
constraints do not. Request-aware LLM-SRec heads read this canonical sentence after the
history, so they are trained and served on the same text whatever the phrasing, and a
follow-up ("make it the 80s") updates it like it updates the filters.
"""

from __future__ import annotations

from recommender.conversation.state import Constraints
from recommender.conversation.subjects import subject
from recommender.data.catalogue import Catalogue
from recommender.wording import join_words

NOTHING_ASKED = "anything good"


def describe_request(constraints: Constraints, catalogue: Catalogue) -> str:
    """``"Comedy or Drama; from 1990 to 1999; no Horror; like Heat (1995)"`` and so on."""
    c = constraints
    parts: list[str] = []
    if c.include_genres:
        joiner = " and " if c.genre_mode == "all" else " or "
        parts.append(joiner.join(c.include_genres))
    if c.prefer_genres:
        parts.append("preferably " + " or ".join(c.prefer_genres))
    if c.year_min is not None and c.year_min == c.year_max:
        parts.append(f"from {c.year_min}")
    elif c.year_min is not None and c.year_max is not None:
        parts.append(f"from {c.year_min} to {c.year_max}")
    elif c.year_min is not None:
        parts.append(f"from {c.year_min} on")
    elif c.year_max is not None:
        parts.append(f"up to {c.year_max}")
    for lo, hi in c.exclude_years:
        parts.append(f"not from {lo}" if lo == hi else f"not from {lo} to {hi}")
    if c.exclude_genres:
        parts.append("no " + ", ".join(c.exclude_genres))
    if c.exclude_title_words:
        parts.append("nothing from " + ", ".join(c.exclude_title_words))
    labels = [s.label for s in map(subject, c.exclude_subjects) if s is not None]
    if labels:
        parts.append("no " + join_words(labels, "or"))
    anchors = [catalogue.get(a).display_title for a in c.anchors if 1 <= a <= catalogue.num_items]
    if anchors:
        parts.append("like " + ", ".join(anchors))
    if c.query:
        parts.append(c.query)
    return "; ".join(parts) or NOTHING_ASKED
