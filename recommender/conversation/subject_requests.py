"""What a request asks of the app's own subject lists (``subjects.json``): the films asked
for, the words left to search, and when only the listed films should be shown.

Subjects, directors, actors and studios are lists the app keeps, since the catalogue has no
plots, cast, crew or studios. These helpers read a request's topic (the constraint words that
name such lists) against them; the orchestrator uses them to build the retrieval query and
to decide how a short list is shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.conversation.state import Constraints
from recommender.conversation.subjects import Subject, subject_films, subjects_in
from recommender.data.catalogue import Catalogue
from recommender.wording import join_words

MIN_SHARED_SUBJECT_FILMS = 3  # "a biopic about a musician": the films of both, when as many


def subject_lists(topic: str, catalogue: Catalogue) -> list[tuple[Subject, frozenset[int]]]:
    """The subjects ``topic`` names, each with its films in ``catalogue``."""
    return [(named, subject_films(catalogue, named.name)) for named in subjects_in(topic)]


def films_asked(topic: str, catalogue: Catalogue) -> frozenset[int]:
    """The films of the subjects ``topic`` names ("a prison movie": Shawshank, Papillon).
    Subjects whose lists share films ask for those ("a biopic about a musician": Amadeus, La
    Bamba), others for either ("vampires or zombies")."""
    lists = [films for _, films in subject_lists(topic, catalogue)]
    if not lists:
        return frozenset()
    shared = frozenset.intersection(*lists)
    return shared if len(shared) >= MIN_SHARED_SUBJECT_FILMS else frozenset().union(*lists)


def on_most_lists(items: Sequence[int], topic: str, catalogue: Catalogue) -> list[int]:
    """ "a Romero zombie film": the films on both lists first (Night of the Living Dead), then
    those on one, each group in its order (two lists sharing too few films are either)."""
    lists = [films for _, films in subject_lists(topic, catalogue)]
    if len(lists) < 2:
        return list(items)
    return sorted(items, key=lambda i: -sum(i in films for films in lists))


def searched_words(query: str) -> str:
    """The request's words without those of subjects no title says, directors among them:
    their films come from the app's list, and the words only find lookalikes ("coen
    brothers": The Brothers McMullen; "a biopic about a musician": The Specialist)."""
    return without_subject_words(query, [s for s in subjects_in(query) if not s.title_words])


def without_subject_words(query: str, subjects: Sequence[Subject]) -> str:
    """``query`` with every word of ``subjects`` taken out, longest first ("tom hanks" before
    "hanks"), as whole words."""
    for word in sorted({w for s in subjects for w in s.words}, key=len, reverse=True):
        query = re.sub(rf"(?<![\w'-]){re.escape(word)}(?![\w'-])", " ", query)
    return " ".join(query.split())


def listed_only_films(
    c: Constraints, has_history: bool, catalogue: Catalogue
) -> tuple[str, frozenset[int]] | None:
    """(label, films) when the request asks for the films of the app's lists (people,
    studios, subjects: "a Pixar movie", "something with Audrey Hepburn", "a movie with
    sharks") and there is nothing else to go on (no history, no title to be like): a short
    list is shown as it is rather than filled with the most watched films (American Beauty
    after three Pixar films, or after the four shark films). Over a history too, when the
    request is only the subject ("something by Tarantino" after a paste: his three films, not
    two more the history would bring, said to match "tarantino")."""
    if c.anchors or c.outside_anchors:
        return None
    named = subjects_in(c.topic)
    if not named or (has_history and without_subject_words(c.topic, named)):
        return None
    return join_words([s.label for s in named]), films_asked(c.topic, catalogue)
