"""Opening a load stream on any destination: its own when it has one
(:class:`~crossmap.connectors.protocols.StreamingDestination`), else rows spooled to
disk and handed to ``Destination.load`` a batch at a time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from crossmap.connectors.protocols import (
    Destination,
    LoadResult,
    LoadStream,
    Operation,
    StreamingDestination,
)
from crossmap.connectors.spool import RowSpool

FILES_PER_BATCH = 100
"""Rows per ``load`` call when they carry file bytes (whatever the batch size)."""


def open_load(destination: Destination, object: str, operation: Operation, *,
              external_id: str | None = None, batch_size: int) -> LoadStream:
    """A load stream into ``destination``; ``batch_size`` is the rows per ``load``
    call when the destination has no stream of its own."""
    if isinstance(destination, StreamingDestination):
        return destination.open_load(object, operation, external_id=external_id)
    return BatchedStream(destination, object, operation, external_id, batch_size)


class BatchedStream:
    """A load stream over ``Destination.load``, one call per ``batch_size`` rows."""

    def __init__(self, destination: Destination, object: str, operation: Operation,
                 external_id: str | None, batch_size: int) -> None:
        self.destination = destination
        self.object = object
        self.operation = operation
        self.external_id = external_id
        self.batch_size = batch_size
        self._rows = RowSpool()

    def add(self, ref: str, row: Mapping[str, Any]) -> None:
        self._rows.append((ref, row))

    def send(self) -> Iterator[Sequence[LoadResult]]:
        size = min(self.batch_size, FILES_PER_BATCH) if self._rows.files else self.batch_size
        for batch in self._rows.batches(size):
            yield self.destination.load(self.object, self.operation, batch, external_id=self.external_id)

    def close(self) -> None:
        self._rows.close()
