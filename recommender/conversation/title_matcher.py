"""Match one typed or exported film title to catalogue items, and say how sure the match is.

Every catalogue item is indexed under every name it has, each with a rank:

- its main title with the article moved back ("Seventh Seal, The (Sjunde inseglet, Det)"
  -> "The Seventh Seal") and its full catalogue title: rank ``MAIN``;
- each alternative or original title in parentheses ("Se7en", "Det sjunde inseglet",
  "a.k.a. Leon: The Professional" -> "Leon: The Professional"): rank ``ALT``;
- a few well-known abbreviations ("T2", "LOTR"), only where their film is in the catalogue:
  rank ``ABBREVIATION``;
- the titles well-known films go by in other countries ("Der Pate", "Le Parrain", "El
  padrino", ``local_titles.json``), only where that film of that year is in the catalogue:
  rank ``ALT``;
- the parts of a title around ":" and " - " ("Star Wars", "Star Wars: Episode IV",
  "A New Hope", "Rambo 2"): rank ``PART``;
- the place of a film in its series, where the catalogue's titles leave it out ("Star Trek
  II" and "Star Trek 2: The Wrath of Khan" for "Star Trek: The Wrath of Khan", "Austin Powers
  2"): rank ``PART`` (see :func:`series_numbers`).

Keys are forgiving about case, accents, punctuation, articles, "&"/"and", apostrophes and
sequel numbering ("Godfather: Part II" = "Godfather 2" = "Godfather II"); a key without
spaces catches "Spiderman" / "Alien 3" for "Alien³". An exact key beats everything; among
exact keys the best rank wins ("The Magnificent Seven" is the 1960 film, not the alternative
title of "Seven Samurai"), and several items of the same rank are ambiguous unless a year
decides. Only when no key matches exactly are typos tried, and then only a few edits for the
length of the title, never in the first letter of a short title, never across different sequel
numbers, and only when one item is strictly closer than every other: "Solaris" is never
"Solas". Last, a typed "Series: Title" whose title part alone names one film ("Wallace &
Gromit: The Wrong Trousers", "Wallace and Gromit in A Grand Day Out") is that film. An unsure
result is reported as ``ambiguous``, never silently picked.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from recommender.data.catalogue import Catalogue, Item

# ranks of the names an item is indexed under (higher = more trusted)
MAIN = 100.0  # the main title (or the full catalogue title), key identical before loosening
MAIN_LOOSE = 99.0  # the same after loosening (apostrophes, "&", numbering)
MAIN_COMPACT = 98.0  # the same without spaces ("spiderman", "alien3")
ALT = 97.0  # an alternative / original title from the catalogue's parentheses
ABBREVIATION = 96.0  # "T2", "LOTR"
PART = 95.0  # the part of a title around ":" or " - " ("Star Wars", "A New Hope")
FUZZY_CEILING = 94.0  # a typo-tolerant match never scores higher than this
SHORT = 90.0  # a short form: the first (or last) words of one longer title ("Willy Wonka")
MAX_SHORT_OPTIONS = 5  # a short form found in more titles than this is too generic to ask about
MIN_SHORT_WORD = 6  # a one-word short form ("Shawshank") needs this many letters, and is asked
MAX_SKIPPED_LEAD = 2  # words a short form may leave out in front ("[This Is] Spinal Tap")
MIN_FUZZY_CHARS = 5  # shorter keys must match exactly (typos in 4 letters are guesses)
MIN_PART_CHARS = 4  # shorter title parts are not indexed ("Leon: The Professional" -> "leon")
YEAR_TOLERANCE = 1  # release years in exports and in the catalogue differ by up to a year
_FRACTIONS_AS_TEXT = {"½": "1/2", "¼": "1/4", "¾": "3/4", "⅓": "1/3", "⅔": "2/3"}
_FRACTIONS = re.compile("|".join(_FRACTIONS_AS_TEXT))

_ENGLISH_ARTICLES = frozenset({"the", "a", "an"})
# articles the catalogue moves to the end, in English and in the original titles
_MOVABLE_ARTICLES = (
    "The|A|An|Les|La|Le|L'|Il|I|Lo|Gli|Das|Der|Die|Det|Den|De|El|Los|Las|O|Os|As|Un|Une|Ein|Eine"
)
_ARTICLE_AT_END = re.compile(rf"^(?P<rest>.+?),\s*(?P<article>{_MOVABLE_ARTICLES})\s*$")
_ROMAN = {
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "v": "5",
    "vi": "6",
    "vii": "7",
    "viii": "8",
    "ix": "9",
    "xi": "11",
    "xii": "12",
    "xiii": "13",
}
_NUMBER_MARKERS = frozenset({"part", "pt", "episode", "ep", "chapter", "vol", "volume", "no"})
# numbers written out are digits ("Twelve Monkeys" = "12 Monkeys"); not "one", which is
# as often a word ("The One", "One Fine Day" typed "1 fine day" is rare)
_NUMBER_WORDS = {
    word: str(n)
    for n, word in enumerate(
        "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split(),
        start=2,
    )
}
# ordinals too: "The Fifth Element" typed "The 5th Element", "The Thirteenth Warrior" for "The
# 13th Warrior", "Friday the Thirteenth"
_ORDINAL_WORDS = {  # keyed as title_key splits "5th": "5 th"
    word: f"{n} {'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'}"
    for n, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
        "twentieth".split(),
        start=1,
    )
}
# British spellings read as the American ones the catalogue uses ("Three Colours: Red",
# "Terminator 2: Judgement Day" in a UK export), and the other way round
_SPELLING = {
    british: american
    for pair in (
        "colour color, colours colors, coloured colored, favourite favorite, honour honor, "
        "theatre theater, centre center, judgement judgment, grey gray, armour armor, "
        "harbour harbor, neighbour neighbor, neighbours neighbors, behaviour behavior, "
        "labour labor, rumour rumor, humour humor, valour valor, splendour splendor, "
        "defence defense, offence offense, licence license, programme program, "
        "traveller traveler, travellers travelers, jewellery jewelry, pyjamas pajamas, "
        "aeroplane airplane, mould mold, moustache mustache, plough plow, sceptre scepter"
    ).split(", ")
    for british, american in [pair.split()]
}
# abbreviations read as the word, on both sides: "Saving Pvt Ryan" is Saving Private Ryan,
# "Dr Zhivago" Doctor Zhivago, "Kramer versus Kramer" Kramer Vs. Kramer, "Blues Bros"
_ABBREVIATIONS = {
    "pvt": "private", "sgt": "sergeant", "lt": "lieutenant", "capt": "captain",
    "mr": "mister", "dr": "doctor", "vs": "versus", "bros": "brothers", "jr": "junior",
    "pt": "part", "st": "saint",
}  # fmt: skip
_AKA = re.compile(r"\ba\.?k\.?a\.?\s*", re.IGNORECASE)
_PART_SPLIT = re.compile(r"\s*:\s+|\s+[-–—]{1,3}\s+")
_SERIES_IN = re.compile(r"\s+in\s+", re.IGNORECASE)  # "Wallace and Gromit in A Close Shave"
# well-known short names, as (what people type, the catalogue title it stands for): indexed
# only where that title is in the catalogue, so a catalogue without the film ignores them
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("T2", "Terminator 2: Judgment Day"),
    ("T1", "The Terminator"),
    ("LOTR", "The Lord of the Rings"),
    ("Star Wars", "Star Wars: Episode IV - A New Hope"),  # its title in 1977
    ("ANH", "Star Wars: Episode IV - A New Hope"),
    ("ESB", "Star Wars: Episode V - The Empire Strikes Back"),
    ("ROTJ", "Star Wars: Episode VI - Return of the Jedi"),
    ("BTTF", "Back to the Future"),
    ("BTTF 2", "Back to the Future Part II"),
    ("BTTF 3", "Back to the Future Part III"),
    ("TMNT", "Teenage Mutant Ninja Turtles"),
    ("ET", "E.T. the Extra-Terrestrial"),
    ("E.T.", "E.T. the Extra-Terrestrial"),
    ("MIB", "Men in Black"),
    ("2001", "2001: A Space Odyssey"),
    ("MI2", "Mission: Impossible 2"),
    ("Die Hard 3", "Die Hard: With a Vengeance"),
    ("Indiana Jones and the Raiders of the Lost Ark", "Raiders of the Lost Ark"),
    ("Jaws 1", "Jaws"),
    ("Alien 1", "Alien"),
    ("Jurassic Park 2", "The Lost World: Jurassic Park"),
    ("T2: Judgment Day", "Terminator 2: Judgment Day"),
    ("Die Hard 2: Die Harder", "Die Hard 2"),
    ("Monty Python Holy Grail", "Monty Python and the Holy Grail"),
    ("Star Wars Episode 4", "Star Wars: Episode IV - A New Hope"),
    ("Star Wars Episode 5", "Star Wars: Episode V - The Empire Strikes Back"),
    ("Star Wars Episode 6", "Star Wars: Episode VI - Return of the Jedi"),
    ("Star Wars Episode 1", "Star Wars: Episode I - The Phantom Menace"),
    # numbered the way fans count, where the titles carry no number
    ("Alien 2", "Aliens"),
    ("Alien 4", "Alien: Resurrection"),
    ("Rocky 1", "Rocky"),
    ("Mad Max 1", "Mad Max"),
    ("Mad Max 3", "Mad Max Beyond Thunderdome"),
    ("Indiana Jones 1", "Raiders of the Lost Ark"),
    ("Indiana Jones 2", "Indiana Jones and the Temple of Doom"),
    ("Indiana Jones 3", "Indiana Jones and the Last Crusade"),
    ("Indy 1", "Raiders of the Lost Ark"),
    ("Indy 2", "Indiana Jones and the Temple of Doom"),
    ("Indy 3", "Indiana Jones and the Last Crusade"),
    ("Star Trek 1", "Star Trek: The Motion Picture"),
    ("ST1", "Star Trek: The Motion Picture"),
    ("ST2", "Star Trek: The Wrath of Khan"),
    ("ST3", "Star Trek III: The Search for Spock"),
    ("ST4", "Star Trek IV: The Voyage Home"),
    ("ST5", "Star Trek V: The Final Frontier"),
    ("ST6", "Star Trek VI: The Undiscovered Country"),
)


# original titles of films the catalogue lists only in English (an export may carry the
# original: IMDb's "Original Title", a non-English account), as (original, catalogue title,
# year): indexed as an alternative title only where that title of that year is in the
# catalogue, so a remake of another year never takes the original's name
ORIGINAL_TITLES: tuple[tuple[str, str, int], ...] = (
    ("La Cité des enfants perdus", "The City of Lost Children", 1995),
    ("Trois couleurs: Rouge", "Three Colors: Red", 1994),
    ("Trois couleurs: Bleu", "Three Colors: Blue", 1993),
    ("Trois couleurs: Blanc", "Three Colors: White", 1994),
    ("Ba wang bie ji", "Farewell My Concubine", 1993),
    ("Nuovo Cinema Paradiso", "Cinema Paradiso", 1988),
    ("Otto e mezzo", "8 1/2", 1963),
    ("Il buono, il brutto, il cattivo", "The Good, The Bad and The Ugly", 1966),
    ("C'era una volta il West", "Once Upon a Time in the West", 1969),
    ("Per qualche dollaro in più", "For a Few Dollars More", 1965),
    ("Per un pugno di dollari", "A Fistful of Dollars", 1964),
    ("Mujeres al borde de un ataque de nervios", "Women on the Verge of a Nervous Breakdown", 1988),
    ("Da hong deng long gao gao gua", "Raise the Red Lantern", 1991),
    ("Yin shi nan nu", "Eat Drink Man Woman", 1994),
    ("Chung Hing sam lam", "Chungking Express", 1994),
    ("Les Diaboliques", "Diabolique", 1955),  # the 1996 remake keeps its own name only
    ("Bicycle Thieves", "The Bicycle Thief", 1948),  # its British title
    ("Léon", "The Professional", 1994),  # the catalogue has "Leon: The Professional" only
)


@cache
def local_titles() -> tuple[tuple[str, str, int], ...]:
    """The titles well-known films go by in other countries ("Der Pate", "El padrino"), as
    (local title, catalogue title, year), from ``local_titles.json`` (read once)."""
    text = (
        resources.files("recommender.conversation").joinpath("local_titles.json").read_text("utf-8")
    )
    return tuple(
        (local, target, int(year)) for _, local, target, year in json.loads(text)["titles"]
    )


@dataclass(frozen=True)
class TitleMatch:
    """Result of matching one title string: ``items`` best first, ``ambiguous`` when unsure."""

    items: tuple[Item, ...]  # best first; empty when nothing passed
    score: float  # score of the best item (0 when none): 100 exact ... ~80 a typo
    ambiguous: bool  # several items fit and nothing (year) decides, or the year contradicts
    how: str = ""  # "title" | "alternative title" | "abbreviation" | "title part" | "typo"


_NO_MATCH = TitleMatch((), 0.0, False)
_HOW = {
    MAIN: "title",
    MAIN_LOOSE: "title",
    MAIN_COMPACT: "title",
    ALT: "alternative title",
    ABBREVIATION: "abbreviation",
    PART: "title part",
    SHORT: "short title",
}
# words too common to make a short form on their own ("The Man", "Night of the")
_FILLER = frozenset(
    "the a an and of in on at to for with from by or my your his her our their is are be it "
    "this that man men night day love life story movie film part".split()
)


@dataclass(frozen=True)
class _Entry:
    """One name of one item under a loose key."""

    item: Item
    rank: float  # MAIN, ALT, ABBREVIATION or PART
    strict: str  # the key before loosening: an identical typed key scores MAIN, not MAIN_LOOSE


# ----------------------------------------------------------------------------- keys


def move_article(name: str) -> str:
    """``"Seventh Seal, The"`` -> ``"The Seventh Seal"``; ``"Haine, La"`` -> ``"La Haine"``."""
    match = _ARTICLE_AT_END.match(name.strip())
    if not match:
        return name.strip()
    article = match.group("article")
    sep = "" if article.endswith("'") else " "
    return f"{article}{sep}{match.group('rest').strip()}"


def strict_key(text: str) -> str:
    """Lower case, accents and punctuation removed, a leading/trailing English article dropped."""
    text = unicodedata.normalize("NFKD", move_article(html.unescape(text)))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = re.sub(r"[^\w\s]|_", " ", text).split()
    if len(words) > 1 and words[0] in _ENGLISH_ARTICLES:
        words = words[1:]
    elif len(words) > 1 and words[-1] in _ENGLISH_ARTICLES:
        words = words[:-1]
    return " ".join(words)


def title_key(text: str) -> str:
    """The lookup key: :func:`strict_key` after "&" -> "and", apostrophes joined ("schindlers"),
    articles dropped inside a title after ":", sequel numbering unified ("part ii" -> "2") and
    British spellings read as American ("colour" -> "color")."""
    text = re.sub(r"[’'`´]", "", html.unescape(text).replace("&", " and "))
    text = _FRACTIONS.sub(lambda m: f" {_FRACTIONS_AS_TEXT[m.group()]}", text)  # "8½" = "8 1/2"
    # digits are their own words: "Alien³" = "Alien 3", "Jungle2Jungle" = "Jungle 2 Jungle"
    words = re.sub(r"(?<=[^\W\d])(?=\d)|(?<=\d)(?=[^\W\d])", " ", strict_key(text)).split()
    words = [
        "1" if w == "i" and i > 0 and words[i - 1] in _NUMBER_MARKERS else _ROMAN.get(w, w)
        for i, w in enumerate(words)
    ]  # "Episode I" is 1, but "I" alone is a word
    words = [_SPELLING.get(w, _ABBREVIATIONS.get(w, w)) for w in words]  # "colour", "pvt"
    out: list[str] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in _NUMBER_MARKERS and following.isdigit():
            continue  # "part 2", "episode 4" -> "2", "4"
        if word in _ENGLISH_ARTICLES and i > 0 and len(words) > 2:
            continue  # "star wars episode 4 a new hope" = "star wars 4 new hope"
        out.append(word)
    return " ".join(out)


def digit_key(key: str) -> str:
    """A key with its numbers written out as digits ("twelve monkeys" -> "12 monkeys"): both
    forms are indexed, so either finds the title and a typo in the words is still a typo."""
    words = [_NUMBER_WORDS.get(word, _ORDINAL_WORDS.get(word, word)) for word in key.split()]
    # "eight and a half" (keyed "eight and half") -> "8 1 2", as the key of "8 1/2" reads
    text = re.sub(r"\b(\d+) and (?:one )?half\b", r"\1 1 2", " ".join(words))
    words = text.split()
    return " ".join(  # "godfather part two" -> "godfather 2", as "part ii" is
        word
        for i, word in enumerate(words)
        if not (word in _NUMBER_MARKERS and i + 1 < len(words) and words[i + 1].isdigit())
    )


def numbers_in(key: str) -> frozenset[str]:
    """Sequel and part numbers of a key (digits only: roman numerals are digits already)."""
    return frozenset(word for word in key.split() if word.isdigit())


def split_catalogue_title(title: str) -> tuple[str, list[str]]:
    """``"Seven Samurai (The Magnificent Seven) (Shichinin no samurai)"`` ->
    ``("Seven Samurai", ["The Magnificent Seven", "Shichinin no samurai"])``.

    A parenthesis left open ("Associate, The (L'Associe") still counts as one.
    """
    title = html.unescape(title).strip()
    start = title.find(" (")
    if start <= 0:
        return title, []
    main = title[:start].strip()
    groups = [g.strip() for g in re.findall(r"\(([^()]*)\)?", title[start:])]
    return main, [g for g in groups if g]


def alternative_names(group: str) -> list[str]:
    """The titles inside one parenthesised group, articles moved to the front.

    ``"a.k.a. Sydney, a.k.a. Hard Eight"`` -> ``["Sydney", "Hard Eight"]``;
    ``"Soy Cuba/Ya Kuba"`` -> both; ``"Sjunde inseglet, Det"`` -> ``["Det Sjunde inseglet"]``.
    """
    aka = bool(_AKA.search(group))
    names: list[str] = []
    for piece in re.split(r"\s*/\s*|,?\s*\ba\.?k\.?a\.?\s*", group, flags=re.IGNORECASE):
        piece = piece.strip(" ,")
        if not piece:
            continue
        names.append(move_article(piece))
        commas = [p.strip() for p in piece.split(",")]
        if aka and len(commas) > 1 and all(len(p.split()) >= 2 for p in commas):
            names += [move_article(p) for p in commas]  # "All I Wanna Do, The Hairy Bird"
    return names


def title_parts(name: str) -> list[str]:
    """Shorter names a title is also known by, from its parts around ":" and " - ".

    ``"Star Wars: Episode IV - A New Hope"`` -> ``"Star Wars"``, ``"Star Wars: Episode IV"``,
    ``"Episode IV - A New Hope"``, ``"A New Hope"``, ``"Star Wars: A New Hope"``;
    ``"Rambo: First Blood Part II"`` also -> ``"Rambo 2"``.
    """
    parts = [p for p in _PART_SPLIT.split(name) if p.strip()]
    if len(parts) < 2:
        return []
    found = [" ".join(parts[:k]) for k in range(1, len(parts))]
    # a one-word ending is too often another film's whole title ("Mortal Kombat: Annihilation"
    # is not "Annihilation"): endings need two words ("A New Hope", "Judgment Day")
    endings = [" ".join(parts[k:]) for k in range(1, len(parts))]
    found += [e for e in endings if len(title_key(e).split()) >= 2]
    if len(parts) > 2:
        found.append(f"{parts[0]} {parts[-1]}")
    head = title_key(parts[0])
    rest_numbers = numbers_in(title_key(" ".join(parts[1:])))
    if not numbers_in(head) and len(rest_numbers) == 1:
        found.append(f"{parts[0]} {next(iter(rest_numbers))}")
    return found


def names_of(item: Item) -> list[tuple[str, float]]:
    """Every (name, rank) an item is indexed under; see the module docstring."""
    main, groups = split_catalogue_title(item.title)
    names: list[tuple[str, float]] = [(move_article(main), MAIN), (item.title, MAIN)]
    for group in groups:
        names += [(alt, ALT) for alt in alternative_names(group)]
    whole = [name for name, _ in names]
    return names + [(part, PART) for name in whole for part in title_parts(name)]


def series_numbers(catalogue: Catalogue) -> list[tuple[str, Item]]:
    """Numbered names for the films of a series whose titles leave the number out:
    ("Star Trek 2", Star Trek: The Wrath of Khan), ("Star Trek 2: The Wrath of Khan", ...),
    ("Austin Powers 2", Austin Powers: The Spy Who Shagged Me).

    A series is two or more titles that are one name, or that name then ":" / " - " / a
    number ("Star Trek: Generations", "Star Trek III: The Search for Spock"), in release
    order. Only a series whose own numbers all sit at their place is numbered: "Alien",
    "Alien³", "Alien: Resurrection" is not ("Aliens" is the second film, under another name),
    nor "Star Wars" (episodes IV, V, VI, I). Nor are remakes of one title, films of one year
    (no order), films that share no genre with the first (namesakes) or a name other titles
    go on from ("Batman", "Batman Returns").
    """
    series: dict[str, list[tuple[Item, int | None, str]]] = {}
    firsts: list[str] = []
    for item in catalogue:
        main = move_article(split_catalogue_title(item.title)[0])
        first, *rest = _PART_SPLIT.split(main, maxsplit=1)
        words = title_key(first).split()
        firsts.append(" ".join(words))
        number = int(words[-1]) if len(words) > 1 and words[-1].isdigit() else None
        head = " ".join(words[:-1] if number is not None else words)
        inner = numbers_in(title_key(rest[0])) if rest else frozenset()
        if number is None and len(inner) == 1:  # "Star Wars: Episode IV - A New Hope"
            number = int(next(iter(inner)))
        if len(head) >= MIN_PART_CHARS:
            series.setdefault(head, []).append((item, number, rest[0] if rest else ""))
    names: list[tuple[str, Item]] = []
    for head, films in series.items():
        if len(films) < 2:
            continue
        longer = (f for f in firsts if f.startswith(head + " ") and not f[len(head) + 1].isdigit())
        if any(longer):
            continue  # "Batman Returns" is a film of "Batman" the numbers would leave out
        plain = [subtitle for _, n, subtitle in films if n is None]
        years = [item.year for item, _, _ in films]
        if len(set(plain)) < len(plain) or None in years or len(set(years)) < len(years):
            continue  # remakes ("Sabrina" 1954 and 1995), or no order ("Three Colors" 1994)
        genres = set(films[0][0].genres)
        if genres and any(not genres & set(item.genres) for item, _, _ in films[1:]):
            continue  # namesakes, not sequels ("Robin Hood" 1973, a cartoon, and 1991)
        films.sort(key=lambda f: (f[0].year or 0, f[0].item_id))
        if any(n is not None and n != place for place, (_, n, _) in enumerate(films, 1)):
            continue
        for place, (item, number, subtitle) in enumerate(films, start=1):
            if number is None:
                names.append((f"{head} {place}", item))
                if subtitle:
                    names.append((f"{head} {place} {subtitle}", item))
    return names


def allowed_edits(key: str, first_letter_differs: bool) -> int:
    """How many typos a key of this length may carry: 1 up to 8 characters, 2 up to 15, ..."""
    length = len(key)
    if length < MIN_FUZZY_CHARS:
        return 0
    edits = 1 if length <= 8 else 2 if length <= 15 else 3 if length <= 24 else 4
    return edits - 1 if first_letter_differs else edits


# ----------------------------------------------------------------------------- matcher


class TitleMatcher:
    """Every name of every item, under forgiving keys; build once per catalogue (~0.2 s)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        index: dict[str, list[_Entry]] = {}
        compact: dict[str, list[_Entry]] = {}

        def add(name: str, item: Item, rank: float) -> None:
            key = title_key(name)
            if not key or (rank == PART and len(key) < MIN_PART_CHARS):
                return
            for form in dict.fromkeys([key, digit_key(key)]):  # "twelve monkeys", "12 monkeys"
                entries = index.setdefault(form, [])
                if not any(e.item is item and e.rank >= rank for e in entries):
                    entries.append(_Entry(item, rank, strict_key(name)))
            if rank >= ALT and len(key) >= MIN_FUZZY_CHARS:
                squashed = compact.setdefault(key.replace(" ", ""), [])
                if not any(e.item is item for e in squashed):
                    squashed.append(_Entry(item, MAIN_COMPACT if rank == MAIN else ALT, ""))

        for item in catalogue:
            for name, rank in names_of(item):
                add(name, item, rank)
        for short, target in ABBREVIATIONS:
            for entry in index.get(title_key(target), []):
                if entry.rank == MAIN:
                    add(short, entry.item, ABBREVIATION)
        for original, target, year in ORIGINAL_TITLES + local_titles():
            for entry in list(index.get(title_key(target), [])):
                if entry.rank == MAIN and _year_fits(entry.item, year, YEAR_TOLERANCE):
                    add(original, entry.item, ALT)
        for name, item in series_numbers(catalogue):
            if not any(e.item is not item for e in index.get(title_key(name), [])):
                add(name, item, PART)  # never over another film's own name ("Rocky II")
        self._index = index
        self._compact = compact
        self._keys = list(index)
        self._words: dict[str, list[tuple[tuple[str, ...], int, Item]]] | None = None

    def names(self, item: Item) -> list[str]:
        """The keys an item can be found under (for tests and for explaining a match)."""
        keys = self._index.items()
        return sorted(k for k, entries in keys if any(e.item is item for e in entries))

    def match(self, title: str, year: int | None = None, exact_only: bool = False) -> TitleMatch:
        """Match a title (any case, article moved, alternative titles, small typos).

        ``year`` breaks ties and must agree (within a year) for a confident match;
        ``exact_only`` skips the typo-tolerant search.
        """
        key = title_key(title)
        if not key:
            return _NO_MATCH
        exact = self._exact(key, strict_key(title)) or self._exact(digit_key(key), "")
        if exact:
            found = _decide(exact, year)
            dated = year is not None and _year_fits(found.items[0], year, 0)
            if found.how == "title part" and " " not in key and not found.ambiguous and not dated:
                # "Rambo" is only the first word of "Rambo: First Blood Part II": ask, unless
                # the year says which film ("Léon", 1994, in a Letterboxd export)
                return TitleMatch(found.items, found.score, True, found.how)
            return found
        if exact_only:
            return _NO_MATCH
        found = self._fuzzy(key, year)
        return found if found.items else self._series_part(title, year)

    def _series_part(self, title: str, year: int | None) -> TitleMatch:
        """ "Wallace & Gromit: The Wrong Trousers", "Wallace and Gromit in A Grand Day Out":
        a series name the catalogue leaves out of the title, then a title that names one film.
        Sure when the series name is in the film's own title or in another catalogue title (a
        known series); asked about otherwise ("Whatever: The Wrong Trousers")."""
        cut = _PART_SPLIT.search(title) or _SERIES_IN.search(title)
        if cut is None:
            return _NO_MATCH
        head, tail = title_key(title[: cut.start()]), title[cut.end() :]
        if len(title_key(tail).split()) < 2:
            return _NO_MATCH  # "Mission: Impossible - Fallout" is not "Fallout"
        found = self.match(tail, year, exact_only=True)
        if not found.items or found.ambiguous or found.score < PART:
            return _NO_MATCH
        item = found.items[0]
        own = " ".join(self.names(item))
        known = f" {head} " in f" {own} " or any(
            f" {head} " in f" {key} " for key in self._keys if len(key) > len(head)
        )
        if cut.re is _SERIES_IN and not known:
            return _NO_MATCH  # "Death in Venice" is a title, not "Death" then "Venice"
        return TitleMatch((item,), PART, not known, "title part")

    def match_short(self, title: str, year: int | None = None) -> TitleMatch:
        """A short form people type for a long title: its first words ("Willy Wonka",
        "Dr Strangelove", "Shawshank") or its last ones ("Spinal Tap" for "This Is Spinal
        Tap"). Only for text that matched nothing else (:meth:`match` first).

        Confident only when the words are the first two or more words of exactly one title, or
        its last two or more after at most ``MAX_SKIPPED_LEAD`` words; a single word, a run from
        the middle, or words found in up to ``MAX_SHORT_OPTIONS`` titles are ambiguous (the user
        is asked), and more titles than that, filler words alone, or a title that goes on with
        a sequel number ("Toy Story" in "Toy Story 2") match nothing.
        """
        key = title_key(title)
        words = tuple(key.split())
        if len(key) < MIN_FUZZY_CHARS or all(w in _FILLER or w.isdigit() for w in words):
            return _NO_MATCH
        if len(words) == 1 and len(key) < MIN_SHORT_WORD:
            return _NO_MATCH  # "Drive" is no short form of "Drive Me Crazy"
        hits: dict[int, tuple[Item, str]] = {}  # item id -> (item, "prefix" | "suffix" | "inner")
        for name, position, item in self._short_form_index().get(words[0], []):
            end = position + len(words)
            if not _same_words(name[position:end], words) or end > len(name):
                continue
            if len(name) == len(words):
                continue
            if any(w.isdigit() for w in name[end:]):
                continue  # "Toy Story" is not "Toy Story 2"
            if year is not None and not _year_fits(item, year, YEAR_TOLERANCE):
                continue
            kind = (
                "prefix"
                if position == 0
                else "suffix"
                if end == len(name) and position <= MAX_SKIPPED_LEAD
                else "inner"
            )
            known = hits.get(item.item_id)
            if known is None or (known[1] != "prefix" and kind != "inner"):
                hits[item.item_id] = (item, kind)
        if not hits or len(hits) > MAX_SHORT_OPTIONS:
            return _NO_MATCH
        order = {"prefix": 0, "suffix": 1, "inner": 2}
        found = sorted(hits.values(), key=lambda h: (order[h[1]], h[0].item_id))
        sure = len(found) == 1 and found[0][1] != "inner" and len(words) >= 2
        return TitleMatch(tuple(item for item, _ in found), SHORT, not sure, "short title")

    def knows_word(self, word: str) -> bool:
        """Is ``word`` (lower case) a word of some title or alternative title ("fargo")?"""
        return word in self._short_form_index()

    def _short_form_index(self) -> dict[str, list[tuple[tuple[str, ...], int, Item]]]:
        """word -> (words of a whole name, position of the word in it, item), for
        :meth:`match_short`; built on its first use, not with the matcher (most pastes need
        no short form)."""
        if self._words is None:
            words_of: dict[str, list[tuple[tuple[str, ...], int, Item]]] = {}
            for key, entries in self._index.items():
                words = tuple(key.split())
                for entry in entries:
                    if entry.rank in (MAIN, ALT):
                        for position, word in enumerate(words):
                            words_of.setdefault(word, []).append((words, position, entry.item))
            self._words = words_of
        return self._words

    def _exact(self, key: str, strict: str) -> list[tuple[Item, float]]:
        best: dict[int, tuple[Item, float]] = {}
        entries = self._index.get(key) or self._compact.get(key.replace(" ", ""), [])
        for entry in entries:
            score = entry.rank
            if entry.rank == MAIN and entry.strict != strict:
                score = MAIN_LOOSE
            known = best.get(entry.item.item_id)
            if known is None or score > known[1]:
                best[entry.item.item_id] = (entry.item, score)
        return list(best.values())

    def _fuzzy(self, key: str, year: int | None) -> TitleMatch:
        most = allowed_edits(key, first_letter_differs=False)
        if most == 0:
            return _NO_MATCH
        hits = process.extract(key, self._keys, scorer=OSA.distance, score_cutoff=most, limit=30)
        first, _, rest = key.partition(" ")
        if rest and first != "the" and OSA.distance(first, "the") == 1:
            # "Teh Exorcist", "Th Exorcist": a slip in the article that keys leave out
            hits += [
                (candidate, edits + 1, index)
                for candidate, edits, index in process.extract(
                    rest, self._keys, scorer=OSA.distance, score_cutoff=most - 1, limit=30
                )
            ]
        numbers = numbers_in(key)
        near: dict[int, _Near] = {}  # item id -> its closest name
        for candidate, edits, _ in hits:
            if edits > allowed_edits(key, candidate[:1] != key[:1]):
                continue
            if _vowel_swap(key, candidate):
                continue  # "Witcher" is not "Watcher": one vowel changes a short word
            if _short_word_replaced(key, candidate):
                continue  # "The Sixth Day" is not "The Sixth Man": another word, not a slip
            if numbers_in(candidate) != numbers:
                continue  # "Scream 3" is never "Scream"; digits are not typos
            one_more = (key + "s", key + "es")
            plural = candidate in one_more or key in (candidate + "s", candidate + "es")
            if plural and len(key.split()) < 2:
                continue  # "Predators" is not "Predator", nor "Aliens" "Alien": not a typo
            # (in a longer title it is: "the usual suspect", "silence of the lamb")
            for entry in self._index[candidate]:
                found = _Near(entry.item, int(edits), _tier(entry.rank), candidate)
                known = near.get(entry.item.item_id)
                if known is None or (found.edits, -found.tier) < (known.edits, -known.tier):
                    near[entry.item.item_id] = found
        options = sorted(near.values(), key=lambda n: (n.edits, -n.tier, n.item.item_id))
        if year is not None:
            options = [n for n in options if _year_fits(n.item, year, YEAR_TOLERANCE)]
        if not options:
            return _NO_MATCH  # nothing near enough (or only near titles from other years)
        closest = [n for n in options if n.edits == options[0].edits]
        top = [n for n in closest if n.tier == closest[0].tier]  # "Godfater": the film, not a part
        score = min(FUZZY_CEILING, _similarity(key, top[0].key, top[0].edits))
        return TitleMatch(tuple(n.item for n in top[:5]), score, len(top) > 1, "typo")


@dataclass(frozen=True)
class _Near:
    """An item found by the typo-tolerant search, through its closest key."""

    item: Item
    edits: int  # typos between the typed key and ``key``
    tier: float  # rank of that name (MAIN, ALT, ...)
    key: str


def _same_words(name: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """``words`` as they stand in ``name``, the last one maybe possessive there ("Ferris
    Bueller" for Ferris Bueller's Day Off: keys join the apostrophe, "buellers")."""
    if len(name) != len(words) or name[:-1] != words[:-1]:
        return False
    return name[-1] in (words[-1], f"{words[-1]}s")


def _vowel_swap(key: str, candidate: str) -> bool:
    """One vowel replaced by another in a short key: a different word more often than a slip."""
    if len(key) != len(candidate) or len(key) > 8:
        return False
    changed = [(a, b) for a, b in zip(key, candidate, strict=True) if a != b]
    return len(changed) == 1 and all(ch in "aeiouy" for ch in changed[0])


def _short_word_replaced(key: str, candidate: str) -> bool:
    """Two keys of as many words, one short word of which is two or more edits from its
    counterpart ("sixth day" / "sixth man"): a different word, where a typo changes one
    letter of a short word (the typo budget of the whole key would allow two)."""
    words, others = key.split(), candidate.split()
    if len(words) != len(others):
        return False
    return any(
        a != b and min(len(a), len(b)) <= 4 and OSA.distance(a, b) >= 2
        for a, b in zip(words, others, strict=True)
    )


def _year_fits(item: Item, year: int, tolerance: int) -> bool:
    return item.year is not None and abs(item.year - year) <= tolerance


def _similarity(key: str, candidate: str, edits: int) -> float:
    """0-100 for display and for callers' thresholds: the better of the plain ratio and
    1 - edits / length (which forgives a swapped pair of letters: "Frago" -> "Fargo")."""
    return max(fuzz.ratio(key, candidate), 100.0 * (1 - edits / max(len(key), len(candidate))))


def _decide(scored: Iterable[tuple[Item, float]], year: int | None) -> TitleMatch:
    """Exact keys: the best rank wins, a year picks among items (exact year, then +-1); several
    items of the best rank are ambiguous, and so is a title whose year contradicts the one given."""
    ranked = sorted(scored, key=lambda pair: (-pair[1], pair[0].item_id))
    if year is not None:
        for tolerance in range(YEAR_TOLERANCE + 1):
            fits = [(i, s) for i, s in ranked if _year_fits(i, year, tolerance)]
            if fits:
                return _best_rank(fits, penalty=5.0 * tolerance)
        # the name is known, but for other years: a remake, a namesake or a wrong year
        return TitleMatch(tuple(i for i, _ in ranked[:5]), ranked[0][1] - 10, True, "title")
    return _best_rank(ranked, penalty=0.0)


def _best_rank(ranked: list[tuple[Item, float]], penalty: float) -> TitleMatch:
    best = ranked[0][1]
    tier = _tier(best)
    top = [item for item, score in ranked if _tier(score) == tier]
    how = _HOW.get(best, "title")
    if len(top) > 1:
        return TitleMatch(tuple(top[:5]), best - penalty, True, how)
    return TitleMatch((top[0],), best - penalty, False, how)


def _tier(score: float) -> float:
    """The three spellings of a main title are one tier: "Schindlers List" vs "Schindler's"."""
    return MAIN if score >= MAIN_COMPACT else score
