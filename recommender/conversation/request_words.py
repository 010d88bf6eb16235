"""The words the request parser knows: everyday genre phrases, filler words, number words.

``GENRE_VOCABULARY`` maps a phrase ("funny", "rom com", "whodunit") to MovieLens genres;
``FILLER_WORDS`` are the words that never become part of a search ("please", "movie", "tonight");
``NUMBER_WORDS`` are counts in words ("three", "a couple", "half a dozen"). All are plain
data: extend them freely (the parser's tests walk every genre phrase).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GenreWord:
    """What a word means: genres it asks for, and genres it rules out when negated."""

    include: tuple[str, ...]  # added to include_genres when asked for ("funny" -> Comedy)
    exclude: tuple[str, ...] = ()  # added to exclude_genres when negated (default: include)
    # negated, only films with all of them go ("no romcoms": not every comedy, nor every
    # romance, only the romantic comedies)
    together: bool = False
    # a subject, not only a genre ("vampire", "zombie"): asked for, it is also searched as
    # words, so the films whose titles name it lead within the genre
    topic: bool = False
    # the subject of subjects.json it names: negated, only its films go ("no vampires": not
    # every horror film)
    subject: str = ""


def _g(
    *include: str,
    exclude: tuple[str, ...] = (),
    together: bool = False,
    topic: bool = False,
    subject: str = "",
) -> GenreWord:
    return GenreWord(include, exclude or include, together, topic or bool(subject), subject)


# The one vocabulary table: everyday phrase (lower case) -> MovieLens genres. Extend freely;
# the names are resolved against the catalogue's own genre names ("Children's" / "Children").
GENRE_VOCABULARY: dict[str, GenreWord] = {
    "action": _g("Action"),
    "action-packed": _g("Action"),
    "explosions": _g("Action"),
    "exciting": _g("Action"),
    "adventure": _g("Adventure"),
    "adventurous": _g("Adventure"),
    "animation": _g("Animation"),
    "animated": _g("Animation"),
    "cartoon": _g("Animation"),
    "anime": _g("Animation"),
    "for the kids": _g("Children's"),
    "for kids": _g("Children's"),
    "kids": _g("Children's"),
    "kid-friendly": _g("Children's"),
    "toddler": _g("Children's"),
    "little ones": _g("Children's"),
    "my kid": _g("Children's"),
    "grandkids": _g("Children's"),
    "grandchildren": _g("Children's"),
    "grandchild": _g("Children's"),
    "grandson": _g("Children's"),
    "granddaughter": _g("Children's"),
    "niece": _g("Children's"),
    "nieces": _g("Children's"),
    "nephew": _g("Children's"),
    "nephews": _g("Children's"),
    "little brother": _g("Children's"),
    "little sister": _g("Children's"),
    "little cousin": _g("Children's"),
    "preschooler": _g("Children's"),
    "little kids": _g("Children's"),
    "young kids": _g("Children's"),
    "children": _g("Children's"),
    "children's": _g("Children's"),
    "family": _g("Children's"),
    "family-friendly": _g("Children's"),
    "comedy": _g("Comedy"),
    "comedies": _g("Comedy"),
    "funny": _g("Comedy"),
    "funnier": _g("Comedy"),
    "hilarious": _g("Comedy"),
    "humor": _g("Comedy"),
    "humour": _g("Comedy"),
    "laugh": _g("Comedy"),
    "silly": _g("Comedy"),
    "rom-com": _g("Comedy", "Romance", together=True),
    "romcom": _g("Comedy", "Romance", together=True),
    "rom com": _g("Comedy", "Romance", together=True),
    "romantic comedy": _g("Comedy", "Romance", together=True),
    "romantic comedies": _g("Comedy", "Romance", together=True),
    "kid friendly": _g("Children's"),
    "family friendly": _g("Children's"),
    "child friendly": _g("Children's"),
    "date night": _g("Romance"),
    "first date": _g("Romance"),
    "a date": _g("Romance"),
    "date movie": _g("Romance"),
    "tearjerker": _g("Drama"),
    "tear-jerker": _g("Drama"),
    "tear jerker": _g("Drama"),
    "good cry": _g("Drama"),
    "weepie": _g("Drama"),
    "weepy": _g("Drama"),
    "sad": _g("Drama"),
    "make me cry": _g("Drama"),
    "makes me cry": _g("Drama"),
    "made me cry": _g("Drama"),
    "want to cry": _g("Drama"),
    "need to cry": _g("Drama"),
    "need a cry": _g("Drama"),
    "cry my eyes out": _g("Drama"),
    "emotional": _g("Drama"),
    "heartbreaking": _g("Drama"),
    "heart-breaking": _g("Drama"),
    "heart-wrenching": _g("Drama"),
    "tragic": _g("Drama"),
    "tragedy": _g("Drama"),
    "crime": _g("Crime"),
    "gangster": _g("Crime", subject="mafia"),  # crime films, the app's list of mob films first
    "mafia": _g("Crime", subject="mafia"),
    "mob": _g("Crime", subject="mafia"),
    "heist": _g("Crime", subject="heist"),  # crime films, the app's list of heists first
    "coming of age": _g("Drama"),  # a theme no data tags: its genre, and a note (see "plot")
    "coming-of-age": _g("Drama"),
    "documentary": _g("Documentary"),
    "documentaries": _g("Documentary"),
    "doc": _g("Documentary"),
    "drama": _g("Drama"),
    "dramatic": _g("Drama"),
    "fantasy": _g("Fantasy"),
    "fantasies": _g("Fantasy"),
    "magic": _g("Fantasy"),
    "magical": _g("Fantasy"),
    "fairy tale": _g("Fantasy"),
    "noir": _g("Film-Noir"),
    "film noir": _g("Film-Noir"),
    "film-noir": _g("Film-Noir"),
    "horror": _g("Horror"),
    "scary": _g("Horror", exclude=("Horror", "Thriller")),
    "scarier": _g("Horror", exclude=("Horror", "Thriller")),
    "spooky": _g("Horror"),
    # the season, not the series ("a Halloween movie" is the series: its title)
    "for halloween": _g("Horror"),
    "halloween night": _g("Horror"),
    "halloween party": _g("Horror"),
    "halloween vibes": _g("Horror"),
    "spooky season": _g("Horror"),
    "scare me": _g("Horror"),
    # "I want to be scared", "something to get scared by": horror (had searched "scared")
    "scared": _g("Horror", exclude=("Horror", "Thriller")),
    "frightened": _g("Horror", exclude=("Horror", "Thriller")),
    "terrified": _g("Horror", exclude=("Horror", "Thriller")),
    "frighten me": _g("Horror"),
    "give me nightmares": _g("Horror"),
    "give me the creeps": _g("Horror"),
    "creepy": _g("Horror", exclude=("Horror", "Thriller")),
    "frightening": _g("Horror", exclude=("Horror", "Thriller")),
    "terrifying": _g("Horror", exclude=("Horror", "Thriller")),
    "gory": _g("Horror"),
    "gore": _g("Horror"),
    "slasher": _g("Horror"),
    "zombie": _g("Horror", subject="zombie"),
    "vampire": _g("Horror", subject="vampire"),
    "werewolf": _g("Horror", subject="werewolf"),
    "werewolves": _g("Horror", subject="werewolf"),
    "musical": _g("Musical"),
    "singing": _g("Musical"),
    "mystery": _g("Mystery"),
    "mysteries": _g("Mystery"),
    "whodunit": _g("Mystery"),
    "whodunnit": _g("Mystery"),
    "mysterious": _g("Mystery"),
    "detective": _g("Mystery", exclude=("Mystery",)),
    "romance": _g("Romance"),
    "valentine's day": _g("Romance"),  # "something for valentine's day"
    "valentines day": _g("Romance"),
    "valentine's": _g("Romance"),
    "valentines": _g("Romance"),
    "romantic": _g("Romance"),
    "love story": _g("Romance"),
    "sci-fi": _g("Sci-Fi"),
    "scifi": _g("Sci-Fi"),
    "sci fi": _g("Sci-Fi"),
    "science fiction": _g("Sci-Fi"),
    "science-fiction": _g("Sci-Fi"),
    "space": _g("Sci-Fi", subject="space"),
    "futuristic": _g("Sci-Fi"),
    "time travel": _g("Sci-Fi", subject="time travel"),
    "time-travel": _g("Sci-Fi", subject="time travel"),
    "alien invasion": _g("Sci-Fi", subject="alien invasion"),
    "post-apocalyptic": _g("Sci-Fi"),
    "post apocalyptic": _g("Sci-Fi"),
    "apocalyptic": _g("Sci-Fi"),
    "dystopian": _g("Sci-Fi"),
    "robot": _g("Sci-Fi", subject="robot"),
    "robots": _g("Sci-Fi", subject="robot"),
    "androids": _g("Sci-Fi", subject="robot"),
    "cyborgs": _g("Sci-Fi", subject="robot"),
    "thriller": _g("Thriller"),
    "suspense": _g("Thriller"),
    "suspenseful": _g("Thriller"),
    "tense": _g("Thriller"),
    "nail-biting": _g("Thriller"),
    "nail biting": _g("Thriller"),
    "nail-biter": _g("Thriller"),
    "gripping": _g("Thriller"),
    "edge of my seat": _g("Thriller"),
    "edge of your seat": _g("Thriller"),
    "edge of the seat": _g("Thriller"),
    "edge-of-your-seat": _g("Thriller"),
    "edge-of-the-seat": _g("Thriller"),
    "buddy cop": _g("Action", "Comedy", together=True),
    "war": _g("War"),
    "vietnam": _g("War", subject="vietnam"),
    "ww2": _g("War", subject="ww2"),
    "wwii": _g("War", subject="ww2"),
    "world war 2": _g("War", subject="ww2"),
    "world war ii": _g("War", subject="ww2"),
    "world war two": _g("War", subject="ww2"),
    "second world war": _g("War", subject="ww2"),
    "ww1": _g("War", subject="ww1"),
    "world war 1": _g("War", subject="ww1"),
    "world war one": _g("War", subject="ww1"),
    "first world war": _g("War", subject="ww1"),
    "superhero": _g("Action", subject="superhero"),
    "martial arts": _g("Action", subject="martial arts"),
    "kung fu": _g("Action", subject="martial arts"),
    "military": _g("War"),
    "world war": _g("War"),
    # a war of spies, not of battles: no genre says it ("a cold war thriller")
    "cold war": _g(subject="cold war"),
    "western": _g("Western"),
    "cowboy": _g("Western"),
    "wild west": _g("Western"),
    "violent": _g("Action", exclude=("Crime", "Horror", "War")),
    "violence": _g("Action", exclude=("Crime", "Horror", "War")),
    # "a non-violent film": violence turned down (the parser reads these as negated)
    "non violent": _g("Action", exclude=("Crime", "Horror", "War")),
    "nonviolent": _g("Action", exclude=("Crime", "Horror", "War")),
}

# the words above for violence; turned down without "too"/"that"/"overly" ("no violence",
# "nothing violent", "non-violent") they rule out these genres as well ("not too violent" not)
VIOLENCE_WORDS = frozenset({"violent", "violence", "non violent", "nonviolent"})
NON_VIOLENT = frozenset({"non violent", "nonviolent"})
NO_VIOLENCE_AT_ALL = ("Action", "Thriller", "Western")


FILLER_WORDS = frozenset(
    """a an the i i'd id i'm im me my we us you your please can could would will should give show
    recommend recommendations suggest suggestions find get want wanted need like love movie movies
    film films flick flicks one ones some something anything any with and or but that this is are
    be to of for in on at about really very too so maybe also just more other else good great nice
    watch watching see tonight today let's lets what how hi hello hey thanks thank ok okay now again
    instead it them those these there here kind sort type stuff style ones pick picks list top best
    maybe perhaps though bit little lot quite rather much many do does did have has had was were
    set don't dont mind actually instead how thing things only from pls plz thx ty ideally
    kinda sorta gimme lemme wanna gonna gotta keeps makes holds ever entertainment boys girls
    guys ladies lads
    yeah yes ok okay hmm hm um uh cool ish made released lol haha options option night vote
    that's thats which who whose friendly nope nah goes whatever sure fine make makes making
    actually change changed adults mix mixture blend combination combo combined enough diary
    based seen cinema
    switch surprise why plus i've ive we've either appeal appeals appealing wife husband partner
    girlfriend boyfriend gf bf son daughter mum mom dad parents friend friends roommate hates
    loves mean means meant early next grandma grandpa granny grandparents grandmother grandfather
    nan nana family kids kid children mother-in-law father-in-law
    rainy rain raining snowy sunday monday tuesday wednesday thursday friday saturday weekend
    weeknight afternoon evening morning night nights flight plane train commute lazy
    occasion mood feeling vibe vibes similar alike same bored boring even still way
    slightly better worse ending endings energy into feel he she they he's she's likes enjoys
    prefers perfect awesome lovely brilliant excellent sounds back where come pizza popcorn
    snacks snack beer wine drinks takeout takeaway dinner couch sofa blanket fall asleep
    sleep sleepy loved liked enjoyed adored looking basically whats idk dunno idc tbh imo
    lemme then well alright guess think probably fan fans huge massive big ideas idea
    tips favourite favourites favorite favorites story stories tale tales day days already
    forget what's who's random randomly enjoy left born year between somethin anythin
    nothin n wants whole everyone everybody together all both gem gems everything detail
    details depth we're were we'd we'll you're you'd they're they'd i'll absolutely definitely
    honestly preferably seriously totally truly certainly surely possibly hopefully obviously
    literally super up said says told tell telling asked asking remember clearly repeat mentioned
    as am explain explaining wonder wondering curious understand oops oopsie whoops sorry
    him her another mixes mixing blends blending combines combining""".split()
)

# counts in words: "give me three", "a couple of comedies", "the first two"
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "a couple of": 2,
    "a couple": 2,
    "a few": 3,
    "a handful of": 5,
    "a handful": 5,
    "a dozen": 12,
    "half a dozen": 6,
    "a pair of": 2,
    "a trio of": 3,
    "a double feature of": 2,
    "a double bill of": 2,
    "a triple feature of": 3,
    "a triple bill of": 3,
}
