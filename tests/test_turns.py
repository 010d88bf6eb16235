"""TurnLimiter: a client's second concurrent turn is refused at once; compute slots are
handed out in arrival order; everything is released on errors and closed generators."""

from __future__ import annotations

import threading
import time

import pytest

from recommender.turns import TurnLimiter


def test_a_busy_key_is_refused_and_other_keys_are_not() -> None:
    limiter = TurnLimiter(slots=2)
    with limiter.turn(["client:a", "chat:s1"]) as first:
        assert first and limiter.busy("client:a") and limiter.busy("chat:s1")
        with limiter.turn(["client:a"]) as again:
            assert again is False
        with limiter.turn(["client:b", "chat:s1"]) as same_session:  # another client, same chat
            assert same_session is False
        with limiter.turn(["client:b", "chat:s2", None]) as other:
            assert other is True and limiter.running == 2
        assert not limiter.busy("client:b")  # a refused turn takes nothing
    assert not limiter.busy("client:a") and not limiter.busy("chat:s1")
    assert limiter.running == 0


def test_slots_are_handed_out_in_arrival_order() -> None:
    limiter = TurnLimiter(slots=1)
    order: list[str] = []
    release = threading.Event()

    def holder() -> None:
        with limiter.turn(["first"]):
            order.append("first")
            release.wait(10)

    def waiter(name: str, queued: threading.Event) -> None:
        queued.set()
        with limiter.turn([name]):
            order.append(name)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    while limiter.running != 1:
        time.sleep(0.001)
    for name in ("second", "third", "fourth"):
        queued = threading.Event()
        thread = threading.Thread(target=waiter, args=(name, queued))
        thread.start()
        queued.wait(5)
        while len(limiter._waiting) < len(threads):  # this waiter is in line before the next
            time.sleep(0.001)
        threads.append(thread)
    assert order == ["first"] and limiter.running == 1
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first", "second", "third", "fourth"]
    assert limiter.running == 0


def test_released_on_an_exception_and_on_a_closed_generator() -> None:
    limiter = TurnLimiter(slots=1)
    with pytest.raises(RuntimeError), limiter.turn(["k"]):
        raise RuntimeError("the turn failed")
    assert not limiter.busy("k") and limiter.running == 0

    def streamed():
        with limiter.turn(["k"]) as admitted:
            assert admitted
            yield 1
            yield 2

    stream = streamed()
    assert next(stream) == 1 and limiter.busy("k")
    stream.close()  # the browser went away mid-stream
    assert not limiter.busy("k") and limiter.running == 0


def test_slots_must_be_positive() -> None:
    with pytest.raises(ValueError, match="slots"):
        TurnLimiter(0)
