"""What people say of a film they liked or did not: one list of words for every parser.

"Alien was awful" (a judgement in a request), "the third one looks boring" (a remark on a
pick), "Heat, amazing" (a remark after a typed title) and "Fargo - loved it" (a remark on a
pasted line) all read the same words; each parser only adds its own frame ("was", "looks",
a pasted line). Regex alternations, lower case, longest phrases first where one is a prefix
of another.
"""

from __future__ import annotations

# praise: "it was {PRAISE}", "Heat - {PRAISE}"
PRAISE = (
    r"a masterpiece|masterpiece|amazing|awesome|brilliant|fantastic|excellent|superb|perfect"
    r"|incredible|wonderful|lovely|beautiful|genius|hilarious|the best"
    r"|my (?:all[- ]time |absolute |personal )?favou?rites?"
    r"|a classic|so good|great|good|fun"
)
# criticism: "it was {CRITICISM}", "Alien - {CRITICISM}"
CRITICISM = (
    r"awful|terrible|horrible|bad|boring|dull|rubbish|garbage|crap|trash|meh|overrated|painful"
    r"|disappointing|underwhelming|unwatchable|stupid|lame|the worst"
    r"|a (?:letdown|let-down|snooze|bore|mess|disappointment)"
    r"|not (?:for me|my thing|my cup of tea)"
)
# what a film did to the user: "it blew me away", "Heat bored me to tears"
BLOWN_AWAY = r"blew (?:me|us) away|blew (?:my|our) minds?"
MOVED = BLOWN_AWAY + r"|made (?:me|us) (?:cry|laugh)|changed my life"
BORED = r"bored (?:me|us)(?: to (?:death|tears))?|put (?:me|us) to sleep"
# the same said of a pick not yet watched: "the third one looks {PROMISING}"
PROMISING = PRAISE + r"|interesting|promising|nice|cool|intriguing|right up my (?:alley|street)"
