"""One run at a time per state store: an exclusive lock beside the database file.

The lock is ``fcntl.flock`` on ``<database>.lock``. The kernel drops it when its
holder's process ends, however it ends (``kill -9`` included), so a dead holder never
blocks the store: the next run simply takes the lock over. The file also holds who
has the lock (pid, host, command, spec, since when), so a refused run can name them.

Why one run per store and not per spec: two specs in one store share the crosswalk
tables (keyed by step name, which two specs may well share) and the destination's
records; nothing proves two writers safe, so a second one is refused, not queued.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from attrs import frozen

from crossmap.private_files import create_private_file
from crossmap.state.database import Clock
from crossmap.state.errors import StateError

log = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock (documented)
    fcntl = None  # type: ignore[assignment]


class StoreBusy(StateError):
    """Another live process holds the state store (a run, rollback or sample)."""


@frozen
class Holder:
    """Who holds a store's lock."""

    pid: int
    host: str
    command: str
    spec: str | None
    since: str

    def describe(self) -> str:
        spec = f" of {self.spec}" if self.spec else ""
        return f"`{self.command}`{spec} (pid {self.pid} on {self.host}, since {self.since})"


def lock_path(database: Path) -> Path:
    """The lock file of the store at ``database``."""
    return database.with_name(database.name + ".lock")


class StoreLock:
    """The exclusive lock of one state store, re-entrant within one ``StateStore``."""

    def __init__(self, database: Path, clock: Clock) -> None:
        self.path = lock_path(database)
        self._clock = clock
        self._mutex = threading.Lock()
        self._file: IO[str] | None = None
        self._depth = 0

    @contextmanager
    def hold(self, command: str, *, spec: str | None = None) -> Iterator[Holder | None]:
        """Hold the lock for the body; ``StoreBusy`` naming the holder if a live
        process has it. Yields the dead holder whose lock was taken over, if any."""
        with self._mutex:
            if self._depth:
                self._depth += 1
                previous = None
            else:
                previous = self._acquire(command, spec)
                self._depth = 1
        try:
            yield previous
        finally:
            with self._mutex:
                self._depth -= 1
                if not self._depth:
                    self._release()

    def holder(self) -> Holder | None:
        """Who holds the lock now (``None``: nobody alive does)."""
        if fcntl is None or not self.path.exists():
            return None
        with open(self.path, "a+", encoding="utf-8") as probe:
            try:
                fcntl.flock(probe.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                return _read(probe)
            return None

    def _acquire(self, command: str, spec: str | None) -> Holder | None:
        if fcntl is None:  # pragma: no cover
            return None
        try:
            create_private_file(self.path)  # it names the holder's host and command: owner-only
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        except OSError as error:
            raise StateError(f"cannot open the lock file {self.path}: {error.strerror}") from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = _read(handle)
            handle.close()
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise StateError(f"cannot lock the state store {self.path}: {error.strerror}") from None
            who = holder.describe() if holder else "another process (it has not said who yet)"
            raise StoreBusy(
                f"the state store {self.path.with_suffix('')} is in use by {who}; only one run, "
                "rollback or sample at a time may use a store: wait for it to end, or give this "
                "one another --state"
            ) from None
        previous = _read(handle)
        if previous is not None:
            log.warning("taking over the state store lock of %s, which is no longer running",
                        previous.describe())
        me = Holder(os.getpid(), socket.gethostname(), command, spec, self._clock().isoformat())
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": me.pid, "host": me.host, "command": me.command,
                                 "spec": me.spec, "since": me.since}))
        handle.flush()
        self._file = handle
        return previous

    def _release(self) -> None:
        handle, self._file = self._file, None
        if handle is None:
            return
        handle.seek(0)
        handle.truncate()  # nobody holds it: a stale name would read as a dead holder
        handle.flush()
        handle.close()  # closing drops the flock


def _read(handle: IO[str]) -> Holder | None:
    handle.seek(0)
    text = handle.read()
    if not text.strip():
        return None
    try:
        data = json.loads(text)
        return Holder(int(data["pid"]), str(data["host"]), str(data["command"]),
                      None if data.get("spec") is None else str(data["spec"]), str(data["since"]))
    except (ValueError, KeyError, TypeError):
        return None

