import os
import subprocess
import sys
import textwrap
from pathlib import Path

from recommender.config import StoreConfig
from recommender.data import Catalogue, Item
from recommender.retrieval.vectorstore import ItemFilter, ItemStore, collection_name
from tests.helpers import GenreEmbedder

ROOT = Path(__file__).resolve().parents[1]


def open_store(tiny_catalogue, tmp_path, embedder=None):
    embedder = embedder or GenreEmbedder()
    config = StoreConfig(path=tmp_path / "chroma")
    store = ItemStore.open(tiny_catalogue, "tiny", embedder, config, tmp_path, progress=False)
    return store, embedder


def titles(store, hits):
    return [store.catalogue.get(h.item_id).display_title for h in hits]


def test_query_by_text_and_vector(tiny_catalogue, tmp_path):
    store, embedder = open_store(tiny_catalogue, tmp_path)
    hits = store.query(text="Horror", k=3)
    assert len(hits) == 3
    assert all("Horror" in store.catalogue.get(h.item_id).genres for h in hits)
    assert hits[0].score >= hits[1].score >= hits[2].score
    vector = embedder.embed([tiny_catalogue.get(5).text])[0]
    assert store.query(vector=vector, k=1)[0].item_id == 5


def test_filters(tiny_catalogue, tmp_path):
    store, _ = open_store(tiny_catalogue, tmp_path)
    k = len(tiny_catalogue)
    kids = store.query(text="Sci-Fi", k=k, filters=ItemFilter(genres_any=("Children's",)))
    assert kids and all("Children's" in store.catalogue.get(h.item_id).genres for h in kids)
    either = store.query(text="x", k=k, filters=ItemFilter(genres_any=("Horror", "War")))
    assert {h.item_id for h in either} == {
        i.item_id for i in tiny_catalogue if {"Horror", "War"} & set(i.genres)
    }
    no_horror = store.query(text="Horror", k=k, filters=ItemFilter(genres_none=("Horror",)))
    assert len(no_horror) == k - 3
    nineties = store.query(text="Action", k=k, filters=ItemFilter(year_from=1990, year_to=1999))
    assert nineties and all(1990 <= store.catalogue.get(h.item_id).year <= 1999 for h in nineties)
    both = store.query(text="x", k=k, filters=ItemFilter(genres_all=("Action", "Sci-Fi")))
    assert set(titles(store, both)) == {
        "The Matrix (1999)", "Star Wars (1977)", "Alien (1979)", "The Terminator (1984)"
    }  # fmt: skip
    excluded = store.query(text="Horror", k=3, filters=ItemFilter(exclude_ids=frozenset({7, 8})))
    assert len(excluded) == 3 and not {7, 8} & {h.item_id for h in excluded}
    combined = ItemFilter(genres_any=("Action",), genres_none=("Sci-Fi",), year_to=1995)
    hits = store.query(text="Action", k=k, filters=combined)
    assert set(titles(store, hits)) == {"Heat (1995)", "GoldenEye (1995)", "The Godfather (1972)"}
    for item in tiny_catalogue:  # the Python twin of the filter agrees with Chroma
        assert combined.accepts(item) == (item.item_id in {h.item_id for h in hits})


def test_store_is_reused_and_rebuilt_on_change(tiny_catalogue, tmp_path):
    open_store(tiny_catalogue, tmp_path)
    store, embedder = open_store(tiny_catalogue, tmp_path)
    assert embedder.texts_embedded == 0  # reused: nothing embedded, not even from cache
    changed = Catalogue(
        [*tiny_catalogue.items, Item(len(tiny_catalogue) + 1, "new", "Brand New", 2001, ("War",))]
    )
    store, _ = open_store(changed, tmp_path)
    assert store.collection.count() == len(changed)
    assert store.query(text="War", k=1, filters=ItemFilter(year_from=2000))[0].item_id == 25


def test_reopen_in_a_new_process(tiny_catalogue, tmp_path):
    open_store(tiny_catalogue, tmp_path)
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from recommender.config import StoreConfig
        from recommender.retrieval.vectorstore import ItemStore
        from tests.conftest import make_tiny_catalogue
        from tests.helpers import GenreEmbedder
        embedder = GenreEmbedder()
        store = ItemStore.open(make_tiny_catalogue(), "tiny", embedder,
                               StoreConfig(path=Path({str(tmp_path / "chroma")!r})),
                               Path({str(tmp_path)!r}), progress=False)
        hits = store.query(text="Horror", k=2)
        print(embedder.texts_embedded, [h.item_id for h in hits])
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    embedded, ids = out.stdout.strip().split(" ", 1)
    assert embedded == "1"  # only the query text: the collection was reused
    assert ids == str([h.item_id for h in open_store(tiny_catalogue, tmp_path)[0].query(
        text="Horror", k=2)])  # fmt: skip


def test_collection_names_are_valid():
    name = collection_name("csv-my shop!-1234", "openai-text/embedding")
    assert 3 <= len(name) <= 512 and all(c.isalnum() or c in "._-" for c in name)


def test_where_clause_shapes():
    assert ItemFilter().where() is None
    where = ItemFilter(genres_any=("A", "B"), genres_none=("C",), year_from=1990).where()
    assert where == {
        "$and": [
            {"$or": [{"genres": {"$contains": "A"}}, {"genres": {"$contains": "B"}}]},
            {"genres": {"$not_contains": "C"}},
            {"year": {"$gte": 1990}},
        ]
    }
