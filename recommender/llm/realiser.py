"""Deterministic wording of explanation evidence: short, varied sentences, no invented fact.

The strongest piece of evidence leads (a pivotal title's counterfactual ranks, else "fits the
list as a whole" or "simply popular", else text similarity), then one supporting fact (the
co-occurrence lift when it is strong, else shared genres or decade), then the request
constraint the item satisfies. Each kind of fact has several wordings in
``prompts/explain_phrases.json``; which one is used is drawn from a seed of the session and the
item, and a batch of items avoids reusing a wording, so a reply reads varied but the same
session always gets the same text. Every explanation with evidence names a cited pasted title.

``fact_lines`` writes the same evidence as neutral one-line facts. ``fact_record`` writes the
facts of chosen phrase kinds as a compact record with short titles (no year): the input of the
LLM realiser (``prompts/explain_evidence.txt``) and of its fine-tuning pairs, whose targets are
``realise_kinds`` of the same kinds with the same short titles, so the model never has to
write a fact it was not given.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from collections.abc import Sequence
from pathlib import Path

from recommender.data.catalogue import Item, natural_title
from recommender.llm.evidence import Evidence
from recommender.wording import join_words

GENRE_WORDS = {
    "Action": "action",
    "Adventure": "adventure",
    "Animation": "animated",
    "Children's": "children's",
    "Comedy": "comedy",
    "Crime": "crime",
    "Documentary": "documentary",
    "Drama": "drama",
    "Fantasy": "fantasy",
    "Film-Noir": "noir",
    "Horror": "horror",
    "Musical": "musical",
    "Mystery": "mystery",
    "Romance": "romance",
    "Sci-Fi": "sci-fi",
    "Thriller": "thriller",
    "War": "war",
    "Western": "western",
}
STRONG_LIFT = 2.0  # a lift this high leads the support sentence
WEAK_LIFT = 1.2  # below this a lift is not worth saying
# a pick matched on the request's words that the sequence model ranks below this is there
# for the words, not the history: said so instead of a rank change nobody would notice
FAR_RANK = 300


def genre_word(genre: str) -> str:
    return GENRE_WORDS.get(genre, genre.lower())


def with_article(word: str) -> str:
    """ "an action", "a comedy"."""
    return ("an " if word[:1] in "aeiou" else "a ") + word


def asked_plural(satisfies: Sequence[str], noun: str = "film") -> str:
    """ "comedy films from the 1980s" from ("Comedy", "1980s"); "films from 1994"."""
    phrase = asked_phrase(satisfies, noun + "s")
    return re.sub(r"^an? ", "", phrase) if phrase[:1] == "a" else f"{noun}s {phrase}".strip()


def asked_phrase(satisfies: Sequence[str], noun: str = "film") -> str:
    """ "a comedy film from the 1980s" from ("Comedy", "1980s")."""
    years = [s for s in satisfies if s[:1].isdigit() or " " in s]  # "1980s", "after 1989"
    genres = [genre_word(s) for s in satisfies if s not in years]
    parts = [with_article(join_words(genres)) + f" {noun}"] if genres else []
    for y in years:
        if re.fullmatch(r"\d{4}-\d{4}", y):  # "from 1985 to 1995", not "from 1985-1995"
            parts.append(f"from {y[:4]} to {y[5:]}")
        elif y[:1].isdigit():
            parts.append(f"from the {y}" if y.endswith("s") else f"from {y}")
        else:
            parts.append(y)
    return " ".join(parts)


def _swap_words(text: str, swaps: Sequence[Sequence[str]]) -> str:
    """``text`` with each (pattern, replacement) applied in order, placeholders untouched."""
    parts = re.split(r"(\{[a-z0-9_]+\})", text)
    for pattern, replacement in swaps:
        parts = [p if p.startswith("{") else re.sub(pattern, replacement, p) for p in parts]
    return "".join(parts)


def short_title(item: Item) -> str:
    """A title as the LLM writes it: natural order, no year, no "(a.k.a. ...)" suffix."""
    main = re.sub(r"\s*\([^)]*\)\s*$", "", item.title).strip()
    return natural_title(main or item.title)


def ordinal(n: int) -> str:
    """ "2nd", "11th", "23rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _number(value: int) -> str:
    return f"{value:,}"


def _lift(value: float) -> str:
    return f"{value:.1f}"


class Realiser:
    """Turns ``Evidence`` into one to three short sentences. Stateless; safe to share."""

    def __init__(self, phrases: dict[str, list[str]], noun: str = "film") -> None:
        self.phrases = {k: v for k, v in phrases.items() if not k.startswith("_")}
        self.noun = noun  # what one item is called in a sentence ("a comedy film")

    @classmethod
    def from_prompt_dir(cls, prompt_dir: Path, kind: str = "movies") -> Realiser:
        """The phrase bank; for another kind of catalogue (``data.kind``) its words swapped by
        ``explain_words_<kind>.json`` ("viewers" -> "shoppers", "watched" -> "bought")."""
        phrases = json.loads((Path(prompt_dir) / "explain_phrases.json").read_text("utf-8"))
        swaps_file = Path(prompt_dir) / f"explain_words_{kind}.json"
        if kind == "movies" or not swaps_file.exists():
            return cls(phrases)
        swaps = json.loads(swaps_file.read_text(encoding="utf-8"))
        swapped = {
            kind_: [_swap_words(text, swaps["replace"]) for text in texts]
            for kind_, texts in phrases.items()
            if not kind_.startswith("_")
        }
        return cls(swapped, swaps.get("noun", "item"))

    # -- values ------------------------------------------------------------------------------

    def values(self, evidence: Evidence, short: bool = False) -> dict[str, str]:
        """Every placeholder value the evidence supports (the only facts a sentence may use).

        ``short``: titles without their year (``short_title``), as the LLM realiser writes them.
        """
        name = short_title if short else (lambda item: item.display_title)
        v: dict[str, str] = {"title": name(evidence.item)}
        cited = evidence.cited
        if cited:
            v["first"] = name(cited[0].item)
            if len(cited) > 1:
                v["second"] = name(cited[1].item)
            if evidence.base_rank is not None:
                v["base"] = _number(evidence.base_rank)
            if cited[0].rank_without is not None:
                v["without"] = _number(cited[0].rank_without)
            if len(cited) > 1 and cited[1].rank_without is not None:
                v["without2"] = _number(cited[1].rank_without)
            c = cited[0]
            if c.lift is not None and c.both is not None and c.cited_users is not None:
                v["lift"] = _lift(c.lift)
                v["both"] = _number(c.both)
                v["cited_users"] = _number(c.cited_users)
            if c.shared_genres:
                v["genre"] = genre_word(c.shared_genres[0])
                v["a_genre"] = with_article(v["genre"])
                v["genres"] = join_words([genre_word(g) for g in c.shared_genres])
            if c.same_decade and evidence.item.year:
                v["decade"] = f"{evidence.item.year // 10 * 10}s"
        if evidence.item_share is not None:
            v["share"] = str(round(100 * evidence.item_share))
        if evidence.shade and evidence.shade_fit:
            v["shade"] = evidence.shade.capitalize()  # "Lighter"
            v["shade_word"] = evidence.shade  # "lighter"
            shade_words = [genre_word(g) for g in evidence.shade_fit]
            v["shade_genres"] = with_article(join_words(shade_words))
        if evidence.request_rank is not None:
            rank, total = evidence.request_rank
            v["most"] = "the most watched" if rank == 1 else f"the {ordinal(rank)} most watched"
            v["fitting"] = _number(total)
            v["kind"] = asked_plural(evidence.satisfies, self.noun)
            asked = [g for g in evidence.satisfies if g in GENRE_WORDS]
            if asked:
                v["asked_genres"] = join_words([genre_word(g) for g in asked])
        if evidence.satisfies:
            v["asked"] = asked_phrase(evidence.satisfies, self.noun)
        if evidence.asked_words:
            v["words"] = evidence.asked_words
        if evidence.asked_subject:
            v["subject"] = evidence.asked_subject
        if evidence.asked_outside is not None:
            v["outside"] = evidence.asked_outside[0]
            v["outside_genres"] = join_words([genre_word(g) for g in evidence.asked_outside[1]])
        for n, (title, genres) in enumerate(evidence.blend_of[:2], start=1):
            v[f"blend{n}"] = name(title)
            v[f"blend{n}_genres"] = join_words([genre_word(g) for g in genres])
        like = evidence.asked_like
        if like is not None:
            v["like"] = name(like.item)
            if like.lift is not None and like.both is not None and like.cited_users is not None:
                v["like_lift"] = _lift(like.lift)
                v["like_both"] = _number(like.both)
                v["like_users"] = _number(like.cited_users)
        return v

    # -- choosing ----------------------------------------------------------------------------

    def plan(self, evidence: Evidence) -> list[str]:
        """The phrase kinds to use, strongest first; "something lighter" adds how the item
        is lighter (its genre the shade leans to) at the end."""
        kinds = self._plan(evidence)
        if evidence.shade and evidence.shade_fit:
            kinds.append("shade")
        return kinds

    def _plan(self, evidence: Evidence) -> list[str]:
        cited = evidence.cited
        if not cited:  # no pasted or named title: what the request and popularity say
            popular = evidence.popular and evidence.item_share is not None
            if popular:
                lead = "cold_popular"
            elif "request" in evidence.provenance or evidence.item_share is None:
                lead = "cold"  # found by the words of the request (title and genre text)
            else:  # "what is Heat about?", or a filter's most watched: how widely it is seen
                lead = "cold_share"
            if evidence.asked_words:  # "something with dinosaurs": the words it matched lead
                lead = "cold_popular_words" if popular else "asked_words"
                lead += "" if evidence.words_named else "_near"  # only near them in meaning
            if evidence.asked_subject:  # "a prison movie": on the app's list of them
                lead = "cold_popular_subject" if popular else "asked_subject"
            if evidence.asked_outside is not None:  # "like Inception": its genres
                lead = "asked_outside"
            ranked = evidence.request_rank is not None and evidence.item_share
            if lead in ("cold_popular", "cold_share") and ranked:
                # "a comedy": the 7th most watched of the 1,090 comedy films here, and, when
                # comedy is all it is, that this puts it before more watched mixed ones
                asked = any(g in GENRE_WORDS for g in evidence.satisfies)
                pure = asked and not evidence.other_genres
                return ["cold_rank", *(["cold_pure"] if pure else [])]
            return [lead] + (["asked"] if evidence.satisfies else [])
        if evidence.method == "counterfactual" and evidence.base_rank is not None:
            if evidence.pivotal:
                two = len(cited) > 1 and cited[1].rank_without is not None
                lead = "pivotal_two" if two else "pivotal"
            else:
                flat = cited[0].rank_without is None or cited[0].rank_without <= evidence.base_rank
                lead = (
                    ("popular" if evidence.popular else "robust")
                    if not flat
                    else ("popular_flat" if evidence.popular else "flat")
                )
                if flat and evidence.history_size == 1:  # one title: "with or without it"
                    lead += "_one"
        elif evidence.method == "anchor":  # "like Titanic", or "I loved Titanic": which one
            lead = "anchor_liked" if cited[0].item.item_id in evidence.said_liked else "anchor"
        elif evidence.method == "anchor_loose":  # not among Titanic's nearest: the rest fits
            lead = "anchor_loose"
        else:
            lead = "similar_two" if len(cited) > 1 else "similar"
        kinds = [lead]
        lift, first = cited[0].lift, cited[0]
        if lift is not None and lift >= STRONG_LIFT:
            kinds.append("lift")
        elif len(first.shared_genres) > 1:
            kinds.append("genres_many")
        elif first.shared_genres:
            kinds.append("genres_one")
        elif lift is not None and lift >= WEAK_LIFT:
            kinds.append("lift")
        elif first.same_decade and evidence.item.year:
            kinds.append("decade")
        if evidence.satisfies:
            kinds.append("asked")
        like = evidence.asked_like
        if len(evidence.blend_of) > 1:  # "a cross between Alien and Groundhog Day"
            support = [] if evidence.method in ("anchor", "anchor_loose") else kinds[:1]
            kinds = ["asked_blend", *support] + (["asked"] if evidence.satisfies else [])
        elif evidence.asked_outside is not None:  # "like Inception", not in the catalogue
            kinds = ["asked_outside", kinds[0]] + (["asked"] if evidence.satisfies else [])
        elif like is not None:  # "something like Casablanca": what was asked for comes first
            strong = like.lift is not None and like.lift >= WEAK_LIFT
            said = "liked_like" if like.item.item_id in evidence.said_liked else "asked_like"
            kinds = [f"{said}_lift" if strong else said, kinds[0]]
            kinds += ["asked"] if evidence.satisfies else []
        elif evidence.asked_words or evidence.asked_subject:  # "a christmas movie" over a
            # history: the words lead, the history says why this match rather than another
            # (or that it does not); a film of the subject asked for is said to be one
            far = (
                evidence.method == "counterfactual"
                and not evidence.pivotal
                and evidence.base_rank is not None
                and evidence.base_rank > FAR_RANK
            )
            lead = "asked_subject" if evidence.asked_subject else "asked_words"
            lead += "" if evidence.asked_subject or evidence.words_named else "_near"
            kinds = [lead, "words_not_history" if far else kinds[0]]
            kinds += ["asked"] if evidence.satisfies else []
        return kinds

    def realise(
        self, evidence: Evidence, seed: int = 0, used: dict[str, set[int]] | None = None
    ) -> str:
        """The explanation of one item. ``used`` (kind -> wording indices) avoids repeats
        within a batch and is updated."""
        return self.realise_kinds(evidence, self.plan(evidence), seed, used)

    def realise_kinds(
        self,
        evidence: Evidence,
        kinds: Sequence[str],
        seed: int = 0,
        used: dict[str, set[int]] | None = None,
        short: bool = False,
    ) -> str:
        """One sentence per phrase kind of ``kinds`` (a part of ``plan``), titles ``short`` or
        with their year."""
        rng = random.Random(zlib.crc32(f"{seed}:{evidence.item.item_id}".encode()))
        values = self.values(evidence, short)
        sentences = []
        for kind in kinds:
            options = list(range(len(self.phrases[kind])))
            taken = used.setdefault(kind, set()) if used is not None else set()
            fresh = [i for i in options if i not in taken] or options
            index = rng.choice(fresh)
            taken.add(index)
            sentences.append(self.phrases[kind][index].format(**values))
        text = " ".join(sentences)
        return text[:1].upper() + text[1:]

    def realise_all(self, evidences: Sequence[Evidence], seed: int = 0) -> list[str]:
        """Explanations of a reply's items, with wordings spread across the items."""
        used: dict[str, set[int]] = {}
        return [self.realise(e, seed, used) for e in evidences]

    # -- facts for the LLM -------------------------------------------------------------------

    def fact_lines(self, evidence: Evidence) -> list[str]:
        """The evidence as neutral one-line facts (the LLM realiser's input)."""
        v = self.values(evidence)
        lines = [f"Recommended: {v['title']}."]
        if "first" not in v:
            if evidence.popular and "share" in v:
                lines.append(f"{v['share']}% of all viewers watched it.")
            return lines + self._asked_lines(v)
        cited = evidence.cited
        dropped = (
            evidence.base_rank is not None
            and cited[0].rank_without is not None
            and cited[0].rank_without > evidence.base_rank
        )
        first, base = v["first"], v.get("base")
        if "without" in v and not dropped:
            lines.append(f"It stays at #{base} without any single title, {first} included.")
        elif "without" in v:
            lines.append(f"Without {first} it would drop from #{base} to #{v['without']}.")
            if "without2" in v:
                lines.append(f"Without {v['second']} it would drop to #{v['without2']}.")
            if dropped and not evidence.pivotal:
                lines.append("No single title changes its rank much; it fits the list as a whole.")
        else:
            names = join_words([c.item.display_title for c in cited])
            said = "It is similar to"
            if evidence.method in ("anchor", "anchor_loose"):
                liked = cited[0].item.item_id in evidence.said_liked
                said = "The user liked" if liked else f"The user asked for {self.noun}s like"
            lines.append(f"{said} {names}.")
        if evidence.popular and "share" in v:
            lines.append(f"{v['share']}% of all viewers watched it.")
        if "lift" in v:
            lines.append(
                f"People who watched {v['first']} were {v['lift']}x as likely to watch it "
                f"({v['both']} of {v['cited_users']})."
            )
        if "genres" in v:
            lines.append(f"It shares {v['genres']} with {v['first']}.")
        if "decade" in v:
            lines.append(f"It is from the {v['decade']}, like {v['first']}.")
        lines += self._asked_lines(v)
        if "blend2" in v:
            lines.append(
                f"The user asked for a blend of {v['blend1']} and {v['blend2']}; it shares "
                f"{v['blend1_genres']} with {v['blend1']} and {v['blend2_genres']} with "
                f"{v['blend2']}."
            )
        if "like" in v:
            liked = evidence.asked_like is not None and (
                evidence.asked_like.item.item_id in evidence.said_liked
            )
            said = "The user liked" if liked else f"The user asked for {self.noun}s like"
            lines.append(f"{said} {v['like']}; it is among the nearest.")
        if "like_lift" in v:
            lines.append(
                f"People who watched {v['like']} were {v['like_lift']}x as likely to watch it "
                f"({v['like_both']} of {v['like_users']})."
            )
        return lines

    @staticmethod
    def _asked_lines(v: dict[str, str]) -> list[str]:
        """What the user asked for that the pick fits: a filter, then their own words."""
        lines = []
        if "asked" in v:
            lines.append(f"The user asked for this: {v['asked']}.")
        if "words" in v:
            lines.append(f"The user asked for “{v['words']}”; its title and genres match.")
        return lines

    def fact_record(self, evidence: Evidence, kinds: Sequence[str]) -> list[str]:
        """The facts of the phrase ``kinds`` as compact lines with short titles (LLM input).

        Every value comes from ``values(evidence, short=True)``: the record holds exactly what
        ``realise_kinds(evidence, kinds, short=True)`` may say.
        """
        v = self.values(evidence, short=True)
        lines = [f"item: {v['title']}"]
        for kind in kinds:
            line = _RECORD.get(kind)
            if line is not None:
                lines.append(line.format(**v))
        return lines


# one compact record line per phrase kind ("cold" needs none: the item line says it all)
_RECORD = {
    "pivotal": "key title: {first} (#{base} with it, #{without} without)",
    "pivotal_two": "key titles: {first} (#{without} without it), {second} (#{without2} without "
    "it); rank #{base}",
    "robust": "whole list; strongest: {first} (#{base} with it, #{without} without)",
    "popular": "popular: {share}% saw it; strongest: {first} (#{base} with it, #{without} without)",
    "flat": "whole list; stays #{base} without any one title, {first} included",
    "popular_flat": "popular: {share}% saw it; stays #{base} without any one title, {first} "
    "included",
    "flat_one": "one title; #{base} with or without {first}",
    "popular_flat_one": "popular: {share}% saw it; #{base} with or without {first}",
    "similar": "similar to: {first}",
    "similar_two": "similar to: {first}, {second}",
    "anchor": "asked for films like: {first}",
    "anchor_liked": "liked: {first}; among the nearest films to it",
    "anchor_loose": "asked for films like: {first}; not among its nearest, fits the rest of the "
    "request",
    "cold_popular": "popular: {share}% saw it",
    "cold_share": "watched by {share}% of viewers",
    "cold_rank": "{most} of the {fitting} {kind} here; {share}% saw it",
    "cold_pure": "genres: only {asked_genres}",
    "lift": "co-watched: {lift}x with {first} ({both} of {cited_users})",
    "genres_one": "shares with {first}: {genre}",
    "genres_many": "shares with {first}: {genres}",
    "decade": "same decade as {first}: {decade}",
    "asked": "asked for: {asked}",
    "shade": "asked for: {shade}; it is {shade_genres}",
    "asked_words": "asked for: “{words}” (title and genre match)",
    "asked_words_near": "asked for: “{words}” (title and genres near it in meaning, not naming it)",
    "cold_popular_words_near": "asked for: “{words}” (title and genres near it in meaning, not "
    "naming it); popular: {share}% saw it",
    "asked_subject": "asked for: {subject} (on the app's own list of them)",
    "asked_outside": "asked for films like: {outside} (not in the catalogue); shares its "
    "{outside_genres}",
    "cold_popular_subject": "asked for: {subject} (on the app's own list of them); popular: "
    "{share}% saw it",
    "words_not_history": "history: no pull; the sequence model's #{base}",
    "cold_popular_words": "asked for: “{words}” (title and genre match); popular: {share}% saw it",
    "asked_blend": "asked for a blend of: {blend1} (shares {blend1_genres}), {blend2} (shares "
    "{blend2_genres})",
    "asked_like": "asked for films like: {like}",
    "asked_like_lift": "asked for films like: {like}; co-watched {like_lift}x ({like_both} of "
    "{like_users})",
    "liked_like": "liked: {like}; among the nearest films to it",
    "liked_like_lift": "liked: {like}; co-watched {like_lift}x ({like_both} of {like_users})",
}
