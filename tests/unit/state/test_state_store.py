"""The store as a whole: opening, durability across reopen, errors, threads, exports."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from state_helpers import FakeClock

import crossmap.state
from crossmap.state import Outcome, StateError, StateStore


def test_open_creates_folders_and_a_wal_database(db_path: Path) -> None:
    assert not db_path.parent.exists()
    with StateStore.open(str(db_path)) as store:
        assert store.path == db_path
        assert repr(store) == f"StateStore({str(db_path)!r})"
        mode = store._db.connection.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    assert db_path.is_file()


def test_everything_survives_reopening(db_path: Path, clock: FakeClock) -> None:
    from datetime import UTC, datetime

    with StateStore.open(db_path, clock=clock) as store:
        run = store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={"n": 1})
        store.mark_step_done(run.id, "S")
        store.put_ids(run.id, "S", "Account", [("k1", "001", True)])
        store.record_created(run.id, "Account", ["001"])
        store.record_preimages(run.id, "Contact", [("003", {"Email": "old@x"})])
        store.set_watermark("a.xmap", "Customer", datetime(2026, 2, 1, tzinfo=UTC), run.id)
        store.record_outcomes(run.id, "S", "Customer", [Outcome("k2", "failed", code="X")])
        store.end_run(run.id, "succeeded")
        before = store.run(run.id)
    with StateStore.open(db_path, clock=clock) as store:
        assert store.run(run.id) == before
        assert store.steps_done(run.id) == {"S"}
        assert store.id_for("S", "k1") == "001"
        assert list(store.created(run.id)) == [("Account", "001")]
        assert list(store.preimages(run.id)) == [("Contact", "003", {"Email": "old@x"})]
        assert store.watermark("a.xmap", "Customer") == datetime(2026, 2, 1, tzinfo=UTC)
        assert store.failed_keys(run.id, "S") == {"k2"}


def test_closed_store_refuses_calls(db_path: Path) -> None:
    store = StateStore.open(db_path)
    store.close()
    store.close()  # idempotent
    with pytest.raises(StateError, match="closed"):
        store.runs()


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is a text file, not a database\n" * 100)
    with pytest.raises(StateError, match="not a crossmap state database"):
        StateStore.open(path)
    # The file is left alone.
    assert path.read_bytes().startswith(b"this is a text file")


def test_someone_elses_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    connection.close()
    with pytest.raises(StateError, match="not a crossmap state database"):
        StateStore.open(path)
    with sqlite3.connect(path) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert tables == {"invoices"}


def test_unwritable_folder_is_a_state_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StateError, match="cannot create the folder"):
        StateStore.open(blocker / "sub" / "state.db")


def test_threads_write_concurrently(store: StateStore) -> None:
    threads_count, batches, size = 6, 20, 150
    runs = [
        store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})
        for _ in range(threads_count)
    ]
    start = threading.Barrier(threads_count)

    def work(index: int) -> None:
        run_id = runs[index].id
        start.wait()
        for batch in range(batches):
            keys = [f"t{index}-b{batch}-{i}" for i in range(size)]
            # Every thread writes the same steps, so name interning races too.
            store.put_ids(run_id, "Shared", "Account", ((k, "id-" + k, True) for k in keys))
            store.record_created(run_id, "Account", ("id-" + k for k in keys))
            store.record_outcomes(
                run_id, "Shared", "Customer", (Outcome(k, "created") for k in keys)
            )
            assert store.ids("Shared", keys) == {k: "id-" + k for k in keys}
        store.mark_step_done(run_id, "Shared")

    with ThreadPoolExecutor(threads_count) as pool:
        # result() re-raises a worker's exception here.
        for future in [pool.submit(work, i) for i in range(threads_count)]:
            future.result()
    assert sum(1 for _ in store.crosswalk("Shared")) == threads_count * batches * size
    for run in runs:
        assert store.outcome_counts(run.id) == {"Shared": {"created": batches * size}}
        assert len(list(store.created(run.id))) == batches * size
        assert store.steps_done(run.id) == {"Shared"}


def test_two_stores_on_one_file_take_turns(db_path: Path) -> None:
    # Two connections stand in for two processes sharing the file.
    with StateStore.open(db_path) as first, StateStore.open(db_path) as second:
        run = first.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})

        def write(store: StateStore, prefix: str) -> None:
            for batch in range(10):
                store.put_ids(
                    run.id, "S", "T", ((f"{prefix}{batch}-{i}", "x", True) for i in range(100))
                )

        other = threading.Thread(target=write, args=(second, "b"))
        other.start()
        write(first, "a")
        other.join()
        assert sum(1 for _ in first.crosswalk("S")) == 2000
        assert sum(1 for _ in second.crosswalk("S")) == 2000


def test_all_is_complete() -> None:
    # (pytest's assertion rewriting adds "@py_..." names to modules of a plugin's distribution)
    public = {name for name in dir(crossmap.state) if not name.startswith(("_", "@"))}
    modules = {
        "approvals",
        "crosswalk",
        "database",
        "errors",
        "journal",
        "ledger",
        "lock",
        "migrations",
        "outcomes",
        "retention",
        "runs",
        "scratch",
        "store",
        "watermarks",
    }
    assert set(crossmap.state.__all__) == public - modules
    for name in crossmap.state.__all__:
        assert getattr(crossmap.state, name).__doc__ or name.isupper()


def test_a_file_locked_by_another_process_is_a_state_error(db_path: Path) -> None:
    import crossmap.state.database as database_module

    with StateStore.open(db_path) as store:
        run = store.begin_run(spec="a.xmap", spec_hash="h", kind="full", options={})
        holder = sqlite3.connect(db_path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            # Wait briefly instead of the default 30 s.
            store._db.connection.execute("PRAGMA busy_timeout = 50")
            with pytest.raises(StateError, match="cannot be used: database is locked"):
                store.put_ids(run.id, "S", "T", [("k", "id", True)])
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        store.put_ids(run.id, "S", "T", [("k", "id", True)])
        assert store.id_for("S", "k") == "id"
    assert database_module.BUSY_TIMEOUT_MS >= 1000


def test_a_folder_in_place_of_the_file_is_a_state_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.mkdir()
    with pytest.raises(StateError, match="cannot open the state database .*state.db"):
        StateStore.open(path)
    assert path.is_dir()
