"""The connector's pacer, on a manual clock."""

from __future__ import annotations

import threading

import pytest

from crossmap_qdispatch.clock import ManualClock
from crossmap_qdispatch.ratelimit import Pacer


def test_requests_are_spaced_under_the_limit() -> None:
    clock = ManualClock(1000.0)
    pacer = Pacer(clock, 60, headroom=0.5)
    for _ in range(5):
        pacer.acquire()
    # 60/min at 50% headroom: one request every 2 s, the first at once.
    assert clock.now() == pytest.approx(1008.0)
    assert pacer.requests == 5


def test_concurrent_threads_share_one_schedule() -> None:
    clock = ManualClock(0.0)
    pacer = Pacer(clock, 600, headroom=1.0)
    def work() -> None:
        for _ in range(10):
            pacer.acquire()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 40 requests, 0.1 s apart: the last starts at 3.9 s, whatever the interleaving.
    assert clock.now() == pytest.approx(3.9)


def test_retry_after_pauses_everyone() -> None:
    clock = ManualClock(0.0)
    pacer = Pacer(clock, 6000)
    pacer.acquire()
    pacer.pause(30)
    pacer.acquire()
    assert clock.now() == pytest.approx(30.0)


def test_limit_is_learned_from_headers_and_an_empty_window_waits() -> None:
    clock = ManualClock(0.0)
    pacer = Pacer(clock, None, headroom=1.0)
    pacer.observe({"x-ratelimit-limit": "120", "x-ratelimit-remaining": "7"})
    assert pacer.per_minute == 120 and pacer.interval == pytest.approx(0.5)
    pacer.observe({"x-ratelimit-limit": "120", "x-ratelimit-remaining": "0",
                   "x-ratelimit-reset": "12"})
    pacer.acquire()
    assert clock.now() == pytest.approx(12.0)


def test_a_configured_limit_is_not_overridden_and_headroom_is_checked() -> None:
    pacer = Pacer(ManualClock(0.0), 30)
    pacer.observe({"x-ratelimit-limit": "6000"})
    assert pacer.per_minute == 30
    with pytest.raises(ValueError):
        Pacer(ManualClock(0.0), 30, headroom=0)
