"""Validation of writes: the core row validator plus what only Salesforce checks.

:func:`crossmap.schema.row_validator` owns the generic rules (unknown fields,
writability, types, lengths, restricted picklists, required fields). This module adds
the rules that need the org: Id shapes, value conversion to the stored wire form,
Event durations, Case closing, and the per-object precomputation the bulk path needs.
References and uniqueness need the database and are checked batch-wise in
:mod:`crossmap_salesforce.emulator.records`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from crossmap.schema import row_validator
from crossmap.schema.values import (
    format_datetime,
    format_time,
    parse_boolean,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
    parse_time,
)
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.orgdef import ObjectDef
from crossmap_salesforce.emulator.orgdef import audit_fields as unlocked_audit_fields
from crossmap_salesforce.violations import salesforce_error

Operation = Literal["insert", "update"]

#: Case statuses that close a case (Salesforce keeps these in CaseStatus.IsClosed).
CLOSED_CASE_STATUSES = frozenset({"Closed"})

#: Salesforce caps a non-recurring event at 14 days.
MAX_EVENT_MINUTES = 14 * 24 * 60


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(value)  # noqa: TRY004 - callers turn ValueError into a violation
    if isinstance(value, int | float):
        return value
    d = parse_decimal(str(value))
    return int(d) if d == d.to_integral_value() and "." not in str(value) else float(d)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)  # noqa: TRY004 - callers turn ValueError into a violation
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return parse_integer(str(value))


def _boolean(value: Any) -> bool:
    return value if isinstance(value, bool) else parse_boolean(str(value))


def _date(value: Any) -> str:
    return parse_date(str(value)).isoformat()


def _datetime(value: Any) -> str:
    return format_datetime(parse_datetime(str(value)))


def _time(value: Any) -> str:
    return format_time(parse_time(str(value)))


def _text(value: Any) -> Any:
    return value if isinstance(value, str) else str(value)


#: Salesforce field type → converter from a JSON value or CSV cell to the stored form.
WIRE: Mapping[str, Callable[[Any], Any]] = {
    "boolean": _boolean,
    "int": _integer,
    "double": _number,
    "currency": _number,
    "percent": _number,
    "date": _date,
    "datetime": _datetime,
    "time": _time,
}


def wire_value(ftype: str, value: Any) -> Any:
    """``value`` (JSON or text) in the form the org stores and returns."""
    if value is None:
        return None
    return WIRE.get(ftype, _text)(value)


class RowChecker:
    """Validation and conversion for rows of one object, built once per object."""

    def __init__(self, od: ObjectDef, *, audit_fields: bool) -> None:
        self.od = od
        self._audit = unlocked_audit_fields(od.name) if audit_fields else frozenset()
        self._types = {name: f["type"] for name, f in od.fields.items()}
        self._base64 = frozenset(n for n, t in self._types.items() if t == "base64")

    def canonical(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """``row`` with field names in their canonical spelling (Salesforce names are
        case-insensitive), ``attributes`` dropped; unknown names are kept for the
        validator to report."""
        out: dict[str, Any] = {}
        field_name = self.od.field_name
        for key, value in row.items():
            if key == "attributes":
                continue
            out[field_name(key) or key] = value
        return out

    def validate(self, row: Mapping[str, Any], operation: Operation, text: bool) -> list[OrgError]:
        """The generic violations of ``row`` (canonical names), as API errors in
        Salesforce's words (``crossmap_salesforce.violations``)."""
        validator = row_validator(
            self.od.schema, operation=operation, text_values=text,
            allow_audit_fields=self._audit if operation == "insert" else frozenset(),
        )
        return [OrgError(400, *salesforce_error(v), v.fields) for v in validator(row)]

    def to_wire(self, row: Mapping[str, Any], text: bool) -> dict[str, Any]:
        """Convert a validated row to stored values. With ``text``, an empty cell is
        "not given" (dropped) and ``#N/A`` is null; in JSON an empty string is null."""
        out: dict[str, Any] = {}
        types = self._types
        for name, value in row.items():
            if value.__class__ is str:
                if not value:
                    if text:
                        continue
                    value = None
                elif text and value == "#N/A":
                    value = None
            if name in self._base64:
                out[name] = value
                continue
            ftype = types.get(name, "string")
            try:
                out[name] = wire_value(ftype, value)
            except (ValueError, ArithmeticError):
                raise OrgError(
                    400, "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{name}: value not of required type: {value}", (name,),
                ) from None
        return out


def check_event(record: dict[str, Any], changed: Mapping[str, Any]) -> list[OrgError]:
    """Salesforce's Event rules, applied to the merged record; fills the derived
    fields (ActivityDateTime/StartDateTime, EndDateTime, DurationInMinutes,
    ActivityDate) the way Salesforce does. ``changed`` holds the values the write
    gave: on update, a new start moves the end by the kept duration, and a new end
    or duration replaces the other."""
    for one, other in (("StartDateTime", "ActivityDateTime"), ("ActivityDateTime", "StartDateTime")):
        if one in changed and other not in changed:
            record[other] = record.get(one)
    if "EndDateTime" in changed and "DurationInMinutes" not in changed:
        record["DurationInMinutes"] = None
    elif "EndDateTime" not in changed:
        record["EndDateTime"] = None
    if record.get("IsAllDayEvent"):
        day = record.get("ActivityDate") or (record.get("StartDateTime") or "")[:10] or None
        if day is None:
            return [OrgError(400, "REQUIRED_FIELD_MISSING",
                             "Required fields are missing: [ActivityDate]", ("ActivityDate",))]
        record["ActivityDate"] = day
        start = datetime.fromisoformat(day + "T00:00:00+00:00")
        day_minutes = int(record.get("DurationInMinutes") or 1440)
        record["DurationInMinutes"] = day_minutes
        record["StartDateTime"] = record["ActivityDateTime"] = format_datetime(start)
        record["EndDateTime"] = format_datetime(start + timedelta(minutes=day_minutes))
        return []
    start_text = record.get("StartDateTime")
    activity_text = record.get("ActivityDateTime")
    if start_text and activity_text and start_text != activity_text:
        return [OrgError(400, "FIELD_INTEGRITY_EXCEPTION",
                         "Activity Date/Time and Start Date/Time must be the same",
                         ("ActivityDateTime", "StartDateTime"))]
    start_text = start_text or activity_text
    if not start_text:
        return [OrgError(400, "REQUIRED_FIELD_MISSING",
                         "Required fields are missing: [ActivityDateTime]", ("ActivityDateTime",))]
    start = parse_datetime(start_text)
    given = record.get("DurationInMinutes")
    minutes: int | None = None if given is None else int(given)
    end_text = record.get("EndDateTime")
    if minutes is None and not end_text:
        return [OrgError(400, "REQUIRED_FIELD_MISSING",
                         "Required fields are missing: [DurationInMinutes]", ("DurationInMinutes",))]
    if end_text:
        end = parse_datetime(end_text)
        span = int((end - start).total_seconds() // 60)
        if minutes is not None and minutes != span:
            return [OrgError(400, "FIELD_INTEGRITY_EXCEPTION",
                             "Duration in minutes does not match End Date/Time",
                             ("DurationInMinutes", "EndDateTime"))]
        minutes = span
    assert minutes is not None
    if minutes < 0:
        return [OrgError(400, "FIELD_INTEGRITY_EXCEPTION",
                         "End Date/Time: cannot be before Start Date/Time", ("EndDateTime",))]
    if minutes > MAX_EVENT_MINUTES:
        return [OrgError(400, "FIELD_INTEGRITY_EXCEPTION",
                         "Event duration cannot exceed 14 days", ("DurationInMinutes",))]
    record["StartDateTime"] = record["ActivityDateTime"] = format_datetime(start)
    record["DurationInMinutes"] = minutes
    record["EndDateTime"] = format_datetime(start + timedelta(minutes=minutes))
    record["ActivityDate"] = start.date().isoformat()
    return []


def apply_case_status(record: dict[str, Any], before: Mapping[str, Any] | None, now: str) -> None:
    """Set IsClosed/ClosedDate as Salesforce does when Status changes. A ClosedDate
    the insert gave (allowed with "Set Audit Fields upon Record Creation") is kept."""
    closed = record.get("Status") in CLOSED_CASE_STATUSES
    was_closed = bool(before and before.get("IsClosed"))
    record["IsClosed"] = closed
    if closed and not was_closed:
        record["ClosedDate"] = (record.get("ClosedDate") if before is None else None) or now
    elif not closed:
        record["ClosedDate"] = None
