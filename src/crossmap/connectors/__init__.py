"""Connector plugins: the ``Source`` and ``Destination`` protocols."""

from crossmap.connectors.protocols import (
    Blob,
    Destination,
    LoadResult,
    Operation,
    Page,
    Source,
    Tombstone,
)

__all__ = ["Blob", "Destination", "LoadResult", "Operation", "Page", "Source", "Tombstone"]
