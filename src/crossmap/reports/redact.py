"""Redacted reports, to share with people who must not see the data.

``--redact`` masks every value a report shows: a source value, a computed value, a
stored value, the values a preflight saw failing, and the messages of errors (a
destination's message quotes the value it refused, in words no pattern can tell
apart from the value). What stays is what a reviewer needs to act: the object, the
field, the record's key, the error code, and each value's type and length, as in
``<redacted str, 14 chars>``.

Without ``--redact``, failing values are still abbreviated to about ``WIDTH``
characters (``abbreviate``, ``shorten_values``): a 300-character value does not
belong in an error group, its start is enough to recognise it.

The helpers work on any report: ``mask`` a value, ``redact_message`` a free-text
message, ``redact_record_diff`` a record's field-by-field comparison (the sample's
``RecordDiff``, or any attrs record with such cells), and ``mark_redacted`` to say so
on the report itself. ``crossmap.sample.redact`` and ``crossmap.preflight.redact``
apply them to those reports.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from attrs import evolve

if TYPE_CHECKING:
    from crossmap.reports.audit import AuditReport

WIDTH = 60
"""About how many characters of a failing value an unredacted error group shows."""
MESSAGE_WIDTH = 4 * WIDTH
"""The longest an error message gets in a report, once its values are abbreviated."""

REDACTED_BANNER = ("values redacted: objects, fields, keys, error codes and each value's type "
                   "and length are shown, values and error messages are not")

_VALUE = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|\S+")
"""A quoted value (as ``repr`` writes one), or a run of text without spaces."""

T = TypeVar("T")


class ComparedCell(Protocol):
    """One field of a field-by-field comparison (the sample's ``Cell``)."""

    @property
    def source(self) -> tuple[tuple[str, object], ...]: ...
    @property
    def computed(self) -> object: ...
    @property
    def stored(self) -> object: ...


class ComparedRecord(Protocol):
    """A record's field-by-field comparison (the sample's ``RecordDiff``): attrs
    instances whose ``cells`` have ``source``, ``computed`` and ``stored``."""

    @property
    def cells(self) -> Sequence[ComparedCell]: ...


R = TypeVar("R", bound=ComparedRecord)


def abbreviate(text: str, width: int = WIDTH) -> str:
    """``text`` cut to about ``width`` characters, saying how long it was."""
    if len(text) <= width:
        return text
    return f"{text[: width - 1]}… ({len(text)} chars)"


def shorten_values(message: str | None, width: int = WIDTH) -> str | None:
    """An error message with each value in it abbreviated: quoted values and runs of
    text without spaces longer than ``width``; the message itself cut at
    ``MESSAGE_WIDTH``. ``None`` stays ``None``."""
    if message is None:
        return None

    def value(found: re.Match[str]) -> str:
        text = found.group(0)
        if text[0] in "'\"" and len(text) > 1 and text[-1] == text[0]:
            inner = text[1:-1]
            return text if len(inner) <= width else f"{text[0]}{inner[: width - 1]}…{text[0]} ({len(inner)} chars)"
        return abbreviate(text, width)

    return abbreviate(_VALUE.sub(value, message), MESSAGE_WIDTH)


def describe(value: object) -> str:
    """What a value is without what it says: its type and length."""
    if isinstance(value, bool):
        return "<redacted bool>"
    if isinstance(value, int | float | Decimal):
        digits = sum(c.isdigit() for c in str(value))
        kind = "int" if isinstance(value, int) else "number"
        return f"<redacted {kind}, {digits} digit{'' if digits == 1 else 's'}>"
    if isinstance(value, dt.datetime):
        return "<redacted datetime>"
    if isinstance(value, dt.date):
        return "<redacted date>"
    if isinstance(value, dt.time):
        return "<redacted time>"
    if isinstance(value, bytes):
        return f"<redacted bytes, {len(value)} bytes>"
    if isinstance(value, list | tuple | set | frozenset):
        return f"<redacted list, {len(value)} item{'' if len(value) == 1 else 's'}>"
    if isinstance(value, Mapping):
        return f"<redacted record, {len(value)} field{'' if len(value) == 1 else 's'}>"
    text = str(value)
    return f"<redacted {type(value).__name__ if not isinstance(value, str) else 'str'}, {len(text)} chars>"


def mask(value: T) -> T | str:
    """``value`` masked (see ``describe``); ``None`` stays ``None``: that a value is
    missing is its type, not its content."""
    return value if value is None else describe(value)


def redact_message(message: str | None) -> str | None:
    """A free-text message (an error's reason, a destination's message) masked whole."""
    return None if message is None else f"<redacted message, {len(message)} chars>"


def redact_record_diff(record: R) -> R:
    """A record's field-by-field comparison with its source, computed and stored
    values masked; step, object, key, destination id, field names, the verdict and
    its note (which says what happened, not what the value is) stay."""
    cells = tuple(
        _replace(cell, source=tuple((label, mask(value)) for label, value in cell.source),
                 computed=mask(cell.computed), stored=mask(cell.stored))
        for cell in record.cells
    )
    return _replace(record, cells=cells)


def _replace(instance: T, **changes: object) -> T:
    """``attrs.evolve`` of an instance typed by a protocol (mypy's attrs plugin only
    takes attrs classes)."""
    replaced: T = evolve(cast(Any, instance), **changes)
    return replaced


def redact_audit(report: AuditReport) -> AuditReport:
    """The audit report with each error group's reason masked (counts, codes,
    fields, sample keys and hints stay)."""
    return evolve(report, errors=tuple(evolve(error, reason=redact_message(error.reason))
                                       for error in report.errors))


def mark_redacted_json(text: str) -> str:
    """A report's JSON with ``"redacted": true`` first, so tools know."""
    data: dict[str, Any] = json.loads(text)
    return json.dumps({"redacted": True, **data}, indent=2, ensure_ascii=False)


def mark_redacted_html(page: str) -> str:
    """A report's HTML page with the redaction said at the top of its body."""
    banner = f'<p style="background:#fff3cd;padding:6px 10px"><strong>{REDACTED_BANNER}</strong></p>'
    head, body, rest = page.partition("<body>")
    return head + body + banner + rest if body else banner + page


def mark_redacted(text: str, json_text: str, page: str) -> tuple[str, str, str]:
    """A redacted report's terminal text, JSON and HTML, each saying it is redacted."""
    return f"({REDACTED_BANNER})\n{text}", mark_redacted_json(json_text), mark_redacted_html(page)
