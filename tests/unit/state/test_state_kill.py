"""A process killed with SIGKILL mid-write leaves a consistent store: all or none of a call."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crossmap.state import StateStore

# Commits one batch, then starts a large put_ids whose rows iterable reports "midway"
# and blocks, so the kill lands inside the open transaction. A tiny page cache makes
# SQLite spill uncommitted pages into the WAL first: the kill must not expose them.
MIDWAY = """
import sys
from crossmap.state import StateStore

store = StateStore.open(sys.argv[1])
store._db.connection.execute("PRAGMA cache_size=20")
run = store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})
store.put_ids(run.id, "Committed", "Account", ((f"k{i}", f"id{i}", True) for i in range(5000)))

def rows():
    for i in range(1_000_000):
        if i == 60_000:
            print("midway", flush=True)
            sys.stdin.readline()
        yield f"key-{i:07d}", f"001{i:015d}", True

store.put_ids(run.id, "Big", "Account", rows())
print("finished", flush=True)
"""

# Writes calls of 2000 rows forever, reporting each that returned.
STREAM = """
import sys
from crossmap.state import Outcome, StateStore

store = StateStore.open(sys.argv[1])
run = store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})
call = 0
while True:
    keys = [f"c{call:04d}-{i:04d}" for i in range(2000)]
    store.put_ids(run.id, "S", "Account", ((k, "id-" + k, True) for k in keys))
    store.record_outcomes(run.id, "S", "Customer", (Outcome(k, "created") for k in keys))
    print(call, flush=True)
    call += 1
"""


def start(script: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def kill(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()
    process.stdout.close()


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        result: str = connection.execute("PRAGMA integrity_check").fetchone()[0]
        return result
    finally:
        connection.close()


def test_kill_inside_a_large_put_ids_leaves_none_of_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    process = start(MIDWAY, path)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "midway"
    wal = path.with_name(path.name + "-wal")
    # Uncommitted pages really are in the WAL when the process dies.
    assert wal.stat().st_size > 1_000_000
    kill(process)

    assert integrity(path) == "ok"
    with StateStore.open(path) as store:
        assert sum(1 for _ in store.crosswalk("Committed")) == 5000
        assert store.ids("Big", [f"key-{i:07d}" for i in (0, 59_999)]) == {}
        assert list(store.crosswalk("Big")) == []
        (run,) = store.runs()
        # Killed runs stay "running": the engine sees them as interrupted.
        assert run.status == "running"
        # And the store takes new writes.
        store.put_ids(run.id, "Big", "Account", [("key-0000000", "001X", True)])
        assert store.id_for("Big", "key-0000000") == "001X"


@pytest.mark.parametrize("calls_before_kill", [1, 4, 9])
def test_kill_at_any_moment_keeps_each_call_whole(tmp_path: Path, calls_before_kill: int) -> None:
    path = tmp_path / "state.db"
    process = start(STREAM, path)
    assert process.stdout is not None
    reported = -1
    while reported < calls_before_kill:
        reported = int(process.stdout.readline())
    # The process is now somewhere in its next call, or between calls.
    kill(process)

    assert integrity(path) == "ok"
    with StateStore.open(path) as store:
        per_call: dict[str, int] = {}
        for key, destination_id in store.crosswalk("S"):
            assert destination_id == "id-" + key
            per_call[key[:5]] = per_call.get(key[:5], 0) + 1
        assert set(per_call.values()) == {2000}
        calls = sorted(per_call)
        assert calls == [f"c{i:04d}" for i in range(len(calls))]
        assert len(calls) in (reported + 1, reported + 2)
        (run,) = store.runs()
        counts = store.outcome_counts(run.id)["S"]["created"]
        assert counts % 2000 == 0 and counts // 2000 in (reported + 1, len(calls))
