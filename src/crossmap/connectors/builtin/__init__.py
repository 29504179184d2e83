"""The built-in connectors: ``jsonl`` (source and destination), ``csv`` (source) and
``memory`` (source and destination, for tests; constructed in Python).

They are registered through crossmap's own entry points, exactly as a third-party
plugin would register its connectors.
"""

from crossmap.connectors.builtin.coding import SourceDataError
from crossmap.connectors.builtin.csv import CsvSource
from crossmap.connectors.builtin.jsonl import JsonlDestination, JsonlSource
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.connectors.builtin.options import ConnectorOptionError

__all__ = [
    "ConnectorOptionError",
    "CsvSource",
    "JsonlDestination",
    "JsonlSource",
    "MemoryDestination",
    "MemorySource",
    "SourceDataError",
]
