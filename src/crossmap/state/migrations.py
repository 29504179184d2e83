"""The state database's schema, as an ordered list of migrations.

Migration ``n`` takes a database at schema version ``n - 1`` to version ``n``. Each
runs in its own write transaction together with the bump of ``schema_version``, so a
crash mid-migration leaves the previous version intact. Never edit a released
migration: append a new one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from attrs import frozen

from crossmap.state.errors import StateError


@frozen
class Migration:
    """One step of the schema: what it is for, and the SQL statements that make it."""

    description: str
    statements: tuple[str, ...]


_V1 = Migration(
    "runs, progress, crosswalk, ledger, watermarks and outcomes",
    (
        # Steps, targets and source objects are interned once; the big tables carry
        # their integer ids instead of repeating the text in every row.
        "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            spec TEXT NOT NULL,
            spec_hash TEXT NOT NULL,
            kind TEXT NOT NULL,
            options TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL
        )""",
        "CREATE INDEX runs_by_spec ON runs(spec, id)",
        """CREATE TABLE steps_done (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            step TEXT NOT NULL,
            done_at TEXT NOT NULL,
            PRIMARY KEY (run_id, step)
        ) WITHOUT ROWID""",
        # WITHOUT ROWID: the primary key is the table, so a lookup by (step, key) is
        # one b-tree descent and no second index doubles the size of tens of millions
        # of rows. Run ids are checked once per call, not by a per-row foreign key.
        """CREATE TABLE crosswalk (
            step_id INTEGER NOT NULL,
            source_key TEXT NOT NULL,
            destination_id TEXT NOT NULL,
            target_id INTEGER NOT NULL,
            created INTEGER NOT NULL,
            run_id INTEGER NOT NULL,
            PRIMARY KEY (step_id, source_key)
        ) WITHOUT ROWID""",
        # seq is the rowid: it grows with every insert, which is the creation order
        # that rollback walks backwards.
        """CREATE TABLE ledger_created (
            seq INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL,
            target_id INTEGER NOT NULL,
            destination_id TEXT NOT NULL,
            undone_at TEXT,
            UNIQUE (run_id, target_id, destination_id)
        )""",
        "CREATE INDEX ledger_created_order ON ledger_created(run_id, seq)",
        """CREATE TABLE ledger_preimages (
            seq INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL,
            target_id INTEGER NOT NULL,
            destination_id TEXT NOT NULL,
            fields TEXT NOT NULL,
            undone_at TEXT,
            UNIQUE (run_id, target_id, destination_id)
        )""",
        "CREATE INDEX ledger_preimages_order ON ledger_preimages(run_id, seq)",
        """CREATE TABLE watermarks (
            spec TEXT NOT NULL,
            source_object TEXT NOT NULL,
            value TEXT NOT NULL,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (spec, source_object)
        ) WITHOUT ROWID""",
        """CREATE TABLE outcomes (
            run_id INTEGER NOT NULL,
            step_id INTEGER NOT NULL,
            source_key TEXT NOT NULL,
            source_object_id INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            code TEXT,
            field TEXT,
            line INTEGER,
            reason TEXT,
            PRIMARY KEY (run_id, step_id, source_key)
        ) WITHOUT ROWID""",
    ),
)

_V2 = Migration(
    "run lineage (parent), an index of problem outcomes, readable views",
    (
        # A retry or rollback run points at the run it works on.
        "ALTER TABLE runs ADD COLUMN parent INTEGER REFERENCES runs(id)",
        # Failures are few among millions of outcomes: a partial index finds them
        # without scanning the run, already grouped the way the audit log groups them.
        """CREATE INDEX outcomes_problems
            ON outcomes(run_id, outcome, step_id, code, field, source_key)
            WHERE outcome IN ('failed', 'held_back')""",
        # Views with the interned names spelled out, for people inspecting the file
        # with the sqlite3 shell.
        """CREATE VIEW crosswalk_view AS
            SELECT s.name AS step, c.source_key, t.name AS target, c.destination_id,
                   c.created, c.run_id
            FROM crosswalk c JOIN names s ON s.id = c.step_id JOIN names t ON t.id = c.target_id""",
        """CREATE VIEW outcomes_view AS
            SELECT o.run_id, s.name AS step, so.name AS source_object, o.source_key,
                   o.outcome, o.code, o.field, o.line, o.reason
            FROM outcomes o JOIN names s ON s.id = o.step_id
                 JOIN names so ON so.id = o.source_object_id""",
        """CREATE VIEW ledger_view AS
            SELECT l.run_id, l.seq, 'created' AS entry, t.name AS target, l.destination_id,
                   NULL AS fields, l.undone_at
            FROM ledger_created l JOIN names t ON t.id = l.target_id
            UNION ALL
            SELECT p.run_id, p.seq, 'preimage', t.name, p.destination_id, p.fields, p.undone_at
            FROM ledger_preimages p JOIN names t ON t.id = p.target_id""",
    ),
)

_V3 = Migration(
    "fingerprints of what each run wrote, so a rollback can tell records changed since",
    (
        # One row per record and set of fields a run wrote (a deferred pass writes a
        # second set); ``digest`` fingerprints the values written.
        """CREATE TABLE ledger_written (
            run_id INTEGER NOT NULL,
            target_id INTEGER NOT NULL,
            destination_id TEXT NOT NULL,
            fields TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (run_id, target_id, destination_id, fields)
        ) WITHOUT ROWID""",
    ),
)

_V4 = Migration(
    "approvals of sample runs, which a production run of the same spec version needs",
    (
        # The sample run lives in another store (the sandbox's), so it is named by
        # its id and that store's path rather than by a foreign key.
        """CREATE TABLE approvals (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            spec TEXT NOT NULL,
            spec_hash TEXT NOT NULL,
            sample_run INTEGER NOT NULL,
            sample_store TEXT NOT NULL,
            approver TEXT NOT NULL,
            approved_at TEXT NOT NULL,
            note TEXT
        )""",
        "CREATE INDEX approvals_by_hash ON approvals(spec_hash, id)",
    ),
)

_V5 = Migration(
    "when a run was closed (`crossmap close`): its ledger deleted, no rollback any more",
    (
        # NULL while the run can be rolled back; the time `crossmap close` deleted its
        # pre-images, created ids and fingerprints otherwise.
        "ALTER TABLE runs ADD COLUMN closed_at TEXT",
    ),
)

_V6 = Migration(
    "the write-ahead journal: every write to the destination, recorded before it is sent",
    (
        # One intent per load stream (a step's rows of one operation): open until
        # every row's result is recorded. ``jobs`` lists the destination's own ids for
        # the work (Salesforce Bulk job ids), added as soon as each is known.
        """CREATE TABLE journal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            step TEXT NOT NULL,
            target TEXT NOT NULL,
            operation TEXT NOT NULL,
            external_id TEXT,
            jobs TEXT NOT NULL DEFAULT '',
            opened_at TEXT NOT NULL,
            settled_at TEXT,
            found INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX journal_open ON journal(settled_at, run_id)",
        # The intent's rows: the source key, the fields written and their fingerprint
        # (as ledger_written keeps it), and the values that find the record again (its
        # external id, its parents' ids) as JSON. Deleted when the intent settles.
        """CREATE TABLE journal_rows (
            journal_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            source_key TEXT NOT NULL,
            fields TEXT NOT NULL,
            digest TEXT NOT NULL,
            probe TEXT NOT NULL,
            PRIMARY KEY (journal_id, seq)
        ) WITHOUT ROWID""",
    ),
)

_V7 = Migration(
    "what reconciling a journaled write needs without the step's plan, and the destination's clock",
    (
        # The step's source object (the outcomes of rows a reconciliation finds are
        # recorded under it, even when the edited spec no longer has the step).
        "ALTER TABLE journal ADD COLUMN source TEXT",
        # The destination's own time when the intent was journaled (before the first
        # row was sent): the records an insert-only write created are looked for among
        # those the destination stamps as created since, by the run's own user.
        "ALTER TABLE journal ADD COLUMN destination_time TEXT",
        # The run that reconciled the intent (NULL: the run that wrote it settled it);
        # a later run's report says what it found of an earlier run's writes.
        "ALTER TABLE journal ADD COLUMN settled_by INTEGER",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(connection: sqlite3.Connection, path: Path) -> int:
    """The database's schema version: 0 for an empty file.

    A SQLite file that holds other tables but no ``schema_version`` is someone
    else's database; it is refused rather than written into.
    """
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "schema_version" not in tables:
        if tables:
            raise StateError(
                f"{path} is a SQLite database but not a crossmap state database "
                "(it has no schema_version table); pass another state path"
            )
        return 0
    row = connection.execute("SELECT version FROM schema_version").fetchone()
    if row is None:
        raise StateError(f"the state database {path} has an empty schema_version table")
    version: int = row[0]
    return version


def migrate(connection: sqlite3.Connection, path: Path) -> int:
    """Bring the database up to ``SCHEMA_VERSION``, one transaction per migration.

    Returns the version found before migrating. Raises ``StateError`` if the database
    was written by a newer crossmap. ``connection`` must be in autocommit mode
    (``isolation_level=None``).
    """
    found: int | None = None
    version = 0
    while True:
        # IMMEDIATE: two processes opening the same new file migrate one after the
        # other; the second re-reads the version inside its transaction and finds
        # nothing left to do.
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version(connection, path)
            if found is None:
                found = version
            if version > SCHEMA_VERSION:
                raise StateError(
                    f"the state database {path} has schema version {version}, but this "
                    f"crossmap understands versions up to {SCHEMA_VERSION}: it was written "
                    "by a newer crossmap; upgrade crossmap to use it"
                )
            if version == SCHEMA_VERSION:
                connection.execute("COMMIT")
                return found
            if version == 0:
                connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                connection.execute("INSERT INTO schema_version VALUES (0)")
            for statement in MIGRATIONS[version].statements:
                connection.execute(statement)
            connection.execute("UPDATE schema_version SET version = ?", (version + 1,))
            connection.execute("COMMIT")
        except BaseException as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError):
                raise StateError(
                    f"cannot migrate the state database {path} from schema version "
                    f"{version} to {version + 1}: {error}; the file is unchanged at "
                    f"version {version}"
                ) from error
            raise
