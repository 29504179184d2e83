"""SQLite storage of one emulated org: records, unique values, sessions, jobs.

One database file per data directory, in WAL mode so readers never wait for the
writer. Records are JSON documents in one table keyed by Id, indexed by object;
values that must be unique (external ids, ``User.Username``) have their own table
whose primary key enforces the uniqueness. Every write goes through
:meth:`Store.transaction`, which serialises writers with one lock so no request
ever sees ``SQLITE_BUSY``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crossmap.private_files import create_private_file, secure_sqlite_files

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY, object TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_object ON records (object, deleted);
CREATE TABLE IF NOT EXISTS unique_values (
    object TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (object, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS unique_values_id ON unique_values (id);
CREATE TABLE IF NOT EXISTS counters (prefix TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_usage (day TEXT PRIMARY KEY, used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS custom_objects (name TEXT PRIMARY KEY, describe TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, info TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS job_data (
    job_id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE TABLE IF NOT EXISTS job_results (
    job_id TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (job_id, kind, seq)
);
"""


class Store:
    """The org's database. Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._counters: dict[str, int] = {}
        # The org's records are customer data once a migration loads them: the
        # file (and the WAL files SQLite gives its mode) are owner-only.
        create_private_file(path)
        conn = self._conn()
        conn.executescript(_SCHEMA)
        for prefix, value in conn.execute("SELECT prefix, value FROM counters"):
            self._counters[prefix] = value

    # -- connections ------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            secure_sqlite_files(self.path)
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection any thread opened."""
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back (and counters restored) on error."""
        with self._write_lock:
            conn = self._conn()
            if conn.in_transaction:
                # Nested use joins the outer transaction.
                yield conn
                return
            saved = dict(self._counters)
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                for prefix, value in self._counters.items():
                    if saved.get(prefix) != value:
                        conn.execute(
                            "INSERT OR REPLACE INTO counters (prefix, value) VALUES (?, ?)",
                            (prefix, value),
                        )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                self._counters = saved
                raise

    def read(self) -> sqlite3.Connection:
        """This thread's connection, for reads."""
        return self._conn()

    # -- counters ---------------------------------------------------------------

    def allocate(self, prefix: str, n: int = 1) -> int:
        """Reserve ``n`` consecutive numbers under ``prefix``; returns the first.
        Must be called inside :meth:`transaction`."""
        first = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = first + n - 1
        return first

    def allocate_now(self, prefix: str) -> int:
        """Reserve one number under ``prefix`` in a transaction of its own."""
        with self.transaction():
            return self.allocate(prefix)

    # -- settings ---------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A JSON setting, or ``default``."""
        row = self.read().execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def put_setting(self, conn: sqlite3.Connection, key: str, value: Any) -> None:
        """Store a JSON setting inside a transaction."""
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )

    # -- records ----------------------------------------------------------------

    def get(self, record_id: str) -> tuple[str, bool, dict[str, Any]] | None:
        """``(object, deleted, data)`` of one record, or ``None``."""
        row = (
            self.read()
            .execute("SELECT object, deleted, data FROM records WHERE id = ?", (record_id,))
            .fetchone()
        )
        if row is None:
            return None
        return row[0], bool(row[1]), json.loads(row[2])

    def get_many(self, ids: Iterable[str]) -> dict[str, tuple[str, bool, dict[str, Any]]]:
        """Records by Id (missing ones are absent from the result)."""
        out: dict[str, tuple[str, bool, dict[str, Any]]] = {}
        wanted = list(dict.fromkeys(ids))
        conn = self.read()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for rid, obj, deleted, data in conn.execute(
                f"SELECT id, object, deleted, data FROM records WHERE id IN ({marks})", chunk
            ):
                out[rid] = (obj, bool(deleted), json.loads(data))
        return out

    def scan(self, object_name: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record of one object, in Id order."""
        sql = "SELECT data FROM records WHERE object = ?"
        if not include_deleted:
            sql += " AND deleted = 0"
        for (data,) in self.read().execute(sql + " ORDER BY id", (object_name,)):
            yield json.loads(data)

    @staticmethod
    def put_records(
        conn: sqlite3.Connection, rows: Iterable[tuple[str, str, bool, dict[str, Any]]]
    ) -> None:
        """Insert or replace ``(id, object, deleted, data)`` rows."""
        conn.executemany(
            "INSERT OR REPLACE INTO records (id, object, deleted, data) VALUES (?, ?, ?, ?)",
            ((rid, obj, int(deleted), json.dumps(data)) for rid, obj, deleted, data in rows),
        )

    @staticmethod
    def remove_records(conn: sqlite3.Connection, ids: Iterable[str]) -> None:
        """Erase records for good (hard delete, recycle bin purge)."""
        id_list = [(i,) for i in ids]
        conn.executemany("DELETE FROM records WHERE id = ?", id_list)
        conn.executemany("DELETE FROM unique_values WHERE id = ?", id_list)
        conn.executemany("DELETE FROM blobs WHERE id = ?", id_list)

    # -- unique values ----------------------------------------------------------

    def find_unique(self, object_name: str, field: str, value: str) -> str | None:
        """The Id holding ``value`` in a unique field, or ``None``."""
        row = self.read().execute(
            "SELECT id FROM unique_values WHERE object = ? AND field = ? AND value = ?",
            (object_name, field, value),
        ).fetchone()
        return None if row is None else str(row[0])

    @staticmethod
    def set_unique(
        conn: sqlite3.Connection, rows: Iterable[tuple[str, str, str, str]]
    ) -> None:
        """Claim ``(object, field, value, id)`` unique values."""
        conn.executemany(
            "INSERT OR REPLACE INTO unique_values (object, field, value, id) VALUES (?, ?, ?, ?)",
            rows,
        )

    @staticmethod
    def release_unique(conn: sqlite3.Connection, record_id: str, fields: Iterable[str] = ()) -> None:
        """Give up a record's unique values (all of them, or only ``fields``)."""
        names = list(fields)
        if names:
            conn.executemany(
                "DELETE FROM unique_values WHERE id = ? AND field = ?",
                [(record_id, f) for f in names],
            )
        else:
            conn.execute("DELETE FROM unique_values WHERE id = ?", (record_id,))

    # -- blobs ------------------------------------------------------------------

    @staticmethod
    def put_blob(conn: sqlite3.Connection, record_id: str, data: bytes) -> None:
        """Store a record's binary content."""
        conn.execute("INSERT OR REPLACE INTO blobs (id, data) VALUES (?, ?)", (record_id, data))

    def get_blob(self, record_id: str) -> bytes | None:
        """A record's binary content, or ``None``."""
        row = self.read().execute("SELECT data FROM blobs WHERE id = ?", (record_id,)).fetchone()
        return None if row is None else bytes(row[0])
