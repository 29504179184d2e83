"""Fixtures for the state store tests: a store in a temporary folder with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from state_helpers import FakeClock

from crossmap.state import Run, StateStore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "project" / ".crossmap" / "state.db"


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Iterator[StateStore]:
    with StateStore.open(db_path, clock=clock) as opened:
        yield opened


@pytest.fixture
def run(store: StateStore) -> Run:
    return store.begin_run(spec="specs/a.xmap", spec_hash="h1", kind="full", options={})
