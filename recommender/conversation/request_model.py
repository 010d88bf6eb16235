"""What one chat message means, and the message while it is being read.

:class:`ParsedRequest` is what ``parse_request`` returns and ``apply_request`` turns into the
next session state: the refined constraints, the feedback, and the questions asked about the
picks. :class:`MessageText` is the message the parser's passes share: each pass blanks out the
span it understood (``consume``), so that later passes skip it and it is never searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from recommender.conversation.newer_titles import NewerTitle
from recommender.conversation.state import Constraints
from recommender.conversation.vocabulary import Readability

# recommend | reset: start over, nothing asked | empty: nothing said | explain: "why the 2nd
# one?" (``explain``) | chat: "hi", "thanks", "what can you do?" (``chat``)
Action = Literal[
    "recommend", "reset", "empty", "explain", "chat", "unreadable", "ask", "why_not", "chose"
]
ChatKind = Literal[
    "",
    "greeting",
    "thanks",
    "help",
    "state",
    "request",
    "plot",
    "bye",
    "about",
    "audience",
    "elsewhere",
    "real",
    "rude",
]


@dataclass
class ParsedRequest:
    """What one message means; ``apply_request`` turns it into the next session state."""

    constraints: Constraints  # the constraints to use now: previous ones refined by this message
    action: Action = "recommend"  # "empty": nothing was said; "reset": start over, nothing asked
    reset: bool = False  # the message starts over: feedback and constraints are cleared first
    clear_history: bool = False  # "forget my history": the pasted history is cleared too
    liked: list[int] = field(default_factory=list)  # items to mark liked
    disliked: list[int] = field(default_factory=list)  # items to mark disliked ("not that one")
    different: bool = False  # "something completely different": away from the last picks
    refused_tone: bool = False  # "not cheesy": a tone turned down, said as not done
    seen: list[int] = field(default_factory=list)  # items to mark seen ("I've seen it")
    skipped: list[int] = field(default_factory=list)  # last items passed over ("something else")
    # "swap the third one for something older": picks replaced where they stand; the others
    # stay, and what the message asks for applies to the replacements only (not kept)
    swap: list[int] = field(default_factory=list)
    refined: list[str] = field(default_factory=list)  # follow-ups applied: "lighter", "older", ...
    notes: list[str] = field(default_factory=list)  # for the user: assumptions, unsupported wishes
    injection_suspected: bool = False  # instruction-like text was found and stripped
    relaxed: list[str] = field(default_factory=list)  # "years" / "genres" / "sequels": dropped
    allowed_genres: list[str] = field(default_factory=list)  # "horror is fine": un-exclude
    unwanted_genres: list[str] = field(default_factory=list)  # "doesn't have to be a comedy"
    allowed_years: list[list[int]] = field(default_factory=list)  # "the 90s are fine too"
    # "Star Wars is fine after all": title words ruled out before, allowed again
    allowed_title_words: list[str] = field(default_factory=list)
    implied_excludes: list[str] = field(default_factory=list)  # "nothing scary" -> Thriller
    # "scratch the horror", "get rid of the comedy" when it was not asked for: ruled out
    dropped_genres: list[str] = field(default_factory=list)
    changes_mind: bool = False  # "actually", "instead", "make it": a new genre replaces the old
    adds_genre: bool = False  # "with some mystery to it", "plus romance": added, not a switch
    unknown_titles: list[str] = field(default_factory=list)  # "like Shrek": no catalogue title
    explain: list[int] = field(default_factory=list)  # "why the second one?": items to explain
    explain_about: bool = False  # "what is it about?": a plot is asked for, not only a reason
    # "how is Seven like Heat?": the item the one explained is set beside
    compare_with: int | None = None
    chat: ChatKind = ""  # small talk that asks for no recommendations
    # the leftover description had no known word ("asdfghjkl"): not searched, said instead
    unreadable: Readability | None = None
    language: str = ""  # the request is in another language ("Spanish"): asked, not searched
    birth_year: int | None = None  # "I was born in 1985", "I'm 35"
    pending_life: list[str] = field(default_factory=list)  # "childhood", "not:teens": no birth
    question: str = ""  # action "ask": what to ask back
    # "surprise me", "recommend something": picks are wanted even with nothing to go on
    asks_for_picks: bool = False
    undo: bool = False  # "undo that", "go back to the previous list": the constraints before
    fewer: bool = False  # "fewer picks": a shorter list than the last one
    why_not: list[int] = field(default_factory=list)  # "why not Aladdin?": items not picked
    why_not_unknown: list[str] = field(default_factory=list)  # "why not Shrek?": no such title
    asked_have: bool = False  # "do you have Casablanca?": the why-not titles were asked after
    # "would I like Casablanca?", "is Heat any good?": how well the why-not titles fit the user
    asked_fit: bool = False
    # "3 comedies and 2 horror films": how many of each genre this turn's list should hold
    genre_counts: list[tuple[str, int]] = field(default_factory=list)
    # "3 comedies from the 80s and 2 horror films from the 70s": each counted genre's own
    # period (the constraints hold the span of them all)
    genre_years: dict[str, tuple[int, int]] = field(default_factory=dict)
    # "no romcoms": genre sets whose films (having all of a set) are ruled out
    excluded_together: list[list[str]] = field(default_factory=list)
    # "like Inception": well-known films the catalogue lacks (newer_titles.json), looked for
    # by their genres and said so; never in ``unknown_titles`` too
    newer_titles: list[NewerTitle] = field(default_factory=list)
    # "no vampires", "nothing with robots": subjects (subjects.json) whose films are ruled out
    excluded_subjects: list[str] = field(default_factory=list)
    # genre words that also name a subject titles may carry ("vampires" -> Horror): searched
    # as words too, so that vampire films lead among the horror
    topics: list[str] = field(default_factory=list)
    chosen: list[int] = field(default_factory=list)  # "I'll watch the 2nd": the user's choice
    # "is the first one scary?": the genres asked about (the reply says yes or no)
    asked_genres: list[str] = field(default_factory=list)
    # "year" ("when is the 2nd from?") | "popularity" ("how popular ...") | "genre" ("what
    # genre is it?") | "people" ("who directed it?") | "length" ("how long is it?") |
    # "content" ("is it violent?": no content ratings here) | "sequel" ("is Seven a sequel?") |
    # "where" ("is it on Netflix?", "where can I watch it?": no availability data here)
    asked_about: str = ""
    # "which is scarier, the first or the third?": the comparative asked (its genre in
    # ``asked_genres``): answered by the two films' genres, the only measure there is
    asked_degree: str = ""
    asked_years: tuple[int, int] | None = None  # "are they all from the 90s?": that period
    # a question about the whole list: "summary" ("why these?", "what do they have in
    # common?"), "method" ("how did you pick them?"), "genre" ("why so many crime films?",
    # with ``asked_genres``), "all" ("are they all 90s?", "are they all comedies?"), or the
    # picks ordered: "oldest" / "newest" / "popular" ("which one is the oldest?", "sort them
    # by year", "most popular first")
    about_picks: str = ""
    focus: int | None = None  # from the session: the pick last asked about ("it" means it)
    history_add: list[int] = field(default_factory=list)  # "add Casablanca (to my list)"
    history_remove: list[int] = field(default_factory=list)  # "remove Alien from my history"
    # "no, the other Titanic", "I meant the 1953 one": (film in the history, its namesake)
    history_swap: list[tuple[int, int]] = field(default_factory=list)
    # films named only as a measure ("same director as Alien"): never offered back this turn
    referenced: list[int] = field(default_factory=list)


class MessageText:
    """The message being parsed, with consumed spans blanked out so later passes skip them."""

    def __init__(self, text: str, cased: str | None = None) -> None:
        self.original = text
        self.work = text
        # the message before lower-casing, when it lines up character for character
        self.cased = cased if cased is not None and len(cased) == len(text) else None

    def consume(self, start: int, end: int) -> None:
        self.work = self.work[:start] + " " * (end - start) + self.work[end:]

    def finditer(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        return list(pattern.finditer(self.work))
