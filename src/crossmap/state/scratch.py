"""Working tables that outgrow memory, for one command: a SQLite file in a private
temporary folder (``0700``), with neither journal nor syncing, since nothing in it
outlives the command, deleted on :meth:`ScratchDatabase.close`."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Self


class ScratchDatabase:
    """A throwaway SQLite database holding the tables ``schema`` creates."""

    def __init__(self, prefix: str, schema: str, *, check_same_thread: bool = True) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix=prefix)
        # ``check_same_thread=False`` for a database one thread at a time uses, but
        # not always the thread that opened it (sqlite3 serializes the calls).
        self._db = sqlite3.connect(Path(self._folder.name) / "scratch.db", check_same_thread=check_same_thread)
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + schema)

    def close(self) -> None:
        """Drop the tables and their file."""
        self._db.close()
        self._folder.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
