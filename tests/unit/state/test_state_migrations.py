"""Schema versions: a fresh file, an old file migrated, a newer file refused."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from crossmap.state import MIGRATIONS, SCHEMA_VERSION, Outcome, StateError, StateStore

# The schema as crossmap first released it (version 1), written out by hand so that a
# change to the released migration is caught here.
V1 = [
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "INSERT INTO schema_version VALUES (1)",
    "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    """CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, spec TEXT NOT NULL,
        spec_hash TEXT NOT NULL, kind TEXT NOT NULL, options TEXT NOT NULL,
        started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL)""",
    "CREATE INDEX runs_by_spec ON runs(spec, id)",
    """CREATE TABLE steps_done (run_id INTEGER NOT NULL REFERENCES runs(id),
        step TEXT NOT NULL, done_at TEXT NOT NULL, PRIMARY KEY (run_id, step)) WITHOUT ROWID""",
    """CREATE TABLE crosswalk (step_id INTEGER NOT NULL, source_key TEXT NOT NULL,
        destination_id TEXT NOT NULL, target_id INTEGER NOT NULL, created INTEGER NOT NULL,
        run_id INTEGER NOT NULL, PRIMARY KEY (step_id, source_key)) WITHOUT ROWID""",
    """CREATE TABLE ledger_created (seq INTEGER PRIMARY KEY, run_id INTEGER NOT NULL,
        target_id INTEGER NOT NULL, destination_id TEXT NOT NULL, undone_at TEXT,
        UNIQUE (run_id, target_id, destination_id))""",
    "CREATE INDEX ledger_created_order ON ledger_created(run_id, seq)",
    """CREATE TABLE ledger_preimages (seq INTEGER PRIMARY KEY, run_id INTEGER NOT NULL,
        target_id INTEGER NOT NULL, destination_id TEXT NOT NULL, fields TEXT NOT NULL,
        undone_at TEXT, UNIQUE (run_id, target_id, destination_id))""",
    "CREATE INDEX ledger_preimages_order ON ledger_preimages(run_id, seq)",
    """CREATE TABLE watermarks (spec TEXT NOT NULL, source_object TEXT NOT NULL,
        value TEXT NOT NULL, run_id INTEGER NOT NULL REFERENCES runs(id),
        updated_at TEXT NOT NULL, PRIMARY KEY (spec, source_object)) WITHOUT ROWID""",
    """CREATE TABLE outcomes (run_id INTEGER NOT NULL, step_id INTEGER NOT NULL,
        source_key TEXT NOT NULL, source_object_id INTEGER NOT NULL, outcome TEXT NOT NULL,
        code TEXT, field TEXT, line INTEGER, reason TEXT,
        PRIMARY KEY (run_id, step_id, source_key)) WITHOUT ROWID""",
    # Data a version-1 crossmap had written.
    "INSERT INTO names (id, name) VALUES (1, 'Customer->Account'), (2, 'Account'), (3, 'Customer')",
    """INSERT INTO runs (id, spec, spec_hash, kind, options, started_at, ended_at, status)
        VALUES (1, 'a.xmap', 'h1', 'full', '{"batch":200}', '2025-06-01T10:00:00.000000+00:00',
        '2025-06-01T11:00:00.000000+00:00', 'succeeded')""",
    "INSERT INTO crosswalk VALUES (1, 'C1', '001A', 2, 1, 1), (1, 'C2', '001B', 2, 1, 1)",
    """INSERT INTO ledger_created (run_id, target_id, destination_id)
        VALUES (1, 2, '001A'), (1, 2, '001B')""",
    """INSERT INTO outcomes VALUES (1, 1, 'C1', 3, 'created', NULL, NULL, NULL, NULL),
        (1, 1, 'C2', 3, 'created', NULL, NULL, NULL, NULL),
        (1, 1, 'C3', 3, 'failed', 'REQUIRED_FIELD_MISSING', 'Name', 3, 'Name is required')""",
    """INSERT INTO watermarks VALUES ('a.xmap', 'Customer', '2025-06-01T09:59:00.000000+00:00',
        1, '2025-06-01T11:00:00.000000+00:00')""",
]


def write_database(path: Path, statements: list[str]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()


def version_of(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        version: int = connection.execute("SELECT version FROM schema_version").fetchone()[0]
        return version
    finally:
        connection.close()


def test_a_fresh_database_is_at_the_current_version(db_path: Path) -> None:
    StateStore.open(db_path).close()
    assert version_of(db_path) == SCHEMA_VERSION == len(MIGRATIONS)
    assert all(m.description and m.statements for m in MIGRATIONS)


def test_a_version_1_database_is_migrated_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    write_database(path, V1)
    with StateStore.open(path) as store:
        run = store.run(1)
        assert (run.spec, run.status, run.options, run.parent) == (
            "a.xmap",
            "succeeded",
            {"batch": 200},
            None,
        )
        assert store.ids("Customer->Account", ["C1", "C2"]) == {"C1": "001A", "C2": "001B"}
        assert list(store.created(1)) == [("Account", "001B"), ("Account", "001A")]
        assert store.outcome_counts(1) == {"Customer->Account": {"created": 2, "failed": 1}}
        assert [(g.code, g.sample_keys) for g in store.error_groups(1)] == [
            ("REQUIRED_FIELD_MISSING", ("C3",))
        ]
        assert store.watermark("a.xmap", "Customer") is not None
        # What version 2 added works on the migrated file.
        retry = store.begin_run(spec="a.xmap", spec_hash="h1", kind="retry", options={}, parent=1)
        assert store.run(retry.id).parent == 1
        store.record_outcomes(retry.id, "Customer->Account", "Customer", [Outcome("C3", "created")])
        views = {
            row[0]
            for row in store._db.connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('view', 'index')"
            )
        }
        assert {"crosswalk_view", "outcomes_view", "ledger_view", "outcomes_problems"} <= views
    assert version_of(path) == SCHEMA_VERSION


def test_a_newer_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    StateStore.open(path).close()
    write_database(path, [f"UPDATE schema_version SET version = {SCHEMA_VERSION + 1}"])
    with pytest.raises(StateError) as raised:
        StateStore.open(path)
    message = str(raised.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert "newer crossmap" in message and "upgrade crossmap" in message
    assert str(path) in message
    assert version_of(path) == SCHEMA_VERSION + 1


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    # A v1 file that already has a column named parent makes migration 2 fail midway;
    # its transaction must leave the file exactly at version 1.
    write_database(path, [*V1, "ALTER TABLE runs ADD COLUMN parent INTEGER"])
    with pytest.raises(StateError, match="from schema version 1 to 2: duplicate column") as raised:
        StateStore.open(path)
    assert "unchanged at version 1" in str(raised.value)
    assert version_of(path) == 1
    connection = sqlite3.connect(path)
    try:
        indexes = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    finally:
        connection.close()
    assert "outcomes_problems" not in indexes


def test_a_version_6_journal_is_migrated_with_its_open_intents(tmp_path: Path) -> None:
    """Version 7 adds the step's source object and the destination's clock to the
    journal: an intent a version-6 crossmap left open reads with neither, and is
    reconciled all the same."""
    path = tmp_path / "state.db"
    statements = ["CREATE TABLE schema_version (version INTEGER NOT NULL)", "INSERT INTO schema_version VALUES (6)"]
    statements += [s for m in MIGRATIONS[:6] for s in m.statements]
    statements += [
        """INSERT INTO runs (id, spec, spec_hash, kind, options, started_at, status)
            VALUES (1, 'a.xmap', 'h1', 'full', '{}', '2026-06-01T10:00:00.000000+00:00', 'interrupted')""",
        """INSERT INTO journal (id, run_id, step, target, operation, external_id, jobs, opened_at)
            VALUES (1, 1, 'notes->Comment', 'Comment', 'insert', NULL, '750A', '2026-06-01T10:01:00.000000+00:00')""",
        "INSERT INTO journal_rows VALUES (1, 0, 'N-1', 'Body,CaseId', 'd1', '{\"CaseId\":\"500A\"}')",
    ]
    write_database(path, statements)
    with StateStore.open(path) as store:
        (intent,) = store.open_intents("a.xmap")
        assert (intent.step, intent.jobs, intent.source, intent.destination_time) == (
            "notes->Comment", ("750A",), None, None)
        assert list(store.intent_rows(intent.id)) == [("N-1", "Body,CaseId", "d1", '{"CaseId":"500A"}')]
        when = dt.datetime(2026, 6, 1, 10, 2, tzinfo=dt.UTC)
        second = store.journal_intent(1, "notes->Comment", "Comment", "insert", None, [], source="notes",
                                      destination_time=when)
        assert [(i.id, i.source, i.destination_time) for i in store.open_intents("a.xmap")] == [
            (1, None, None), (second, "notes", when)]
        later = store.begin_run(spec="a.xmap", spec_hash="h2", kind="full", options={})
        store.settle_intent(1, found=1, by=later.id)  # the old intent, reconciled by a later run
        assert store.found_for_earlier_runs(later.id) == [(1, 1)] and store.found_loaded(1) == 1
    assert version_of(path) == SCHEMA_VERSION == 7
