"""The grounding filter: a sentence may state only what the evidence holds.

A sentence is rejected when it names a catalogue title other than the item and its cited
titles, a year or any other number the evidence does not contain ("Manhattan (20th century,
75 years ago)"), a genre the item does not have ("a classic crime thriller" for a comedy), or a
capitalised name that appears nowhere in the evidence (a director, an actor, a place), or a
claim about the film's making or reception ("directed by", "an award-winning classic", "praised
by critics"): the evidence holds none of those, so a small model that states them is guessing.
The same check counts hallucinations in ``benchmarks/explanations.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recommender.data.catalogue import Catalogue, Item, natural_title
from recommender.llm.evidence import CitedItem, Evidence
from recommender.llm.realiser import GENRE_WORDS, Realiser

_WORD = re.compile(r"[\w'&!?-]+")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_YEAR = re.compile(r"\b(?:18|19|20)\d\d\b")
_RANK = re.compile(r"#(\d+(?:,\d{3})*)")
_CAPITALISED = re.compile(r"\b[A-Z][\w'-]*")
_ORDINAL = re.compile(r"\bthe (first|second)\b", re.IGNORECASE)
_R = r"#(\d+(?:,\d{3})*)"
_THEM = re.compile(
    _R + r" and " + _R + r" without them|without them,? (?:it is |it's |it would "
    r"be )?" + _R + r" and " + _R
)
_NEXT_WITHOUT = re.compile(r"(?:" + _R + r"\s+)?\bwithout\b")
_WITHOUT_THEM = re.compile(r"\bwithout (?:them|both)\b", re.IGNORECASE)
_FROM_TO = re.compile(r"from " + _R + r" to " + _R + r"|to " + _R + r" from " + _R)
_DROP = re.compile(r"\b(?:drops?|dropping|falls?|falling|slides?|sinks?|down)\b")
_LIFT = re.compile(r"\b(?:lifts?|lifting|moving|moves?|push\w*|up|raises?|nudges?)\b")
# spoken forms of each genre (lower case, regex); a mention of a genre the item lacks is a
# wrong fact. "war" only as a whole word ("award", "Star Wars" titles are removed first).
_GENRE_PATTERNS = {
    "Action": r"\baction\b",
    "Adventure": r"\badventur",
    "Animation": r"\banimat",
    "Children's": r"\bchildren|\bkids?\b",
    "Comedy": r"\bcomed|\bcomic\b|\bfunny\b",
    "Crime": r"\bcrime|\bcriminal",
    "Documentary": r"\bdocumentar",
    "Drama": r"\bdrama",
    "Fantasy": r"\bfantas",
    "Film-Noir": r"\bnoir\b",
    "Horror": r"\bhorror",
    "Musical": r"\bmusical",
    "Mystery": r"\bmyster",
    "Romance": r"\bromanc|\bromantic",
    "Sci-Fi": r"\bsci-fi\b|\bscience fiction",
    "Thriller": r"\bthriller",
    "War": r"\bwar\b|\bwartime\b",
    "Western": r"\bwestern\b",
}
# claims about a film's making, cast or reception (lower case, whole words): no evidence holds
# them. Checked after the allowed titles are removed ("Almost Famous", "The Jungle Book").
_CLAIMS = re.compile(
    r"\b(?:direct(?:ed|or|ors|s)|starr(?:ing|ed)|stars|actors?|actress(?:es)?|cast|plot"
    r"|based on|novels?|books?|sequels?|prequels?|remakes?|awards?|award-winning|oscars?"
    r"|nominat\w*|acclaim\w*|prais\w*|critic\w*|classics?|iconic|cult|masterpieces?"
    r"|box office|blockbusters?|released|influential|in history|legendary|beloved|famous)\b"
)
# capitalised words that are no fact: pronouns, openers, the project's own names
_COMMON_CAPITALISED = frozenset(
    "I I'm I've I'd You You're Your It It's Its If Like And But So As The A An This That "
    "These Those Take Remove Dropping No Lots Part Two Viewers People Of Many Recommended "
    "Without With Also Both Here There We They He She His Her LLM2SASRec SASRec".split()
)


class TitleMatcher:
    """Finds catalogue titles named in a text (case-sensitive, whole words).

    Titles are matched as users and models write them ("The Matrix", also with its year); a
    one-word title of four letters or fewer ("Heat", "Big") counts only with its year, since
    such words occur in ordinary sentences.
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for item in catalogue:
            for name in self.names(item):
                words = tuple(_WORD.findall(name))
                if not words:
                    continue
                if len(words) == 1 and len(words[0]) <= 4 and not name.endswith(")"):
                    continue
                self._by_first.setdefault(words[0], []).append((words, item.item_id))

    @staticmethod
    def names(item: Item) -> set[str]:
        """How a title may be written: natural order, without an "(a.k.a. ...)", with year."""
        main = re.sub(r"\s*\([^)]*\)\s*$", "", item.title).strip()  # "(a.k.a. ...)" suffixes
        names = {natural_title(item.title), natural_title(main)}
        names |= {n.rstrip("?!") for n in names}  # "Who Framed Roger Rabbit" without its "?"
        if item.year:
            names |= {f"{n} ({item.year})" for n in list(names)}
        return {n for n in names if n}

    def find(self, text: str) -> set[int]:
        """Ids of the catalogue items whose titles occur in ``text``."""
        words = _WORD.findall(text)
        found: set[int] = set()
        for start, word in enumerate(words):
            for title_words, item_id in self._by_first.get(word, ()):
                if tuple(words[start : start + len(title_words)]) == title_words:
                    found.add(item_id)
        return found


@dataclass(frozen=True)
class Allowed:
    """What a sentence about one item may mention."""

    item_ids: frozenset[int]
    names: tuple[str, ...]  # title spellings, longest first
    numbers: frozenset[str]
    genres: frozenset[str]
    words: frozenset[str]  # capitalised words found in the evidence
    title_words: frozenset[str] = frozenset()  # ... only in its titles (alone: a cut title)


def names_title(text: str, name: str) -> bool:
    """Whether ``text`` contains the title ``name``: exactly, or in any letter case when it has
    several words ("Out Of Sight"; a one-word title in lower case is an ordinary word)."""
    return name in text or (" " in name and name.lower() in text.lower())


def _remove_name(text: str, name: str) -> str:
    """``text`` with every mention of the title ``name`` (as ``names_title`` finds them) blanked."""
    text = text.replace(name, " ")
    if " " in name:
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    return text


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


class Grounding:
    """Checks sentences against an item's evidence."""

    def __init__(self, catalogue: Catalogue, realiser: Realiser) -> None:
        self.matcher = TitleMatcher(catalogue)
        self.realiser = realiser

    def allowed(self, evidence: Evidence) -> Allowed:
        items = evidence.named
        names = sorted(
            {n for i in items for n in (*TitleMatcher.names(i), i.display_title)},
            key=len,
            reverse=True,
        )
        facts = " ".join([*self.realiser.values(evidence).values(), *evidence.satisfies])
        numbers = _numbers(facts) | {str(i.year) for i in items if i.year}
        for i in items:
            if i.year:
                numbers |= {f"{i.year // 10 * 10}", f"{i.year // 10 * 10 % 100:02d}"}
        for c in (*evidence.cited, *([evidence.asked_like] if evidence.asked_like else [])):
            if c.lift is not None:
                numbers.add(str(round(c.lift)))
        values = self.realiser.values(evidence)
        plain = [v for k, v in values.items() if k not in ("title", "first", "second", "like")]
        words = set(_CAPITALISED.findall(" ".join([*plain, *evidence.satisfies])))
        words |= {g for g in evidence.item.genres} | {w.capitalize() for w in GENRE_WORDS.values()}
        title_words = set(_CAPITALISED.findall(" ".join(names))) - words - _COMMON_CAPITALISED
        return Allowed(
            item_ids=frozenset(i.item_id for i in items),
            names=tuple(names),
            numbers=frozenset(numbers),
            genres=frozenset(evidence.item.genres),
            words=frozenset(words | title_words),
            title_words=frozenset(title_words),
        )

    def violations(self, sentence: str, evidence: Evidence) -> list[str]:
        """What in ``sentence`` the evidence does not support (empty: the sentence is clean)."""
        allowed = self.allowed(evidence)
        found = []
        for item in evidence.named:  # a given title with another's year
            for name in TitleMatcher.names(item):
                if name.endswith(")"):
                    continue
                for year in re.findall(re.escape(name) + r"\s*\((\d{4})\)", sentence):
                    if item.year is None or int(year) != item.year:
                        found.append(f"year:{year} for {name}")
        found += self._rank_violations(sentence, evidence)
        rest = sentence
        for name in allowed.names:  # the allowed titles' own words and numbers are fine
            rest = _remove_name(rest, name)
        # looked for in what is left, so that a remake's shared name does not count
        other = self.matcher.find(rest) - allowed.item_ids
        if other:
            found.append(f"title:{sorted(other)}")
        for year in _YEAR.findall(rest):
            if year not in allowed.numbers:
                found.append(f"year:{year}")
        for number in _numbers(rest):
            if number not in allowed.numbers and not _YEAR.fullmatch(number):
                found.append(f"number:{number}")
        lower = rest.lower()
        for genre, pattern in _GENRE_PATTERNS.items():
            if genre not in allowed.genres and re.search(pattern, lower):
                found.append(f"genre:{genre}")
        found += [f"claim:{claim}" for claim in _CLAIMS.findall(lower)]
        words = _CAPITALISED.findall(rest)
        first = _CAPITALISED.match(rest.lstrip())
        for n, word in enumerate(words):
            if n == 0 and first and first.group(0) == word:
                continue  # the sentence's first word is capitalised anyway
            bare = word[:-2] if word.endswith("'s") else word
            if bare in allowed.title_words:  # the full titles are gone: a piece of one is left
                found.append(f"partial title:{bare}")
            elif bare not in allowed.words and bare not in _COMMON_CAPITALISED:
                found.append(f"name:{bare}")
        return found

    @staticmethod
    def _rank_violations(sentence: str, evidence: Evidence) -> list[str]:
        """Ranks must be the evidence's and bound to the right title.

        Every "#N" is the base rank or a cited title's rank without it, and where the sentence
        ties a rank to a title it must be that title's:

        - after "without <cited title>" (or "without the first/second"), up to the next cited
          title or the clause's end, a rank is the base rank or that title's own ("without
          Jerry Maguire it would drop to #12" when #12 is the rank without another title is a
          wrong fact made of right numbers); "#N without <title>" is that title's rank;
        - "<title> (#N ...)": the ranks in a parenthesis right after a title are the base rank
          or that title's (unless the parenthesis speaks of "them");
        - "#A and #B without them" / "without them it is #A and #B": in the order the titles
          were named; any other rank "without them" is a fact the evidence does not hold (it
          leaves out one title at a time);
        - a sentence that refers to only one of several cited titles states only its rank;
        - "from #A to #B": the base rank and a rank without a title, never the same twice; a
          drop goes from the base rank, a lift to it.
        """
        base = evidence.base_rank
        ranks = {base} | {c.rank_without for c in evidence.cited}
        found = [f"rank:#{n}" for n in _RANK.findall(sentence) if _int(n) not in ranks]
        mentions: dict[int, tuple[int, CitedItem]] = {}  # start -> (end, cited), longest name
        for cited in evidence.cited:
            for name in TitleMatcher.names(cited.item) | {cited.item.display_title}:
                for m in re.finditer(re.escape(name), sentence):
                    if m.start() not in mentions or mentions[m.start()][0] < m.end():
                        mentions[m.start()] = (m.end(), cited)
        titles = dict(mentions)  # only the names (the ordinals below refer back to them)
        for m in _ORDINAL.finditer(sentence):
            index = 0 if m.group(1).lower() == "first" else 1
            if index < len(evidence.cited) and m.start() not in mentions:
                mentions[m.start()] = (m.end(), evidence.cited[index])

        def label(cited: CitedItem) -> str:
            return natural_title(cited.item.title)

        for start, (end, cited) in sorted(mentions.items()):
            if sentence[:start].rstrip().lower().endswith("without"):
                later = [s for s, (_, other) in mentions.items() if s >= end and other is not cited]
                rest = sentence[end : min([*later, len(sentence)])]
                span = re.split(r"[.;]", rest)[0]
                cut = _NEXT_WITHOUT.search(span)  # "#N without Y" belongs to Y
                for n in _RANK.findall(span[: cut.start()] if cut else span):
                    if _int(n) not in (base, cited.rank_without):
                        found.append(f"rank:#{n} without {label(cited)}")
                before = re.search(r"#(\d+(?:,\d{3})*)\s+without\s*$", sentence[:start])
                if before and _int(before.group(1)) != cited.rank_without:
                    found.append(f"rank:#{before.group(1)} without {label(cited)}")
            if start in titles:
                after = re.match(r"\s*\(([^)]*)\)", sentence[end:])
                if after and "them" not in after.group(1).lower():
                    for n in _RANK.findall(after.group(1)):
                        if _int(n) not in (base, cited.rank_without):
                            found.append(f"rank:#{n} for {label(cited)}")
        named: list[CitedItem] = []
        for _, (_, cited) in sorted(titles.items()):
            if all(cited is not c for c in named):
                named.append(cited)
        referred = {id(c) for _, c in mentions.values()}
        if len(evidence.cited) > 1 and len(referred) == 1:
            (only,) = [c for c in evidence.cited if id(c) in referred]
            for n in _RANK.findall(sentence):
                if _int(n) not in (base, only.rank_without):
                    found.append(f"rank:#{n} with only {label(only)} named")
        pairs = list(_THEM.finditer(sentence))
        for m in pairs:
            pair = [_int(g) for g in m.groups() if g is not None]
            expected = [c.rank_without for c in named[:2]]
            if len(named) >= 2 and pair != expected:
                found.append(f"rank order:{m.group(0)}")
        for m in _WITHOUT_THEM.finditer(sentence):  # one rank for both titles removed at once
            if any(t.start() <= m.start() < t.end() for t in pairs):
                continue
            clause = re.split(r"[.;,]|\bwithout\b", sentence[m.end() :])[0]
            if _RANK.search(clause) or re.search(r"#[\d,]+\s*$", sentence[: m.start()]):
                found.append(f"rank without them:{m.group(0)}")
        lower = sentence.lower()
        drop = bool(_DROP.search(lower))
        lift = bool(_LIFT.search(lower))
        withouts = {c.rank_without for c in evidence.cited}
        for m in _FROM_TO.finditer(sentence):
            if m.group(1) is not None:
                source, target = _int(m.group(1)), _int(m.group(2))
            else:
                target, source = _int(m.group(3)), _int(m.group(4))
            if source == target or base not in (source, target):
                found.append(f"rank move:{m.group(0)}")
            elif ({source, target} - {base}) - withouts:
                found.append(f"rank move:{m.group(0)}")
            elif drop and not lift and source != base:
                found.append(f"rank drop:{m.group(0)}")
            elif lift and not drop and target != base:
                found.append(f"rank lift:{m.group(0)}")
        return found

    def names_cited(self, text: str, evidence: Evidence) -> bool:
        """Whether ``text`` names at least one cited (pasted) title."""
        return any(
            names_title(text, name) for h in evidence.similar for name in TitleMatcher.names(h)
        )
