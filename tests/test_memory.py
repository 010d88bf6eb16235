"""The app's malloc settings (recommender/memory.py): they take effect on glibc, the trimmer
runs and stops, and the config refuses nonsense."""

from __future__ import annotations

import time

import pytest

from recommender import memory
from recommender.config import AppConfig

glibc = pytest.mark.skipif(memory._glibc() is None, reason="needs glibc")


@glibc
def test_the_arena_cap_and_a_trim_take_effect() -> None:
    assert memory.limit_arenas(8 * 64)  # generous: leaves this test process as it was
    blocks = [bytearray(256 * 1024) for _ in range(64)]  # 16 MB, then freed
    del blocks
    assert isinstance(memory.trim(), bool)


@glibc
def test_the_trimmer_runs_until_stopped() -> None:
    trimmer = memory.configure_malloc(None, 0.05)
    assert trimmer is not None
    time.sleep(0.4)
    trimmer.stop()
    runs = trimmer.runs
    assert runs >= 2 and trimmer.total_ms >= 0
    time.sleep(0.2)
    assert trimmer.runs == runs  # stopped


def test_nothing_runs_when_both_are_off() -> None:
    assert memory.configure_malloc(None, 0) is None
    assert memory.configure_malloc(0, 0.0) is None


def test_the_config_refuses_negative_settings() -> None:
    with pytest.raises(ValueError):
        AppConfig(malloc_arenas=-1)
    with pytest.raises(ValueError):
        AppConfig(malloc_trim_s=-1.0)
    with pytest.raises(ValueError):
        memory.Trimmer(0)
