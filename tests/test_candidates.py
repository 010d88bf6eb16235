from dataclasses import replace

import numpy as np
import pytest
import torch

from recommender.data import Catalogue, Item
from recommender.retrieval.candidates import (
    CandidateRetriever,
    RetrievalConfig,
    RetrievalQuery,
    session_vector,
)
from recommender.retrieval.likeness import Likeness
from recommender.retrieval.vectorstore import ItemFilter


@pytest.fixture
def retriever(tiny_retrieval):
    t = tiny_retrieval
    config = RetrievalConfig(num_candidates=10, per_source=15)
    return CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)


def fused(t, config: RetrievalConfig, query: RetrievalQuery) -> dict[int, float]:
    """Each candidate's fused score for ``query`` with the tiny retrieval fixture ``t``."""
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    return {c.item_id: c.score for c in retriever.retrieve(query).candidates}


def test_sources_and_provenance(retriever):
    result = retriever.retrieve(RetrievalQuery(history=[3, 4, 5], text="Horror", anchors=[7]))
    assert set(result.sources) == {"sasrec", "request", "session", "anchor", "popular"}
    assert len(result.candidates) == 10
    assert [c.score for c in result.candidates] == sorted(
        (c.score for c in result.candidates), reverse=True
    )
    for candidate in result.candidates:
        assert candidate.provenance and candidate.provenance[0] == candidate.source_ranks[0][0]
    assert 7 not in result.sources["anchor"]  # the anchor itself is not its own neighbour


def test_filters_and_history_never_leak(retriever, tiny_catalogue):
    filters = ItemFilter(genres_none=("Horror",), year_from=1980, exclude_ids=frozenset({1, 2}))
    history = [3, 4, 5, 9]
    result = retriever.retrieve(RetrievalQuery(history=history, text="Horror", filters=filters))
    every = {c.item_id for c in result.candidates}
    every |= {i for items in result.sources.values() for i in items}
    assert every, "expected candidates"
    for item_id in every:
        item = tiny_catalogue.get(item_id)
        assert item_id not in history and item_id not in (1, 2)
        assert "Horror" not in item.genres and item.year >= 1980


def test_cold_start_uses_request_or_popularity(retriever):
    request_only = retriever.retrieve(RetrievalQuery(text="Animation"))
    assert set(request_only.sources) == {"request", "popular"}
    nothing = retriever.retrieve(RetrievalQuery())
    assert set(nothing.sources) == {"popular"} and len(nothing.candidates) == 10


def test_unknown_ids_in_history_are_ignored(retriever):
    result = retriever.retrieve(RetrievalQuery(history=[0, -3, 999, 5]))
    assert "sasrec" in result.sources and 5 not in {c.item_id for c in result.candidates}


def test_session_vector_weights_recent_items_more():
    vectors = np.eye(3, dtype=np.float32)
    v = session_vector(vectors, [1, 2, 3], window=3, decay=0.5)
    assert v[2] > v[1] > v[0] and np.isclose(np.linalg.norm(v), 1.0)
    assert session_vector(vectors, [], window=3, decay=0.5) is None


@pytest.mark.parametrize("genre", ["Horror", "Comedy", "Nonexistent"])
def test_sasrec_top_k_equals_the_full_sort_under_a_strict_filter(tiny_retrieval, genre):
    """The widening top-k gives the same list as sorting every item and filtering."""
    import torch

    from recommender.models.sasrec import score_histories

    t = tiny_retrieval
    config = RetrievalConfig(per_source=3)  # 4 * 3 = 12 of 24 items: the filter must widen it
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    filters = ItemFilter(genres_any=(genre,))
    got = [i for i, _ in retriever._sasrec([3, 4, 5], filters)]
    scores = score_histories(t.model, [[3, 4, 5]])[0]
    order = [
        i for i in torch.argsort(scores, descending=True).tolist() if torch.isfinite(scores[i])
    ]
    expected = [i for i in order if genre in t.catalogue.get(i).genres][:3]
    assert got == expected


def _likeness_order(t, anchor: int) -> list[int]:
    """Every other item by cosine to ``anchor`` in the model's item embeddings."""
    weights = torch.nn.functional.normalize(t.model.item_emb.weight.detach()[1:], dim=1)
    similarity = weights @ weights[anchor - 1]
    order = [int(i) + 1 for i in torch.argsort(similarity, descending=True)]
    return [i for i in order if i != anchor]


def test_like_x_is_read_in_the_sequence_models_item_space(tiny_retrieval):
    t = tiny_retrieval
    config = RetrievalConfig(num_candidates=10, per_source=5, anchor_genre_weight=0.0)
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    assert (
        retriever.retrieve(RetrievalQuery(anchors=[7])).sources["anchor"]
        == (_likeness_order(t, 7)[:5])
    )
    text = replace(config, anchor_space="text")
    by_text = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, text)
    similarity = t.vectors @ t.vectors[6]
    expected = [int(i) + 1 for i in np.argsort(-similarity, kind="stable") if i != 6][:5]
    assert by_text.retrieve(RetrievalQuery(anchors=[7])).sources["anchor"] == expected


def test_likeness_adds_shared_genres():
    catalogue = Catalogue(
        [
            Item(1, "1", "A", 1990, ("Horror",)),
            Item(2, "2", "B", 1990, ("Horror", "Comedy")),
            Item(3, "3", "C", 1990, ("Comedy",)),
        ]
    )
    vectors = np.eye(3, dtype=np.float32)  # no two items alike but by their genres
    assert Likeness(catalogue, vectors, 0.0).scores([1]).tolist() == [1.0, 0.0, 0.0]
    scores = Likeness(catalogue, vectors, 0.5).scores([1])
    assert scores.tolist() == pytest.approx([1.5, 0.25, 0.0])
    assert Likeness(catalogue, vectors, 0.5).nearest(3, 1) == {3, 2}


def test_a_blend_wants_the_genres_of_every_named_title():
    """ "a cross between A and C": B (horror and comedy) before D and E (as close in the item
    space, each with the genre of only one of them); "like A and C" does not tell them apart."""
    catalogue = Catalogue(
        [
            Item(1, "1", "A", 1990, ("Horror",)),
            Item(2, "2", "B", 1990, ("Horror", "Comedy")),
            Item(3, "3", "C", 1990, ("Comedy",)),
            Item(4, "4", "D", 1990, ("Horror",)),
            Item(5, "5", "E", 1990, ("Comedy",)),
        ]
    )
    vectors = np.eye(5, dtype=np.float32)
    likeness = Likeness(catalogue, vectors, 0.5, blend_genre_weight=1.0)
    blend = likeness.scores([1, 3], all_of=True)
    assert blend[1] == pytest.approx(0.5) and blend[3] == blend[4] == 0.0
    either = likeness.scores([1, 3])
    assert either[1] == pytest.approx(either[3]) == pytest.approx(either[4])


def test_a_blend_over_a_history_leans_to_films_like_both(tiny_retrieval):
    """ "Toy Story meets Fargo" after action films: Babe (a children's comedy drama) leads,
    not the history's favourites like only one of them."""
    t = tiny_retrieval
    # the untrained fixture model is random: the history speaks through the text source only
    config = RetrievalConfig(num_candidates=10, per_source=15, weight_sasrec=0.0)
    query = RetrievalQuery(history=[3, 4, 5, 9, 20], anchors=[1, 12])  # Toy Story, Fargo
    assert next(iter(fused(t, config, replace(query, blend=True)))) == 21  # Babe
    # the genre lean itself: like either, Aladdin (Toy Story's genres, none of Fargo's) gains
    # more than Babe; like both at once, only Babe gains
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    either, both = {21: 0.0, 11: 0.0}, {21: 0.0, 11: 0.0}
    retriever._lean_to_anchor_genres(either, [1, 12], 1.0)
    retriever._lean_to_anchor_genres(both, [1, 12], 1.0, all_of=True)
    assert either[11] > either[21] and both[21] > both[11] == 0.0


def test_nothing_like_x_leaves_x_and_its_nearest_items_out(tiny_retrieval):
    t = tiny_retrieval
    config = RetrievalConfig(
        num_candidates=24, per_source=24, avoid_neighbours=4, anchor_genre_weight=0.0
    )
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    near = _likeness_order(t, 7)[:4]
    assert retriever.near([7]) == {7, *near}
    result = retriever.retrieve(RetrievalQuery(history=[3, 4], text="Horror", avoid=[7]))
    shown = {c.item_id for c in result.candidates}
    assert shown and not shown & {7, *near}
    everything = retriever.retrieve(RetrievalQuery(history=[3, 4], text="Horror"))
    assert {c.item_id for c in everything.candidates} & {7, *near}  # the test can fail


def test_anchor_space_must_be_known(tiny_retrieval):
    t = tiny_retrieval
    with pytest.raises(ValueError, match="anchor_space"):
        CandidateRetriever(
            t.catalogue,
            t.store,
            t.vectors,
            t.popularity,
            t.model,
            RetrievalConfig(anchor_space="cosine"),
        )
    without_model = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, None)
    assert without_model.retrieve(RetrievalQuery(anchors=[7])).sources["anchor"]  # text space


def test_a_filter_names_every_item_it_turns_away(tiny_catalogue):
    ids = ItemFilter(exclude_ids=frozenset({1, 2}))
    assert ids.rejected(tiny_catalogue) == {1, 2}
    horror = ItemFilter(genres_none=("Horror",), exclude_ids=frozenset({1}))
    expected = {1} | {i.item_id for i in tiny_catalogue if "Horror" in i.genres}
    assert horror.rejected(tiny_catalogue) == expected
    assert all(horror.accepts(i) == (i.item_id not in expected) for i in tiny_catalogue)


def test_popular_keeps_only_the_most_watched_and_obscure_none_of_them(tiny_retrieval):
    t = tiny_retrieval
    config = RetrievalConfig(num_candidates=24, per_source=24, popular_share=0.25)
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    share = round(0.25 * len(t.catalogue))
    most = {int(i) for i in np.argsort(-t.popularity, kind="stable")[:share] if i > 0}
    query = RetrievalQuery(history=[3, 4], text="Horror")
    everything = {c.item_id for c in retriever.retrieve(query).candidates}
    popular = {
        c.item_id for c in retriever.retrieve(replace(query, popularity="popular")).candidates
    }
    obscure = retriever.retrieve(replace(query, popularity="obscure"))
    assert popular and popular <= most and everything - most  # the test can fail
    assert {c.item_id for c in obscure.candidates}.isdisjoint(
        most
    ) and "popular" not in obscure.sources
    # "a hidden gem from the 70s": nothing else to go on, so the most watched of the rest
    alone = retriever.retrieve(RetrievalQuery(popularity="obscure"))
    found = [c.item_id for c in alone.candidates]
    assert found and set(found).isdisjoint(most)
    rest = [int(i) for i in np.argsort(-t.popularity, kind="stable") if i > 0 and i not in most]
    assert found == rest[: len(found)]


def test_the_retriever_names_what_it_ruled_out(tiny_retrieval):
    t = tiny_retrieval
    config = RetrievalConfig(num_candidates=10, per_source=10, avoid_neighbours=3)
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    assert retriever.retrieve(RetrievalQuery(history=[3, 4])).ruled_out == frozenset()
    away = retriever.retrieve(RetrievalQuery(history=[3, 4], avoid=[7]))
    assert away.ruled_out == retriever.near([7]) and len(away.ruled_out) == 4
    gems = retriever.retrieve(RetrievalQuery(history=[3, 4], popularity="obscure"))
    hits = retriever.retrieve(RetrievalQuery(history=[3, 4], popularity="popular"))
    assert gems.ruled_out and hits.ruled_out and not gems.ruled_out & hits.ruled_out


def test_a_preferred_genre_is_found_in_the_whole_pool_not_only_the_top(tiny_retrieval):
    """ "lighter" (Comedy) lifts comedies from deep in the sources' lists into the candidates,
    not only among the candidates the history alone would have given."""
    t = tiny_retrieval
    config = RetrievalConfig(num_candidates=3, per_source=15)
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    query = RetrievalQuery(history=[3, 4, 5, 20])
    plain = retriever.retrieve(query)
    comedies = {i.item_id for i in t.catalogue if "Comedy" in i.genres}
    pool = {i for items in plain.sources.values() for i in items}
    assert comedies & pool
    leaning = retriever.retrieve(replace(query, prefer_genres=("Comedy",)))
    top = [c.item_id for c in leaning.candidates]
    assert len(top) == 3 and set(top) <= comedies  # the pool has enough of them
    assert [c.item_id for c in plain.candidates] != top
    off = replace(config, preferred_genre_bonus=0.0)
    flat = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, off)
    assert [
        c.item_id for c in flat.retrieve(replace(query, prefer_genres=("Comedy",))).candidates
    ] == [c.item_id for c in plain.candidates]


def test_a_short_paste_is_also_read_as_like_its_titles(tiny_retrieval):
    """A title or a few pasted: the anchor source ("like these") joins the sequence model;
    a longer paste, or one with its own "like X", is left as it was."""
    t = tiny_retrieval
    config = RetrievalConfig(num_candidates=10, per_source=10, history_anchors_upto=2)
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    assert "anchor" in retriever.retrieve(RetrievalQuery(history=[3])).sources
    assert "anchor" in retriever.retrieve(RetrievalQuery(history=[3, 12])).sources
    assert "anchor" not in retriever.retrieve(RetrievalQuery(history=[3, 12, 7])).sources
    off = replace(config, history_anchors_upto=0)
    plain = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, off)
    assert "anchor" not in plain.retrieve(RetrievalQuery(history=[3])).sources
    # "more like 7" with one title pasted: the anchor is 7 alone, as with the option off
    asked = RetrievalQuery(history=[3], anchors=[7])
    assert retriever.retrieve(asked).sources["anchor"] == plain.retrieve(asked).sources["anchor"]


def test_films_the_user_names_weigh_more_than_a_short_paste_read_as_like_them(tiny_retrieval):
    """ "Something like 7" over a history: the anchor source at ``weight_named_anchor``; a
    short paste read as "like these" keeps ``weight_anchor``."""
    t = tiny_retrieval

    base = RetrievalConfig(num_candidates=30, per_source=30, history_anchors_upto=2)
    heavy = replace(base, weight_named_anchor=base.weight_named_anchor + 3.0)
    named = RetrievalQuery(history=[3, 12, 5], anchors=[7])
    light, strong = fused(t, base, named), fused(t, heavy, named)
    anchor_only = [i for i in light if i in strong]
    assert anchor_only and any(strong[i] > light[i] for i in anchor_only)
    pasted = RetrievalQuery(history=[3])  # read as "like 3": weight_anchor, not the named one
    assert fused(t, base, pasted) == fused(t, heavy, pasted)


def test_a_named_film_leans_the_picks_to_its_kind_of_film(tiny_retrieval):
    """ "Like Toy Story" over a history: every fused item gains the best fused score x
    ``named_anchor_genre_bonus`` x its genre overlap (Jaccard) with Toy Story, so a film with
    all three of its genres gains three times what a film with one of them gains, and Toy
    Story itself nothing (a liked pick is not shown again)."""
    t = tiny_retrieval

    base = RetrievalConfig(num_candidates=30, per_source=30, named_anchor_genre_bonus=0.5)
    off = replace(base, named_anchor_genre_bonus=0.0)
    profile = set(t.catalogue.get(1).genres)  # Toy Story: Animation, Children's, Comedy
    query = RetrievalQuery(history=[3, 12, 5], anchors=[1])
    leaning, plain = fused(t, base, query), fused(t, off, query)
    best = max(plain.values())
    shared = set(leaning) & set(plain)
    assert shared
    for item_id in shared:
        genres = set(t.catalogue.get(item_id).genres)
        overlap = len(genres & profile) / len(genres | profile)
        bonus = base.named_anchor_genre_bonus * best * overlap if item_id != 1 else 0.0
        assert leaning[item_id] == pytest.approx(plain[item_id] + bonus)
    top = max(leaning, key=leaning.__getitem__)
    assert profile & set(t.catalogue.get(top).genres)
    history_only = RetrievalQuery(history=[3, 12, 5])  # no film named: nothing changes
    assert fused(t, base, history_only) == fused(t, off, history_only)
    alone = RetrievalQuery(anchors=[1])  # "like Toy Story" and no history: the likeness's own
    assert fused(t, base, alone) == fused(t, off, alone)


def test_the_old_any_genre_lift_for_a_named_film_is_one_setting_away(tiny_retrieval):
    """``named_anchor_any_genre``: any film with one of the named film's genres gains the
    whole preferred-genre bonus (the app's rule before the overlap bonus)."""
    t = tiny_retrieval

    base = RetrievalConfig(num_candidates=30, per_source=30, named_anchor_genre_bonus=0.0)
    old = replace(base, named_anchor_any_genre=True)
    query = RetrievalQuery(history=[3, 12, 5], anchors=[1])
    profile = set(t.catalogue.get(1).genres)
    plain, lifted = fused(t, base, query), fused(t, old, query)
    best = max(plain.values())
    for item_id in set(plain) & set(lifted):
        shares = bool(profile & set(t.catalogue.get(item_id).genres))
        gain = base.preferred_genre_bonus * best if shares else 0.0
        assert lifted[item_id] == pytest.approx(plain[item_id] + gain)


def test_the_request_words_lead_over_a_history(tiny_retrieval):
    """ "a christmas movie" over a pasted history: the items that match the words lead (the
    three history sources had outvoted the one request source), ordered by the history."""
    t = tiny_retrieval
    romance = {i for i in range(1, len(t.catalogue) + 1) if "Romance" in t.catalogue.get(i).genres}
    query = RetrievalQuery(history=[1, 10, 11, 23, 21], text="Romance")
    config = RetrievalConfig(num_candidates=10, per_source=15)
    lifted = list(fused(t, config, query))
    assert set(lifted[: len(romance)]) == romance
    plain = list(fused(t, replace(config, request_match_bonus=0.0), query))
    assert set(plain[: len(romance)]) != romance  # without the bonus the history wins
    # the name of a title the catalogue lacks is searched, never lifted
    assert list(fused(t, config, replace(query, lift_text=False))) == plain


def test_request_matches_grade_the_words(tiny_retrieval):
    t = tiny_retrieval
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model)
    assert retriever.request_matches("Romance", [15, 16, 17, 3, 99]) == {15, 16, 17}
    assert retriever.request_matches("  ", [15]) == frozenset()
    assert retriever.match_grade(0.30) == 0.0 and retriever.match_grade(0.6) == 1.0
    assert retriever.match_grade(0.40) == pytest.approx(0.5)


def test_a_genre_asked_for_ranks_films_that_are_mostly_that_genre_first(tiny_retrieval):
    """ "A romance" from a new user: a popular film that is mostly romance comes before a
    more popular one that only carries the genre among four others (the popularity source's
    genre focus); focus 0 is popularity alone."""
    t = tiny_retrieval
    romance = ("Romance",)
    catalogue = Catalogue(
        [
            Item(1, "1", "War in Space", 1980, ("Action", "Adventure", "Romance", "Sci-Fi")),
            Item(2, "2", "Love in Paris", 1995, ("Comedy", "Romance")),
            Item(3, "3", "Just Love", 1990, romance),
            Item(4, "4", "Explosions", 1991, ("Action",)),
        ]
    )
    popularity = np.array([0.0, 0.5, 0.4, 0.15, 0.9])
    vectors = np.eye(4, dtype=np.float32)
    query = RetrievalQuery(filters=ItemFilter(genres_any=romance))

    def picks(focus: float) -> list[int]:
        config = RetrievalConfig(num_candidates=3, per_source=3, popular_genre_focus=focus)
        retriever = CandidateRetriever(catalogue, t.store, vectors, popularity, None, config)
        return [c.item_id for c in retriever.retrieve(query).candidates]

    assert picks(1.0) == [2, 3, 1]  # 0.4 x 1/2 = 0.2, 0.15 x 1 = 0.15, 0.5 x 1/4 = 0.125
    assert picks(0.0) == [1, 2, 3]  # the most watched first


def test_a_subject_asked_with_a_named_film_lists_its_films_most_like_it_first(tiny_retrieval):
    """ "like Heat, a cult classic": the subject's films had come most watched first (The
    Princess Bride); with a film named, those most like it come first."""
    t = tiny_retrieval
    config = RetrievalConfig(num_candidates=10, per_source=15, anchor_genre_weight=0.0)
    retriever = CandidateRetriever(t.catalogue, t.store, t.vectors, t.popularity, t.model, config)
    listed = [2, 9, 11, 14, 18, 21]
    alone = retriever.retrieve(RetrievalQuery(subject_items=listed)).sources["subject"]
    assert alone == sorted(listed, key=lambda i: (-t.popularity[i], i))
    liked = retriever.retrieve(RetrievalQuery(subject_items=listed, anchors=[7]))
    assert liked.sources["subject"] == [i for i in _likeness_order(t, 7) if i in listed]
