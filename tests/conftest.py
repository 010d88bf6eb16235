"""Shared tiny fixtures: a 24-movie catalogue and deterministic user sequences."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from recommender.data import Catalogue, Dataset, Item

TINY_MOVIES = [
    ("Toy Story", 1995, ("Animation", "Children's", "Comedy")),
    ("Jumanji", 1995, ("Adventure", "Children's", "Fantasy")),
    ("Heat", 1995, ("Action", "Crime", "Thriller")),
    ("GoldenEye", 1995, ("Action", "Adventure", "Thriller")),
    ("Matrix, The", 1999, ("Action", "Sci-Fi", "Thriller")),
    ("Star Wars", 1977, ("Action", "Adventure", "Fantasy", "Sci-Fi")),
    ("Alien", 1979, ("Action", "Horror", "Sci-Fi", "Thriller")),
    ("Shining, The", 1980, ("Horror",)),
    ("Scream", 1996, ("Horror", "Thriller")),
    ("Lion King, The", 1994, ("Animation", "Children's", "Musical")),
    ("Aladdin", 1992, ("Animation", "Children's", "Comedy", "Musical")),
    ("Fargo", 1996, ("Crime", "Drama", "Thriller")),
    ("Pulp Fiction", 1994, ("Crime", "Drama")),
    ("Godfather, The", 1972, ("Action", "Crime", "Drama")),
    ("Casablanca", 1942, ("Drama", "Romance", "War")),
    ("Titanic", 1997, ("Drama", "Romance")),
    ("Groundhog Day", 1993, ("Comedy", "Romance")),
    ("Airplane!", 1980, ("Comedy",)),
    ("Blade Runner", 1982, ("Film-Noir", "Sci-Fi")),
    ("Terminator, The", 1984, ("Action", "Sci-Fi", "Thriller")),
    ("Babe", 1995, ("Children's", "Comedy", "Drama")),
    ("Schindler's List", 1993, ("Drama", "War")),
    ("Fantasia", 1940, ("Animation", "Children's", "Musical")),
    ("Heat", 1972, ("Drama",)),  # a second "Heat": year disambiguates
]


def make_tiny_catalogue() -> Catalogue:
    return Catalogue(
        [
            Item(item_id=i, raw_id=str(i), title=t, year=y, genres=g)
            for i, (t, y, g) in enumerate(TINY_MOVIES, start=1)
        ]
    )


def make_tiny_dataset(num_users: int = 40, seed: int = 0) -> Dataset:
    """Users walk through the catalogue with a preference for the next id (learnable order)."""
    rng = random.Random(seed)
    catalogue = make_tiny_catalogue()
    n = len(catalogue)
    sequences, timestamps = [], []
    for _ in range(num_users):
        length = rng.randint(5, 12)
        start = rng.randint(1, n)
        seq = [(start - 1 + step) % n + 1 for step in range(length)]
        sequences.append(seq)
        timestamps.append([1_000_000 + 60 * k for k in range(length)])
    return Dataset(
        name="tiny",
        catalogue=catalogue,
        user_ids=[f"u{u}" for u in range(num_users)],
        sequences=sequences,
        timestamps=timestamps,
    )


@pytest.fixture
def tiny_catalogue() -> Catalogue:
    return make_tiny_catalogue()


@pytest.fixture
def tiny_dataset() -> Dataset:
    return make_tiny_dataset()


@pytest.fixture
def retrieval_context(tiny_dataset, tmp_path):
    """A ``benchmarks/retrieval.py`` context on the tiny dataset: 1-epoch runs under tmp_path."""
    from benchmarks import retrieval
    from recommender.config import Config

    vectors = np.random.default_rng(0).normal(size=(tiny_dataset.num_items, 16))
    return retrieval.Context(
        dataset=tiny_dataset,
        vectors=vectors.astype(np.float32),
        config=Config(),
        runs=tmp_path / "runs",
        checkpoints=tmp_path / "checkpoints",
        progress=False,
        max_epochs=1,
    )


@pytest.fixture
def tiny_retrieval(tiny_dataset, tmp_path):
    """Catalogue, Chroma store (fake genre embedder), item vectors, popularity, tiny SASRec."""
    from recommender.config import StoreConfig
    from recommender.embeddings import item_embeddings
    from recommender.models.sasrec import SASRec, SASRecConfig
    from recommender.retrieval.vectorstore import ItemStore
    from tests.helpers import GenreEmbedder

    catalogue = tiny_dataset.catalogue
    embedder = GenreEmbedder()
    store = ItemStore.open(
        catalogue, "tiny", embedder, StoreConfig(path=tmp_path / "c"), tmp_path, progress=False
    )
    popularity = np.zeros(len(catalogue) + 1)
    for seq in tiny_dataset.split.train:
        np.add.at(popularity, seq, 1)
    # a fixed untrained SASRec: its random init had followed the global RNG, so which films
    # led (and a test's outcome) depended on the tests run before it
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = SASRec(SASRecConfig(num_items=len(catalogue), max_len=8, hidden=16))
    return SimpleNamespace(
        catalogue=catalogue,
        store=store,
        vectors=item_embeddings(catalogue, embedder, tmp_path, progress=False),
        popularity=popularity,
        model=model,
    )


@pytest.fixture
def make_deps(tiny_retrieval):
    """``make_deps(ranker=None, explainer_=None, **chat)``: chat Deps on the tiny retriever."""
    from recommender.conversation.orchestrator import ChatConfig, Deps
    from recommender.llm.config import LLMConfig
    from recommender.llm.explainer import Explainer
    from recommender.retrieval.candidates import CandidateRetriever, RetrievalConfig

    t = tiny_retrieval
    retriever = CandidateRetriever(
        t.catalogue, t.store, t.vectors, t.popularity, t.model, RetrievalConfig(num_candidates=12)
    )
    explainer = Explainer(None, t.catalogue, LLMConfig(), t.vectors)

    def build(ranker=None, explainer_=None, **chat):
        return Deps(t.catalogue, retriever, explainer_ or explainer, ranker, ChatConfig(**chat))

    return build
