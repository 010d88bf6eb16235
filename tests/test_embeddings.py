import numpy as np
import pytest

from recommender.config import EmbeddingConfig
from recommender.embeddings import (
    EmbeddingCache,
    SentenceTransformerEmbedder,
    TextEmbedder,
    embed_cached,
    item_embeddings,
    make_embedder,
)
from recommender.errors import SequelError
from tests.helpers import GenreEmbedder


def test_cache_hits_do_not_re_embed(tmp_path, tiny_catalogue):
    embedder = GenreEmbedder()
    first = item_embeddings(tiny_catalogue, embedder, tmp_path, progress=False)
    assert first.shape == (len(tiny_catalogue), embedder.dim)
    assert embedder.texts_embedded == len(tiny_catalogue)
    second = item_embeddings(tiny_catalogue, embedder, tmp_path, progress=False)
    assert embedder.texts_embedded == len(tiny_catalogue)  # all hits
    np.testing.assert_array_equal(first, second)
    # a fresh process sees the same cache on disk; only the new text is embedded
    fresh = GenreEmbedder()
    texts = [tiny_catalogue.get(1).text, "A brand new text"]
    out = embed_cached(texts, fresh, tmp_path, progress=False)
    assert fresh.texts_embedded == 1 and out.shape == (2, fresh.dim)


def test_cache_is_keyed_by_model(tmp_path):
    a, b = GenreEmbedder(), GenreEmbedder()
    b.name = "another-model"
    embed_cached(["x"], a, tmp_path, progress=False)
    embed_cached(["x"], b, tmp_path, progress=False)
    assert a.texts_embedded == b.texts_embedded == 1
    assert len(EmbeddingCache(tmp_path, "another-model")) == 1


def test_unreadable_cache_starts_afresh(tmp_path):
    embedder = GenreEmbedder()
    embed_cached(["x"], embedder, tmp_path, progress=False)
    EmbeddingCache(tmp_path, embedder.name).path.write_bytes(b"garbage")
    assert embed_cached(["x"], embedder, tmp_path, progress=False).shape == (1, embedder.dim)
    assert embedder.texts_embedded == 2


def test_empty_input(tmp_path):
    assert embed_cached([], GenreEmbedder(), tmp_path, progress=False).shape == (0, 23)


def test_unknown_backend():
    with pytest.raises(SequelError, match="unknown embedding backend"):
        make_embedder(EmbeddingConfig(backend="magic"))
    with pytest.raises(SequelError, match="needs embedding.base_url"):
        make_embedder(EmbeddingConfig(backend="openai", api_key_env="SEQUEL_TEST_NO_SUCH_KEY"))
    with pytest.raises(SequelError, match="model hubs are not reachable"):
        SentenceTransformerEmbedder("sentence-transformers/all-mpnet-base-v2")


@pytest.mark.integration
def test_local_minilm_offline():
    embedder = make_embedder()
    assert isinstance(embedder, TextEmbedder) and embedder.dim == 384
    vectors = embedder.embed(["a space adventure", "science fiction in outer space", "a cookbook"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


class _EmbeddingsHandler:
    """A minimal OpenAI-compatible /v1/embeddings endpoint over real HTTP (stdlib server)."""

    @staticmethod
    def make(calls: list):
        import http.server
        import json

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                calls.append((self.path, self.headers.get("Authorization"), body))
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                data = [
                    {"object": "embedding", "index": i, "embedding": [len(t), 1.0, 0.0]}
                    for i, t in reversed(list(enumerate(texts)))  # out of order on purpose
                ]
                payload = json.dumps(
                    {"object": "list", "data": data, "model": body["model"],
                     "usage": {"prompt_tokens": 1, "total_tokens": 1}}
                ).encode()  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return Handler


def test_openai_compatible_embedder_over_http(tmp_path, monkeypatch):
    import http.server
    import threading

    calls: list = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EmbeddingsHandler.make(calls))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("SEQUEL_TEST_EMBED_KEY", "sk-test")
        config = EmbeddingConfig(
            backend="openai",
            base_url=f"http://127.0.0.1:{server.server_port}/v1",
            model="text-embedding-test",
            api_key_env="SEQUEL_TEST_EMBED_KEY",
            batch_size=2,
        )
        embedder = make_embedder(config)
        assert embedder.dim == 3 and embedder.name == "openai-text-embedding-test"
        vectors = embed_cached(["a", "bbb", "cc"], embedder, tmp_path, progress=False)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
        assert vectors[1, 0] > vectors[2, 0] > vectors[0, 0]  # order kept despite the server
        path, auth, body = calls[-1]
        assert path == "/v1/embeddings" and auth == "Bearer sk-test"
        assert body["model"] == "text-embedding-test" and len(body["input"]) <= 2
    finally:
        server.shutdown()


def test_openai_embedder_unreachable_is_a_clear_error():
    config = EmbeddingConfig(backend="openai", base_url="http://127.0.0.1:9/v1", model="m")
    with pytest.raises(SequelError, match="embedding endpoint failed"):
        make_embedder(config)
