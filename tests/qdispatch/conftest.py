"""Fixtures for the Q Dispatch tests: simulators on a manual clock (no sleeping)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from qdispatch_support import SCALE, SEED, START, make_source

from crossmap_qdispatch.clock import ManualClock
from crossmap_qdispatch.connector import QDispatchSource
from crossmap_qdispatch.simulator import Faults, Limits, Simulator


@pytest.fixture(scope="module")
def module_clock() -> ManualClock:
    """A manual clock shared by a module's simulator and connectors."""
    return ManualClock(START)


@pytest.fixture(scope="module")
def sim(module_clock: ManualClock) -> Iterator[Simulator]:
    """One fault-free simulator per module, small scale, manual clock."""
    with Simulator(SEED, SCALE, clock=module_clock, faults=Faults(),
                   limits=Limits(per_minute=600, per_day=1_000_000)) as s:
        yield s


@pytest.fixture
def source(sim: Simulator, module_clock: ManualClock) -> Iterator[QDispatchSource]:
    """A typed connector on the module's simulator."""
    with make_source(sim, module_clock) as s:
        yield s
