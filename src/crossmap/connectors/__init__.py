"""Connector plugins: the ``Source`` and ``Destination`` protocols and the registry."""

from crossmap.connectors.protocols import (
    Blob,
    Destination,
    InvalidRecord,
    InvalidValue,
    LoadResult,
    LoadStream,
    Operation,
    Page,
    Source,
    StreamingDestination,
    Tombstone,
    UndeletingDestination,
)
from crossmap.connectors.registry import (
    ConnectorError,
    available,
    open_connector,
    plugin,
    static_schema,
)

__all__ = [
    "Blob",
    "ConnectorError",
    "Destination",
    "InvalidRecord",
    "InvalidValue",
    "LoadResult",
    "LoadStream",
    "Operation",
    "Page",
    "Source",
    "StreamingDestination",
    "Tombstone",
    "UndeletingDestination",
    "available",
    "open_connector",
    "plugin",
    "static_schema",
]
