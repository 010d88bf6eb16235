"""A chat message that carries both a history and a request: which part is which.

People paste and ask in one message::

    Heat
    Fargo
    The Matrix
    something lighter from the 90s please

    I watched Heat, Fargo and The Matrix recently. Anything similar but funnier?
    I've seen Heat and Fargo, want something lighter

    Heat, Fargo, Alien
    My top 3: Heat, Fargo and Alien - something lighter
    The Matrix

The history parser would read the request as one more (unmatched) title and the request would
be lost; and a list typed on one line, or one title alone, would be searched as a description
(which finds the named films and offers them back). :func:`split_message` returns the history
text and the request text separately: a line (or, after "I watched ...", a sentence or a
trailing comma part) is the request when it is not a title and says something a request says
(a genre, a period, "something", "want", a question, ...). A title always wins: "Something
Wild" on its own line is a film. A one-line list counts when at least two of its pieces and
two thirds of them are sure titles; one title alone when it is no wish ("Romance" is the
genre).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recommender.conversation.history_parser import HistoryParse, parse_history
from recommender.conversation.request_parser import parse_request
from recommender.conversation.series_lines import names_series_films, series_line
from recommender.conversation.subject_requests import without_subject_words
from recommender.conversation.subjects import subjects_in
from recommender.conversation.title_matcher import TitleMatcher, title_key
from recommender.conversation.verdict_words import BORED, CRITICISM, MOVED, PRAISE
from recommender.data.catalogue import Catalogue

# someone the user watches with: "my kids loved ...", "my wife and I enjoyed ..."
_WATCHER = (
    r"(?:my|our|the) (?:kids?|children|son|daughter|sons|daughters|wife|husband|partner"
    r"|girlfriend|boyfriend|family|friends?|mum|mom|dad|parents|brother|sister|grandkids"
    r"|grandchildren|nephews?|nieces?|other half|spouse|fianc[eé]e?)(?: and i)?"
)
HISTORY_LEAD = re.compile(
    r"^\s*(?:(?:i|we|we all|we both)(?:'ve| have)?(?: (?:just|recently|already|really|finally"
    r"|also))? (?:watched|seen|saw|liked|loved|enjoyed|(?:finished|done) (?:re-?)?watching"
    r"|finished|been watching|love|like|adore"
    r"|enjoy|re-?watched|binged|binge[- ]watched|caught|streamed|rented"
    # "I gave up on Titanic", "I couldn't finish Heat": watched, and not liked
    r"|gave up on|(?:couldn'?t|could not|didn'?t|did not) finish|walked out of"
    # "I gave Heat 10/10 and Titanic 3/10", "I rated Alien 5 stars": the scores are verdicts
    r"|gave|rated|scored)|"
    rf"{_WATCHER}(?: (?:all|both|just|recently|already|really|also|absolutely))*"
    r" (?:watched|saw|liked|loved|enjoyed|finished|loves?|likes?|adores?|enjoys?"
    r"|(?:are|is) (?:obsessed with|into|crazy about|mad about|hooked on)|can'?t get enough of"
    r"|(?:have|has) (?:watched|seen|liked|loved|enjoyed))|"
    r"i watched|"
    r"(?:just|recently|finally) (?:watched|saw|seen|finished)|after (?:watching|seeing)|"
    # "seen all the Pixar ones, ...": "seen" alone leads only a whole body of work
    r"(?:already )?seen(?= (?:all|every|everything)\b)|"
    # "Rewatched Heat last night", "binged the Godfather trilogy", "finally caught Alien"
    r"(?:(?:just|recently|finally|also) )?(?:re-?watched|binged|binge[- ]watched|caught|streamed)|"
    # more titles in a later turn: "also Heat and Fargo", "oh and I forgot Se7en"
    r"(?:oh,?\s+|and\s+)*(?:also|and|plus|oh)(?:\s+(?:also\s+)?(?:i\s+)?(?:also\s+)?(?:watched"
    r"|saw|seen|liked|loved|enjoyed|forgot(?:\s+to\s+(?:add|mention|say))?))?|"
    r"i\s+forgot(?:\s+to\s+(?:add|mention|say))?|forgot(?:\s+to\s+(?:add|mention|say))?|"
    r"(?:i'?m |i am )?(?:a )?(?:big |huge )?fan of|"
    r"my (?:all[- ]time )?favou?rites?(?: (?:movies?|films?))?(?: (?:are|is|include|would be))?"
    r"(?: (?:probably|maybe|definitely|basically|honestly|mostly|like))?|"
    r"my (?:watch )?history(?: is)?|history|watched(?: (?:recently|lately|this (?:week|month"
    r"|year)|last (?:week|month|night|year)))?|recently watched)\s*[:\-]?\s+",
    re.IGNORECASE,
)
_GAVE_UP = re.compile(
    r"\b(?:gave up on|(?:couldn'?t|could not|didn'?t|did not) finish|walked out of)\s*$", re.I
)
# "huge Star Wars fan here, ...", "I'm a Fargo fan": the title before "fan" (read as "fan of")
_FAN_AFTER = re.compile(
    r"^\s*(?:(?:i'?m|i am)\s+)?(?:an?\s+)?(?:(?:big|huge|massive|die[- ]?hard|total|lifelong"
    r"|long[- ]time)\s+)?(?P<title>[^,.;!?\n]{2,60}?)\s+fan(?:\s+here)?\b",
    re.IGNORECASE,
)
# a heading line over a pasted list that says the titles are loved ("Movies I love:",
# "My all-time favourites -", "Films I really enjoyed:")
_LOVED_HEADING = re.compile(
    r"^\s*[^\n]{0,60}\b(?:i (?:really |absolutely |just )?(?:love|loved|like|liked|enjoyed|adore)"
    r"|favou?rites?|faves|top \d+|best (?:movies|films) ever)\b[^\n]{0,30}[:\-–]\s*$",
    re.IGNORECASE,
)
# the first line over a list, without a colon: "Top 5 all time", "My favourites", "All-time
# favorite films" (with a colon, _LOVED_HEADING reads any such line)
_FIRST_LINE_HEADING = re.compile(
    r"^\s*(?:my\s+)?(?:(?:top\s+\d{1,2}|all[- ]time\s+favou?rites?|favou?rites?|faves)"
    r"(?:\s+(?:all[- ]time|ever|of all time|movies|films|list|so far|this year))*)"
    r"\s*[:\-–!.]?\s*$",
    re.IGNORECASE,
)
# greetings and fillers before the lead: "Hey! So ...", "ok so basically ...", "Hi there, "
_OPENER = re.compile(
    r"^\s*(?:(?:hi|hey|hello|hiya|yo|ok(?:ay)?|so|well|um+|hmm+|basically|right|alright|cool"
    r"|thanks|hi there|hey there|hello there"
    # "Last month I watched ...": when, before who watched what
    r"|(?:last|this|over the) (?:night|week|weekend|month|year|summer|winter|holidays)"
    r"|yesterday|recently|lately|the other (?:day|night)|on (?:the|a) (?:plane|flight|train))"
    r"\b[\s,!.:;-]*)+",
    re.IGNORECASE,
)
# "then Fargo", "and finally Alien": the order words of a told history, not titles
_SEQUENCE_WORD = re.compile(
    r"^\s*(?:(?:and|but)\s+)?(?:(?:then|after that|afterwards|finally|lastly|also|plus|later"
    r"|next|followed by)\s+)?"
    # "also saw Fargo", "and I watched Alien", "but Titanic": the next title of the same list
    r"(?:(?:i\s+)?(?:also\s+)?(?:saw|watched|seen|rewatched|caught|finished|tried)\s+)?(?=\S)",
    re.IGNORECASE,
)
_LIKING = re.compile(
    r"\b(?:liked|loved|enjoyed|loves?|likes?|adores?|enjoys?|fan|favou?rites?)\b", re.I
)
# "Heat and Fargo were great": what follows a list of titles about them
PRAISE_TAIL = re.compile(
    r"\s+(?:were|was|are|is|both were|are both|were both)\s+[^,]*$", re.IGNORECASE
)
# words only a request uses (a title may contain some: it is matched first)
_REQUEST_CUES = re.compile(
    r"\?|\b(?:something|anything|want|wanna|looking for|recommend|suggest|suggestions?|mood"
    r"|give me|show me|find me|any ideas|what should|what (?:else|next)|similar|like (?:that|those"
    r"|these|them)|please|pls|more like|more of (?:that|this|those|these|the same)|nothing"
    r"|no more|but not|lighter|darker|funnier|scarier"
    r"|older|newer|vibes?|energy|esque|kind of|type of|sort of"
    # "I watched Heat and Fargo, didn't like the second one": a verdict on a listed title
    r"|the (?:first|second|third|fourth|fifth|last)\s+(?:(?:one|film|movie)\b|(?:was|is)\b))\b",
    re.IGNORECASE,
)
_YEAR_AFTER = re.compile(r"\s*[(\[]\s*((?:18|19|20)\d\d)\s*[)\]]\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\s*\n\s*")
# the last title of a list and a wish joined to it: "Fargo and something lighter"
_AND_THEN = re.compile(r"\s+(?:and|&|but|so|then|plus)\s+(?=\S)", re.IGNORECASE)
_PART_BREAK = re.compile(
    r"(?:,|\s+but|\s+-{1,2}|\s+[–—])\s+"
    # "after watching Fargo I want something funnier": the wish begins at "I want"
    r"|\s+(?=(?i:(?:i|we)\s+(?:want|need|would like|'d like|am looking|'m looking|feel like"
    r"|fancy))\b)"
)
# "Fargo. Something similar but funnier": one title, a full stop, then the wish
_TITLE_BREAK = re.compile(r"[.!;]\s+|" + _PART_BREAK.pattern)
# "... and loved it", "Heat, amazing": what the user thought of a title, not another title
_REMARK = re.compile(
    r"^(?:and\s+|but\s+)?(?:(?:i|we)\s+)?(?:(?:really|absolutely|totally|just)\s+)?"
    r"(?:(?P<pos>loved|liked|enjoyed|adored)|hated|disliked)\s+(?:it|that|this|them|both)"
    r"(?:\s+(?:a lot|so much|very much|too))?\s*[.!]*$"
    r"|^(?:and\s+|but\s+)?(?:(?:it|that|this|they|both|which)\s+(?:was|were|is|are)\s+)?"
    r"(?:(?:so|really|pretty|very|just|absolutely)\s+)?(?:(?:such\s+)?an?\s+)?"
    rf"(?:(?P<good>{PRAISE})|{CRITICISM}|ok|okay|not (?:great|good)"
    # what it was like, no verdict: "it was too long", "a bit slow"
    r"|(?:a bit |kind of |kinda |way |far )?too (?:long|slow|short|dark|sad|violent|scary|gory"
    r"|much|weird|confusing)|(?:a bit |kind of |kinda )(?:long|slow|weird|confusing))"
    r"(?:\s+(?:film|movie|one|watch|flick|ever|of all time))*\s*[.!]*$"
    # "it blew my mind", "which bored me to tears"
    r"|^(?:and\s+|but\s+)?(?:it|that|this|they|which|both)\s+(?:(?:really|totally|completely"
    rf"|just|kinda|honestly)\s+)?(?:(?P<wow>{MOVED}|rocked|ruled|was a blast"
    r"|had (?:me|us) in tears)"
    rf"|{BORED}|sucked|dragged)"
    r"(?:\s+(?:a lot|so much|completely))?\s*[.!]*$"
    # "and cried our eyes out", "we laughed so hard": moved by it
    r"|^(?:and\s+|but\s+)?(?:(?:i|we|we all|we both)\s+)?(?:(?:just|totally|literally)\s+)?"
    r"(?P<moved>cried|laughed|sobbed|wept|bawled)(?:\s+(?:our|my) (?:eyes|heads) off"
    r"|\s+(?:our|my) eyes out|\s+(?:a lot|so much|so hard|the whole time|all the way through"
    r"|like (?:a baby|babies)))*\s*[.!]*$",
    re.IGNORECASE,
)
_WHEN = re.compile(
    r"\s+(?:recently|lately|last (?:week|month|year|night|weekend)|this (?:week|month|year"
    r"|weekend)|yesterday|already|too|as well|before)\s*$",
    re.IGNORECASE,
)
# "... so don't suggest them", "... so skip those": the titles are the history (never shown)
_DONT_SUGGEST = re.compile(
    r"[,\s]+(?:so|and)\s+(?:please\s+)?(?:don'?t|do not|no need to|never)\s+(?:suggest|recommend"
    r"|show|include|pick)\s+(?:them|those|these|any of (?:them|those|these)|it|that)(?:\s+again)?"
    r"|[,\s]+(?:so|and)\s+(?:please\s+)?(?:skip|avoid|leave out)\s+(?:them|those|these|that)"
    r"(?=[.!]*\s*$)",
    re.IGNORECASE,
)
_LIST_SEPARATOR = re.compile(
    # "I loved Heat but hated Fargo": "but" before what the user thought of the next title
    r"((?:,\s*|\s+)but\s+(?=(?:(?:i|we)\s+)?(?:(?:really|absolutely|totally|just)\s+)?(?:hated|disliked"
    r"|didn'?t\s+(?:like|enjoy)|couldn'?t\s+stand|loved|liked|enjoyed|adored|not\s+a\s+fan)\b)"
    r"|,\s*and\s+|\s+and\s+|,\s*|\s+&\s+|\s*;\s*|\s+/\s+|\s*\|\s*)",  # "Heat / Fargo"
    re.IGNORECASE,
)
LIST_MARK = re.compile(r"\s*(?:;|\||\s/\s|\s\+\s|,)\s*")  # between titles typed on one line
# "My top 3: Heat, Fargo", "Films I love: ...", "Recently: ...": a few words and a colon
LIST_LABEL = re.compile(r"^\s*(?P<label>[^:,;\n]{1,40}?):\s+(?=\S)")
AND = re.compile(r"\s(?:and|&)\s", re.IGNORECASE)
_INLINE_NUMBER = re.compile(r"(?:^|\s)(?:#?\d{1,2}[.)]|\(\d{1,2}\))\s+")  # "1. Heat 2. Fargo"
_SPACED_DASH = re.compile(r"\s+[-–—]\s+")
# words a title keeps in lower case ("The Lord of the Rings", "Shakespeare in Love")
_SMALL_WORDS = frozenset(
    "a an the of and or in on at to for with from by vs vs. de la le du des der die das".split()
)
_TITLE_WORD = re.compile(r"^[\"'“(]*[A-Z0-9À-Þ]")  # a word that starts with a capital or a digit
MAX_TITLE_WORDS = 10
MAX_LIST_PIECES = 40  # longer "I watched a, b, c, ..." sentences are left to the history parser
SURE_TITLE = 90.0  # a line matching a title at least this well is a title, whatever it says


@dataclass(frozen=True)
class MessageSplit:
    """The history part (to parse as a paste) and the request part (to parse as a request)."""

    history: str
    request: str
    liked: bool = False  # "I loved ...", "my favourites are ...": the titles are liked too
    # a lead said titles follow ("I loved ..."): unknown ones are said back, never searched
    led: bool = False
    disliked: bool = False  # "I gave up on Titanic": watched, and not liked


def is_request(text: str, catalogue: Catalogue, matcher: TitleMatcher) -> bool:
    """True when ``text`` reads as a request and not as a title."""
    text = text.strip(" \t-•*,;:")
    if not text:
        return False
    read = parse_history(re.sub(r"[.!?]+$", "", text), catalogue, matcher=matcher)
    if any(line.score >= SURE_TITLE for line in read.matched):
        return False  # the history parser reads it as a title ("Heat (1995)", "Se7en - loved it")
    return _says_a_wish(text, catalogue, matcher)


def _says_a_wish(
    text: str, catalogue: Catalogue, matcher: TitleMatcher, wholly: bool = False
) -> bool:
    """``text`` (known not to be a title) says something only a request says; ``wholly``:
    every word of it is part of the wish ("Romance" is, "Star Wars" is not: "star" is left)."""
    parsed = parse_request(text, catalogue, matcher=matcher)
    c = parsed.constraints
    named = subjects_in(c.topic)  # "Tom Hanks", "a heist movie": of the app's lists
    if any(s.kind == "subject" for s in named):
        # "Alien, Aliens and The Thing": a subject's word written as a catalogue title is the
        # film (looked up only when a subject was named: this runs for every piece of a list)
        films = {
            title_key(word)
            for word in re.findall(r"\b[A-Z][\w'-]*", text)
            if _is_exact_title(word, matcher)
        }
        named = [s for s in named if s.kind != "subject" or not films & set(s.words)]
    if wholly and without_subject_words(c.query, named):
        return bool(_REQUEST_CUES.search(text))
    structured = bool(
        c.include_genres
        or c.exclude_genres
        or c.year_min is not None
        or c.year_max is not None
        or c.exclude_years
        or c.exclude_title_words
        or c.exclude_subjects
        or c.exclude_sequels
        or c.anchors
        or c.k
        or c.unsupported
        or parsed.refined
        or named  # "Tom Hanks, Meg Ryan": people of the app's lists, asked for
    )
    return structured or bool(_REQUEST_CUES.search(text))


# "I love Tarantino but I've seen all his films": the films of the person named before
_SEEN_ALL_OF = re.compile(
    r"(?:[,;.!]\s*|\s+)(?:(?:but|and|so|though|yet)\s+)?(?:(?:i|we)(?:'ve| have)?\s+)?"
    r"(?:(?:already|probably|pretty much|basically|just about)\s+)?(?:seen|watched|done)\s+"
    r"(?:all|every one|each one|everything)\s+(?:of\s+)?(?:(?P<pron>his|her|their)"
    r"(?:\s+(?:films|movies|stuff|work|ones))?|(?:them|those)(?:\s+(?:films|movies))?"
    r"|(?P<subj>he|she|they)(?:'s|'ve| has| have)?\s+(?:made|done|directed|been in|did))\b"
    r"(?P<after>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def _seen_all_of_them(
    message: str, catalogue: Catalogue, matcher: TitleMatcher
) -> MessageSplit | None:
    """ "I love Tarantino but I've seen all his films, what next?": the films of the one
    person or studio of the app's lists named before "his films" are the (liked) history,
    what follows the wish; ``None`` when no single such name comes before."""
    text = message.strip()
    found = _SEEN_ALL_OF.search(text)
    if found is None:
        return None
    before = text[: found.start()]
    named = [s for s in subjects_in(before) if s.kind in ("people", "studio")]
    if len(named) != 1:
        return None
    line = f"all the {named[0].label}"  # "all the Tarantino films": a line of a body of work
    if not series_line(line, catalogue, matcher):
        return None
    request = found.group("after").strip(" ,;.-")
    return MessageSplit(line, request, liked=bool(_LIKING.search(before)), led=True)


def split_message(message: str, catalogue: Catalogue, matcher: TitleMatcher) -> MessageSplit | None:
    """The history and request parts of a chat message, or ``None`` if it carries no history
    (two or more lines, "I watched ...", or a list of titles on one line)."""
    if (seen_all := _seen_all_of_them(message, catalogue, matcher)) is not None:
        return seen_all
    lines = [line for line in message.splitlines() if line.strip()]
    if len(lines) >= 2:
        # one read of the whole paste: only the lines it does not take as titles may be requests
        read = parse_history(message, catalogue, matcher=matcher)
        titles = {line.line_no for line in read.matched if line.score >= SURE_TITLE}
        history, request, liked = [], [], False
        first = next(n for n, line in enumerate(message.splitlines(), start=1) if line.strip())
        for number, line in enumerate(message.splitlines(), start=1):
            if not line.strip():
                continue
            if number not in titles and _LOVED_HEADING.match(line):
                liked = True  # "Here are some movies I love:": the list below is liked
                continue
            heading = number == first and number not in titles and len(titles) >= 2
            if heading and _FIRST_LINE_HEADING.match(line):
                liked = True  # "Top 5 all time" over the list, not "top 5" picks asked for
                continue
            bare = line.strip(" \t-•*,;:")
            if (
                number not in titles
                and _says_a_wish(bare, catalogue, matcher)
                and not series_line(bare, catalogue, matcher)  # "all the Star Wars movies"
            ):
                request.append(line.strip())
            else:
                history.append(line)
        return MessageSplit("\n".join(history), " ".join(request), liked=liked)
    opener = _OPENER.match(message)  # "Hey! So my favourites are ...", "ok so basically ..."
    start = opener.end() if opener else 0
    fan = _FAN_AFTER.match(message[start:])
    if fan and _is_title(fan.group("title"), matcher):  # "Star Wars fan here": "fan of Star Wars"
        message = message[:start] + "fan of " + fan.group("title") + message[start + fan.end() :]
    lead = HISTORY_LEAD.match(message[start:])
    if lead is None and names_series_films(message, catalogue, matcher):  # "Toy Story 1&2"
        return MessageSplit(message.strip(), "")
    if lead is None:
        return (
            _title_list(message, catalogue, matcher)
            or _one_title(message, catalogue, matcher)
            or _title_then_request(message, catalogue, matcher)
        )
    head, request = _peel_request(message[start + lead.end() :], catalogue, matcher)
    titles, praised = _without_remarks(_titles_in_sentence(head, matcher), matcher)
    if titles and all(_no_title(t) for t in titles):
        return None  # "I like everything", "I love all genres": no history, maybe a wish
    titles = [t for t in titles if not _no_title(t)]  # "I've seen that, and Aliens too"
    remarks, request = _leading_remarks(request)  # "Just finished Alien. Loved it! Now ..."
    if remarks and titles:  # the history parser reads the verdict off "Alien - loved it"
        titles[-1] = f"{titles[-1]} - {' '.join(remarks)}"
    praised |= any(_praises(remark) for remark in remarks)
    gave_up = _GAVE_UP.search(lead.group(0)) is not None  # "I gave up on Titanic"
    liked = not gave_up and (praised or bool(_LIKING.search(lead.group(0))))
    return MessageSplit("\n".join(titles), request, liked=liked, led=True, disliked=gave_up)


def _praises(remark: str) -> bool:
    found = _REMARK.match(remark.strip())
    return found is not None and _is_praise(found)


def _is_praise(remark: re.Match[str]) -> bool:
    """A ``_REMARK`` match says the user liked the film ("loved it", "amazing", "cried")."""
    return any(remark.group(g) for g in ("pos", "good", "wow", "moved"))


def _leading_remarks(request: str) -> tuple[list[str], str]:
    """The remark sentences a request starts with ("Loved it! Now I want ..."), and the rest."""
    remarks = []
    while request:
        first, *rest = _SENTENCE_END.split(request.strip(), maxsplit=1)
        if not _REMARK.match(first.strip()):
            break
        remarks.append(first.strip())
        request = rest[0] if rest else ""
    return remarks, request


_NOT_A_TITLE = frozenset(
    "everything anything all whatever most much lots genres kinds types sorts things stuff"
    " movies films them it that this those these most of".split()
)


def _no_title(piece: str) -> bool:
    """ "everything", "all genres", "most stuff" typed in lower case: no title of a film."""
    words = title_key(piece).split()
    return bool(words) and piece.strip()[:1].islower() and all(w in _NOT_A_TITLE for w in words)


def _without_remarks(pieces: list[str], matcher: TitleMatcher) -> tuple[list[str], bool]:
    """The pieces that are not a remark on the titles ("and loved it", "amazing"), and whether
    a remark praised them."""
    kept, praised = [], False
    for piece in pieces:
        if not _is_title(piece, matcher):
            piece = _SEQUENCE_WORD.sub("", piece)  # "then Fargo", "and finally Alien"
        remark = _REMARK.match(piece.strip()) if not _is_title(piece, matcher) else None
        # "Heat, which was great, then Fargo": a relative clause is about the title before it
        which = remark is not None and re.match(r"(?:and\s+|but\s+)?which\b", piece.strip())
        if remark is None:
            kept.append(_WHEN.sub("", piece))  # "Fargo yesterday and loved it"
        elif _is_praise(remark) and not (which and kept):
            praised = True
        elif kept:  # "I saw Fargo and it was boring", "Heat, which was great, then Fargo":
            kept[-1] = f"{kept[-1]} - {piece.strip()}"  # the history parser reads the verdict
    return kept, praised


def _peel_request(text: str, catalogue: Catalogue, matcher: TitleMatcher) -> tuple[str, str]:
    """ "Heat and Fargo, want something lighter. 90s please" -> ("Heat and Fargo", "want
    something lighter 90s please"): the sentences after the first, and the trailing comma
    parts of the first that read as a request."""
    head, *after = _SENTENCE_END.split(text.strip(), maxsplit=1)
    head = _DONT_SUGGEST.sub("", head)  # "Heat and Fargo so don't suggest them": seen anyway
    request = [after[0]] if after else []
    while True:  # "I've seen Heat and Fargo, want something lighter": the last part
        cuts = list(_PART_BREAK.finditer(head))
        if not cuts:
            break
        part = head[cuts[-1].end() :]
        if title_shaped(part, catalogue, matcher) or not is_request(part, catalogue, matcher):
            break  # "I loved Inception, Interstellar and The Dark Knight": no mood "dark"
        # "Heat, Fargo and something lighter": Fargo is the list's last title, the rest the
        # wish ("Harold and Maude and something lighter": the longest title that leads)
        joins = [j for j in _AND_THEN.finditer(part) if _is_title(part[: j.start()], matcher)]
        if joins and is_request(part[joins[-1].end() :], catalogue, matcher):
            request.insert(0, part[joins[-1].end() :])
            head = head[: cuts[-1].end()] + part[: joins[-1].start()]
            break
        request.insert(0, head[cuts[-1].end() :])
        head = head[: cuts[-1].start()]
    head = _WHEN.sub("", re.sub(r"[.!?;]+$", "", head.strip()))
    head = re.sub(r"(?:\s*,)?\s+(?:and|&|but|so|then)$", "", head, flags=re.IGNORECASE)
    return head, " ".join(part.strip() for part in request)


def _title_list(message: str, catalogue: Catalogue, matcher: TitleMatcher) -> MessageSplit | None:
    """A list of titles typed on one line ("Heat, Fargo, Alien", "Heat; Fargo | Alien",
    "Heat, Fargo and Alien - something lighter", "1. Heat 2. Fargo", "Heat/Fargo/Alien",
    "heat fargo alien"): the history, when at least two of its pieces and most of them are
    titles; else ``None`` (a request that names a title or two, "something like Heat and
    Fargo", stays a request)."""
    if "\n" in message.strip():
        return None
    for variant in _list_variants(message):  # other separators people type, tried in turn
        found = _marked_list(variant, catalogue, matcher)
        if found is not None:
            return found
    return _spaced_titles(message, catalogue, matcher)


def _list_variants(message: str) -> list[str]:
    """The message, and the same with inline numbering, slashes or spaced dashes read as
    commas (each only where it occurs at least twice: "F/X" and "Heat - something
    lighter" stay as typed)."""
    variants = [message]
    if len(_INLINE_NUMBER.findall(message)) >= 2:
        variants.append(_INLINE_NUMBER.sub(", ", message).strip(" ,"))
    if message.count("/") >= 2:
        variants.append(message.replace("/", ", "))
    if len(_SPACED_DASH.findall(message)) >= 2:
        variants.append(_SPACED_DASH.sub(", ", message))
    return variants


def _spaced_titles(
    message: str, catalogue: Catalogue, matcher: TitleMatcher
) -> MessageSplit | None:
    """ "heat fargo alien": every word belongs to one of two or more exact titles, and no
    title is a word a request uses ("romance", "horror"): the titles."""
    titles = _spaced_split(message, catalogue, matcher)
    return MessageSplit("\n".join(titles), "") if titles else None


def _spaced_split(message: str, catalogue: Catalogue, matcher: TitleMatcher) -> list[str] | None:
    """The two or more exact titles that ``message`` is, typed with spaces between them
    ("heat fargo alien"), or ``None``."""
    words = message.strip(" .!?").split()
    if not 2 <= len(words) <= MAX_LIST_PIECES or _REQUEST_CUES.search(message):
        return None
    n = len(words)
    best: list[list[str] | None] = [[]] + [None] * n  # fewest titles covering words[:j]
    for j in range(1, n + 1):
        for i in range(max(0, j - 8), j):
            before, text = best[i], " ".join(words[i:j])
            if before is None or not _is_exact_title(text, matcher):
                continue
            if best[j] is None or len(before) + 1 < len(best[j]):  # type: ignore[arg-type]
                best[j] = [*before, text]
    titles = best[n]
    if not titles or len(titles) < 2:
        return None
    if any(_says_a_wish(title, catalogue, matcher, wholly=True) for title in titles):
        return None  # "comedy drama" is two genres, whatever films carry those names
    return titles


def _is_exact_title(text: str, matcher: TitleMatcher) -> bool:
    found = matcher.match(text, exact_only=True)
    return bool(found.items) and found.score >= 95 and not found.ambiguous


def title_shaped(text: str, catalogue: Catalogue, matcher: TitleMatcher) -> bool:
    """``text`` is written like a film's name ("Inception", "The Dark Knight", "Lord of the
    Rings") and says no wish ("Comedy", "90s", "Tom Hanks" are wishes): a title the catalogue
    may lack, to be said back as unknown rather than searched as words."""
    words = text.strip(" .!?,;:").split()
    if not 1 <= len(words) <= MAX_TITLE_WORDS or _REQUEST_CUES.search(text):
        return False
    if not _TITLE_WORD.match(words[0]):
        return False
    if not all(_TITLE_WORD.match(w) or w.lower() in _SMALL_WORDS for w in words[1:]):
        return False
    return not _says_a_wish(text.strip(" .!?,;:"), catalogue, matcher, wholly=True)


def _marked_list(message: str, catalogue: Catalogue, matcher: TitleMatcher) -> MessageSplit | None:
    """:func:`_title_list` for one way of writing the list (commas, ";", "|", "and")."""
    if not (LIST_MARK.search(message) or AND.search(message)):
        return None
    label = LIST_LABEL.match(message)
    verdict = ""
    if (
        label
        and len(label.group("label").split()) <= 5
        and not _is_title(label.group("label"), matcher)
    ):
        message = message[label.end() :]  # "My top 3: Heat, Fargo" (not "Alien: Resurrection")
        verdict = _label_verdict(label.group("label"))  # "Movies I dislike: Titanic; Grease"
    head, request = _peel_request(LIST_MARK.sub(", ", message), catalogue, matcher)
    best: tuple[int, list[str]] = (0, [])
    as_typed: list[str] = []  # the pieces of ``head`` itself (the first text tried)
    for text in dict.fromkeys([head, PRAISE_TAIL.sub("", head)]):  # "Life Is Beautiful" first
        pieces = _titles_in_sentence(text, matcher)
        as_typed = as_typed or pieces
        titles = sum(1 for piece in pieces if _is_title(piece, matcher))
        if titles >= 2 and titles * 3 >= len(pieces) * 2 and titles > best[0]:
            best = (titles, pieces)  # "Heat, Fargo and Alien are my favourites": all three
    if best[1]:
        lines = [f"{piece} - hated it" for piece in best[1]] if verdict == "disliked" else best[1]
        return MessageSplit("\n".join(lines), request, liked=verdict == "liked")
    # "Toy Story, Shrek, Finding Nemo", "Inception, Interstellar, The Dark Knight": a list of
    # names, most of them films the catalogue lacks; said back as unknown, never searched
    pieces = as_typed
    known = [piece for piece in pieces if _is_title(piece, matcher)]

    def shaped(piece: str) -> bool:  # "toy story, shrek, finding nemo": typed in lower case,
        # a name is title-shaped as a title would be capitalised, once a known film shows
        # that the list is one of films ("heat, dark, gritty" stays a wish: those are words)
        return title_shaped(piece, catalogue, matcher) or bool(
            known and piece.islower() and title_shaped(piece.title(), catalogue, matcher)
        )

    if len(pieces) >= 2 and all(piece in known or shaped(piece) for piece in pieces):
        return MessageSplit("\n".join(pieces), request, led=True)
    return None


_DISLIKED_LABEL = re.compile(
    r"\b(?:dislike[sd]?|hated?|don'?t like|didn'?t like|worst|not for me|can'?t stand|avoid"
    r"|overrated|bad)\b",
    re.IGNORECASE,
)
_LIKED_LABEL = re.compile(
    r"\b(?:like[sd]?|love[sd]?|enjoyed|favou?rites?|faves?|best|top(?: \d+)?)\b", re.IGNORECASE
)


def _label_verdict(label: str) -> str:
    """What a list's label says of its titles: "Movies I dislike" -> "disliked", "My
    favourites" -> "liked", "Watched" -> ""."""
    if _DISLIKED_LABEL.search(label):
        return "disliked"
    return "liked" if _LIKED_LABEL.search(label) else ""


def _one_title(message: str, catalogue: Catalogue, matcher: TitleMatcher) -> MessageSplit | None:
    """A message that is one title and nothing else ("The Matrix", "Toy Story 2", "Heat
    (1995)"): the film the user watched, not words to search for (a search found the film
    itself and offered it back). A lower-case short word ("go", "more") stays a request, and
    so does anything the request parser reads as a wish ("horror", "something wild ones")."""
    text = message.strip().strip(".!?\"'“”")
    words = text.split()
    if not words or len(words) > 12 or "\n" in text:
        return None
    if len(words) == 1 and not (text[:1].isupper() or len(text) >= 5):
        return None
    read = parse_history(text, catalogue, matcher=matcher)
    sure = len(read.matched) == 1 and read.matched[0].score >= 95 and not read.ambiguous
    if not sure and not (len(read.ambiguous) == 1 and not read.matched and _same_name(read, text)):
        return None  # one film, or one name of several ("Titanic": the caller asks which)
    bare = re.sub(r"\s*[(\[]\s*(?:18|19|20)\d\d\s*[)\]]\s*$", "", text)  # "Heat (1995)"
    if _says_a_wish(bare, catalogue, matcher, wholly=True):
        return None  # "Romance", "Horror": the genre, not the film of that name
    return MessageSplit(text, "")


def _title_then_request(
    message: str, catalogue: Catalogue, matcher: TitleMatcher
) -> MessageSplit | None:
    """ "Heat - something lighter", "The Matrix, but older", "Fargo. Something funnier": one
    title, then a request."""
    cut = _TITLE_BREAK.search(message)
    if cut is None or "\n" in message.strip():
        return None
    head, tail = message[: cut.start()], message[cut.end() :]
    said = _TITLE_REMARK.match(head.strip())  # "Alien was amazing. Anything like it?"
    remark = ""
    if said and _REMARK.match("it " + said.group("remark")) and _is_title(said.group(1), matcher):
        head, remark = said.group(1), said.group("remark")
    first, comma, rest = tail.partition(",")  # "Heat - a bit slow, want something funnier"
    if not remark and comma and rest.strip() and _REMARK.match(f"it was {first.strip()}"):
        remark, tail = f"was {first.strip()}", rest
    bare = re.sub(r"\s*[(\[]\s*(?:18|19|20)\d\d\s*[)\]]\s*$", "", head.strip())
    if not matcher.match(bare, exact_only=True).items:  # cheap first: most heads are no title
        return None
    if not is_request(tail, catalogue, matcher):
        return None
    title = _one_title(head, catalogue, matcher)
    if title is None:
        return None
    if remark:  # the history parser reads the verdict off "Alien - was amazing"
        liked = _praises(f"it {remark}")
        return MessageSplit(f"{title.history} - {remark}", tail.strip(), liked=liked)
    return MessageSplit(title.history, tail.strip())


# "Alien was amazing", "Casablanca blew me away": a title, then what the user thought of it
_TITLE_REMARK = re.compile(
    r"^(.{2,80}?)\s+(?P<remark>(?:is|was|'s|are|were)\s+.{2,40}|(?:really\s+|totally\s+)?"
    r"(?:blew|made|changed|rocked|ruled|bored|sucked|put|dragged)\b.{0,30})$",
    re.IGNORECASE,
)


def _same_name(read: HistoryParse, text: str) -> bool:
    """Every film offered for ``text`` is called exactly that ("Titanic" (1997) and (1953)),
    not merely something like it ("thanks" is no film here)."""
    options = read.ambiguous[0].option_titles
    bare = [re.sub(r"\s*\((?:18|19|20)\d\d\)$", "", option) for option in options]
    return bool(options) and all(title_key(name) == title_key(text) for name in bare)


# a score after a title in a one-line list: "heat 10/10, fargo 9/10", "Alien ★★★★"
_SCORE_AFTER = re.compile(
    r"\s*[-–:]?\s*(?:\(?\d{1,2}(?:[.,]\d)?\s*/\s*(?:5|10|100)\)?|[★☆⭐]+\s*½?|½"
    r"|(?:[0-5](?:[.,]5)?|one|two|three|four|five|half a) stars?)\s*$"  # "Alien 5 stars"
)


def _is_title(text: str, matcher: TitleMatcher) -> bool:
    text = _SCORE_AFTER.sub("", text)  # the history parser reads the score as a verdict
    year = _YEAR_AFTER.search(text)  # "Willy Wonka and the Chocolate Factory (1971)"
    bare, when = (text[: year.start()], int(year.group(1))) if year else (text, None)
    found = matcher.match(bare, when, exact_only=True)
    return bool(found.items) and found.score >= 95


def _titles_in_sentence(sentence: str, matcher: TitleMatcher) -> list[str]:
    """ "Heat, Fargo and Harold and Maude" -> ["Heat", "Fargo", "Harold and Maude"]: the pieces
    between commas and "and" joined back wherever the joined text is a title (most titles)."""
    pieces = _LIST_SEPARATOR.split(sentence)  # text, separator, text, ...
    texts, seps = pieces[0::2], pieces[1::2]
    if len(texts) > MAX_LIST_PIECES:
        return [sentence]
    n = len(texts)

    def joined(i: int, j: int) -> str:  # texts[i..j) with their separators
        return "".join(texts[k] + (seps[k] if k < j - 1 else "") for k in range(i, j)).strip()

    best: list[tuple[int, list[str]]] = [(0, [])] + [(-1, [])] * n  # titles found, pieces
    for j in range(1, n + 1):
        for i in range(j):
            if best[i][0] < 0:
                continue
            text = joined(i, j)
            if not text:
                continue
            gain = 1 if _is_title(text, matcher) else 0
            if gain == 0 and j - i > 1:
                continue  # only titles span separators
            candidate = (best[i][0] + gain, best[i][1] + [text])
            if candidate[0] > best[j][0] or (
                candidate[0] == best[j][0] and len(candidate[1]) < len(best[j][1])
            ):
                best[j] = candidate
    found = best[n][1] or [sentence]
    # "heat fargo and alien": a piece that is titles typed with spaces between them
    spaced = [
        None if _is_title(piece, matcher) else _spaced_split(piece, matcher.catalogue, matcher)
        for piece in found
    ]
    return [title for piece, split in zip(found, spaced, strict=True) for title in split or [piece]]
