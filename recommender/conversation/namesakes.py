"""Films of one name in a pasted list: "Titanic" is Titanic (1997) when nearly everyone here
watched that one, and is asked about when it could be either.

The history parser lists such a line as ambiguous (it knows names, not who watched what). A
list of 90s hits with "Titanic" in it had been answered "did you mean Titanic (1997) or
Titanic (1953)?" and then offered Titanic (1997) back as a pick. Here a line whose options
share one name is settled on the most watched of them when it is watched at least
``NAMESAKE_DOMINANCE`` times as often as each other one, and said so; any line still ambiguous
keeps all its options out of the picks (the user watched one of them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from recommender.conversation.history_parser import (
    AmbiguousLine,
    HistoryParse,
    MatchedLine,
    line_verdict,
)
from recommender.conversation.title_matcher import YEAR_TOLERANCE, title_key
from recommender.data.catalogue import Catalogue, natural_title

NAMESAKE_DOMINANCE = 4  # the most watched of same-named films wins at this many times the rest


def settle_namesakes(
    parsed: HistoryParse,
    catalogue: Catalogue,
    viewers: Callable[[Sequence[int]], dict[int, int]],
    elsewhere: Callable[[AmbiguousLine], bool] | None = None,
) -> HistoryParse:
    """``parsed`` with each same-name line whose most watched film dominates moved to the
    matched lines (a note says which was taken); ``viewers`` gives how many people watched
    each item. A dated export is settled too: a row with a year is never ambiguous, and a
    Netflix viewing history has no years ("Titanic",11/28/2021 had stayed a question).
    ``elsewhere``: lines that name a film the catalogue lacks ("Traffic", 2000, not Human
    Traffic), left as they are."""
    if not parsed.ambiguous:
        return parsed
    known = set(parsed.item_ids)
    matched, still, notes = list(parsed.matched), [], list(parsed.notes)
    for line in parsed.ambiguous:
        chosen = None if elsewhere and elsewhere(line) else _dominant(line, catalogue, viewers)
        if chosen is None:
            still.append(line)
            continue
        if chosen not in known:
            known.add(chosen)
            item = catalogue.get(chosen)
            # "Movies I gave up on: Titanic", "Titanic 3/10" (read when the line was)
            verdict = line.verdict or line_verdict(line.text, item)
            matched.append(
                MatchedLine(
                    chosen, item.display_title, line.line_no, line.text, 100.0, None, verdict
                )
            )
        others = [t for i, t in zip(line.options, line.option_titles, strict=True) if i != chosen]
        taken = f"I took {catalogue.get(chosen).display_title} for “{line.text}”"
        notes.append(  # "Lebowski": the one title it can be part of
            f"{taken} (not {' or '.join(others[:3])}); add the year to choose another."
            if others
            else f"{taken}; type the full title if you meant another."
        )
    matched.sort(key=lambda m: m.line_no)
    return replace(parsed, matched=matched, ambiguous=still, notes=notes)


def _dominant(
    line: AmbiguousLine,
    catalogue: Catalogue,
    viewers: Callable[[Sequence[int]], dict[int, int]],
) -> int | None:
    names = {natural_title(catalogue.get(i).title).casefold() for i in line.options}
    given = re.search(r"\(((?:18|19|20)\d\d)\)$", line.named_as)
    if given and all(_years_apart(catalogue.get(i).year, int(given[1])) for i in line.options):
        return None  # "Parasite", 2019 in a Letterboxd export: not the catalogue's of 1982
    if len(line.options) == 1 and not _words_within(line.text, next(iter(names))):
        return None  # a loose likeness ("Blade Runner: The Final Cut" to "Urban Legends: ..."),
        # not the one title a short name is part of ("Lebowski"): asked
    if len(names) != 1:
        return None  # "Batman" (1989) or "Batman Returns": different films, asked
    counts = viewers(line.options)
    ranked = sorted(line.options, key=lambda i: counts.get(i, 0), reverse=True)
    top = counts.get(ranked[0], 0)
    rest = max((counts.get(i, 0) for i in ranked[1:]), default=0)
    return ranked[0] if top > 0 and top >= NAMESAKE_DOMINANCE * rest else None


def _years_apart(year: int | None, given: int) -> bool:
    return year is not None and abs(year - given) > YEAR_TOLERANCE


def _words_within(text: str, title: str) -> bool:
    """Every word of ``text`` is a word of ``title`` ("Holy Grail" in "Monty Python and the
    Holy Grail")."""
    return set(title_key(text).split()) <= set(title_key(title).split())


def unsettled_options(parsed: HistoryParse | None) -> set[int]:
    """Every option of the lines still ambiguous: kept out of this turn's picks."""
    if parsed is None:
        return set()
    return {i for line in parsed.ambiguous for i in line.options}


def namesakes_of(catalogue: Catalogue, item_id: int) -> list[int]:
    """The other films with ``item_id``'s name ("Titanic" (1953) for Titanic (1997)), by year."""
    index = catalogue.derived("namesakes", _by_name)
    name = title_key(natural_title(catalogue.get(item_id).title))
    return [i for i in index.get(name, []) if i != item_id]


def _by_name(catalogue: Catalogue) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for item in sorted(catalogue, key=lambda i: (i.year or 0, i.item_id)):
        index.setdefault(title_key(natural_title(item.title)), []).append(item.item_id)
    return {name: ids for name, ids in index.items() if len(ids) > 1}
