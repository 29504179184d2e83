"""The allocator settings a run applies: where they apply, and never over the
operator's own."""

from __future__ import annotations

import os

import pytest

from crossmap.engine.allocator import (
    ARENA_MAX,
    M_ARENA_MAX,
    M_MMAP_THRESHOLD,
    MMAP_THRESHOLD,
    limit_retained_memory,
)


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append((parameter, value))
        return 1


def test_both_settings_are_applied() -> None:
    libc = FakeLibc()
    assert limit_retained_memory({}, libc) == {"MALLOC_ARENA_MAX": ARENA_MAX,
                                                "MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD}
    assert libc.calls == [(M_ARENA_MAX, 2), (M_MMAP_THRESHOLD, 131072)]


def test_the_environment_wins() -> None:
    libc = FakeLibc()
    assert limit_retained_memory({"MALLOC_ARENA_MAX": "8"}, libc) == {"MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD}
    assert libc.calls == [(M_MMAP_THRESHOLD, 131072)]


@pytest.mark.skipif(not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"), reason="glibc only")
def test_glibc_takes_them() -> None:
    applied = limit_retained_memory({})
    assert applied == {"MALLOC_ARENA_MAX": ARENA_MAX, "MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD}
