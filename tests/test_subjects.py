"""Subjects no genre says ("no vampires", "a prison movie"): read, ruled out, asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.conversation.orchestrator import step
from recommender.conversation.request_parser import parse_request
from recommender.conversation.request_words import GENRE_VOCABULARY
from recommender.conversation.state import Constraints, SessionState
from recommender.conversation.subjects import (
    _table,
    subject,
    subject_films,
    subject_named,
    subjects_in,
)
from recommender.data import Catalogue, Item
from recommender.llm.evidence import Evidence
from recommender.llm.realiser import Realiser

FILMS = [
    ("Interview with the Vampire", 1994, ("Drama", "Horror")),  # 1 its title says so
    ("Near Dark", 1987, ("Horror",)),  # 2 on the list, title silent
    ("Shining, The", 1980, ("Horror",)),  # 3 horror, no vampire
    ("Shawshank Redemption, The", 1994, ("Drama",)),  # 4 a prison film
    ("Near Dark", 1960, ("Drama",)),  # 5 same title, another year: not the listed film
    ("GoldenEye", 1995, ("Action",)),  # 6 a Bond film: a spy film through its franchise
    ("Spy Hard", 1996, ("Comedy",)),  # 7 its title says so
    ("Vampire's Kiss", 1989, ("Comedy",)),  # 8 "vampire's" is the word too
]


def _catalogue() -> Catalogue:
    return Catalogue([Item(n, str(n), t, y, g) for n, (t, y, g) in enumerate(FILMS, 1)])


def test_a_subject_is_its_titles_and_its_list_matched_by_title_and_year() -> None:
    catalogue = _catalogue()
    assert subject_films(catalogue, "vampire") == {1, 2, 8}  # not the 1960 namesake
    assert subject_films(catalogue, "prison") == {4}
    assert subject_films(catalogue, "spy") == {6, 7}
    assert subject_films(catalogue, "nothing such") == frozenset()


def test_subjects_are_read_by_any_of_their_words() -> None:
    assert subject_named("Vampires").name == "vampire"
    assert subject_named("time-travel").name == "time travel"
    assert subject_named("kung fu").name == "martial arts"
    assert subject_named("horror") is None
    assert [s.name for s in subjects_in("a prison movie with robots, or spies")] == [
        "prison",
        "robot",
        "spy",
    ]
    assert subjects_in("a pirateship") == []  # whole words only


def test_every_subject_word_of_the_vocabulary_names_a_subject() -> None:
    named = {w.subject for w in GENRE_VOCABULARY.values() if w.subject}
    assert named and all(subject(name) is not None for name in named)
    for entry in _table().values():  # each has a label to say and words to be found by
        assert (
            entry.label and entry.words and entry.kind in ("subject", "people", "studio", "series")
        )
        # a subject's titles may say so; a director's never do (their films are listed), nor
        # do those of a few subjects (biopics, films about musicians)
        assert entry.films or entry.title_words
        assert not (entry.kind in ("people", "studio") and entry.title_words)


@pytest.mark.parametrize(
    ("message", "subjects", "genres_out", "genres_in"),
    [
        ("no vampires", ["vampire"], [], []),  # not all horror
        ("horror but no zombies", ["zombie"], [], ["Horror"]),
        ("nothing about time travel", ["time travel"], [], []),
        ("no robots, sci-fi please", ["robot"], [], ["Sci-Fi"]),
        ("no superhero movies", ["superhero"], [], []),
        ("no kung fu", ["martial arts"], [], []),
        ("no spy films", ["spy"], [], []),  # had been the title word "spy"
        ("nothing with pirates", ["pirate"], [], []),  # had been nothing at all
        ("no prison movies", ["prison"], [], []),
        ("sci-fi but not alien invasion stuff", ["alien invasion"], [], ["Sci-Fi"]),
        ("werewolves are boring", ["werewolf"], [], []),  # had asked for werewolves
        ("vampire-free horror", ["vampire"], [], ["Horror"]),  # had ruled out horror
        ("a pirate-free adventure", ["pirate"], [], ["Adventure"]),
        ("no horror or vampires", ["vampire"], ["Horror"], []),  # a list: both turned down
        ("a war movie that is not about WW2", ["ww2"], [], ["War"]),  # "how far within War"
        ("no world war 2 films", ["ww2"], [], []),  # the 2 had been a count
        ("war films but nothing from world war ii", ["ww2"], [], ["War"]),
    ],
)
def test_a_subject_turned_down_rules_out_its_films_not_its_genre(
    tiny_catalogue, message, subjects, genres_out, genres_in
) -> None:
    parsed = parse_request(message, tiny_catalogue)
    c = parsed.constraints
    assert c.exclude_subjects == subjects
    assert c.exclude_genres == genres_out and c.include_genres == genres_in
    assert not c.exclude_title_words
    if subjects:  # said once: the catalogue has no plots
        assert any("no plots" in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("message", "out", "wanted"),
    [
        ("horror-free comedy", ["Horror"], ["Comedy"]),  # had ruled out comedy too
        ("no horror, comedy please", ["Horror"], ["Comedy"]),
        ("no romcoms, action please", [], ["Action"]),
        ("no horror, war or romance", ["Horror", "War", "Romance"], []),
        ("no horror, war, romance please", ["Horror", "War", "Romance"], []),
        ("thrillers are boring", ["Thriller"], []),
        ("musicals are so overrated, something funny", ["Musical"], ["Comedy"]),
        ("horror bores me", ["Horror"], []),
    ],
)
def test_what_follows_a_turned_down_genre(tiny_catalogue, message, out, wanted) -> None:
    c = parse_request(message, tiny_catalogue).constraints
    assert c.exclude_genres == out and c.include_genres == wanted


def test_a_subject_ruled_out_lasts_until_it_is_asked_for(tiny_catalogue) -> None:
    first = parse_request("no robots", tiny_catalogue).constraints
    assert first.exclude_subjects == ["robot"]
    state = SessionState(constraints=first)
    later = parse_request("something sci-fi", tiny_catalogue, first, state=state).constraints
    assert later.exclude_subjects == ["robot"] and later.include_genres == ["Sci-Fi"]
    state = SessionState(constraints=later)
    again = parse_request("ok, a robot movie after all", tiny_catalogue, later, state=state)
    assert again.constraints.exclude_subjects == []


def test_constraints_with_a_subject_round_trip() -> None:
    c = Constraints(exclude_subjects=["vampire"])
    assert Constraints.from_dict(c.to_dict()) == c and not c.is_empty()


def test_no_robots_keeps_the_other_science_fiction(make_deps, tiny_catalogue) -> None:
    deps = make_deps()
    state, reply = step(SessionState(), "sci-fi please, but no robots", deps)
    titles = {tiny_catalogue.get(card.item_id).title for card in reply.cards}
    assert titles and "Matrix, The" in titles
    assert not titles & {"Terminator, The", "Blade Runner"}  # the robot films
    assert "no robot films" in reply.text
    _, why = step(state, "why not Blade Runner?", deps)
    assert "robot films" in why.text


def test_a_subject_asked_for_brings_its_films_first_and_says_why(make_deps, tiny_catalogue):
    deps = make_deps()
    _, reply = step(SessionState(), "a spy movie please", deps)
    first = tiny_catalogue.get(reply.cards[0].item_id)
    assert first.title == "GoldenEye"  # a Bond film, though its title never says "spy"
    assert "spy films" in reply.cards[0].explanation


def test_the_realiser_says_a_subject_film_is_on_the_apps_list(tiny_catalogue) -> None:
    realiser = Realiser.from_prompt_dir(Path("prompts"))
    item = tiny_catalogue.get(4)
    evidence = Evidence(item, (), (), (), asked_subject="spy films", item_share=0.3, popular=True)
    assert realiser.plan(evidence)[0] == "cold_popular_subject"
    text = realiser.realise(evidence)
    assert "spy films" in text and "30%" in text
    quiet = Evidence(item, (), (), (), asked_subject="spy films", item_share=0.01)
    assert realiser.plan(quiet)[0] == "asked_subject"
    assert evidence.to_json()["asked_subject"] == "spy films"


@pytest.mark.parametrize(
    ("message", "subject_words"),
    [("a ww2 movie", "ww2"), ("a world war 1 film", "world war 1"), ("a prison movie", "prison")],
)
def test_a_subject_asked_for_is_searched_and_never_a_count(
    tiny_catalogue, message, subject_words
) -> None:
    c = parse_request(message, tiny_catalogue).constraints
    assert c.k is None and subject_words in c.topic
    assert subjects_in(c.topic)


@pytest.mark.parametrize(
    ("message", "director"),
    [
        ("a Hitchcock film", "hitchcock"),
        ("something directed by Kubrick", "kubrick"),
        ("I like films by the Coen brothers", "coen brothers"),
        ("more Mel Brooks type stuff", "mel brooks"),
    ],
)
def test_a_director_of_the_apps_list_is_asked_for(tiny_catalogue, message, director) -> None:
    parsed = parse_request(message, tiny_catalogue)
    c = parsed.constraints
    assert "people" not in c.unsupported  # had been "no cast or crew, can't look for ..."
    assert [s.name for s in subjects_in(c.topic)] == [director]
    assert any("the app's own list" in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("message", "director"),
    [("anything but Tarantino", "tarantino"), ("no Spielberg please", "spielberg")],
)
def test_a_director_of_the_apps_list_is_ruled_out(tiny_catalogue, message, director) -> None:
    parsed = parse_request(message, tiny_catalogue)
    assert parsed.constraints.exclude_subjects == [director]
    assert any("no cast or crew, so I left out" in note for note in parsed.notes)


def test_someone_not_on_the_list_is_still_said_to_be_beyond_the_catalogue(tiny_catalogue):
    parsed = parse_request("something with Judy Garland", tiny_catalogue)
    assert parsed.constraints.unsupported == ["people"] and not parsed.constraints.topic


def test_a_directors_films_come_first_and_say_so(make_deps, tiny_catalogue) -> None:
    _, reply = step(SessionState(), "a James Cameron film", make_deps())
    titles = [tiny_catalogue.get(card.item_id).title for card in reply.cards]
    assert titles[:2] in (["Terminator, The", "Titanic"], ["Titanic", "Terminator, The"])
    assert "James Cameron films" in reply.cards[0].explanation
    _, reply = step(SessionState(), "an action film, anything but James Cameron", make_deps())
    titles = {tiny_catalogue.get(card.item_id).title for card in reply.cards}
    assert titles and "Terminator, The" not in titles


def test_subjects_whose_lists_share_films_ask_for_those() -> None:
    """ "a biopic about a musician": the films on both lists (Amadeus, not Gandhi nor This
    Is Spinal Tap); subjects that share too few ask for either ("vampires or spies")."""
    from recommender.conversation.subject_requests import films_asked

    films = [
        ("Amadeus", 1984, ("Drama",)),  # 1 biopic of a musician
        ("Doors, The", 1991, ("Drama",)),  # 2 biopic of a musician
        ("Shine", 1996, ("Drama",)),  # 3 biopic of a musician
        ("Gandhi", 1982, ("Drama",)),  # 4 biopic
        ("This Is Spinal Tap", 1984, ("Comedy",)),  # 5 musicians, no biopic
        ("Near Dark", 1987, ("Horror",)),  # 6 vampires
        ("Spy Hard", 1996, ("Comedy",)),  # 7 spies
    ]
    catalogue = Catalogue([Item(n, str(n), t, y, g) for n, (t, y, g) in enumerate(films, 1)])
    assert subject_films(catalogue, "biopic") == {1, 2, 3, 4}
    assert subject_films(catalogue, "musician") == {1, 2, 3, 5}
    assert films_asked("biopic musician", catalogue) == {1, 2, 3}
    assert films_asked("vampires spies", catalogue) == {6, 7}


@pytest.mark.parametrize("message", ["a biopic about a musician", "films about rock bands"])
def test_subjects_no_title_says_are_not_searched_as_words(make_deps, message) -> None:
    """Their films come from the app's list; their words found lookalikes (The Specialist for
    "biopic musician", The Rock for "rock bands")."""
    from recommender.conversation.subject_requests import searched_words

    c = parse_request(message, make_deps().catalogue).constraints
    assert subjects_in(c.topic) and searched_words(c.query) == ""
    assert searched_words("a prison movie") == "a prison movie"  # titles say it


@pytest.mark.parametrize(
    ("message", "studio"),
    [("a Pixar movie", "pixar"), ("Ghibli stuff", "ghibli"), ("something by Aardman", "aardman")],
)
def test_a_studio_of_the_apps_list_is_asked_for(tiny_catalogue, message, studio) -> None:
    parsed = parse_request(message, tiny_catalogue)
    assert "studios" not in parsed.constraints.unsupported  # had been "can't look for"
    assert [s.name for s in subjects_in(parsed.constraints.topic)] == [studio]
    assert any("no studios, so I went by the app's own list" in n for n in parsed.notes)


def test_studios_ruled_out_leave_their_listed_films_out(make_deps, tiny_catalogue) -> None:
    """ "no Disney, no Pixar, but animated": Toy Story had come first, with a note that the
    studio could not be looked for."""
    parsed = parse_request("no Disney, no Pixar, but animated", tiny_catalogue)
    assert parsed.constraints.exclude_subjects == ["disney", "pixar"]
    assert any(
        "no studios, so I left out the Disney films and Pixar films" in n for n in parsed.notes
    )
    _, reply = step(SessionState(), "an animated film, but no Pixar", make_deps())
    assert "Toy Story" not in {tiny_catalogue.get(c.item_id).title for c in reply.cards}


@pytest.mark.parametrize(
    ("message", "asked", "ruled_out"),
    [
        ("some foreign films, nothing from the 80s", True, False),
        ("a foreign-language comedy", True, False),
        ("something with subtitles", True, False),
        ("non-English thrillers", True, False),
        ("world cinema from the 60s", True, False),
        ("nothing foreign", False, True),
        ("no subtitles please", False, True),
        ("only in English, a thriller", False, True),
        ("English-language films only", False, True),
        ("like International Velvet", False, False),
    ],
)
def test_films_in_other_languages_asked_for_or_turned_down(
    tiny_catalogue, message, asked, ruled_out
) -> None:
    """MovieLens records no language: "foreign" had been noted as a country wish and left
    unapplied ("some foreign films" gave American Beauty and Star Wars)."""
    parsed = parse_request(message, tiny_catalogue)
    c = parsed.constraints
    assert ("foreign" in [s.name for s in subjects_in(c.topic)]) is asked
    assert ("foreign" in c.exclude_subjects) is ruled_out
    assert "country" not in c.unsupported and "language" not in c.unsupported
    if asked or ruled_out:
        assert any("records no languages" in note for note in parsed.notes)


def test_films_in_other_languages_are_those_with_a_name_in_another_language() -> None:
    films = [
        ("Run Lola Run (Lola rennt)", 1998, ("Action",)),  # 1 its other-language name
        ("Seven (Se7en)", 1995, ("Crime",)),  # 2 an English second name: listed as not
        ("Chopping Mall (a.k.a. Killbots)", 1986, ("Horror",)),  # 3 a.k.a.: English
        ("Cinema Paradiso", 1988, ("Drama",)),  # 4 on the app's list
        ("Heat", 1995, ("Action",)),  # 5
    ]
    catalogue = Catalogue([Item(n, str(n), t, y, g) for n, (t, y, g) in enumerate(films, 1)])
    assert subject_films(catalogue, "foreign") == {1, 4}


@pytest.mark.parametrize(
    ("message", "actor", "asked"),
    [
        ("something with Tom Hanks", "tom hanks", True),
        ("a comedy starring Jim Carrey", "jim carrey", True),
        ("something with de niro in it", "de niro", True),
        ("nothing with Arnold Schwarzenegger, no Star Trek", "schwarzenegger", False),
        ("no Tom Cruise please, action", "tom cruise", False),
    ],
)
def test_an_actor_of_the_apps_list_is_asked_for_or_ruled_out(
    tiny_catalogue, message, actor, asked
) -> None:
    """Actors had only been noted ("no cast or crew, can't look for Tom Hanks"); 29 of them
    have lists of their films now (subjects.json, kind "people")."""
    parsed = parse_request(message, tiny_catalogue)
    c = parsed.constraints
    assert "people" not in c.unsupported
    if asked:
        assert [s.name for s in subjects_in(c.topic)] == [actor]
    else:
        assert actor in c.exclude_subjects


@pytest.mark.parametrize(
    ("message", "subject_name", "genres"),
    [
        ("a heist movie", "heist", ["Crime"]),  # crime films, the listed heists first
        ("heist type stuff from the 60s", "heist", ["Crime"]),
        ("a boxing movie", "boxing", []),
        ("any good baseball films?", "baseball", []),
        ("a sports movie", "sports", []),
    ],
)
def test_heists_and_sports_are_subjects_not_words(tiny_catalogue, message, subject_name, genres):
    """ "a heist movie" had been any crime film, "a boxing movie" Boxing Helena: their films
    come from the app's list now (no title says "heist"), and the words are not searched."""
    from recommender.conversation.subject_requests import searched_words

    c = parse_request(message, tiny_catalogue).constraints
    assert subject_name in [s.name for s in subjects_in(c.topic)]
    assert c.include_genres == genres and searched_words(c.query).strip() == ""


def test_a_short_list_of_a_studios_films_is_shown_as_it_is(make_deps, tiny_catalogue) -> None:
    """ "a Pixar movie" with nothing else to go on had been filled with the most watched
    films (American Beauty after the three Pixar films); it shows the listed ones and says
    that is all. Over a history, the listed films come first and the note says the other
    picks follow the history ("something by Tarantino" after a paste had put films the
    history brought among his, explained as a match for "tarantino")."""
    _, reply = step(SessionState(), "a Pixar movie", make_deps())
    titles = [tiny_catalogue.get(card.item_id).title for card in reply.cards]
    assert titles == ["Toy Story"]  # the tiny catalogue's only Pixar film
    assert any("that is all I can find" in note for note in reply.notes)
    _, reply = step(SessionState(), "a Pixar movie", make_deps(), paste="Heat (1995)\nFargo")
    assert tiny_catalogue.get(reply.cards[0].item_id).title == "Toy Story"
    assert len(reply.cards) > 1
    assert any("the other picks follow your history" in note for note in reply.notes)
    assert not any("“pixar”" in card.explanation.lower() for card in reply.cards)  # no "match"


@pytest.mark.parametrize(
    ("message", "subject_name", "genres"),
    [
        ("a Vietnam war movie", "vietnam", ["War"]),
        ("a cold war thriller", "cold war", ["Thriller"]),  # "war" had made it a war film
        ("something about the cold war", "cold war", []),
        ("a gangster film", "mafia", ["Crime"]),
        ("a courtroom drama", "courtroom", ["Drama"]),  # had been "noted, but not applied"
        ("a road trip movie", "road trip", []),  # had been the most watched films
        ("a movie with sharks", "shark", []),
        ("a submarine movie", "submarine", []),  # had been Yellow Submarine, Out to Sea
        ("a disaster movie from the 70s", "disaster", []),
        ("a dinosaur movie", "dinosaur", []),
        ("a serial killer thriller", "serial killer", ["Thriller"]),
        ("a space movie", "space", ["Sci-Fi"]),
        ("something with extraterrestrials", "extraterrestrial", []),
    ],
)
def test_more_subjects_no_genre_says(tiny_catalogue, message, subject_name, genres) -> None:
    c = parse_request(message, tiny_catalogue).constraints
    assert subject_name in [s.name for s in subjects_in(c.topic)], message
    assert c.include_genres == genres, message
    assert "unsupported" not in vars(c) or not c.unsupported, message


@pytest.mark.parametrize(
    ("message", "subject_name", "kept"),
    [
        ("a war movie, no Vietnam", "vietnam", ["War"]),  # had been only Good Morning, Vietnam
        ("anything by Spielberg except the dinosaur ones", "dinosaur", []),  # Jurassic Park 1st
        ("nothing with aliens, sci-fi", "extraterrestrial", ["Sci-Fi"]),
        ("no serial killers, a thriller", "serial killer", ["Thriller"]),
        ("no disaster movies, action please", "disaster", ["Action"]),
        ("no gangster films, a crime movie", "mafia", ["Crime"]),  # the mob films, not crime
        ("no cold war stuff, a thriller", "cold war", ["Thriller"]),
    ],
)
def test_more_subjects_ruled_out(tiny_catalogue, message, subject_name, kept) -> None:
    result = parse_request(message, tiny_catalogue)
    assert subject_name in result.constraints.exclude_subjects, message
    assert result.constraints.include_genres == kept, message
    assert any("I left out the" in note for note in result.notes), message


def test_a_film_named_like_a_subject_stays_a_film(tiny_catalogue) -> None:
    """ "the best Alien film that isn't Aliens": the film Aliens, not every film with aliens
    (Alien among them); "nothing with aliens" is the subject."""
    c = parse_request("what's the best Alien film that isn't Aliens?", tiny_catalogue).constraints
    assert "aliens" in c.exclude_title_words and c.exclude_subjects == []
    c = parse_request("nothing with aliens", tiny_catalogue).constraints
    assert c.exclude_subjects == ["extraterrestrial"] and c.exclude_title_words == []


def test_the_new_subject_lists_name_films_of_movielens() -> None:
    """Every listed film of these subjects is a MovieLens 1M title (checked by hand against
    the catalogue): a spelling slip would leave a film silently out."""
    table = _table()
    for name in (
        "vietnam",
        "dinosaur",
        "disaster",
        "serial killer",
        "space",
        "mafia",
        "dog",
        "so bad it's good",
    ):
        films = table[name].films
        assert len(films) >= 5 and len(set(films)) == len(films), name
        assert all(1900 < year <= 2000 for _, year in films), name


def test_a_short_subject_list_is_shown_as_it_is(make_deps, tiny_catalogue) -> None:
    """ "a movie with sharks" had been the four shark films and American Beauty (the most
    watched film, for nothing asked): with nothing else to go on, a subject's short list is
    shown as it is, and said to be all there is."""
    _, reply = step(SessionState(), "a mob movie", make_deps())
    titles = [tiny_catalogue.get(card.item_id).title for card in reply.cards]
    assert titles == ["Godfather, The"]  # the tiny catalogue's only mob film
    assert any("that is all I can find" in note for note in reply.notes)


def test_no_listed_film_fitting_the_rest_is_said(make_deps) -> None:
    """ "a funny shark movie": no shark film is a comedy; the comedies shown say so."""
    _, reply = step(SessionState(), "a mob movie, no drama", make_deps())
    assert reply.cards  # crime films that are no drama: The Godfather is one
    assert any("None of the mob films" in note for note in reply.notes), reply.notes


@pytest.mark.parametrize(
    ("message", "studio", "asked"),
    [
        ("no DC movies", "dc", False),  # had changed nothing, silently
        ("no Marvel", "marvel", False),  # had been "no studios" and nothing left out
        ("a Marvel movie", "marvel", True),
        ("no dc or marvel, action", "dc", False),
    ],
)
def test_comic_book_studios_are_lists_too(tiny_catalogue, message, studio, asked) -> None:
    c = parse_request(message, tiny_catalogue).constraints
    if asked:
        assert [s.name for s in subjects_in(c.topic)] == [studio]
    else:
        assert studio in c.exclude_subjects


def test_a_series_named_with_films_after_it_stays_the_series(tiny_catalogue) -> None:
    """ "no Alien movies": the series (Alien is a title), not every film with aliens."""
    c = parse_request("no Alien movies", tiny_catalogue).constraints
    assert c.exclude_title_words == ["alien"] and c.exclude_subjects == []


def test_a_series_is_asked_for_by_a_name_its_titles_lack(make_deps, tiny_catalogue) -> None:
    """ "a Bond movie" had searched "bond" (Of Human Bondage, Bowfinger); "any 007 films?" had
    been a count of 7 picks. Both are the series' films, and no more than it has."""
    for text in ("a Bond movie", "any 007 films?", "I'd like a James Bond film"):
        state, reply = step(SessionState(), text, make_deps())
        titles = [tiny_catalogue.get(card.item_id).title for card in reply.cards]
        assert titles == ["GoldenEye"], text  # the tiny catalogue's only Bond film
        assert any("James Bond films" in note for note in reply.notes), text
        assert state.constraints.k is None, text


def test_every_series_of_the_franchise_table_is_a_subject_but_everyday_words() -> None:
    from recommender.conversation.franchises import series_of

    assert subject("rambo").kind == "series" and subject("rambo").label == "Rambo films"
    assert subject("childs play").label == "Child's Play films"
    assert subject_named("indy").name == "indiana jones"
    assert subject("alien") is None  # "an alien movie" is about aliens
    assert series_of("007") == series_of("Bond") == "james bond"
    assert series_of("Heat") == ""


def test_a_series_wished_for_is_its_films_not_films_like_them() -> None:
    """ "I would like a Rambo movie" had been films like Rambo III (an anchor), "I'd like a
    James Bond film" films like five Bond films; "like" after "I'd" is a wish."""
    films = Catalogue(
        [
            Item(1, "1", "Star Trek: Generations", 1994, ("Sci-Fi",)),
            Item(2, "2", "Star Trek: First Contact", 1996, ("Sci-Fi",)),
            Item(3, "3", "Rambo III", 1988, ("Action",)),
            Item(4, "4", "First Blood", 1982, ("Action",)),
            Item(5, "5", "Fargo", 1996, ("Crime",)),
            Item(6, "6", "GoldenEye", 1995, ("Action",)),
        ]
    )
    trek = parse_request("I'd like a Star Trek movie", films).constraints
    assert trek.anchors == [] and "star trek" in trek.query
    rambo = parse_request("I would like a Rambo movie", films).constraints
    assert rambo.anchors == [] and rambo.topic == "rambo"
    bond = parse_request("I'd like a James Bond film", films).constraints
    assert bond.anchors == [] and bond.topic == "james bond"
    assert parse_request("I'd like a Fargo movie", films).constraints.anchors == [5]
    assert parse_request("something like Rambo III", films).constraints.anchors == [3]


def test_of_two_lists_asked_for_a_card_names_only_the_ones_its_film_is_on(make_deps) -> None:
    """ "a Romero zombie film": the two lists share too few films, so either is offered, and
    Re-Animator had been "on the app's own list of George A. Romero films and zombie films";
    the films on both lead."""
    from recommender.conversation.orchestrator import _explain_context
    from recommender.conversation.state import Constraints
    from recommender.conversation.subject_requests import on_most_lists

    films = Catalogue(
        [
            Item(1, "1", "Near Dark", 1987, ("Horror",)),  # vampire, not Tom Cruise
            Item(2, "2", "Interview with the Vampire", 1994, ("Drama", "Horror")),  # both
            Item(3, "3", "Top Gun", 1986, ("Action",)),  # Tom Cruise, no vampire
        ]
    )
    c = Constraints(topic="tom cruise vampire", query="tom cruise vampire")
    assert on_most_lists([1, 3, 2], c.topic, films) == [2, 1, 3]
    deps = make_deps()
    deps = type(deps)(films, deps.retriever, deps.explainer, deps.ranker, deps.config)
    context = _explain_context(SessionState(constraints=c), deps, set(), items=[1, 2, 3])
    assert context.subject_labels == {
        1: "vampire films",
        2: "Tom Cruise films and vampire films",
        3: "Tom Cruise films",
    }


def test_friendship_is_a_list_not_the_word_friends() -> None:
    """ "a movie about friendship" had found titles with "friends" in them (Circle of
    Friends, Your Friends and Neighbors); "to watch with friends" is who watches."""
    assert [s.name for s in subjects_in("a movie about friendship")] == ["friendship"]
    assert subjects_in("a movie to watch with friends") == []
