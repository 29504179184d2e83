"""The ``csv`` source: a folder with one ``<object>.csv`` file per object.

Each file has a header row. With a schema file, cells are parsed into the field's
type (``crossmap.schema.parse_value``); without one every value is a string. An
empty cell is null either way. Files are read with the standard library's ``csv``
module, row by row.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crossmap.connectors.builtin.coding import SourceDataError
from crossmap.connectors.builtin.folder import FolderSource, RawRecords
from crossmap.connectors.builtin.options import ConnectorOptionError, str_option

# Excel writes a byte-order mark; utf-8-sig reads files with and without one.
DEFAULT_ENCODING = "utf-8-sig"


class CsvSource(FolderSource):
    """A ``Source`` reading ``<object>.csv`` files. Options: those of every folder
    source (``path``, ``schema``, ``key``, ``key_<object>``, ``watermark_field``,
    ``page_size``) plus ``delimiter`` (one character, default ``,``) and
    ``encoding`` (default ``utf-8-sig``). Tombstones come from
    ``<object>.deleted.csv`` (columns ``key``, ``deleted_at``, ``merged_into``)."""

    connector = "csv"
    suffix = ".csv"
    text_values = True

    def __init__(self, path: str | Path, *, delimiter: str = ",", encoding: str = DEFAULT_ENCODING,
                 **options: Any) -> None:
        if len(delimiter) != 1:
            raise ConnectorOptionError(f"the csv delimiter must be one character, not {delimiter!r}")
        self.delimiter = delimiter
        self.encoding = encoding
        super().__init__(path, **options)

    @classmethod
    def _option_kwargs(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **super()._option_kwargs(options),
            "delimiter": str_option(options, "delimiter", ","),
            "encoding": str_option(options, "encoding", DEFAULT_ENCODING),
        }

    def _read(self, path: Path) -> RawRecords:
        try:
            with path.open("r", encoding=self.encoding, newline="") as handle:
                reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
                header = next(reader, None)
                if header is None:
                    return
                if len(set(header)) != len(header) or any(not name for name in header):
                    raise SourceDataError(f"{path}:1: the header needs distinct, non-empty column names")
                width = len(header)
                start = reader.line_num + 1
                for cells in reader:
                    if not cells:
                        start = reader.line_num + 1
                        continue  # a blank line
                    if len(cells) > width:
                        raise SourceDataError(f"{path}:{start}: {len(cells)} cells, but the header has {width}")
                    # Short rows (trailing cells left off) are empty cells: null.
                    yield start, dict(zip(header, cells + [""] * (width - len(cells)), strict=True))
                    start = reader.line_num + 1
        except csv.Error as error:
            raise SourceDataError(f"{path}: not valid CSV: {error}") from None
        except UnicodeDecodeError as error:
            raise SourceDataError(f"{path}: not {self.encoding} text ({error.reason})") from None
