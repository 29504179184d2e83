"""The shared SQLite connection: one connection, one lock, one transaction per call.

Every concern (runs, crosswalk, ledger, watermarks, outcomes) writes through
``Database.transaction()``, which takes the lock and wraps the body in
``BEGIN IMMEDIATE`` … ``COMMIT``. A process killed at any moment therefore leaves
either all or none of a call's rows: SQLite's WAL ignores frames of a transaction
that never committed.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from crossmap.private_files import (
    create_private_file,
    private_dir,
    secure_sqlite_files,
    warn_if_shared,
)
from crossmap.state.errors import StateError

T = TypeVar("T")

Clock = Callable[[], datetime]

# SQLite's default limit on host parameters is 999 on old builds; 500 keys a statement
# stays well inside it and keeps each IN (...) list small enough to plan quickly.
CHUNK = 500
# Rows fetched per page by the streaming readers; each page is one short locked query,
# so other threads can write between pages.
PAGE = 5000
# How long a writer waits for another process holding the write lock.
BUSY_TIMEOUT_MS = 30_000


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the default clock)."""
    return datetime.now(UTC)


def to_iso(value: datetime) -> str:
    """``value`` as ISO 8601 text in UTC with microseconds, so text order is time order.

    Naive datetimes are refused: guessing their zone would shift a delta watermark.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime {value.isoformat()} has no timezone; pass an aware datetime")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    """The datetime written by ``to_iso`` (``None`` stays ``None``)."""
    return None if text is None else datetime.fromisoformat(text)


def _json_default(value: object) -> str:
    # Dates become ISO 8601 text; Decimal (and anything else) its str(), which keeps
    # every digit. Callers get these back as strings: JSON has no such types.
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        # Binary content as base64 text (a pre-image of a blob field), which the
        # destination's schema types back into bytes; str() would keep "b'...'".
        return base64.b64encode(value).decode("ascii")
    return str(value)


def to_json(value: Mapping[str, Any]) -> str:
    """A mapping as compact JSON; dates and Decimals become strings."""
    return json.dumps(dict(value), default=_json_default, separators=(",", ":"))


def from_json(text: str) -> dict[str, Any]:
    """The mapping written by ``to_json``."""
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``, streamed."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def placeholders(count: int) -> str:
    """``?,?,…`` for an ``IN (...)`` list of ``count`` values."""
    return ",".join("?" * count)


class Database:
    """One SQLite connection shared by threads, guarded by a re-entrant lock.

    Also interns names (steps, targets, source objects) as small integers, so the
    tens of millions of crosswalk and outcome rows do not repeat them as text.
    """

    def __init__(self, path: Path, connection: sqlite3.Connection, clock: Clock) -> None:
        self.path = path
        self.connection = connection
        self.clock = clock
        self.lock = threading.RLock()
        self._name_ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self._closed = False
        self._depth = 0  # transactions open in this thread (the lock is held meanwhile)

    @classmethod
    def connect(cls, path: Path, clock: Clock) -> Database:
        """Open (creating if needed) the database file at ``path`` and set it up for WAL."""
        try:
            private_dir(path.parent)
        except OSError as error:
            raise StateError(
                f"cannot create the folder for the state database {path}: {error.strerror}"
            ) from None
        try:
            # A new store is created owner-only: it holds pre-images of customer
            # records. An existing one keeps its mode, with a warning if it is shared.
            if not create_private_file(path):
                warn_if_shared(path, "the state store", sqlite=True)
        except OSError as error:
            raise StateError(f"cannot create the state database {path}: {error.strerror}") from None
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction
            # covers exactly one store call (the sqlite3 module's implicit
            # transactions would otherwise commit DDL and DML on their own schedule).
            connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except sqlite3.Error as error:
            raise StateError(f"cannot open the state database {path}: {error}") from None
        try:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StateError(
                    f"the state database {path} cannot use write-ahead logging "
                    f"(journal mode stays {mode!r}); put it on a local file system"
                )
            # FULL syncs the WAL on every commit: a committed batch of crosswalk rows
            # survives a power cut, not only a killed process. Commits are per batch,
            # so the fsync is paid once per thousands of rows.
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            # 8 MiB of page cache keeps the upper levels of the big indexes in memory
            # (more buys little: lookups come in prefetched pages of keys).
            connection.execute("PRAGMA cache_size=-8192")
            connection.execute("PRAGMA temp_store=MEMORY")
            secure_sqlite_files(path)
        except sqlite3.OperationalError as error:
            connection.close()
            raise StateError(f"cannot open the state database {path}: {error}") from None
        except sqlite3.DatabaseError as error:
            connection.close()
            raise StateError(
                f"{path} is not a crossmap state database ({error}); "
                "move it away or pass another state path"
            ) from None
        except BaseException:
            connection.close()
            raise
        return cls(path, connection, clock)

    def close(self) -> None:
        """Close the connection (idempotent). The WAL is checkpointed by SQLite."""
        with self.lock:
            if not self._closed:
                self._closed = True
                self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the body in one write transaction: all or nothing."""
        with self.lock:
            self._check_open()
            connection = self.connection
            if self._depth:
                # Inside another transaction of this thread (``StateStore.atomic``):
                # joined; the outermost one commits or rolls back everything.
                self._depth += 1
                try:
                    yield connection
                finally:
                    self._depth -= 1
                return
            # IMMEDIATE takes the write lock up front, so two processes sharing the
            # file wait for each other (busy timeout) instead of failing mid-call.
            self._depth = 1
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    # SQLite rolls back by itself after some errors (disk full, I/O);
                    # a second ROLLBACK would then mask the real error.
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            except sqlite3.OperationalError as error:
                raise self._environment_error(error) from error
            finally:
                self._depth = 0

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock for a read; multi-statement reads see one snapshot.

        Inside a write transaction it simply joins that transaction.
        """
        with self.lock:
            self._check_open()
            connection = self.connection
            if connection.in_transaction:
                yield connection
                return
            try:
                connection.execute("BEGIN")
                try:
                    yield connection
                finally:
                    connection.execute("COMMIT")
            except sqlite3.OperationalError as error:
                raise self._environment_error(error) from error
            finally:
                self._depth = 0

    def _environment_error(self, error: sqlite3.OperationalError) -> StateError:
        # Locked files, full disks and lost permissions are the user's to fix: say
        # which file, keep SQLite's words.
        return StateError(
            f"the state database {self.path} cannot be used: {error} (another process "
            "holding it for too long, a full disk or missing permissions?)"
        )

    def _check_open(self) -> None:
        if self._closed:
            raise StateError(f"the state database {self.path} is closed")

    def now(self) -> str:
        """The clock's current time as stored text."""
        return to_iso(self.clock())

    def name_id(self, name: str) -> int:
        """The id of ``name``, interning it on first use.

        Interning commits on its own, before the caller's transaction: a name row
        without data is harmless, and the cache never holds an id that a rolled-back
        transaction took away.
        """
        with self.lock:
            found = self._name_ids.get(name)
            if found is not None:
                return found
            if self.connection.in_transaction:
                raise RuntimeError("name_id() must be called before opening a transaction")
            with self.transaction() as connection:
                connection.execute("INSERT OR IGNORE INTO names(name) VALUES (?)", (name,))
                row = connection.execute("SELECT id FROM names WHERE name = ?", (name,)).fetchone()
            interned: int = row[0]
            self._remember(name, interned)
            return interned

    def existing_name_id(self, name: str) -> int | None:
        """The id of ``name`` if anything was ever stored under it, else ``None``."""
        with self.lock:
            found = self._name_ids.get(name)
            if found is None:
                with self.reading() as connection:
                    row = connection.execute(
                        "SELECT id FROM names WHERE name = ?", (name,)
                    ).fetchone()
                if row is None:
                    return None
                found = row[0]
                self._remember(name, found)
            return found

    def name(self, name_id: int) -> str:
        """The name interned as ``name_id``."""
        with self.lock:
            found = self._names.get(name_id)
            if found is None:
                with self.reading() as connection:
                    (found,) = connection.execute(
                        "SELECT name FROM names WHERE id = ?", (name_id,)
                    ).fetchone()
                self._remember(found, name_id)
            return found

    def _remember(self, name: str, name_id: int) -> None:
        self._name_ids[name] = name_id
        self._names[name_id] = name
