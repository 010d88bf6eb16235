"""Conversation scenarios generated from held-out ML-1M test users.

Each scenario pastes a test user's last 5-20 items before their held-out test item (as titles,
or as a dated Letterboxd export) and asks for something built from that held-out target: one
of its genres, its decade, a period around its year, a genre or decade it is *not*, an anchor
from the history, a count; then one or two follow-ups that tighten, relax or drop a constraint,
or give feedback on the previous reply ("not the first one", "seen the second one"). Requests
are phrased from a bank of everyday phrasings. Expectations follow the constraints (carried
over between turns) and are checked for feasibility on the catalogue, so a clean turn is
possible. The target satisfies every constraint of the first turn by construction, so its
HR@10 given the request is the accuracy that matters in a conversation.

The output holds MovieLens-derived histories; MovieLens may not be redistributed, so the file
is built on demand into ``benchmarks/scenarios/generated_ml1m.jsonl`` (git-ignored), the same
for the same seed.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from recommender.data import Dataset
from recommender.data.catalogue import Catalogue, Item

# everyday words per catalogue genre (the request vocabulary people use)
GENRE_WORDS: dict[str, list[str]] = {
    "Action": ["action", "an action movie", "something action-packed", "action flicks"],
    "Adventure": ["an adventure", "adventure movies", "something adventurous"],
    "Animation": ["animated", "a cartoon", "an animated film", "animation"],
    "Children's": ["for the kids", "a kids movie", "family-friendly", "something for children"],
    "Comedy": ["funny", "a comedy", "something to laugh at", "comedies", "something hilarious"],
    "Crime": ["crime", "a crime movie", "a gangster film", "a heist movie"],
    "Documentary": ["a documentary", "documentaries"],
    "Drama": ["a drama", "something dramatic", "dramas"],
    "Fantasy": ["fantasy", "something magical", "a fantasy film"],
    "Film-Noir": ["film noir", "a noir"],
    "Horror": ["horror", "something scary", "a horror movie", "something creepy"],
    "Musical": ["a musical", "musicals"],
    "Mystery": ["a mystery", "a whodunit", "mysteries"],
    "Romance": ["romantic", "a romance", "a love story", "something romantic"],
    "Sci-Fi": ["sci-fi", "science fiction", "something set in space", "scifi"],
    "Thriller": ["a thriller", "something suspenseful", "thrillers"],
    "War": ["a war movie", "war films", "something about war"],
    "Western": ["a western", "westerns", "a cowboy movie"],
}
# how people negate a genre word: {w} is a bare genre noun ("horror", "musicals")
GENRE_NOUNS: dict[str, list[str]] = {
    "Action": ["action"],
    "Animation": ["cartoons", "animation"],
    "Children's": ["kids movies", "kids stuff"],
    "Comedy": ["comedies", "comedy"],
    "Crime": ["crime"],
    "Documentary": ["documentaries"],
    "Drama": ["drama", "dramas"],
    "Fantasy": ["fantasy"],
    "Horror": ["horror", "anything scary"],
    "Musical": ["musicals"],
    "Romance": ["romance", "romantic stuff"],
    "Sci-Fi": ["sci-fi", "science fiction"],
    "Thriller": ["thrillers"],
    "War": ["war movies", "war"],
    "Western": ["westerns"],
}
NEGATE_GENRE = [
    "no {w}",
    "nothing with {w}",
    "anything but {w}",
    "without {w}",
    "I'm not in the mood for {w}",
    "skip the {w}",
    "please no {w}",
    "I can't stand {w}",
    "not {w}",
]
DECADE_FORMS = [
    "the {d2}s",
    "the {d4}s",
    "the '{d2}s",
    "{word}",
    "the {word}",
]
DECADE_WORDS = {
    1920: "twenties",
    1930: "thirties",
    1940: "forties",
    1950: "fifties",
    1960: "sixties",
    1970: "seventies",
    1980: "eighties",
    1990: "nineties",
}
WANT_DECADE = [
    "something from {p}",
    "from {p} please",
    "a movie made in {p}",
    "{p} stuff",
    "anything from {p}",
]
NEGATE_DECADE = [
    "not from {p}",
    "skip {p}",
    "nothing from {p}",
    "anything but {p}",
    "no {p} movies",
    "but not {p}",
]
BEFORE = ["before {y}", "older than {y}", "made before {y}", "pre-{y}", "released before {y}"]
AFTER = ["after {y}", "newer than {y}", "made after {y}", "released after {y}", "post-{y}"]
BETWEEN = ["between {a} and {b}", "from {a} to {b}", "{a}-{b}", "released between {a} and {b}"]
COUNTS = {
    2: ["two", "2", "a couple of"],
    3: ["three", "3", "a few"],
    4: ["four", "4"],
    6: ["six", "6"],
    7: ["7", "seven"],
    8: ["8", "eight"],
    10: ["10", "ten"],
}
COUNT_FORMS = ["give me {n} {g}", "{n} {g} please", "show me {n} {g}", "just {n} {g}"]
ANCHOR = [
    "something like {t}",
    "more like {t}",
    "similar to {t}",
    "anything in the vein of {t}",
    "I loved {t}, more of that",
]
NOT_FIRST = ["not the first one", "not that first one", "drop the first one", "no to #1"]
SEEN = [
    ("I've seen the second one", [2]),
    ("already watched the third one", [3]),
    ("seen the first and the second", [1, 2]),
    ("I saw #4 already", [4]),
    ("seen the last one", [5]),
]
SOMETHING_ELSE = ["something else", "show me different ones", "none of these, other options"]
RELAX_YEARS = [
    "any decade is fine",
    "actually the year doesn't matter",
    "forget the decade",
    "any era works",
]
TIGHTEN_DECADE = ["only from {p}", "make it {p}", "just {p} ones", "and from {p}"]
CATEGORIES = ("genres", "years", "negation", "counts", "titles")
# a typed list may be in watch order (a diary) or in no order at all (typed from memory)
PASTE_FORMATS = ("lines", "lines_any_order", "letterboxd")
MIN_SPARE = 25  # a turn needs this many fitting items beyond k (history and replies go)


@dataclass
class _Active:
    """The expectations carried from turn to turn (what a follow-up must still respect)."""

    genres_any: list[str] = field(default_factory=list)
    genres_none: list[str] = field(default_factory=list)
    years: list[int] | None = None
    years_not: list[int] | None = None
    k: int | None = None

    def expect(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.genres_any:
            out["genres_any"] = list(self.genres_any)
        if self.genres_none:
            out["genres_none"] = list(self.genres_none)
        if self.years:
            out["years"] = list(self.years)
        if self.years_not:
            out["years_not"] = list(self.years_not)
        if self.k:
            out["k"] = self.k
        return out


def _fits(item: Item, active: _Active) -> bool:
    genres = set(item.genres)
    if active.genres_any and not genres & set(active.genres_any):
        return False
    if genres & set(active.genres_none):
        return False
    if active.years and (item.year is None or not active.years[0] <= item.year <= active.years[1]):
        return False
    if active.years_not and item.year is not None:
        if active.years_not[0] <= item.year <= active.years_not[1]:
            return False
    return True


def _feasible(catalogue: Catalogue, active: _Active, spare: int = MIN_SPARE) -> bool:
    need = (active.k or 5) + spare
    return sum(1 for item in catalogue if _fits(item, active)) >= need


def _decade_phrase(rng: random.Random, decade: int) -> str:
    form = rng.choice(DECADE_FORMS)
    if "{word}" in form and decade not in DECADE_WORDS:
        form = "the {d4}s"
    return form.format(d2=str(decade)[2:], d4=decade, word=DECADE_WORDS.get(decade, ""))


def paste_history(rng: random.Random, catalogue: Catalogue, items: list[int], times: list[int]):
    """The history as a person pastes it: titles, sometimes a dated Letterboxd export."""
    kind = rng.choice(PASTE_FORMATS)
    if kind == "lines":
        return "\n".join(catalogue.get(i).display_title for i in items), kind
    if kind == "lines_any_order":
        shuffled = list(items)
        rng.shuffle(shuffled)
        return "\n".join(catalogue.get(i).display_title for i in shuffled), kind
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Date", "Name", "Year", "Letterboxd URI"])
    for item_id, stamp in zip(items, times, strict=True):
        item = catalogue.get(item_id)
        day = datetime.fromtimestamp(stamp, tz=UTC).strftime("%Y-%m-%d")
        name = item.display_title
        if item.year is not None:
            name = name.removesuffix(f" ({item.year})")
        writer.writerow([day, name, item.year or "", f"https://boxd.it/{item_id:x}"])
    return buffer.getvalue(), kind


def _first_turn(
    rng: random.Random, category: str, target: Item, history: list[Item], catalogue: Catalogue
) -> tuple[str, _Active] | None:
    active = _Active()
    decade = (target.year // 10) * 10 if target.year else None
    genres = [g for g in target.genres if g in GENRE_WORDS]
    if category == "genres" and genres:
        genre = rng.choice(genres)
        active.genres_any = [genre]
        say = rng.choice(GENRE_WORDS[genre])
        if decade and rng.random() < 0.4:
            active.years = [decade, decade + 9]
            say += rng.choice([" from ", ", ", " made in ", " from "]) + _decade_phrase(rng, decade)
        return say, active
    if category == "years" and target.year:
        roll = rng.random()
        if roll < 0.4 and decade:
            active.years = [decade, decade + 9]
            return rng.choice(WANT_DECADE).format(p=_decade_phrase(rng, decade)), active
        if roll < 0.6:
            bound = target.year + rng.randint(1, 6)
            active.years = [1900, bound - 1]
            return rng.choice(BEFORE).format(y=bound), active
        if roll < 0.8:
            bound = target.year - rng.randint(1, 6)
            active.years = [bound + 1, 2000]
            return rng.choice(AFTER).format(y=bound), active
        a, b = target.year - rng.randint(0, 5), target.year + rng.randint(0, 5)
        active.years = [a, min(b, 2000)]
        return rng.choice(BETWEEN).format(a=a, b=min(b, 2000)), active
    if category == "negation":
        if rng.random() < 0.5 and decade:
            others = [d for d in range(1930, 2000, 10) if d != decade]
            other = rng.choice(others)
            active.years_not = [other, other + 9]
            lead = rng.choice(["", "something good, ", "a good movie but ", "hmm, "])
            return lead + rng.choice(NEGATE_DECADE).format(p=_decade_phrase(rng, other)), active
        unwanted = [g for g in GENRE_NOUNS if g not in target.genres]
        genre = rng.choice(unwanted)
        active.genres_none = [genre]
        say = rng.choice(NEGATE_GENRE).format(w=rng.choice(GENRE_NOUNS[genre]))
        if genres and rng.random() < 0.5:
            wanted = rng.choice(genres)
            active.genres_any = [wanted]
            say = rng.choice(GENRE_WORDS[wanted]) + ", " + say
        return say, active
    if category == "counts" and genres:
        n = rng.choice(sorted(COUNTS))
        genre = rng.choice(genres)
        active.k, active.genres_any = n, [genre]
        noun = rng.choice(GENRE_NOUNS.get(genre, [genre.lower()]))
        say = rng.choice(COUNT_FORMS).format(n=rng.choice(COUNTS[n]), g=noun)
        return say, active
    if category == "titles" and history:
        shared = [h for h in history if set(h.genres) & set(target.genres)] or history
        anchor = rng.choice(shared)
        return rng.choice(ANCHOR).format(t=anchor.display_title), active
    return None


def _follow_up(
    rng: random.Random, active: _Active, target: Item
) -> tuple[str, dict[str, Any], str] | None:
    """One follow-up turn: (say, expect, category); updates ``active``."""
    decade = (target.year // 10) * 10 if target.year else None
    roll = rng.random()
    if roll < 0.2:
        say = rng.choice(NOT_FIRST)
        return say, {**active.expect(), "exclude_previous": [1]}, "feedback"
    if roll < 0.4:
        say, ranks = rng.choice(SEEN)
        if "last" in say:
            ranks = [active.k or 5]  # the last pick is #k, whatever k is
        ranks = [r for r in ranks if r <= (active.k or 5)]
        if not ranks:
            return None
        return say, {**active.expect(), "exclude_previous": ranks}, "feedback"
    if roll < 0.5:
        n = active.k or 5
        say = rng.choice(SOMETHING_ELSE)
        return say, {**active.expect(), "exclude_previous": list(range(1, n + 1))}, "follow-ups"
    if roll < 0.65 and (active.years or active.years_not):
        active.years = active.years_not = None
        return rng.choice(RELAX_YEARS), active.expect(), "follow-ups"
    if roll < 0.8 and decade and not active.years and not active.years_not:
        active.years = [decade, decade + 9]
        say = rng.choice(TIGHTEN_DECADE).format(p=_decade_phrase(rng, decade))
        return say, active.expect(), "follow-ups"
    if roll < 0.9:
        unwanted = [g for g in GENRE_NOUNS if g not in target.genres and g not in active.genres_any]
        genre = rng.choice(unwanted)
        if genre not in active.genres_none:
            active.genres_none = [*active.genres_none, genre]
        say = rng.choice(NEGATE_GENRE).format(w=rng.choice(GENRE_NOUNS[genre]))
        return say, active.expect(), "negation"
    n = rng.choice([3, 4, 6])
    active.k = n
    word = rng.choice(COUNTS.get(n, [str(n)]))
    say = rng.choice([f"just {word}", f"give me {word}", f"{word} more"])
    return say, active.expect(), "counts"


def generate(
    dataset: Dataset, n: int, seed: int = 0, spare: int = MIN_SPARE
) -> list[dict[str, Any]]:
    """``n`` scenarios from distinct test users (a fixed seed gives the same list).

    ``spare``: how many fitting items a turn needs beyond its count (feasibility).
    """
    rng = random.Random(seed)
    catalogue = dataset.catalogue
    users = list(range(dataset.num_users))
    rng.shuffle(users)
    out: list[dict[str, Any]] = []
    for user in users:
        if len(out) == n:
            break
        sequence = dataset.split.history(user, "test")
        length = rng.randint(5, 20)
        if len(sequence) < length:
            continue
        target_id = dataset.sequences[user][-1]
        ids = sequence[-length:]
        times = dataset.timestamps[user][len(sequence) - length : len(sequence)]
        history = catalogue.many(ids)
        target = catalogue.get(target_id)
        category = CATEGORIES[len(out) % len(CATEGORIES)]
        first = _first_turn(rng, category, target, history, catalogue)
        if first is None:
            continue
        say, active = first
        if not _feasible(catalogue, active, spare):
            continue
        paste, paste_format = paste_history(rng, catalogue, ids, list(times))
        turns = [{"say": say, "expect": active.expect(), "category": category}]
        for _ in range(rng.choice([1, 1, 2])):
            follow = _follow_up(rng, active, target)
            if follow is None or not _feasible(catalogue, active, spare):
                break
            turns.append({"say": follow[0], "expect": follow[1], "category": follow[2]})
        out.append(
            {
                "id": f"gen-{len(out):04d}-u{user}",
                "category": category,
                "history": paste,
                "turns": turns,
                "paste_format": paste_format,
                "history_ids": ids,
                "target": target_id,
            }
        )
    return out


def scenario_user(scenario_id: str) -> int:
    """The ML-1M user a scenario of :func:`generate` or :func:`request_scenarios` was built from."""
    return int(scenario_id.rsplit("-u", 1)[1].split("-", 1)[0])


def request_scenarios(
    dataset: Dataset,
    users: list[int],
    n: int,
    seed: int = 0,
    per_user: int = 1,
    spare: int = MIN_SPARE,
) -> list[dict[str, Any]]:
    """``n`` one-turn scenarios for training and tuning request-aware rankers: the same
    requests, pastes and feasibility rules as :func:`generate`, but never the test item.

    Each of ``users`` (in the order given) gives up to ``per_user`` scenarios: the first one's
    target is the user's validation item, the others' are earlier items of their sequence at
    random, each with the 5-20 items before it as the paste. The list is prefix-stable: the
    first ``m`` scenarios are the same for any ``n >= m``.
    """
    rng = random.Random(seed)
    catalogue = dataset.catalogue
    out: list[dict[str, Any]] = []
    for user in users:
        sequence = dataset.sequences[user]
        earlier = list(range(5, len(sequence) - 2))
        rng.shuffle(earlier)
        for position in [len(sequence) - 2, *earlier[: per_user - 1]]:
            if len(out) == n:
                return out
            length = rng.randint(5, 20)
            if position < length:
                continue
            ids = list(sequence[position - length : position])
            times = list(dataset.timestamps[user][position - length : position])
            target = catalogue.get(sequence[position])
            category = CATEGORIES[len(out) % len(CATEGORIES)]
            first = _first_turn(rng, category, target, catalogue.many(ids), catalogue)
            if first is None or not _feasible(catalogue, first[1], spare):
                continue
            paste, paste_format = paste_history(rng, catalogue, ids, times)
            out.append(
                {
                    "id": f"req-{len(out):05d}-u{user}-p{position}",
                    "category": category,
                    "history": paste,
                    "turns": [{"say": first[0], "expect": first[1].expect(), "category": category}],
                    "paste_format": paste_format,
                    "history_ids": ids,
                    "target": int(sequence[position]),
                }
            )
    return out
