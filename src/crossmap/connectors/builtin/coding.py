"""Typed values in and out of text files: decoding records against a schema,
encoding them as JSON, and streaming base64 content.

JSON carries dates, datetimes and (often) decimals as strings, CSV carries
everything as text; with a schema the folder connectors turn such text into the
field's Python type through ``crossmap.schema.parse_value``, the one parser every
reader shares.
"""

from __future__ import annotations

import base64
import binascii
import decimal
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from crossmap.connectors.protocols import InvalidRecord, InvalidValue
from crossmap.connectors.registry import ConnectorError
from crossmap.schema import (
    Boolean,
    Date,
    DateTime,
    Decimal,
    Enum,
    FieldType,
    Integer,
    ObjectSchema,
    Time,
    format_value,
    parse_datetime,
    parse_value,
)

BLOB_CHUNK = 64 * 1024
"""Bytes per chunk when streaming a blob."""


class SourceDataError(ConnectorError):
    """A source file holds something that is not what its schema says."""


# The types whose text form is parsed; strings, enums, references and blobs stay text.
_PARSED: tuple[type, ...] = (Integer, Decimal, Boolean, Date, DateTime, Time)

Decoder = Callable[[object], object]


def _json_decoder(field_type: FieldType) -> Decoder | None:
    """Parses the text of a typed field; a JSON value of the wrong kind (a number
    where a date belongs) raises ``TypeError``, text that does not parse ``ValueError``."""
    if isinstance(field_type, Decimal):

        def to_decimal(value: object) -> object:
            if isinstance(value, str):
                return parse_value(field_type, value)
            if isinstance(value, bool) or not isinstance(value, int | decimal.Decimal):
                raise TypeError(f"not a number: a JSON {_json_kind(value)}")
            return decimal.Decimal(value) if isinstance(value, int) else value

        return to_decimal
    if isinstance(field_type, Integer):

        def to_integer(value: object) -> object:
            if isinstance(value, str):
                return parse_value(field_type, value)
            if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
                return int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"not an integer: a JSON {_json_kind(value)}")
            return value

        return to_integer
    if isinstance(field_type, Boolean):

        def to_boolean(value: object) -> object:
            if isinstance(value, str):
                return parse_value(field_type, value)
            if not isinstance(value, bool):
                raise TypeError(f"not a boolean: a JSON {_json_kind(value)}")
            return value

        return to_boolean
    if isinstance(field_type, _PARSED) or (isinstance(field_type, Enum) and field_type.multi):
        noun = type(field_type).__name__.lower()

        def parse_text(value: object) -> object:
            if isinstance(value, str):
                return parse_value(field_type, value)
            if isinstance(field_type, Enum) and isinstance(value, list):
                return value
            raise TypeError(f"not a {noun}: a JSON {_json_kind(value)}")

        return parse_text
    return None


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | decimal.Decimal):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def _text_decoder(field_type: FieldType) -> Decoder | None:
    if isinstance(field_type, _PARSED) or (isinstance(field_type, Enum) and field_type.multi):
        return lambda value: parse_value(field_type, value)  # type: ignore[arg-type]
    return None


def _reason(error: Exception, raw: object) -> str:
    """The parser's message without the raw value it repeats (the problem shows it)."""
    text = str(error)
    suffix = f": {raw!r}"
    return text.removesuffix(suffix)


class RecordDecoder:
    """Turns the raw records of one object into typed ones.

    ``text=False``: JSON values; strings of typed fields are parsed. ``text=True``:
    CSV cells; an empty cell is null and every typed field is parsed. Fields the
    schema does not know pass through unchanged. A value that cannot be read as its
    field's type stays as it was, and the record comes back as an
    ``InvalidRecord`` naming it: the engine fails that record, not the run.
    """

    def __init__(self, obj: ObjectSchema | None, *, text: bool) -> None:
        self.text = text
        choose = _text_decoder if text else _json_decoder
        self._decoders: dict[str, Decoder] = {}
        if obj is not None:
            for f in obj:
                decoder = choose(f.type)
                if decoder is not None:
                    self._decoders[f.name] = decoder

    def __call__(self, record: dict[str, Any], where: str) -> dict[str, Any]:
        """``record`` with its values typed (an ``InvalidRecord`` when some value
        cannot be); ``where`` (``file:line``) goes into each problem's reason."""
        if self.text:
            for name, value in record.items():
                if value == "":
                    record[name] = None
        problems: list[InvalidValue] = []
        for name, decode in self._decoders.items():
            value = record.get(name)
            if value is None:
                continue
            try:
                record[name] = decode(value)
            except (ValueError, TypeError, decimal.InvalidOperation) as error:
                problems.append(InvalidValue(name, value, f"{_reason(error, value)} ({where})"))
        return InvalidRecord(record, problems) if problems else record


def json_default(value: object) -> object:
    """``json.dumps``'s ``default``: decimals, dates, datetimes, times and bytes as
    their text form (``crossmap.schema.format_value``), tuples and sets as lists."""
    if isinstance(value, decimal.Decimal | date | datetime | time | bytes | bytearray):
        return format_value(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"a value of type {type(value).__name__} cannot be written as JSON")


def stream_base64(text: str, *, chunk: int = BLOB_CHUNK, where: str = "") -> Iterator[bytes]:
    """The bytes ``text`` encodes, ``chunk`` bytes at a time: the decoded content is
    never held whole."""
    # 4 characters of base64 make 3 bytes, so slices of 4k characters decode alone.
    step = max(4, (chunk // 3) * 4)
    compact = "".join(text.split()) if any(c.isspace() for c in text[:256]) else text
    for start in range(0, len(compact), step):
        try:
            yield base64.b64decode(compact[start:start + step], validate=True)
        except (binascii.Error, ValueError):
            raise SourceDataError(f"{where}: not valid base64 content") from None


def blob_of(value: object, where: str) -> Iterator[bytes]:
    """A blob field's value as a stream: bytes as they are, text as base64."""
    if isinstance(value, bytes | bytearray):
        data = bytes(value)
        return (data[i:i + BLOB_CHUNK] for i in range(0, len(data), BLOB_CHUNK))
    if isinstance(value, str):
        return stream_base64(value, where=where)
    raise SourceDataError(f"{where}: holds no binary content (base64 text expected)")


def key_text(value: object) -> str:
    """A record key as text (keys compare as text whatever their type)."""
    return value if isinstance(value, str) else format_value(value)


def watermark_of(value: object) -> datetime | None:
    """A watermark field's value as an aware datetime (``None`` when unknown)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and value:
        # A bare date counts as its midnight, UTC.
        for text in (value, value + "T00:00:00Z"):
            try:
                return parse_datetime(text)
            except ValueError:
                continue
    return None


def aware(moment: datetime) -> datetime:
    """``moment`` with UTC assumed when it has no offset."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def paged(
    records: Iterable[dict[str, Any]], since: datetime | None, watermark_field: str, page_size: int
) -> Iterator[list[dict[str, Any]]]:
    """``records`` in pages of ``page_size``; with ``since``, only those whose
    watermark is at or after it (or that have none)."""
    page: list[dict[str, Any]] = []
    for record in records:
        if since is not None:
            stamp = watermark_of(record.get(watermark_field))
            if stamp is not None and stamp < since:
                continue
        page.append(record)
        if len(page) >= page_size:
            yield page
            page = []
    if page:
        yield page

