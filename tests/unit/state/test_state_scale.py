"""The crosswalk at scale: put_ids and ids throughput, printed as rows/s.

Size from CROSSMAP_SCALE (default 20,000 rows); tried at 1,000,000.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from crossmap.state import Outcome, StateStore

SCALE = int(os.environ.get("CROSSMAP_SCALE", "20000"))
BATCH = 10_000
# Measured about 150,000 rows/s for put_ids and 200,000 for ids on one busy core;
# the floor leaves room for a loaded CI machine but catches a lost index (a scan per
# lookup is thousands of times slower at a million rows).
MIN_ROWS_PER_SECOND = 15_000


def source_key(i: int) -> str:
    # Hashed keys arrive in no particular order, as real source keys do.
    return hashlib.blake2b(i.to_bytes(8, "little"), digest_size=8).hexdigest()


def destination_id(i: int) -> str:
    return f"500{i:015d}"


@pytest.mark.slow
def test_crosswalk_throughput(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with StateStore.open(tmp_path / "state.db") as store:
        run = store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})

        started = time.perf_counter()
        for first in range(0, SCALE, BATCH):
            batch = range(first, min(SCALE, first + BATCH))
            store.put_ids(
                run.id,
                "Job->Case",
                "Case",
                ((source_key(i), destination_id(i), True) for i in batch),
            )
        put_seconds = time.perf_counter() - started

        started = time.perf_counter()
        found = 0
        for first in range(0, SCALE, BATCH):
            # Look up in another order than written, as a child step does.
            batch = range(first, min(SCALE, first + BATCH))
            wanted = [source_key((i * 7919) % SCALE) for i in batch]
            got = store.ids("Job->Case", wanted)
            found += len(got)
            assert got[wanted[0]] == destination_id((first * 7919) % SCALE)
        ids_seconds = time.perf_counter() - started

        started = time.perf_counter()
        for first in range(0, SCALE, BATCH):
            batch = range(first, min(SCALE, first + BATCH))
            store.record_outcomes(
                run.id, "Job->Case", "Job", (Outcome(source_key(i), "created") for i in batch)
            )
        outcome_seconds = time.perf_counter() - started
        assert store.outcome_counts(run.id) == {"Job->Case": {"created": SCALE}}

    assert found == SCALE
    size = (tmp_path / "state.db").stat().st_size
    rates = {
        "put_ids": SCALE / put_seconds,
        "ids": SCALE / ids_seconds,
        "record_outcomes": SCALE / outcome_seconds,
    }
    with capsys.disabled():
        print(
            f"\n{SCALE:,} rows: "
            + ", ".join(f"{name} {rate:,.0f} rows/s" for name, rate in rates.items())
            + f", {size / SCALE:.0f} bytes/row on disk"
        )
    for name, rate in rates.items():
        assert rate > MIN_ROWS_PER_SECOND, f"{name}: {rate:,.0f} rows/s"
