"""LLM item states for LLM-SRec: built by ``prepare`` in resumable parts, cached by content
digest, the same as one pass, and only loaded at app start."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from recommender.commands import prepare
from recommender.config import Config
from recommender.data import Catalogue, Item
from recommender.llm import srec
from recommender.llm.srec import LLMStates, item_states_cached, item_states_path, load_srec_ranker
from tests.helpers import tiny_llama_backend


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of 8 items in batches of 4: the 24-item catalogue takes 3 parts."""
    monkeypatch.setattr(srec, "ITEM_STATES_CHUNK", 8)
    monkeypatch.setattr(srec, "ITEM_STATES_BATCH", 4)


@pytest.fixture(scope="module")
def states():
    return LLMStates.from_backend(tiny_llama_backend())


class CountingStates:
    """Wraps ``LLMStates``: counts forward passes per part, and can fail on the n-th part."""

    def __init__(self, states: LLMStates, fail_at: int | None = None) -> None:
        self.inner, self.fail_at, self.parts = states, fail_at, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def states_of_rows(self, rows, progress=False, batch_size=32):
        self.parts += 1
        if self.fail_at is not None and self.parts == self.fail_at:
            raise KeyboardInterrupt("killed")
        return self.inner.states_of_rows(rows, progress, batch_size)


def test_parts_equal_one_pass_and_resume_after_a_kill(
    states, tiny_catalogue, tmp_path, small_parts
):
    items = list(tiny_catalogue)
    reference = states.item_states(items, batch_size=4)
    killed = CountingStates(states, fail_at=2)
    with pytest.raises(KeyboardInterrupt):
        item_states_cached(killed, items, tmp_path, "tiny", progress=False)
    path = item_states_path(states, items, tmp_path, "tiny")
    assert not path.exists()
    assert len(list(path.with_suffix(".parts").glob("*.npy"))) == 1  # the first part was kept

    resumed = CountingStates(states)
    out = item_states_cached(resumed, items, tmp_path, "tiny", progress=False)
    assert resumed.parts == 2  # only the parts that were missing
    np.testing.assert_array_equal(out, reference)  # the same batches as one pass: bit-equal
    assert path.exists() and not path.with_suffix(".parts").exists()

    loaded = CountingStates(states)
    np.testing.assert_array_equal(item_states_cached(loaded, items, tmp_path, "tiny"), reference)
    assert loaded.parts == 0  # the start only loads them


def test_the_cache_name_follows_the_content(states, tiny_catalogue, tmp_path):
    items = list(tiny_catalogue)
    path = item_states_path(states, items, tmp_path, "tiny")
    renamed = [dataclasses.replace(items[0], title="Toy Story 2"), *items[1:]]
    assert item_states_path(states, renamed, tmp_path, "tiny") != path
    assert item_states_path(states, items, tmp_path, "other-model") != path
    assert item_states_path(states, list(items), tmp_path, "tiny") == path


def _config(tmp_path, head: bool, ranking: str = "auto") -> Config:
    config = Config()
    head_path = tmp_path / "heads.pt"
    if head:
        head_path.write_bytes(b"")
    llm = dataclasses.replace(config.llm, cache_dir=tmp_path / "llm", srec_head=head_path)
    return dataclasses.replace(
        config, llm=llm, app=dataclasses.replace(config.app, llm_ranking=ranking)
    )


def test_prepare_builds_them_when_the_app_would_rank_with_llm_srec(tmp_path):
    assert prepare._want_llm_states("auto", _config(tmp_path, head=True))
    assert not prepare._want_llm_states("auto", _config(tmp_path / "a", head=False))
    assert not prepare._want_llm_states("auto", _config(tmp_path, head=True, ranking="off"))
    assert prepare._want_llm_states("on", _config(tmp_path / "b", head=False))
    assert not prepare._want_llm_states("off", _config(tmp_path, head=True))


def test_prepared_states_are_what_the_app_loads(tiny_catalogue, tmp_path, monkeypatch, states):
    from recommender.llm import backends

    backend = tiny_llama_backend()
    monkeypatch.setattr(backends, "make_backend", lambda config, progress=True: backend)
    config = _config(tmp_path, head=False)
    prepare.prepare_llm_item_states(tiny_catalogue, config, progress=False)
    items = [tiny_catalogue.get(i) for i in range(1, tiny_catalogue.num_items + 1)]
    path = item_states_path(states, items, config.llm.cache_dir, backend.name)
    stamp = path.stat().st_mtime_ns
    np.testing.assert_array_equal(np.load(path), states.item_states(items))

    from tests.test_srec import _ranker_parts

    _ranker_parts(states, tiny_catalogue, tmp_path)  # writes tmp_path / "heads.pt"
    ranker, why = load_srec_ranker(
        tmp_path / "heads.pt", backend, tiny_catalogue, config.llm.cache_dir
    )
    assert ranker is not None, why
    assert path.stat().st_mtime_ns == stamp  # loaded, not recomputed


def test_a_changed_catalogue_gets_new_states(states, tiny_catalogue, tmp_path):
    items = list(tiny_catalogue)
    item_states_cached(states, items, tmp_path, "tiny", progress=False)
    grown = Catalogue([*items, Item(len(items) + 1, "new", "Brand New", 2001, ("War",))])
    out = item_states_cached(states, list(grown), tmp_path, "tiny", progress=False)
    assert out.shape == (len(items) + 1, states.dim)
    assert len(list(tmp_path.glob("srec-items-*.npy"))) == 2
