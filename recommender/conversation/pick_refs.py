"""References to the picks just shown: "the second one", "#3", "the first two", "it", "them",
"the others", "all but the last".

``REF_LIST`` matches a list of references ("the first and third ones"); ``REF_LIST_WORDS`` the
same without bare numbers (after "like", "2" is no pick); ``REF_END`` is where one may end.
:func:`resolve_refs` turns the matched text into item ids of the last recommendations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.conversation.genre_words import genre_pattern, genre_word
from recommender.conversation.request_model import ParsedRequest
from recommender.conversation.request_words import NUMBER_WORDS
from recommender.data.catalogue import Catalogue

# "the second one", "the last one": the place in the list each names (-1: the last)
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
    "penultimate": -2,  # "the second to last", "the one before last", "the last but one"
    "top": 1,  # "the top one"
    "bottom": -1,
    "middle": 0,  # "the middle one", "the one in the middle": the middle of the list
}
# a bare number refers to a pick only after "seen" / "not" ("seen 1 and 4"), never after "like"
_BARE_NUMBER = r"\d{1,2}(?![\w'.]|\s*(?:movies?|films?|more|picks?|years?|of|out|%|-|/))"
_ORD = (
    r"(?:second|next)[- ]to[- ]last|second last|one before (?:the )?last|last but one|penultimate"
    r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last"
    r"|top(?=\s+(?:one|movie|film|pick)\b)|bottom(?=\s+(?:one|movie|film|pick)\b)"
    r"|middle(?=\s+(?:one|movie|film|pick)\b|\s*(?:$|[,.!?;]|(?:and|or)\b))"
    r"|one\s+in\s+the\s+middle"
    r"|\d{1,2}(?:st|nd|rd|th)|#\s?\d{1,2}|numbers?\s+\d{1,2}|no\.\s?\d{1,2}"
    r"|" + _BARE_NUMBER
)
_ONE_PICK = rf"(?:the\s+)?(?:{_ORD})(?:\s+(?:ones|one|movies|movie|films|film|picks|pick))?"
_ALL_BUT = r"\s+(?:but|except(?:\s+for)?|apart from|other than|besides|save)\s+"
_REF = (
    r"(?:the\s+|that\s+|this\s+)?(?:(?P<span>(?:first|last|top|bottom)\s+(?:two|three|four|2|3|4))"
    r"(?:\s+(?:ones|movies|films|picks|suggestions))?"
    rf"|(?P<ord>{_ORD})"
    r"(?:\s+(?:ones|one|movies|movie|films|film|picks|pick|suggestion|recommendation))?"
    # "all but the last", "everything except 1 and 3": the other picks
    rf"|(?P<pron>(?:(?:them|these|those)\s+)?(?:all|everything|every one)(?:\s+of\s+(?:them|those"
    rf"|these))?{_ALL_BUT}{_ONE_PICK}(?:\s*(?:,|and|&|or)\s*{_ONE_PICK})*"
    r"|others|other ones|other (?:two|three|four)|rest(?: of them)?"  # the picks not named
    r"|(?:them|'?em) all|all of (?:them|those|these)|all (?:those|these|three|five)"
    r"|(?:every|each)(?: one|(?: one)? of (?:them|those|these))"
    r"|all(?=\s*(?:$|[,.!?;]|(?:already|before|too|seen|watched)\b))"
    r"|them|those|these|that one|this one|it"
    # ("more like that but older": the pick, and a change to it)
    r"|(?:that|this)(?=\s*(?:$|[,.!?;]|\s+(?:one|please|either|again|too|but|though|only)\b))))"
)
REF_BARE = _REF.replace("?P<ord>", "?:").replace("?P<pron>", "?:").replace("?P<span>", "?:")
REF_LIST = rf"(?P<refs>{REF_BARE}(?:\s*(?:,|and|&|or)\s*{REF_BARE})*)"
_REF_WORDS = REF_BARE.replace("|" + _BARE_NUMBER, "")
REF_LIST_WORDS = rf"(?P<refs>{_REF_WORDS}(?:\s*(?:,|and|&|or)\s*{_REF_WORDS})*)"
REF_END = r"(?=\s*(?:$|[,.!?;]|\s+\w))"


_SINGULAR_PRONOUNS = frozenset({"that one", "this one", "that", "this", "it"})


def _apposition(refs: str, matches: list[re.Match[str]], index: int) -> bool:
    """Whether ``matches[index]`` is a pronoun that the ordinal after a comma names ("that
    one, the fourth")."""
    pron = matches[index].group("pron")
    if pron is None or pron.strip() not in _SINGULAR_PRONOUNS or index + 1 >= len(matches):
        return False
    after = matches[index + 1]
    between = refs[matches[index].end() : after.start()]
    return after.group("ord") is not None and re.fullmatch(r"\s*[,:\-–—]\s*", between) is not None


def resolve_refs(
    refs: str, last: list[int], result: ParsedRequest, named: Sequence[int] = ()
) -> list[int]:
    """ "the first and third one" / "it" / "them" -> item ids from the last recommendations;
    "it" is the pick ``named`` last in the same message, if any."""
    if not last:
        result.notes.append("I haven't recommended anything yet, so I can't tell which one.")
        return []
    chosen: list[int] = []
    matches = list(re.finditer(_REF, refs))
    for index, match in enumerate(matches):
        if _apposition(refs, matches, index):
            continue  # "not that one, the fourth": the fourth is "that one"
        if match.group("span"):
            first, size = match.group("span").split()
            n = int(size) if size.isdigit() else NUMBER_WORDS[size]
            chosen += last[:n] if first in ("first", "top") else last[-n:]
            continue
        if match.group("pron"):
            pron = match.group("pron")
            but = re.search(_ALL_BUT, pron)
            if but is not None:  # "all but the last": every pick the rest does not name
                left_out = set(resolve_refs(pron[but.end() :], last, result))
                chosen += [i for i in last if i not in left_out]
            elif pron.startswith(("other", "rest")):  # "liked the 2nd but not the others"
                chosen += [i for i in last if i not in named]
            elif pron in ("them", "those", "these") and len(named) > 1:
                chosen += named  # "the 2nd and 3rd look great, more like those"
            elif pron.startswith(("all", "every", "each", "em ", "'em ")) or pron in (
                "them all",
                "them",
                "those",
                "these",
            ):
                chosen += last
            elif named:
                chosen.append(named[-1])
            elif result.focus is not None:  # "why the 2nd one?" then "I'll watch that one"
                chosen.append(result.focus)
            else:
                if len(last) > 1:  # (parse_request says each note once)
                    result.notes.append(
                        f'I took "{pron}" to mean the first suggestion; '
                        'say "the second one" to pick another.'
                    )
                chosen.append(last[0])
            continue
        token = match.group("ord").strip()
        number = re.search(r"\d+", token)
        if number:
            position = int(number.group())
        elif re.search(r"to[- ]last|second last|before (?:the )?last|but one|penultimate", token):
            position = -2
        else:
            position = _ORDINALS[token.split()[-1]]
        if position == -2:
            chosen.append(last[-2] if len(last) >= 2 else last[0])
        elif position == -1:
            chosen.append(last[-1])
        elif position == 0:  # the middle one: the third of five, the second of four
            chosen.append(last[(len(last) - 1) // 2])
        elif 1 <= position <= len(last):
            chosen.append(last[position - 1])
        else:
            result.notes.append(f"There was no suggestion number {position}.")
    return list(dict.fromkeys(chosen))


# "replace the comedy with a drama", "why the horror one?", "I've seen the western": a pick
# named by its genre, after a word that points at a pick
_GENRE_REF_LEAD = (
    r"(?:swap|replace|exchange|trade|sub(?:stitute)?|switch|change|drop|remove|ditch|lose|cut"
    r"|skip|scrap|keep|why|like|seen|watched|about|than|instead\s+of)(?:\s+out)?"
)
_PLACES = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")


def genre_refs_to_places(text: str, last: Sequence[int], catalogue: Catalogue) -> str:
    """``text`` with each pick named by its genre ("the comedy", "the horror one", "the
    animated film") written as its place in ``last`` ("the third one"), so that every pass
    that reads references reads it; the first pick of that genre, and unchanged when no pick
    is of it (then "the comedy" is no pick: "replace the comedy" asks nothing of the picks)."""
    if not last:
        return text
    genre = genre_pattern().pattern.removeprefix("(?<![\\w'-])")
    pattern = re.compile(
        rf"(?P<lead>\b{_GENRE_REF_LEAD}\s+)the\s+{genre}"
        r"(?:\s+(?:one|film|movie|pick|suggestion))?(?![\w'-])"
        # "I like the comedy genre", "like the horror ones": the genre, not a pick
        r"(?!\s+(?:genre|ones|films|movies|stuff|kind|type|sort|category|side|elements?)\b)",
        re.IGNORECASE,
    )

    def place(match: re.Match[str]) -> str:
        word = genre_word(match.group("g").lower())
        plural = re.match(r"e?s\b", match.string[match.end("g") : match.end()]) is not None
        if word is None or word.topic or not word.include or plural:  # "lose the thrillers"
            return match.group(0)
        wanted = set(word.include)
        known = [i for i in last if 1 <= i <= len(catalogue)]
        if len(known) > 1 and all(wanted <= set(catalogue.get(i).genres) for i in known):
            return match.group(0)  # every pick is one: "drop the horror" is the genre
        for position, item_id in enumerate(last):
            if 1 <= item_id <= len(catalogue) and wanted <= set(catalogue.get(item_id).genres):
                spot = _PLACES[position] if position < len(_PLACES) else None
                said = f"the {spot} one" if spot else f"number {position + 1}"
                return match.group("lead") + said
        return match.group(0)

    return pattern.sub(place, text)
