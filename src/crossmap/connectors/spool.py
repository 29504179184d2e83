"""A spool: items written to a temporary file as they come and read back in order,
so a step of a million rows holds one chunk of them in memory, not all of them.

The engine spools what it needs to record once a destination answers; a connector
spools the rows it will send as one unit of work (Salesforce: one Bulk API 2.0 job).
The file is unlinked on creation (``tempfile.TemporaryFile``): nothing is left behind,
not even after a crash.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from typing import Any, Generic, Self, TypeVar

from crossmap.errors import CrossmapError

T = TypeVar("T")

CHUNK = 1000
"""Items pickled together: large enough that pickling is cheap per item."""


class SpoolError(CrossmapError):
    """The temporary files a run spools its rows to cannot be written."""


@contextmanager
def on_disk() -> Iterator[None]:
    """Turn a failure to write a temporary file (disk full, no such folder, no
    permission) into a :class:`SpoolError` that says where and what to do."""
    try:
        yield
    except OSError as error:
        raise SpoolError(
            f"cannot write crossmap's temporary files in {tempfile.gettempdir()}: "
            f"{error.strerror or error}. Free space there, or point TMPDIR at a disk with room; "
            "an interrupted run goes on with `crossmap run --resume RUN`"
        ) from None


class Spool(Generic[T]):
    """Append items, then read them back (as often as needed) in the order written."""

    def __init__(self, chunk: int = CHUNK) -> None:
        with on_disk():
            self._file = tempfile.TemporaryFile(prefix="crossmap-spool-")  # noqa: SIM115 - closed by close()
        self._chunk = chunk
        self._buffer: list[T] = []
        self._count = 0

    def append(self, item: T) -> None:
        self._buffer.append(item)
        self._count += 1
        if len(self._buffer) >= self._chunk:
            self._dump()

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        for chunk in self.chunks():
            yield from chunk

    def chunks(self) -> Iterator[list[T]]:
        """The items, in lists of the spool's chunk size (the last may be shorter)."""
        self._dump()
        self._file.seek(0)
        while True:
            try:
                chunk: list[T] = pickle.load(self._file)
            except EOFError:
                return
            position = self._file.tell()
            yield chunk
            self._file.seek(position)  # the caller may have read the spool meanwhile

    def batches(self, size: int) -> Iterator[list[T]]:
        """The items in lists of ``size``."""
        items = iter(self)
        while batch := list(islice(items, size)):
            yield batch

    def flush(self) -> None:
        """Write the items waiting in memory now."""
        self._dump()

    def close(self) -> None:
        self._file.close()
        self._buffer = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _dump(self) -> None:
        if self._buffer:
            with on_disk():
                self._file.seek(0, 2)
                pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []


class RowSpool(Spool[tuple[str, Mapping[str, Any]]]):
    """A spool of ``(ref, row)`` pairs. A row carrying file bytes is written at once,
    so files never wait in memory together; :attr:`files` says there were some."""

    files = False

    def append(self, item: tuple[str, Mapping[str, Any]]) -> None:
        super().append(item)
        if carries_bytes(item[1]):
            self.files = True
            self.flush()


_BYTES = frozenset({bytes, bytearray})


def carries_bytes(row: Mapping[str, Any]) -> bool:
    """Does the row carry file content (a ``bytes`` or ``bytearray`` value)?"""
    return not _BYTES.isdisjoint(map(type, row.values()))
