"""A chat message with a history and a request in it: both parts are read."""

from __future__ import annotations

import pytest

from recommender.conversation.history_parser import parse_history
from recommender.conversation.message_split import split_message
from recommender.conversation.title_matcher import TitleMatcher
from recommender.data import Catalogue, Item
from tests.conftest import make_tiny_catalogue


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    items = list(make_tiny_catalogue())
    for title, year in (("Harold and Maude", 1971), ("Sex, Lies, and Videotape", 1989)):
        items.append(Item(len(items) + 1, str(len(items) + 1), title, year, ("Comedy",)))
    return Catalogue(items)


@pytest.mark.parametrize(
    ("message", "history", "wish"),
    [
        (
            "Fargo\nThe Matrix\nAlien\nsomething lighter from the 90s please",
            "Fargo\nThe Matrix\nAlien",
            "something lighter from the 90s please",
        ),
        (
            "I watched Fargo, Alien and The Matrix recently. Anything similar but funnier?",
            "Fargo\nAlien\nThe Matrix",
            "Anything similar but funnier?",
        ),
        (
            "I've seen Fargo and Alien, want something lighter",
            "Fargo\nAlien",
            "want something lighter",
        ),
        (
            "my history: Alien, Scream - nothing scary though",
            "Alien\nScream",
            "nothing scary though",
        ),
        ("Fargo, Alien\nno horror", "Fargo, Alien", "no horror"),
        (
            "Fargo\nAlien\nScream\nwhat should I watch next?",
            "Fargo\nAlien\nScream",
            "what should I watch next?",
        ),
        (
            "I loved Sex, Lies, and Videotape and Harold and Maude",
            "Sex, Lies, and Videotape\nHarold and Maude",
            "",
        ),
        ("Fargo\nAlien\nScream", "Fargo\nAlien\nScream", ""),
        (
            "I watched Fargo and Alien, didn't like the second one",
            "Fargo\nAlien",
            "didn't like the second one",
        ),
        # a score after each title: the history parser reads it as a verdict
        (
            "fargo 9/10, alien 8/10 - what should I watch?",
            "fargo 9/10\nalien 8/10",
            "what should I watch?",
        ),
        # titles typed with spaces between them inside a list
        ("I've watched fargo scream and alien, what next?", "fargo\nscream\nalien", "what next?"),
        # a list's label says what the user thought of them
        ("Movies I dislike: Fargo; Scream", "Fargo - hated it\nScream - hated it", ""),
    ],
)
def test_history_and_request_are_told_apart(
    message: str, history: str, wish: str, catalogue: Catalogue
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and (split.history, split.request) == (history, wish)


def test_a_plain_request_carries_no_history(catalogue: Catalogue) -> None:
    assert split_message("something funny from the 90s", catalogue, TitleMatcher(catalogue)) is None


def test_a_title_line_stays_a_title_even_with_request_words(catalogue: Catalogue) -> None:
    items = list(catalogue) + [Item(len(catalogue) + 1, "x", "Something Wild", 1986, ("Comedy",))]
    films = Catalogue(items)
    split = split_message("Fargo\nAlien\nSomething Wild", films, TitleMatcher(films))
    assert split is not None and split.history == "Fargo\nAlien\nSomething Wild"


@pytest.mark.parametrize(
    ("message", "history", "wish"),
    [
        ("Fargo, Alien, Scream", "Fargo\nAlien\nScream", ""),
        ("Fargo; Alien; Titanic", "Fargo\nAlien\nTitanic", ""),
        ("Fargo | Alien | Titanic", "Fargo\nAlien\nTitanic", ""),
        ("Fargo & Titanic", "Fargo\nTitanic", ""),
        ("Fargo and Titanic", "Fargo\nTitanic", ""),
        (
            "Fargo, Alien and Titanic - something lighter",
            "Fargo\nAlien\nTitanic",
            "something lighter",
        ),
        ("Fargo, Alien, Titanic, but nothing scary", "Fargo\nAlien\nTitanic", "but nothing scary"),
        # a double dash or an em dash before the wish ("--" had stayed part of the last title)
        ("History: Fargo / Alien / Titanic -- a drama", "Fargo\nAlien\nTitanic", "a drama"),
        ("Fargo, Alien, Titanic — something lighter", "Fargo\nAlien\nTitanic", "something lighter"),
        ("Fargo and Titanic were great, something newer", "Fargo\nTitanic", "something newer"),
        ("Fargo, Titanic, Amelie", "Fargo\nTitanic\nAmelie", ""),  # one unknown of three
        ("Sex, Lies, and Videotape, Fargo", "Sex, Lies, and Videotape\nFargo", ""),
        ("My favourites are Fargo, Alien and Titanic", "Fargo\nAlien\nTitanic", ""),
        ("big fan of Fargo and Alien. Anything newer?", "Fargo\nAlien", "Anything newer?"),
        ("Just watched Fargo, something similar", "Fargo", "something similar"),
        (
            "We watched Fargo and Alien, want something funnier",
            "Fargo\nAlien",
            "want something funnier",
        ),
        ("Fargo, Alien and Scream are my favourites", "Fargo\nAlien\nScream", ""),
        ("My top 3: Fargo, Alien, Scream", "Fargo\nAlien\nScream", ""),
        ("Films I love: Fargo, Alien. Anything newer?", "Fargo\nAlien", "Anything newer?"),
        ("I love Fargo, Alien and Scream", "Fargo\nAlien\nScream", ""),
        ("Fargo + Alien + Scream", "Fargo\nAlien\nScream", ""),
        ("Fargo\nAlien", "Fargo\nAlien", ""),  # two lines
        ("Fargo\nsomething lighter", "Fargo", "something lighter"),
        # the wish joined to the last title by "and": the title is the list's, not searched
        ("Fargo, Alien and something lighter", "Fargo\nAlien", "something lighter"),
        ("fargo, alien and something lighter", "fargo\nalien", "something lighter"),
    ],
)
def test_a_list_typed_on_one_line_is_a_history(
    message: str, history: str, wish: str, catalogue: Catalogue
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and (split.history, split.request) == (history, wish)


@pytest.mark.parametrize(
    "message",
    [
        "something like Fargo and Titanic",  # a request naming titles
        "more like Fargo, Alien",
        "comedy, 90s, no horror",
        "action and comedy",
        "Tom Hanks, Meg Ryan",  # people
        "Comedy, Drama, Romance",  # genres, capitalised
        "I'd like something like Fargo",
    ],
)
def test_a_request_that_names_titles_is_no_history(message: str, catalogue: Catalogue) -> None:
    assert split_message(message, catalogue, TitleMatcher(catalogue)) is None


@pytest.mark.parametrize(
    ("message", "history", "wish"),
    [
        ("Fargo, Amelie, Inception", "Fargo\nAmelie\nInception", ""),
        (
            "Inception, Interstellar, The Dark Knight",
            "Inception\nInterstellar\nThe Dark Knight",
            "",
        ),
        (
            "Fargo, Shrek and Finding Nemo - something lighter",
            "Fargo\nShrek\nFinding Nemo",
            "something lighter",
        ),
        # typed in lower case: a known film shows that the list is one of films
        ("fargo, shrek, finding nemo", "fargo\nshrek\nfinding nemo", ""),
        ("fargo, inception, interstellar", "fargo\ninception\ninterstellar", ""),
        # "The Dark Knight" is a name, not the mood "dark": no part of the list is the request
        (
            "I loved Inception, Interstellar and The Dark Knight",
            "Inception\nInterstellar\nThe Dark Knight",
            "",
        ),
    ],
)
def test_a_list_of_names_the_catalogue_lacks_is_still_a_history(
    message: str, history: str, wish: str, catalogue: Catalogue
) -> None:
    """Films the catalogue lacks (newer ones, mostly) are said back as unknown, never searched
    as words ("The Dark Knight" had found "First Knight" and a dark mood)."""
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and split.led
    assert (split.history, split.request) == (history, wish)


@pytest.mark.parametrize(
    ("message", "history"),
    [
        ("Fargo fan here", "Fargo"),
        ("huge Fargo fan, anything similar?", "Fargo"),
        ("I'm a Fargo fan", "Fargo"),
    ],
)
def test_a_fan_of_a_title_likes_it(message: str, history: str, catalogue: Catalogue) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and split.liked and split.history == history


def test_a_fan_of_a_genre_or_a_person_is_no_history(catalogue: Catalogue) -> None:
    matcher = TitleMatcher(catalogue)
    assert split_message("huge horror fan", catalogue, matcher) is None
    assert split_message("big Tarantino fan, anything similar?", catalogue, matcher) is None


def test_a_title_with_is_in_it_is_not_cut(catalogue: Catalogue) -> None:
    items = list(catalogue) + [
        Item(len(catalogue) + 1, "x", "Life Is Beautiful", 1997, ("Comedy",))
    ]
    films = Catalogue(items)
    split = split_message("Life Is Beautiful and Fargo", films, TitleMatcher(films))
    assert split is not None and split.history == "Life Is Beautiful\nFargo"


@pytest.mark.parametrize(
    ("message", "history"),
    [
        ("Fargo", "Fargo"),
        ("The Matrix", "The Matrix"),
        ("Alien!", "Alien"),
        ("Heat (1995)", "Heat (1995)"),
    ],
)
def test_a_message_that_is_one_title_is_that_film(
    message: str, history: str, catalogue: Catalogue
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and (split.history, split.request) == (history, "")


@pytest.mark.parametrize("message", ["horror", "Horror", "go", "more", "thanks", "Fargo please"])
def test_a_word_that_is_a_wish_is_no_title(message: str, catalogue: Catalogue) -> None:
    assert split_message(message, catalogue, TitleMatcher(catalogue)) is None


def test_a_told_history_with_when_order_words_and_remarks(catalogue: Catalogue) -> None:
    """ "Last month I watched Fargo, which was great, then Alien with my wife (she hated it)
    and finally Scream": three films; the praise is Fargo's, the dislike the wife's."""
    message = (
        "Last month I watched Fargo, which was great, then Alien with my wife (she hated it) "
        "and finally Scream. What next?"
    )
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and not split.liked
    parsed = parse_history(split.history, catalogue)
    assert parsed.item_ids == [12, 7, 9]
    assert [m.verdict for m in parsed.matched] == ["liked", "", ""]


@pytest.mark.parametrize("message", ["fargo, dark, gritty", "fargo, scary, 90s"])
def test_wishes_after_a_lower_case_title_are_no_list_of_names(
    message: str, catalogue: Catalogue
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is None or split.history.splitlines() == ["fargo"]


def test_a_title_with_a_genre_word_in_it_is_the_title(catalogue: Catalogue) -> None:
    # "Star Wars" alone was read as the War genre plus a search for "star"
    matcher = TitleMatcher(catalogue)
    split = split_message("Star Wars", catalogue, matcher)
    assert split is not None and split.history == "Star Wars"
    romance = Catalogue([*catalogue, Item(len(catalogue) + 1, "x", "Romance", 1999, ("Drama",))])
    assert split_message("Romance", romance, TitleMatcher(romance)) is None  # wholly a wish


@pytest.mark.parametrize(
    "message",
    [
        "1. Fargo 2. Alien 3. Scream",
        "1) Fargo 2) Alien 3) Scream",
        "Fargo/Alien/Scream",
        "Fargo - Alien - Scream",
        "fargo alien scream",
    ],
)
def test_other_ways_to_type_a_list_on_one_line(message: str, catalogue: Catalogue) -> None:
    # each of these was searched as a description, and the named films came back as picks
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None
    assert split.history.lower().splitlines() == ["fargo", "alien", "scream"]


def test_words_that_are_also_titles_stay_a_request(catalogue: Catalogue) -> None:
    matcher = TitleMatcher(catalogue)
    assert split_message("comedy drama", catalogue, matcher) is None
    assert split_message("something funny alien", catalogue, matcher) is None


def test_one_title_then_a_request(catalogue: Catalogue) -> None:
    matcher = TitleMatcher(catalogue)
    for message in ["Fargo - something lighter", "The Matrix, but older"]:
        split = split_message(message, catalogue, matcher)
        assert split is not None and split.history in ("Fargo", "The Matrix"), message
        assert split.request in ("something lighter", "but older", "older"), message


def test_a_title_with_and_and_a_year_is_one_title() -> None:
    # "Willy Wonka and the Chocolate Factory (1971)" was cut at "and" (the year hid the title)
    items = [Item(1, "1", "Willy Wonka and the Chocolate Factory", 1971, ("Children's",))]
    catalogue = Catalogue(items)
    message = "I loved Willy Wonka and the Chocolate Factory (1971), more of that"
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None
    assert split.history == "Willy Wonka and the Chocolate Factory (1971)"
    assert split.request == "more of that"


def test_a_liking_lead_marks_the_titles_liked(catalogue: Catalogue) -> None:
    matcher = TitleMatcher(catalogue)
    assert split_message("I loved Fargo and Alien", catalogue, matcher).liked
    assert split_message("my favourites are Fargo and Alien", catalogue, matcher).liked
    assert not split_message("I watched Fargo and Alien", catalogue, matcher).liked


@pytest.mark.parametrize(
    ("message", "history", "wish"),
    [
        ("my kids loved Toy Story and Jumanji", "Toy Story\nJumanji", ""),
        (
            "my wife and I enjoyed Fargo and Alien, something lighter",
            "Fargo\nAlien",
            "something lighter",
        ),
        ("we all loved Casablanca. anything older?", "Casablanca", "anything older?"),
        ("my son likes Toy Story, Babe", "Toy Story\nBabe", ""),
        # "but" before what the user thought of the next title parts the titles
        ("I loved Fargo but hated Alien", "Fargo\nhated Alien", ""),
        ("I loved Fargo and Babe, but didn't like Scream", "Fargo\nBabe\ndidn't like Scream", ""),
    ],
)
def test_titles_someone_else_loved_are_the_history_and_liked(
    catalogue: Catalogue, message: str, history: str, wish: str
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and split.liked
    assert (split.history, split.request) == (history, wish)


@pytest.mark.parametrize(
    ("message", "history", "wish", "liked"),
    [
        ("I watched Fargo yesterday and loved it, what next?", "Fargo", "what next?", True),
        ("just saw Alien, amazing. anything similar?", "Alien", "anything similar?", True),
        # a remark against the title stays on its line, for the history parser's verdict
        (
            "I saw Fargo and it was boring, something else",
            "Fargo - it was boring",
            "something else",
            False,
        ),
        (
            "Just finished Fargo. Loved it! Now something else",
            "Fargo - Loved it!",
            "Now something else",
            True,
        ),
        ("I watched Fargo and it blew my mind. Anything older?", "Fargo", "Anything older?", True),
        (
            "after watching Fargo I want something funnier",
            "Fargo",
            "I want something funnier",
            False,
        ),
        ("I saw Fargo and I want something lighter", "Fargo", "I want something lighter", False),
        ("Fargo. Something similar but funnier", "Fargo", "Something similar but funnier", False),
    ],
)
def test_remarks_on_a_title_and_the_wish_after_it(
    catalogue: Catalogue, message: str, history: str, wish: str, liked: bool
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None
    assert (split.history, split.request, split.liked) == (history, wish, liked)


@pytest.mark.parametrize(
    ("message", "history"),
    [
        ("also Fargo and Alien", "Fargo\nAlien"),
        ("and The Matrix too", "The Matrix"),
        ("oh and I forgot Scream", "Scream"),
        ("I forgot to mention Casablanca", "Casablanca"),
        ("plus Heat (1995)", "Heat (1995)"),
    ],
)
def test_more_titles_in_a_later_turn_are_a_history(
    catalogue: Catalogue, message: str, history: str
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and split.history == history and split.request == ""


@pytest.mark.parametrize(
    ("message", "liked"),
    [
        ("Here are some movies I love:\nFargo\nAlien", True),
        ("My all-time favourites -\nFargo\nAlien", True),
        ("Watched this year:\nFargo\nAlien", False),
    ],
)
def test_a_heading_that_says_the_list_is_loved(
    catalogue: Catalogue, message: str, liked: bool
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and split.liked == liked
    assert "Fargo" in split.history and split.request == ""


def test_a_greeting_before_the_lead_and_an_adverb_after_it(catalogue: Catalogue) -> None:
    matcher = TitleMatcher(catalogue)
    split = split_message(
        "Hey! So my favourite films are probably Alien, Fargo and Scream. Anything from the 80s?",
        catalogue,
        matcher,
    )
    assert split is not None and split.history == "Alien\nFargo\nScream" and split.liked
    assert split.request == "Anything from the 80s?" and split.led


def test_a_first_line_heading_without_a_colon_is_no_request(catalogue: Catalogue) -> None:
    """ "Top 5 all time" over a list had searched "all time" (and asked for 5 picks); "top 3"
    after the titles is still a request."""
    matcher = TitleMatcher(catalogue)
    split = split_message("Top 5 all time\n1) Fargo\n2) Alien\n3) Heat", catalogue, matcher)
    assert split is not None and split.liked and not split.request
    assert split.history.count("\n") == 2
    after = split_message("Fargo\nAlien\ntop 3", catalogue, matcher)
    assert after is not None and after.request == "top 3"


def test_watched_recently_leads_a_list(catalogue: Catalogue) -> None:
    split = split_message(
        "Watched recently: Fargo (5/5), Alien (4/5). Recommend something?",
        catalogue,
        TitleMatcher(catalogue),
    )
    assert split is not None and split.history.splitlines()[0].startswith("Fargo")
    assert split.request == "Recommend something?"


@pytest.mark.parametrize(
    "message",
    [
        "I've already seen Fargo, Alien and Heat so don't suggest them. Something from the 90s",
        "I watched Fargo, Alien and Heat, so skip those. Something from the 90s",
    ],
)
def test_dont_suggest_them_after_the_titles_is_no_request(
    message: str, catalogue: Catalogue
) -> None:
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and split.history.splitlines() == ["Fargo", "Alien", "Heat"]
    assert split.request == "Something from the 90s"


@pytest.mark.parametrize("message", ["I like everything", "I love all genres", "I watch anything"])
def test_liking_everything_is_no_history(catalogue: Catalogue, message: str) -> None:
    """ "I like everything" had been read as the films with "Everything" in their titles."""
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is None or not split.history.strip()


def test_a_title_then_vibes_is_no_list_of_two_titles() -> None:
    """ "Fargo vibes": like Fargo, not Fargo and the 1988 film *Vibes*."""
    films = Catalogue(
        [
            Item(1, "1", "Fargo", 1996, ("Crime", "Drama")),
            Item(2, "2", "Vibes", 1988, ("Adventure", "Comedy")),
        ]
    )
    split = split_message("Fargo vibes", films, TitleMatcher(films))
    assert split is None or "Vibes" not in split.history.split("\n")


@pytest.mark.parametrize(
    ("message", "history", "wish", "liked"),
    [
        (
            "Alien is a great film, more like that",
            "Alien - is a great film",
            "more like that",
            True,
        ),
        ("Alien was amazing. Anything like it?", "Alien - was amazing", "Anything like it?", True),
        (
            "Casablanca blew me away - what else is like it?",
            "Casablanca - blew me away",
            "what else is like it?",
            True,
        ),
        ("Fargo was boring, something else", "Fargo - was boring", "something else", False),
        (
            "my favourite is Casablanca, find me similar ones",
            "Casablanca",
            "find me similar ones",
            True,
        ),
    ],
)
def test_a_title_and_what_the_user_thought_of_it_then_a_wish(
    message: str, history: str, wish: str, liked: bool, catalogue: Catalogue
) -> None:
    """The title is the history (the history parser reads the verdict off "Alien - was
    amazing"); the wish is the request, where "it" / "that" then means the title."""
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None
    assert (split.history, split.request, split.liked) == (history, wish, liked)


def test_a_title_that_is_like_another_is_no_remark(catalogue: Catalogue) -> None:
    split = split_message(
        "The Matrix is like Alien, anything else?", catalogue, TitleMatcher(catalogue)
    )
    assert split is None or "Alien" not in split.history.split(" - ")[0]


@pytest.mark.parametrize(
    ("message", "history", "wish"),
    [
        ("Rewatched Fargo last night, what's similar?", "Fargo", "what's similar?"),
        ("finally caught Alien, anything like it?", "Alien", "anything like it?"),
        ("I binged The Matrix, more like that", "The Matrix", "more like that"),
        ("my kids are obsessed with Babe, suggestions?", "Babe", "suggestions?"),
        (
            "Fargo is my all time favorite movie. Recommend me something",
            "Fargo - is my all time favorite movie",
            "Recommend me something",
        ),
    ],
)
def test_a_history_told_with_other_verbs(
    message: str, history: str, wish: str, catalogue: Catalogue
) -> None:
    """ "Rewatched Heat last night, what's similar?" had searched "rewatched heat last"."""
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and (split.history, split.request) == (history, wish)


def test_being_moved_by_a_film_is_a_remark_not_a_title(catalogue: Catalogue) -> None:
    split = split_message(
        "We just saw Fargo and cried our eyes out. Something else?",
        catalogue,
        TitleMatcher(catalogue),
    )
    assert split is not None and split.history.startswith("Fargo") and split.liked
    assert "cried" not in split.request


def test_what_a_film_was_like_is_a_remark_not_a_wish(catalogue: Catalogue) -> None:
    """ "I watched Heat. It was too long" had searched "long" for the rest of the session."""
    split = split_message("I watched Fargo. It was too long", catalogue, TitleMatcher(catalogue))
    assert split is not None and split.history.startswith("Fargo") and split.request == ""


def test_a_remark_after_the_dash_stays_with_the_title(catalogue: Catalogue) -> None:
    """ "Heat - a bit slow, want something funnier" had searched "slow"."""
    split = split_message(
        "Fargo - a bit slow, want something funnier", catalogue, TitleMatcher(catalogue)
    )
    assert split is not None
    assert (split.history, split.request) == ("Fargo - was a bit slow", "want something funnier")


@pytest.mark.parametrize(
    ("message", "history"),
    [
        (
            "I watched Heat yesterday and loved it, also saw Fargo, but Titanic bored me",
            "Heat\nFargo\nTitanic bored me",
        ),
        ("I watched Heat and I watched Fargo", "Heat\nFargo"),
    ],
)
def test_a_chatty_history_keeps_every_title(message: str, history: str, catalogue) -> None:
    """ "also saw Fargo", "but Titanic bored me": the next titles of the same history (only
    Heat had been kept)."""
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and split.history == history


@pytest.mark.parametrize(
    ("message", "history", "wish", "liked"),
    [
        (
            "I love Tarantino but I've seen all his films, what next?",
            "all the Tarantino films",
            "what next?",
            True,
        ),
        ("Big Spielberg fan, I have seen everything he made", "all the Spielberg films", "", True),
        (
            "I know James Cameron; watched every one of his movies",
            "all the James Cameron films",
            "",
            False,
        ),
    ],
)
def test_all_his_films_are_the_films_of_the_person_named(
    message: str, history: str, wish: str, liked: bool, catalogue: Catalogue
) -> None:
    """ "I love Tarantino but I've seen all his films" had offered Tarantino's films back."""
    split = split_message(message, catalogue, TitleMatcher(catalogue))
    assert split is not None and split.led
    assert (split.history, split.request, split.liked) == (history, wish, liked)


def test_all_their_films_without_one_name_before_is_no_history(catalogue: Catalogue) -> None:
    for message in ("I've seen all his films", "Tarantino or Hitchcock? seen all his films"):
        split = split_message(message, catalogue, TitleMatcher(catalogue))
        assert split is None or split.history == "all his films", message  # said back unmatched


def test_seen_alone_leads_a_whole_body_of_work(catalogue: Catalogue) -> None:
    split = split_message(
        "seen all the Pixar ones, something similar for the kids",
        catalogue,
        TitleMatcher(catalogue),
    )
    assert split is not None
    assert (split.history, split.request) == (
        "all the Pixar ones",
        "something similar for the kids",
    )


def test_a_pronoun_in_a_seen_list_is_no_title(catalogue: Catalogue) -> None:
    """ "I've seen that, and Fargo too" had said it could not match "that"."""
    split = split_message("I've seen that, and Fargo too", catalogue, TitleMatcher(catalogue))
    assert split is not None and split.history == "Fargo"
