"""Questions about the picks just shown, not new wishes: "why the second one?", "what is #4
about?", "is the first one scary?", "which one is the oldest?", "why so many crime films?",
"who directed Heat?", "how is Seven like Heat?", "why not Aladdin?", "do you have
Casablanca?", "would I like Titanic?", and the choice among them ("I'll watch the 2nd").

Each pass reads one kind of question off the message, fills the :class:`ParsedRequest`
(``explain``, ``about_picks``, ``asked_about``, ``compare_with``, ``why_not``, ``chosen``, ...)
and consumes its span, so the request parser neither searches for it nor filters by it.
``parse_request`` calls :func:`parse_choice`, :func:`parse_why_not` and :func:`parse_explain`
(which runs the other question passes) before the passes that refine the request.
"""

from __future__ import annotations

import re

from recommender.conversation.genre_words import genre_pattern, genre_word, resolve_genre
from recommender.conversation.history_parser import TitleMatcher
from recommender.conversation.periods import DECADE_ALONE, YEAR, period_years
from recommender.conversation.pick_refs import REF_END, REF_LIST_WORDS, resolve_refs
from recommender.conversation.request_model import MessageText, ParsedRequest
from recommender.conversation.state import Constraints, SessionState
from recommender.conversation.title_spans import (
    MAX_TITLE_WORDS,
    capitalised_run,
    title_at,
    title_before,
)
from recommender.data.catalogue import Catalogue
from recommender.wording import join_words

MAX_EXPLAINED = 3  # "why these?" explains the first three

_EXPLAIN_LEAD = (
    r"\b(?:why|how come|explain|tell me (?:more |a bit )?about|more (?:info|details) (?:on|about)"
    r"|what(?:'s| is| was) (?:so )?(?:good|special|great) about"
    # "what made you pick the first one?", "how did you come up with the second?"
    r"|what made you (?:pick|choose|suggest|recommend|include|go (?:for|with)|think of)"
    r"|how did you (?:come up with|get to|land on|arrive at|find|pick|choose)"
    r"|(?:curious|wondering|asking) about"
    # "how sure are you about the second?", "how confident are you in #3?"
    r"|how (?:sure|confident|certain) are you (?:about|in|of|with|on))"
    r"(?:\s+(?:did|do|would) you\s+(?:pick|choose|recommend|suggest|include|go (?:with|for)"
    r"|settle on|opt for|land on)"
    r"|\s+(?:is|was)(?:\s+there)?|\s+(?:you )?(?:picked|chose|recommended|suggested))?\s+"
)
_EXPLAIN_REF = re.compile(rf"{_EXPLAIN_LEAD}{REF_LIST_WORDS}{REF_END}")
# "why is the second one lighter?", "how come the third is so old?": the rest is the question's
_WHY_IS = re.compile(r"\s*(?:why|how come)\s+(?:is|was|are|were)\b")
_WHY_IS_TAIL = re.compile(
    r"\s+(?:(?:so|that|more|less|too|a|an|even|considered)\s+)?[\w' -]{1,40}?\s*\?+\s*$"
)
_EXPLAIN_ABOUT = re.compile(rf"\bwhat(?:'s| is| was)\s+{REF_LIST_WORDS}\s+about\b")
# "what genre is the second one?", "who directed the first one?", "how long is #3?": a fact
# about a pick, answered from the catalogue (or said to be missing from it)
_FACT_QUESTION = re.compile(
    r"^\s*(?:(?:so|and|but|ok|hmm),?\s+)?(?:(?P<genre>what (?:genres?|kind of (?:movie|film)"
    r"|type of (?:movie|film)|sort of (?:movie|film)) (?:is|are|was))"
    r"|(?P<people>who (?:directed|made|stars? in|starred in|is in|acts? in|was in|wrote|plays in)"
    r"|who(?:'s| is) (?:in|the director of|the star of))"
    r"|(?P<length>how long (?:is|was)|what(?:'s| is) the (?:running ?time|runtime|length) of)"
    r"|(?P<year>when (?:did|was|were))"
    r")\s+"
)
_FACT_END = re.compile(
    r"\s*(?:(?:come|came) out|(?:get |got )?released|made|out|premiere)?\s*[?!.]*\s*$"
)
# "explain your reasoning for the first pick", "what's the reason behind #2?"
_EXPLAIN_REASON = re.compile(
    r"\b(?:explain|what(?:'s| is| was)|tell me|give me)\s+(?:your |the )?(?:reasoning|reasons?"
    rf"|logic|rationale|thinking)\s+(?:for|behind|of|with)\s+{REF_LIST_WORDS}{REF_END}"
)
# "which of my movies is it closest to?", "which of my films made you pick the second one?":
# the pick's reason, which names the titles of the user's that lead to it
_OF_MINE = r"\bwhich\s+(?:ones?\s+)?of\s+my\s+(?:movies|films|titles|list)\s+"
_CLOSEST_OF_MINE = re.compile(
    rf"{_OF_MINE}(?:is|are|does|did|was)\s+{REF_LIST_WORDS}\s+(?:closest|nearest"
    r"|most\s+(?:like|similar)|like|similar|related|connected|linked|tied|based\s+on"
    r"|(?:come|came)\s+from)\b(?:\s+to)?"
)
_MADE_YOU_PICK = re.compile(
    rf"{_OF_MINE}(?:(?:made|led|got)\s+(?:you\s+)?(?:to\s+)?(?:pick|choose|suggest|recommend"
    # "which of my movies influenced the first pick most?", "... counts most for #2?"
    r"|show)|(?:(?:most\s+)?(?:influenced|influences|drove|drives|decided|decides|explains"
    r"|explained|caused|led\s+to|matters?\s+most\s+(?:for|to)|counts?\s+most\s+(?:for|to)"
    r"|weighs?\s+most\s+(?:for|on)|mattered\s+most\s+(?:for|to))))"
    rf"\s+{REF_LIST_WORDS}(?:\s+(?:the\s+)?most)?{REF_END}"
)
# "how is the second related to my list?", "how does it connect to what I like?", "what does
# #3 have to do with my movies?": the pick's reason, like the above
_MINE = (
    r"(?:my\s+(?:list|history|movies|films|titles|taste|picks|favou?rites)|what\s+i"
    r"\s+(?:like|liked|love|watch|watched|gave\s+you|pasted|told\s+you))"
)
_RELATED_TO_MINE = re.compile(
    r"^\s*(?:(?:so|and|but|ok|hmm),?\s+)?(?:(?:how|in\s+what\s+way)\s+(?:is|was|are|does"
    rf"|did)|what\s+(?:does|did|has))\s+{REF_LIST_WORDS}\s+(?:(?:relate|related|connect"
    r"|connected|linked|tied|fit|fits|match|matches|compare|compared)\s+(?:in\s+)?(?:to|with|in"
    r"\s+with)|(?:got\s+)?(?:have|has)\s+(?:got\s+)?to\s+do\s+with)\s+"
    rf"{_MINE}\s*[?!.]*\s*$"
)
# "what about the third?", "how about #4?", "and the fourth?": that pick, explained
# ("and the third" without a question mark goes on with what was said: "I've seen the first")
_WHAT_ABOUT = re.compile(
    r"^\s*(?:(?:ok|okay|and|so|hmm),?\s+)?(?:(?:what|how)\s+about|and(?=[^?]*\?\s*$))\s+"
    rf"{REF_LIST_WORDS}\s*[?!.]*\s*$"
)
# "and the third", "the fourth too", "also #2": a pick named with nothing said of it (what
# was said before, "I've seen the first two", changed the list): asked back, never searched
_BARE_REF = re.compile(
    r"^\s*(?:(?:and|also|plus|oh and|what about|how about)\s+)?"
    rf"{REF_LIST_WORDS}(?:\s+(?:too|as well|also|then))?\s*[.!]*\s*$"
)
_ORDINAL = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
    r"|last|middle|\d+(?:st|nd|rd|th)|#\s?\d+|number \d+)\b"
)
# "what's the story of the first one?", "tell me the plot of #2": about, like the above
_PLOT_OF = re.compile(
    rf"\b(?:what(?:'s| is| was)|tell me|give me|explain)\s+the\s+(?:story|plot|storyline"
    rf"|premise|synopsis)\s+(?:of|in|behind|for)\s+{REF_LIST_WORDS}{REF_END}"
)
# "number 2, tell me more", "the third one - why?": the reference first
_EXPLAIN_AFTER = re.compile(
    rf"^\s*{REF_LIST_WORDS}\s*[,:\-–?]?\s*(?:tell me (?:more|a bit more)(?: about (?:it|that"
    r"(?: one)?|this(?: one)?|them))?|more (?:info|details)(?: please)?|why(?: that one| this one)?"
    r"|explain(?: (?:it|that|please))?|what(?:'s| is) (?:it|that) about)\s*[?.!]*\s*$"
)
_EXPLAIN_TITLE = re.compile(_EXPLAIN_LEAD)
# a question about a pick, not a wish: "is the first one scary?", "is Bound a comedy?",
# "when is the 2nd from?", "how popular is it?"
_ATTRIBUTE_LEAD = re.compile(
    r"^\s*(?:so\s+|and\s+|but\s+|hmm,?\s+)?(?:(?P<is>is|was|are|were"
    r"|which (?:(?:ones?|of (?:them|these|those|the picks))\s+)?(?:is|are|was|were))\s+"
    r"|(?:when|what year)\s+(?:is|was)\s+|how\s+(?:old|popular|recent|new|well[- ]known"
    r"|famous)\s+(?:is|was)\s+|(?P<does>does|did)\s+)"  # "does it have a happy ending?"
)
_ATTRIBUTE_END = re.compile(
    r"\s*(?:(?P<rest>(?:(?:a|an|really|very|too|at all|kind of|sort of|any)\s+)*[\w' -]{0,30}?)"
    r"|from|made|released|out)?\s*\?+\s*$"
)
_WHY_NOT = re.compile(
    r"\b(?:why (?:(?:is|are) there no|(?:is|was) (?:there )?no|not|no|isn'?t|is not|wasn'?t"
    r"|was not|not include|didn'?t you (?:pick|recommend"
    r"|suggest|include|show|choose)|did(?:n'?t| not) you (?:pick|recommend|suggest|include|show"
    r"|choose)|haven'?t you (?:picked|recommended|suggested|shown|included)|leave out|left out"
    r"|skip|skipped)|how come (?:no|not|there'?s no|there is no|you didn'?t (?:pick|include"
    r"|recommend|show))"
    r"|where(?:'s| is| are)|you (?:forgot|missed|left out|didn'?t (?:include|mention|pick))"
    r"|what about|how about)\s+"
)
# "I'll watch Bound", "going with the 2nd", "let's do that one": a pick chosen, no new ones
_CHOICE = re.compile(
    r"\b(?:(?:i'?ll|i will|i'?m going to|i'?m gonna|gonna|going to|let'?s|we'?ll|we will"
    r"|i think i'?ll|i'?d like to|i'?d|i would)\s+(?:go (?:with|for)|watch|take|pick|choose|try"
    r"|check out"
    r"|see|do|start with|put on)|(?:i'?m |we'?re )?(?:going|go) (?:with|for)|i (?:pick|choose)"
    # ("I just finished watching Pulp Fiction" is watched, not chosen)
    r"|(?<!finished )(?<!done )(?<!been )(?:i'?m |we'?re )?watching"
    r"|(?:i'?ll |we'?ll )?settle (?:on|for))\s+"
)
_CHOICE_END = re.compile(
    r"\s*(?:tonight|now|then|first|today|later|this (?:evening|weekend))?\s*"
    r"(?:,?\s*(?:thanks?(?: you)?|thx|cheers|ty))?\s*[.!]*\s*$"
)
_CHOSEN_REF = re.compile(
    rf"^\s*(?:(?:ok(?:ay)?|fine|alright|sure|hmm+|right|then)[,\s]+)?{REF_LIST_WORDS}(?P<tail>\s+"
    r"(?:then|it is|please|for me|it'?ll be|i guess))?(?:\s+then)?\s*(?P<end>[.!?]*)\s*$"
)
_PRONOUNS = frozenset({"it", "that", "this", "that one", "this one", "them", "those", "these"})
_OTHERS = re.compile(r"(?:the\s+)?(?:others?|rest)\b")
_IT_IS = re.compile(r"\s+it is\b\s*(?:then|tonight)?\s*[.!]*\s*$")  # "Bound it is"
# "do you have Casablanca?", "have you got Inception?": is a title in the catalogue
_HAVE = re.compile(
    r"^\s*(?:(?:so|and|hey|ok),?\s+)?(?:do you (?:have|know|carry|stock)|have you got|you got"
    r"|does (?:the|your|this) (?:catalogue|catalog|list|database|app) (?:have|include"
    r"|contain|know)|can i (?:get|find))\s+"
)
# "is Inception in your catalogue?", "are the Godfather films here?": the title comes first
_IS_IN = re.compile(
    r"^\s*(?:(?:so|and|hey|ok),?\s+)?(?:is|are)\s+(?!(?:there|it|they|these|those|any)\b)"
)
_IN_CATALOGUE_END = re.compile(
    r"\s*(?:in (?:the|your|this) (?:catalogue|catalog|database|app|collection)"
    r"|available(?: here)?)\s*[?!.]*\s*$"
)
_HAVE_END = re.compile(
    r"\s*(?:in (?:the|your|this) (?:catalogue|catalog|list|database|app)|here|at all)?"
    r"\s*[?!.]*\s*$"
)
_WHY_OVER = re.compile(r"^\s*(?:(?:so|but|ok|hmm),?\s+)?(?:why|how come)\s+")
_WHY_OVER_JOIN = re.compile(
    r"\s+(?:and not|but not|not|over|instead of|rather than|ahead of|before|above)\s+"
)
# "would I like Casablanca?", "should I watch Titanic?", "is Heat any good?", "what do you
# think of Alien?", "have you heard of Inception?": one title, and how well it fits the user
_FIT = re.compile(
    r"^\s*(?:(?:so|and|hey|ok|hmm),?\s+)?(?:would i (?:like|enjoy|love|be into)|will i (?:like"
    r"|enjoy)|do you think i(?:'d| would| will)? (?:like|enjoy|love)|should i (?:watch|see|try"
    r"|check out)|is it worth (?:watching|seeing)|what do you think (?:of|about)"
    r"|(?:have|did) you (?:ever )?heard? of|do you know|is|how about i watch)\s+"
)
FIT_END = re.compile(
    r"\s*(?:(?:any |really |actually )?(?:good|great|worth (?:it|watching|seeing|a watch|my time))"
    r"|for me|(?:a )?good (?:pick|choice|fit|film|movie) for me|my (?:kind of|type of) (?:film"
    r"|movie|thing)|(?:my|up my) (?:thing|alley|street))?\s*(?:tonight|then|though)?\s*[?!.]*\s*$"
)
_WISH_WORDS = re.compile(
    r"\b(?:movies?|films?|something|anything|about|with|like|from|any|some|good|great|best"
    r"|recommendations?|suggestions?|ideas?)\b",
    re.IGNORECASE,
)
_WHY_NOT_END = re.compile(
    r"\s*(?:in (?:the|your|this) (?:list|picks)|there|too|then|though)?\s*[?!.]*\s*$"
)
_ABOUT_TITLE = re.compile(
    r"\bwhat(?:'s| is| was)\s+(?=[^.?!]{1,80}?\s+about\b)"
)  # "what is Heat about"
_ABOUT_END = re.compile(r"\s+about\b")


_REFS_AT = re.compile(rf"{REF_LIST_WORDS}{REF_END}")


def _refs_at(
    msg: MessageText, start: int, last: list[int], result: ParsedRequest
) -> tuple[list[int], int] | None:
    """The picks a reference at ``start`` names ("the 2nd one", "it") and where it ends."""
    refs = _REFS_AT.match(msg.work, start)
    if refs is None or not last:
        return None
    return resolve_refs(refs.group("refs"), last, result), refs.end()


def parse_choice(
    msg: MessageText,
    matcher: TitleMatcher,
    state: SessionState | None,
    last: list[int],
    result: ParsedRequest,
) -> None:
    """ "I'll watch Bound", "going with the 2nd", "Bound it is": the pick the user chose. Only
    a whole sentence of it counts ("I'll watch something lighter" is a request)."""
    among_picks = SessionState(history=list(last))  # "I'll watch Heat": the Heat just shown
    for match in msg.finditer(_CHOICE):
        scratch = ParsedRequest(Constraints(), focus=result.focus)
        found = title_at(msg, match.end(), matcher, among_picks if last else state, scratch)
        if found is not None and found[0].item_id not in last:
            result.notes.extend(scratch.notes)  # "I took Heat (1995) (not Heat (1972))"
        if found is not None:
            ids, end = [found[0].item_id], found[1]
        elif (
            picks := _refs_at(
                msg, match.end(), last, ParsedRequest(Constraints(), focus=result.focus)
            )
        ) is not None:
            ids, end = picks
        else:
            continue
        tail = _CHOICE_END.match(msg.work, end)
        if ids and tail is not None:
            result.chosen.extend(i for i in ids if i not in result.chosen)
            msg.consume(match.start(), tail.end())
    for match in msg.finditer(_CHOSEN_REF):  # "ok the fourth then", "number 2 it is"
        refs = match.group("refs").strip()
        bare = refs in _PRONOUNS and not match.group("tail")
        # "top 3" alone asks for three picks; "the top 3 then" chooses them
        tail = (match.group("tail") or "").strip()
        count = re.match(r"(?:the\s+)?top\s+\w+$", refs) is not None and tail in ("", "please")
        ids = resolve_refs(match.group("refs"), last, ParsedRequest(Constraints()))
        if not ids or not last or bare or count:
            continue  # "it" alone names no pick
        if _OTHERS.match(refs):  # "other ones", "the rest then": others than these, not a choice
            result.skipped.extend(i for i in last if i not in result.skipped)
            msg.consume(match.start(), match.end())
            continue
        if "?" in match.group("end"):  # "the first one?": about it
            result.explain += [i for i in ids if i not in result.explain]
        else:
            result.chosen.extend(i for i in ids if i not in result.chosen)
        msg.consume(match.start(), match.end())
    for match in msg.finditer(_IT_IS):
        found = title_before(msg, match.start(), matcher, state, result)
        if found is not None:
            result.chosen.append(found[0].item_id)
            msg.consume(found[1], match.end())


def _name_asked(
    msg: MessageText, start: int, end: re.Pattern[str]
) -> tuple[str, re.Match[str] | None]:
    """The rest of the message from ``start`` up to where ``end`` matches, as typed: a name
    the catalogue may lack ("have you got Inception?"), and the match of ``end``."""
    rest = end.search(msg.work, start)
    said = (msg.cased or msg.work)[start : rest.start() if rest else None]
    return said.strip(" ,.;!?\"'“”"), rest


def _could_be_a_name(name: str) -> bool:
    """Short enough for a title and free of wish words ("any comedies", "about sharks")."""
    return bool(name) and len(name.split()) <= MAX_TITLE_WORDS and not _WISH_WORDS.search(name)


def _parse_fit(
    msg: MessageText,
    fit: re.Match[str],
    matcher: TitleMatcher,
    state: SessionState | None,
    result: ParsedRequest,
) -> bool:
    """ "would I like Casablanca?": the title, to say where it stands for the user; a name the
    catalogue lacks ("is Inception good?") is said to be missing. "Is Heat a comedy?" is no
    such question (its end is not a verdict word), nor "should I watch something funny?"."""
    found = title_at(msg, fit.end(), matcher, state, result)
    end = FIT_END.match(msg.work, found[1]) if found is not None else None
    is_form = msg.work[fit.start() : fit.end()].strip().endswith("is")
    if found is not None and end is not None:
        if is_form and not end.group().strip(" ?!."):
            return False  # "is Heat?" alone
        result.why_not.append(found[0].item_id)
    else:
        name, rest = _name_asked(msg, fit.end(), FIT_END)
        if (
            not _could_be_a_name(name)
            or not name[:1].isupper()
            or (is_form and not (rest and rest.group().strip(" ?!.")))
        ):
            return False  # "should I watch something funny?": a request
        result.why_not_unknown.append(name)
    result.asked_fit = True
    msg.consume(fit.start(), len(msg.work))
    return True


def parse_why_not(
    msg: MessageText, matcher: TitleMatcher, state: SessionState | None, result: ParsedRequest
) -> None:
    """ "why not Aladdin?", "why didn't you pick Heat?", "what about Fargo?" (a whole
    question about one title): what keeps that title out of the picks. "do you have
    Casablanca?" is answered the same way, after saying whether the catalogue has it."""
    fit = _FIT.match(msg.work)
    if fit is not None and _parse_fit(msg, fit, matcher, state, result):
        return
    over = _WHY_OVER.match(msg.work)  # "why Bound and not Casablanca?": where each stands
    if over is not None:
        first = title_at(msg, over.end(), matcher, state, result)
        join = _WHY_OVER_JOIN.match(msg.work, first[1]) if first is not None else None
        second = title_at(msg, join.end(), matcher, state, result) if join else None
        end = _WHY_NOT_END.match(msg.work, second[1]) if second is not None else None
        if first is not None and second is not None and end is not None:
            result.why_not += [first[0].item_id, second[0].item_id]
            msg.consume(over.start(), end.end())
            return
    inside = _IS_IN.match(msg.work)
    if inside is not None and _IN_CATALOGUE_END.search(msg.work):  # "is Heat in your catalogue?"
        found = title_at(msg, inside.end(), matcher, state, result)
        end = _IN_CATALOGUE_END.match(msg.work, found[1]) if found is not None else None
        if found is not None and end is not None:
            result.why_not.append(found[0].item_id)
        else:
            name, _ = _name_asked(msg, inside.end(), _IN_CATALOGUE_END)
            if not _could_be_a_name(name):
                return
            result.why_not_unknown.append(name)
        result.asked_have = True
        msg.consume(inside.start(), len(msg.work))
        return
    have = _HAVE.match(msg.work)
    if have is not None:
        found = title_at(msg, have.end(), matcher, state, result)
        end = _HAVE_END.match(msg.work, found[1]) if found is not None else None
        if found is not None and end is not None:
            result.why_not.append(found[0].item_id)
        else:  # "have you got Inception?": the whole rest is the name asked for
            name, _ = _name_asked(msg, have.end(), _HAVE_END)
            if not _could_be_a_name(name):
                return  # "do you have any comedies?", "... something about sharks": a request
            result.why_not_unknown.append(name)
        result.asked_have = True
        msg.consume(have.start(), len(msg.work))
        return
    for match in msg.finditer(_WHY_NOT):
        whole_question = match.group(0).startswith(("what", "how"))
        found = title_at(msg, match.end(), matcher, state, result)
        end = _WHY_NOT_END.match(msg.work, found[1]) if found is not None else None
        if found is not None and (end is not None or not whole_question):
            result.why_not.append(found[0].item_id)
            msg.consume(match.start(), end.end() if end is not None else found[1])
        elif found is None and not whole_question:
            run = capitalised_run(msg, match.end())
            if run and msg.cased is not None:
                stop = match.end() + run[-1].end()
                name = msg.cased[match.end() : stop].strip(" ,.;!?")
                result.why_not_unknown.append(name)
                msg.consume(match.start(), stop)


def _parse_attribute_question(
    msg: MessageText,
    matcher: TitleMatcher,
    state: SessionState | None,
    last: list[int],
    result: ParsedRequest,
) -> None:
    """ "is the first one scary?", "is Bound a comedy?", "when is the 2nd from?": a question
    about a pick (or a title), answered from what the catalogue knows; no new picks."""
    where = _WHERE_LEAD.match(msg.work)
    if where is not None:  # "where can I watch the second one?"
        picks = _refs_at(msg, where.end(), last, result)
        tail = _ATTRIBUTE_END.match(msg.work, picks[1]) if picks else None
        if picks and picks[0] and tail is not None:
            result.explain += picks[0]
            result.asked_about = "where"
            msg.consume(where.start(), tail.end())
        return
    if last and _parse_any_among(msg, matcher.catalogue, last, result):
        return
    lead = _ATTRIBUTE_LEAD.match(msg.work)
    if lead is None:
        return
    which = (lead.group("is") or "").startswith("which")
    found = (
        None
        if which
        else title_at(
            msg, lead.end(), matcher, state, ParsedRequest(Constraints(), focus=result.focus)
        )
    )
    # about the whole list: "all" / "any" / "which" (set once the question is one)
    about = ""
    if which and last:  # "which ones are thrillers?": the picks that are
        ids, end, about = list(last), lead.end(), "which"
    elif found is not None:
        ids, end = [found[0].item_id], found[1]
    elif last and (they := _THEY_ALL.match(msg.work, lead.end())):  # "are they all 90s?"
        ids, end = list(last), they.end()
        about = "any" if they.group().startswith("any") else "all"
    elif (picks := _refs_at(msg, lead.end(), last, result)) is not None:
        ids, end = picks
    else:
        return
    tail = _ATTRIBUTE_END.match(msg.work, end)
    if not ids or tail is None:
        return
    rest = (tail.group("rest") or "").strip()
    superlative = _SUPERLATIVE_ASKED.match(rest) if which else None
    if superlative is not None:  # "which one is the funniest?": which are comedies, said so
        word = superlative.group("word")
        rest = _SUPERLATIVE[word]
        result.notes.append(
            f"I can't tell which is the {word}: the catalogue has genres, not how much of them "
            "a film has."
        )
    kinds = (
        ("content", _CONTENT),
        ("length", _LENGTH_ASKED),
        ("colour", _COLOUR_ASKED),
        ("sequel", _SEQUEL_ASKED),
        ("where", _WHERE_ASKED),
        ("language", _LANGUAGE_ASKED),
        ("story", _STORY_ASKED),
    )
    kind = next((name for name, pattern in kinds if pattern.search(rest)), "")
    if kind:  # "is the second one violent?" (no content data), "is Seven a sequel?"
        result.explain += ids
        result.asked_about = kind
        msg.consume(lead.start(), tail.end())
        return
    genres = _genres_named(rest, matcher.catalogue)
    period = DECADE_ALONE.search(rest) or re.search(rf"\b{YEAR}\b", rest)
    open_question = lead.group("is") or lead.group("does")
    if open_question and rest and not genres and not period and rest not in _ANY_GOOD:
        return  # "is it raining?": no question about a film this can answer
    result.explain += ids
    result.about_picks = about or result.about_picks
    result.asked_genres = list(dict.fromkeys(genres))
    asked = lead.group(0)
    if period or re.search(r"\b(?:when|what year|old|recent|new)\b", asked):
        result.asked_about = "year"
        if period is not None:
            result.asked_years = period_years(period.group())
    elif re.search(r"\b(?:popular|well[- ]known|famous)\b", asked):
        result.asked_about = "popularity"
    msg.consume(lead.start(), tail.end())


# "any westerns among them?", "is there a comedy in there?", "anything from the 80s in the
# list?": a question about the picks shown, not a new search
_ANY_AMONG = re.compile(
    r"^\s*(?:(?:so|and|but|ok|hmm),?\s+)?(?:(?:are|is) there\s+|do you have\s+|have you got\s+"
    r"|got\s+)?(?:any|an?|anything|something)\s+(?P<rest>.+?)\s+(?:among|amongst|in|on|within)\s+"
    r"(?:them|these|those|there|this list|that list|the list|your (?:picks|list)|the picks"
    r"|these picks|those picks)\s*[?!.]*\s*$"
)


def _genres_named(text: str, catalogue: Catalogue) -> list[str]:
    """The catalogue genres of the genre words in ``text`` ("westerns or comedies")."""
    genres: list[str] = []
    for match in genre_pattern().finditer(text):
        word = genre_word(match.group("g"))
        if word is not None:
            resolved = (resolve_genre(name, catalogue) for name in word.include)
            genres += [g for g in resolved if g]
    return genres


def _parse_any_among(
    msg: MessageText, catalogue: Catalogue, last: list[int], result: ParsedRequest
) -> bool:
    """ "any westerns among them?": whether any pick has the genre or period (answered like
    "are any of them westerns?"); False when it asks nothing the catalogue answers."""
    found = _ANY_AMONG.match(msg.work)
    if found is None:
        return False
    rest = found.group("rest")
    genres = _genres_named(rest, catalogue)
    period = DECADE_ALONE.search(rest) or re.search(rf"\b{YEAR}\b", rest)
    if not genres and period is None:
        return False
    result.explain += list(last)
    result.about_picks = "any"
    result.asked_genres = list(dict.fromkeys(genres))
    if period is not None:
        result.asked_about = "year"
        result.asked_years = period_years(period.group())
    msg.consume(found.start(), found.end())
    return True


# what a film shows ("is it violent?", "is there nudity?"): no catalogue here records it, and
# a genre is no answer ("violent" as a wish leans to action films; a crime film can be violent)
_CONTENT = re.compile(
    r"\b(?:(?:too |very |really |that |overly )?(?:violent|gory|bloody|graphic|explicit|sexy"
    r"|sexual|raunchy|gruesome|brutal|disturbing|vulgar|crude)|violence|gore|nudity|nude|sex"
    r"|swearing|profanity|bad language|rated r|r[- ]rated|pg-?13|family[- ]friendly|kid[- ]friendly"
    r"|safe for (?:kids|children)|ok for (?:kids|children))\b"
)
_SEQUEL_ASKED = re.compile(r"\b(?:sequels?|follow[- ]?ups?|part of a (?:series|franchise))\b")
# "is the second one long?", "is the first one in colour?": no running times, no colour data
_LENGTH_ASKED = re.compile(
    r"\b(?:long|short|lengthy|too long|(?:on )?the (?:long|short) side|over (?:two|2) hours"
    r"|under (?:two|2) hours|a long one|a short one)\b"
)
_COLOUR_ASKED = re.compile(r"\b(?:in colou?r|colou?red|black and white|b&w|black-and-white)\b")
# "is it in English?", "is it subtitled?": no catalogue here records languages
_LANGUAGE_ASKED = re.compile(
    r"\b(?:in (?:english|french|german|spanish|italian|japanese|chinese|korean|another language"
    r"|a foreign language)|english|subtitled|subtitles|dubbed|foreign|a foreign (?:film|movie))\b"
)
# "is it a true story?", "does it have a happy ending?": no catalogue here has plots
_STORY_ASKED = re.compile(
    r"\b(?:(?:based on )?a true story|based on (?:a |the )?(?:true|real|book|novel|comic|play"
    r"|video ?game)|true events|real events|(?:a )?(?:happy|sad) ending|(?:a )?twist(?: ending)?"
    r"|(?:a )?remake)\b"
)
# "is the last one on Netflix?", "is it streaming anywhere?": no catalogue here records it
_WHERE_ASKED = re.compile(
    r"\b(?:(?:streaming |available |out )?on|in)\s+(?:netflix|prime(?: video)?|amazon(?: prime)?"
    r"|hulu|disney\+?|disney plus|hbo(?: max)?|max|apple tv\+?|peacock|paramount\+?|youtube"
    r"|tubi|(?:a )?streaming(?: service)?)\b|\b(?:streaming|available to (?:stream|rent|buy))\b"
)
# "where can I watch the second one?"
_WHERE_LEAD = re.compile(
    r"^\s*(?:so\s+|and\s+|ok,?\s+)?where\s+(?:can|could|do|should|would)\s+(?:i|we)\s+"
    r"(?:watch|stream|see|find|rent|buy|get)\s+"
)
# "which one is the funniest?": how funny no catalogue records, only which are comedies
_SUPERLATIVE = {
    "funniest": "comedy",
    "scariest": "horror",
    "most romantic": "romance",
    "most exciting": "action",
    "most action-packed": "action",
    "most suspenseful": "thriller",
    "most thrilling": "thriller",
    "saddest": "drama",
    "creepiest": "horror",
    "most terrifying": "horror",
    "most dramatic": "drama",
    "most mysterious": "mystery",
    "most kid-friendly": "children's",
    "most family-friendly": "children's",
    "best for kids": "children's",
}
_SUPERLATIVE_ASKED = re.compile(
    r"^(?:the\s+)?(?P<word>" + "|".join(map(re.escape, _SUPERLATIVE)) + r")(?:\s+one)?$"
)
_THEY_ALL = re.compile(  # "are they all 90s?", "are any of them comedies?"
    r"(?:any (?:of )?(?:them|these|those|the picks|your picks)|they|these|those|them|the picks"
    r"|your picks)(?:\s+all)?\b"
)
_PICKS = (
    r"(?:these|those|them|they|the(?:se|m)? (?:picks|films|movies|ones|suggestions)|this list"
    r"|that list|the list|your picks|all (?:these|those|of them|of these)|these ones)"
)
# "which one is", "which one's", "what's the ... one": a question about the picks
_WHICH = r"\bwhich(?: one| of (?:them|these|those|the picks))?(?: is|'s)"
_WHAT_ONE = r"(?: one| of (?:them|these|those|the picks)| pick| film| movie)\b"
# questions about the whole list of picks, answered from the picks themselves
_ABOUT_PICKS = (
    (
        "method",
        re.compile(
            r"\bhow (?:did|do|does|would) (?:you|it|this|sequel) (?:pick|choose|chose|find|get"
            r"|come up with|select|decide(?: on)?|work(?: out)?|recommend|rank|make)"
            rf"(?: (?:{_PICKS}|recommendations|picks|suggestions|these picks))?\b"
            rf"(?!\s+{REF_LIST_WORDS})"  # "how did you come up with the first one?": that one
            r"|\bhow (?:does )?(?:this|it|the app|sequel) works?\b"
            r"|\bwhat(?:'s| is) (?:your|the) (?:method|algorithm|logic|process)\b"
        ),
    ),
    (  # "which one is the longest?": MovieLens has no running times
        "length",
        re.compile(
            rf"{_WHICH} (?:the )?(?:longest|shortest|quickest|fastest watch|least long"
            r"|most long)|\bwhat(?:'s| is) the (?:longest|shortest)"
            + _WHAT_ONE
            + r"|\b(?:sort|order|rank|list)(?: them| these| those| the picks)? by (?:length"
            r"|running ?time|runtime|duration|how long)"
        ),
    ),
    (  # "how many of these have I seen?": none that the app knows of, by design
        "seen",
        re.compile(
            r"\bhow many (?:of (?:them|these|those|the picks|your picks) )?(?:have i|did i|i'?ve"
            r"|i have|would i have) (?:already )?(?:seen|watched)\b"
            rf"|\b(?:have i|did i) (?:already )?(?:seen|watched) (?:any of )?{_PICKS}\b"
        ),
    ),
    (
        "summary",
        re.compile(
            # "why?", "explain", "how so?" alone, right after the picks
            r"^\s*(?:(?:but|and|ok|so|hmm),?\s+)?(?:why|how come|how so|reasons?|your reasons?"
            r"|please explain|explain(?: (?:please|yourself|that|this|pls))?)\s*[?!.]*\s*$"
            rf"|\bwhat do {_PICKS} (?:all )?have in common\b"
            rf"|\bwhat(?:'s| is) the (?:common thread|connection|link|pattern|theme)\b"
            rf"|\b(?:why|how come) (?:did you (?:pick|choose|suggest|recommend) )?{_PICKS}\s*"
            r"(?:ones|films|movies|picks|in particular|exactly)?\s*(?:\?|$)"
            rf"|\bwhat(?:'s| is) (?:the )?(?:reason|reasoning|logic) (?:for|behind) {_PICKS}\b"
            # "which of my movies matters most for these?": the summary's count of the picks
            # each of the user's titles leads
            r"|\bwhich (?:ones? )?of my (?:movies|films|titles|list) (?:(?:matters?|mattered"
            r"|counts?|counted|weighs?|weighed) (?:the )?most|(?:most )?(?:influenced|influences"
            r"|drove|drives|decided|decides|led to|shaped|explains?))"
            rf"(?: (?:for|to|on|in))? (?:{_PICKS}|all of (?:them|these|those)|them all"
            r"|(?:your|the|these|those) (?:picks|suggestions|recommendations|choices))"
            r"(?: (?:the )?most| overall)?\s*[?!.]*\s*$"
            r"|\bwhich (?:ones? )?of my (?:movies|films|titles) (?:(?:matters?|counts?|weighs?) "
            r"(?:the )?most|(?:is|was) (?:the )?most important)(?: overall)?\s*[?!.]*\s*$"
        ),
    ),
)
# "which one is the oldest?", "which of them is the most popular?", "sort them by year",
# "newest first": the picks in that order (the first named is the answer)
_PICK_ORDER = (
    (
        "oldest",
        re.compile(
            rf"{_WHICH} (?:the )?(?:oldest|earliest)"
            rf"|\bwhat(?:'s| is) the (?:oldest|earliest){_WHAT_ONE}"
            r"|\b(?:sort|order|rank|list)(?: them| these| those| the picks)? (?:by (?:year|date"
            r"|release(?: date)?|age)|(?:from )?oldest(?: to newest| first)?|chronologically)"
            r"|\boldest first\b"
        ),
    ),
    (
        "newest",
        re.compile(
            rf"{_WHICH} (?:the )?(?:newest|latest|most recent)"
            rf"|\bwhat(?:'s| is) the (?:newest|latest|most recent){_WHAT_ONE}"
            r"|\b(?:sort|order|rank|list)(?: them| these| those| the picks)? "
            r"(?:(?:from )?newest(?: to oldest| first)?|by newest)|\b(?:newest|latest) first\b"
        ),
    ),
    (
        "popular",
        re.compile(
            rf"{_WHICH} (?:the )?(?:most (?:popular|watched|famous|well[- ]known)|best known)"
            rf"|\bwhat(?:'s| is) the (?:most (?:popular|watched|famous)|best known){_WHAT_ONE}"
            r"|\b(?:sort|order|rank|list)(?: them"
            r"| these| those| the picks)? by (?:popularity|how popular|views|viewers)"
            r"|\bmost popular first\b"
        ),
    ),
    (
        "obscure",
        re.compile(
            rf"{_WHICH} (?:the )?(?:least (?:popular|watched|known|famous|seen)|most obscure"
            r"|(?:hardest|rarest) to find|biggest (?:hidden gem|surprise))"
            rf"|\bwhat(?:'s| is) the (?:least (?:popular|watched|known|famous)|most obscure)"
            rf"{_WHAT_ONE}|\bleast (?:popular|watched|known) first\b"
        ),
    ),
    (
        "rated",
        re.compile(
            r"\b(?:which|what)(?:'s| is)?(?: one| of (?:them|these|those|the picks))?(?: is| has)?"
            r" (?:the )?(?:highest|best|top)[- ](?:rated|reviewed)(?: one)?"
            r"|\bwhich(?: one| of (?:them|these|those|the picks))? (?:is|was) rated (?:the )?"
            r"(?:highest|best)|\bwhich(?: one| of (?:them|these|those|the picks))? has the "
            r"(?:best|highest) (?:ratings?|reviews?|scores?)|\b(?:sort|order|rank|list)(?: them"
            r"| these| those| the picks)? by (?:ratings?|reviews?|scores?)"
        ),
    ),
)
# "why so many crime films?", "why all the comedies?", "why is everything a drama?"
_WHY_SO_MANY = re.compile(
    r"\b(?:why|how come)(?: are there| there are| do you (?:keep )?(?:give|giving|show"
    r"|showing|suggest|suggesting|recommend|recommending)(?: me)?)? (?:so many|so much"
    r"|all (?:the|these)?|only"
    r"|just|mostly|always|nothing but|are (?:they|these|those) all|is everything|is it all"
    r"|(?:(?<=there )|(?<=are ))(?:no|not any)"  # "why are there no westerns?"
    r"|are all (?:of )?(?:them|these|the picks))\s*(?:an? )?(?P<rest>[\w' -]{2,40}?)"
    r"\s*(?:\?+|$)"
)
# "why is there a horror film in there?", "why did you include a musical?", "why a comedy?"
_WHY_A_GENRE = re.compile(
    r"^\s*(?:(?:but|and|ok|so|hmm|wait),?\s+)?(?:why|how come)\s+(?:(?:is|are) there"
    r"|(?:did|do|would) you (?:include|add|put in|throw in|give me|pick|choose|suggest"
    r"|recommend|show me|leave out|exclude|skip|drop|remove|rule out|avoid|filter out)"
    r"|did (?:a|an|any|some) )?\s*(?:(?:a|an|any|some|two|three|\d+)\s+)?"
    # not "why not a comedy?", "why don't you suggest comedies?": those ask for one
    r"(?!.*\b(?:not|no|none|don'?t|doesn'?t|didn'?t|you|me|us|instead|more)\b)"
    r"(?P<rest>[\w' -]{2,30}?)(?:\s+(?:films?|movies?|ones?|in (?:there|here|the list|this list"
    r"|these|them|it)|here|there|get in|in|on the list))*\s*(?:\?+|$)"
)
_ANY_GOOD = {"any good", "good", "worth it", "worth watching", "worth a watch", "ok", "okay"}


# "which one should I watch first?", "which is the best one?", "pick one for me", "what's
# your top pick?": the app's own choice among its picks (the first: it fits the history best)
_BEST_PICK = re.compile(
    r"\bwhich(?:\s+(?:one|of them|of these|of those|film|movie))?\s+(?:should|do|would|could)"
    r"\s+(?:i|we|you)\s+(?:watch|see|start with|pick|choose|go (?:for|with))(?:\s+first)?\b"
    r"|\bwhich(?:\s+(?:one|of them|of these|of those))?\s+(?:is|would be)\s+(?:the\s+)?(?:best"
    r"|your\s+(?:top|favou?rite|best)(?:\s+(?:one|pick))?)(?:\s+(?:one|pick|of them))?\b"
    r"|\bwhat(?:'s| is| would be)\s+your\s+(?:top|best|number one|#1|first)\s+(?:pick|choice"
    r"|recommendation)\b|\b(?:just\s+)?(?:pick|choose)\s+(?:one|1)\s+for\s+(?:me|us)\b"
    r"|\bif you had to (?:pick|choose) (?:one|1)\b|\b(?:choose|decide) for (?:me|us)\b"
    r"|\bwhere (?:should|do) (?:i|we) start\b"
)


def _parse_bare_ref(
    msg: MessageText,
    catalogue: Catalogue,
    state: SessionState | None,
    last: list[int],
    result: ParsedRequest,
) -> None:
    """ "and the third": which pick is meant is clear. Right after a verdict on picks ("I've
    seen the second one") it goes on with it; otherwise what about it is not clear (seen? why?
    more like it?), so the reply asks, and nothing is searched or changed."""
    match = _BARE_REF.match(msg.work)
    if not last or match is None or not _ORDINAL.search(match.group("refs")):
        return
    ids = resolve_refs(match.group("refs"), last, result)
    if not ids:
        return
    going_on = state.last_feedback if state is not None else ""
    if going_on in ("seen", "liked", "disliked"):
        verdict = getattr(result, going_on)
        verdict.extend(i for i in ids if i not in verdict)
        msg.consume(match.start(), match.end())
        return
    ref = match.group("refs").strip()
    names = join_words([catalogue.get(i).display_title for i in ids])
    one = len(ids) == 1
    it = "it" if one else "them"
    result.question = (
        f"{ref[0].upper()}{ref[1:]} {'is' if one else 'are'} {names} in the list I showed "
        f"last. What about {it}: have you seen {it} (say “seen {ref}”), shall I say why I "
        f"picked {it} (“why {ref}?”), or do you want more like {it} (“more like {ref}”)?"
    )
    msg.consume(match.start(), match.end())


def _parse_about_picks(
    msg: MessageText, catalogue: Catalogue, last: list[int], result: ParsedRequest
) -> None:
    """ "why these?", "what do they have in common?", "how did you pick them?", "why so many
    crime films?": a question about the whole list of picks, not a new request."""
    if not last or result.about_picks:
        return
    best = _BEST_PICK.search(msg.work)
    if best is not None:  # the first pick, and why
        result.explain, result.asked_about = [last[0]], "best"
        msg.consume(best.start(), best.end())
        return
    many = _WHY_SO_MANY.search(msg.work) or _WHY_A_GENRE.search(msg.work)
    if many is not None:
        genres = _genres_named(many.group("rest"), catalogue)
        if genres:
            result.about_picks, result.asked_genres = "genre", list(dict.fromkeys(genres))
            result.explain += list(last)
            msg.consume(many.start(), many.end())
            return
    for kind, pattern in (*_PICK_ORDER, *_ABOUT_PICKS):
        found = pattern.search(msg.work)
        if found is not None:
            result.about_picks = kind
            result.explain += list(last)
            msg.consume(found.start(), found.end())
            return


def _parse_fact_question(
    msg: MessageText,
    matcher: TitleMatcher,
    state: SessionState | None,
    last: list[int],
    result: ParsedRequest,
) -> None:
    """ "what genre is the second one?", "who directed Heat?", "when did Alien come out?",
    "how long is #3?": one fact about a pick or a title, from the catalogue (or said to be
    missing from it)."""
    lead = _FACT_QUESTION.match(msg.work)
    if lead is None:
        return
    found = title_at(msg, lead.end(), matcher, state, ParsedRequest(Constraints()))
    if found is not None:
        ids, end = [found[0].item_id], found[1]
    elif last and (picks := _refs_at(msg, lead.end(), last, result)) is not None:
        ids, end = picks
    else:
        return
    tail = _FACT_END.match(msg.work, end)
    if not ids or tail is None:
        return
    result.explain += ids
    result.asked_about = next(k for k in ("genre", "people", "length", "year") if lead.group(k))
    msg.consume(lead.start(), tail.end())


def parse_explain(
    msg: MessageText,
    matcher: TitleMatcher,
    state: SessionState | None,
    last: list[int],
    result: ParsedRequest,
) -> None:
    """ "why the second one?", "what is #4 about?", "why did you pick Heat?"."""
    _parse_compare(msg, matcher, state, last, result)
    _parse_attribute_question(msg, matcher, state, last, result)
    _parse_about_picks(msg, matcher.catalogue, last, result)
    _parse_fact_question(msg, matcher, state, last, result)
    _parse_bare_ref(msg, matcher.catalogue, state, last, result)
    patterns = (_EXPLAIN_AFTER, _EXPLAIN_REF, _EXPLAIN_ABOUT, _PLOT_OF, _EXPLAIN_REASON)
    for pattern in (*patterns, _CLOSEST_OF_MINE, _MADE_YOU_PICK, _RELATED_TO_MINE, _WHAT_ABOUT):
        for match in msg.finditer(pattern):
            result.explain += resolve_refs(match.group("refs"), last, result)
            if pattern is _WHAT_ABOUT and state is not None and state.last_asked:
                # "is the first one scary?" then "what about the third?": asked of it too
                result.asked_genres = list(state.last_asked)
            about = pattern in (_EXPLAIN_ABOUT, _PLOT_OF) or (
                "about" in match.group(0)  # not "what about #3?", "how sure are you about it?"
                and pattern is not _WHAT_ABOUT
                and "sure" not in match.group(0)
            )
            result.explain_about |= about
            end = match.end()
            if _WHY_IS.match(match.group(0)):  # "why is the second one lighter?": asked of it
                tail = _WHY_IS_TAIL.match(msg.work, end)
                end = tail.end() if tail else end
            msg.consume(match.start(), end)
    for match in msg.finditer(_EXPLAIN_TITLE):
        found = title_at(msg, match.end(), matcher, state, result)
        if found is not None:
            result.explain.append(found[0].item_id)
            result.explain_about |= "about" in match.group(0) and "sure" not in match.group(0)
            end = found[1]
            if _WHY_IS.match(match.group(0)):  # "why is GoodFellas first?": asked of it
                tail = _WHY_IS_TAIL.match(msg.work, end)
                end = tail.end() if tail else end
            msg.consume(match.start(), end)
    for match in msg.finditer(_ABOUT_TITLE):
        found = title_at(msg, match.end(), matcher, state, result)
        about = _ABOUT_END.match(msg.work, found[1]) if found is not None else None
        if found is not None and about is not None:
            result.explain.append(found[0].item_id)
            result.explain_about = True
            msg.consume(match.start(), about.end())
    if not result.about_picks:  # a question about the whole list keeps every pick
        result.explain = list(dict.fromkeys(result.explain))[:MAX_EXPLAINED]


# "how is Seven like Heat?", "what makes the third one similar to Fargo?", "what do Heat and
# Fargo have in common?", "how does it compare to Alien?": two films set side by side
_COMPARE_LEAD = re.compile(
    r"(?:^|(?<=[.!?,;]\s))\s*(?:(?:so|and|but|ok|hmm),?\s+)?(?:(?:how|in what way|why)\s+(?:is|are)"
    r"|what\s+makes|how\s+does|what\s+(?:do|does|has)|is"
    # "compare 1 and 2", "can you compare the first with the third?"
    r"|(?P<verb>(?:(?:can|could)\s+you\s+|please\s+)?(?:compare|contrast)"
    # "what's the difference between the first and the second?"
    r"|what(?:'s|\s+is)\s+the\s+difference\s+between"
    # "which is scarier, the first or the third?": the two set side by side
    r"|which(?:\s+one)?(?:\s+of\s+(?:the|these|those)\s+two)?\s+(?:is|was|would\s+be)\s+"
    r"(?:(?P<degree>(?:more|less)\s+\w+|\w+er)|better|worse)\s*[,:]?))\s+"
    r"|(?:^|(?<=[.!?,;]\s))\s*(?=\S.{0,60}?\s+(?:vs\.?|versus)\s)"  # "the first vs the second"
)
_COMPARE_JOIN = re.compile(
    r"\s+(?:(?P<better>(?:any\s+|much\s+)?(?:better|worse)\s+than"
    # "why is Pulp Fiction ahead of GoodFellas?": only the order of fit is known
    r"|(?:ranked\s+|placed\s+|listed\s+)?(?:ahead\s+of|above|below|behind|higher\s+than"
    r"|lower\s+than))"
    r"|(?P<like>(?:so\s+|that\s+|really\s+)?(?:like|similar\s+to|related\s+to|close\s+to"
    r"|compares?\s+(?:to|with)|have\s+in\s+common\s+with|has\s+in\s+common\s+with"
    # "what does the third have to do with Alien?", "how is it connected to Heat?"
    r"|(?:(?:have|has)\s+(?:got\s+)?|got\s+)to\s+do\s+with|(?:connected|linked|tied)\s+to"
    r"|vs\.?|versus|(?:so\s+)?different\s+(?:from|to|than)|differs?\s+from))"
    r"|(?P<and>and|&|with|to|or))\s+"
)
_PICK_NUMBER = r"(?:#\s?|no\.\s?|number\s+)?"
_COMPARE_NUMBERS = re.compile(
    r"^\s*(?:(?:can|could)\s+you\s+|please\s+)?(?:compare|contrast)\s+"
    rf"{_PICK_NUMBER}(?P<a>\d{{1,2}})\s*(?:and|&|with|to|vs\.?|versus)\s*{_PICK_NUMBER}"
    r"(?P<b>\d{1,2})\s*[?!.]*\s*$"
)
_COMPARE_END = re.compile(
    r"\s*(?P<common>(?:have|has)\s+in\s+common|alike|similar|related|connected|compare)?"
    r"\s*[?!.]*\s*$"
)


# "which one is most like Alien?": the pick sharing the most genres with it, set beside it
_MOST_LIKE = re.compile(
    r"^\s*(?:(?:so|and|but|ok|hmm),?\s+)?which(?:\s+one|\s+of\s+(?:them|these|those|the\s+picks)"
    r"|\s+pick)?\s+(?:is|'s)\s+(?:the\s+)?(?:most|more|closest|nearest)\s*(?:like|similar\s+to"
    r"|to)?\s+"
)


def _parse_compare(
    msg: MessageText,
    matcher: TitleMatcher,
    state: SessionState | None,
    last: list[int],
    result: ParsedRequest,
) -> None:
    """Two films set side by side; the pick (when one is) is the one explained."""
    most = _MOST_LIKE.match(msg.work) if last else None
    found = title_at(msg, most.end(), matcher, state, result) if most else None
    end = _COMPARE_END.match(msg.work, found[1]) if found is not None else None
    if most is not None and found is not None and end is not None:
        target = found[0]
        picks = [matcher.catalogue.get(i) for i in last if i != target.item_id]
        if picks:  # most genres shared, the higher pick among equals
            best = max(
                picks,
                key=lambda p: (len(set(p.genres) & set(target.genres)), -last.index(p.item_id)),
            )
            result.explain, result.compare_with = [best.item_id], target.item_id
            msg.consume(most.start(), end.end())
            return
    numbers = _COMPARE_NUMBERS.match(msg.work)  # "compare 1 and 2": numbers name picks here
    if numbers is not None and last:
        a, b = int(numbers.group("a")), int(numbers.group("b"))
        if a != b and 1 <= a <= len(last) and 1 <= b <= len(last):
            result.explain, result.compare_with = [last[a - 1]], last[b - 1]
            msg.consume(numbers.start(), numbers.end())
            return
    for lead in msg.finditer(_COMPARE_LEAD):
        both = _refs_at(msg, lead.end(), last, result)  # "what do the 1st and 2nd have in common?"
        if both is not None and len(both[0]) == 2:
            end = _COMPARE_END.match(msg.work, both[1])
            if end is not None and (end.group("common") or lead.group("verb")):
                result.explain, result.compare_with = [both[0][0]], both[0][1]
                _asked_degree(lead, result)
                msg.consume(lead.start(), end.end())
                return
        first = _pick_or_title(msg, lead.end(), matcher, state, last, result)
        join = _COMPARE_JOIN.match(msg.work, first[1]) if first is not None else None
        second = _pick_or_title(msg, join.end(), matcher, state, last, result) if join else None
        end = _COMPARE_END.match(msg.work, second[1]) if second is not None else None
        if first is None or join is None or second is None or end is None:
            continue
        if join.group("and") and not (end.group("common") or lead.group("verb")):
            continue  # "is Heat and Fargo ..." without "alike" / "in common" is no comparison
        one, other = first[0], second[0]
        if one == other:
            continue
        if other in last and one not in last:
            one, other = other, one  # "how is Heat like the third one?": explain the pick
        result.explain, result.compare_with = [one], other
        if join.group("better"):  # "is the fourth one better than the first?"
            result.asked_about = "better"
        _asked_degree(lead, result)
        msg.consume(lead.start(), end.end())
        return


def _asked_degree(lead: re.Match[str], result: ParsedRequest) -> None:
    """ "which is scarier, the first or the third?": answered by their genres."""
    genre = _degree_genre(lead.group("degree") or "")
    if genre:
        result.asked_degree = lead.group("degree").strip()
        result.asked_genres = [genre]


def _degree_genre(word: str) -> str:
    """The genre a comparative names: "scarier", "creepier" -> Horror, "funnier" -> Comedy,
    "more romantic" -> Romance ("" when none does: "older", "darker")."""
    word = re.sub(r"^(?:more|less)\s+", "", word.strip().lower())
    forms = [
        word,
        re.sub(r"ier$", "y", word),
        re.sub(r"er$", "", word),
        re.sub(r"(.)\1er$", r"\1", word),
    ]
    for form in dict.fromkeys(forms):
        found = genre_word(form)
        if found is not None and found.include:
            return found.include[0]
    return ""


def _pick_or_title(
    msg: MessageText,
    start: int,
    matcher: TitleMatcher,
    state: SessionState | None,
    last: list[int],
    result: ParsedRequest,
) -> tuple[int, int] | None:
    """One pick ("the third one", "it") or one title at ``start``, and where it ends."""
    refs = _refs_at(msg, start, last, result)
    if refs is not None and len(refs[0]) == 1:
        return refs[0][0], refs[1]
    found = title_at(msg, start, matcher, state, result)
    return (found[0].item_id, found[1]) if found is not None else None
