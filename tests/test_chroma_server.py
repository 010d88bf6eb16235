"""The item store against a real Chroma server (``chroma run``), as a deployment would run it.

Starts ``chroma run --path <tmp> --port <free port>`` on 127.0.0.1, builds the store through
``store.mode = "http"``, restarts the server (the data lives in its folder) and re-opens the
store in a fresh process, as an app restart would: the collection is reused, not rebuilt, and
the answers equal those of the embedded persistent store. The server is always stopped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from recommender.config import StoreConfig
from recommender.retrieval.vectorstore import ItemFilter, ItemStore
from tests.helpers import GenreEmbedder, free_port, running_server

ROOT = Path(__file__).resolve().parents[1]
CHROMA = Path(sys.executable).parent / "chroma"
START_TIMEOUT_S = 60.0

pytestmark = pytest.mark.skipif(not CHROMA.exists(), reason="the chroma script is not installed")

QUERIES = [  # (text, filters): plain, filtered and excluding queries
    ("Horror", None),
    ("Sci-Fi Action", ItemFilter(year_from=1980)),
    ("Comedy", ItemFilter(genres_none=("Animation",), exclude_ids=frozenset({17}))),
    ("Drama", ItemFilter(genres_any=("War", "Romance"))),
]


def chroma_server(path: Path, port: int, log_file: Path):
    """A ``chroma run`` process that answers its heartbeat; stopped by its handle on exit."""
    command = [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    return running_server(
        command,
        f"http://127.0.0.1:{port}/api/v2/heartbeat",
        log_file,
        START_TIMEOUT_S,
        env=dict(os.environ, ANONYMIZED_TELEMETRY="False"),
    )


def answers(store: ItemStore) -> list[list[tuple[int, float]]]:
    return [
        [(h.item_id, round(h.score, 5)) for h in store.query(text=text, k=5, filters=filters)]
        for text, filters in QUERIES
    ]


REOPEN = """
import json
from pathlib import Path
from recommender.config import StoreConfig
from recommender.retrieval.vectorstore import ItemFilter, ItemStore
from tests.conftest import make_tiny_catalogue
from tests.helpers import GenreEmbedder, free_port, running_server
from tests.test_chroma_server import QUERIES, answers

embedder = GenreEmbedder()
config = StoreConfig(mode="http", host="127.0.0.1", port={port})
store = ItemStore.open(make_tiny_catalogue(), "tiny", embedder, config, Path({cache!r}),
                       progress=False)
result = answers(store)
print(json.dumps({{"embedded": embedder.texts_embedded, "answers": result}}))
"""


def test_store_on_a_chroma_server_survives_restarts(tiny_catalogue, tmp_path):
    embedded = ItemStore.open(
        tiny_catalogue,
        "tiny",
        GenreEmbedder(),
        StoreConfig(path=tmp_path / "embedded"),
        tmp_path / "cache-embedded",
        progress=False,
    )
    expected = answers(embedded)

    port, data = free_port(), tmp_path / "server-data"
    config = StoreConfig(mode="http", host="127.0.0.1", port=port)
    with chroma_server(data, port, tmp_path / "chroma.log"):
        embedder = GenreEmbedder()
        built = ItemStore.open(
            tiny_catalogue, "tiny", embedder, config, tmp_path / "cache", progress=False
        )
        assert embedder.texts_embedded == len(tiny_catalogue)  # built through the server
        assert built.collection.count() == len(tiny_catalogue)
        assert answers(built) == expected

    # the server restarts on the same folder and the app restarts in a new process
    with chroma_server(data, port, tmp_path / "chroma.log") as server:
        script = textwrap.dedent(REOPEN.format(port=port, cache=str(tmp_path / "fresh-cache")))
        out = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            timeout=120,
            check=True,
        )
        assert server.poll() is None
    reopened = json.loads(out.stdout.strip().splitlines()[-1])
    assert reopened["embedded"] == len(QUERIES)  # only the query texts: the store was reused
    assert [[tuple(hit) for hit in hits] for hits in reopened["answers"]] == expected


def test_unreachable_server_is_a_clear_error(tiny_catalogue, tmp_path):
    from recommender.errors import SequelError

    config = StoreConfig(mode="http", host="127.0.0.1", port=free_port())
    with pytest.raises(SequelError, match="cannot reach Chroma"):
        ItemStore.open(tiny_catalogue, "tiny", GenreEmbedder(), config, tmp_path, progress=False)
