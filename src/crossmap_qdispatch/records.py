"""Wire records → typed crossmap records, following the schema's field types.

Legacy blanks (``0000-00-00``, ``0000-00-00 00:00:00``) become ``None``; ``"1"``/``"0"``
booleans become ``bool``; decimal strings become ``decimal.Decimal``; cents gain a
decimal twin. A value that does not parse stays as it came and the record comes back
as an ``InvalidRecord`` naming the field, the value and why: the engine fails that
record (never the run), so data is never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal as D
from decimal import InvalidOperation
from typing import Any

from crossmap.connectors.protocols import InvalidRecord, InvalidValue
from crossmap.errors import CrossmapError
from crossmap.schema import Boolean, Date, DateTime, Decimal, Enum, FieldType, Integer, ListOf
from crossmap_qdispatch.schema import (
    ADDRESS_PARTS,
    CUSTOM_PREFIX,
    FIELDS,
    NESTED,
    build_schema,
    status_field,
)

Record = dict[str, Any]
_BLANK = frozenset({"", "0000-00-00", "0000-00-00 00:00:00", "0000-00-00T00:00:00Z"})


class RecordError(CrossmapError):
    """A Q Dispatch value does not parse as its field's type."""


class _Unparsed(ValueError):
    """A value's parser failed; ``str()`` is the reason a user reads."""


def _datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Unparsed("not a datetime: expected ISO 8601 text")
    if value in _BLANK:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _Unparsed("not a datetime (ISO 8601, or out of range)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Unparsed("not a date: expected YYYY-MM-DD text")
    if value in _BLANK:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Unparsed("not a date (YYYY-MM-DD, or out of range)") from None


def _boolean(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    folded = str(value).strip().lower()
    if folded in ("1", "true", "yes"):
        return True
    if folded in ("0", "false", "no"):
        return False
    raise _Unparsed("not a boolean (true/false, 1/0)")


def _decimal(value: Any) -> D | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise _Unparsed("a JSON float loses precision; expected a decimal string")
    try:
        parsed = D(str(value))
    except InvalidOperation:
        raise _Unparsed("not a decimal number") from None
    if not parsed.is_finite():
        raise _Unparsed("not a finite decimal number")
    return parsed


def _integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _Unparsed("a boolean is not an integer")
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        raise _Unparsed("not an integer") from None


def _multi(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(v for v in value.split(";") if v)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise _Unparsed("not a list of picklist values")
    return tuple(value)


_PARSERS: dict[type, Callable[[Any], Any]] = {
    DateTime: _datetime, Date: _date, Boolean: _boolean, Decimal: _decimal, Integer: _integer,
}


def _parser(ftype: FieldType) -> Callable[[Any], Any] | None:
    if isinstance(ftype, Enum) and ftype.multi:
        return _multi
    return _PARSERS.get(type(ftype))


class RecordConverter:
    """Converts the wire records of one object; build once per extract."""

    def __init__(self, object: str, definitions: Sequence[Mapping[str, Any]] = ()) -> None:
        self.object = object
        schema = build_schema(definitions if object == "jobs" else ()).object(object)
        self._parsers = {f.name: _parser(f.type) for f in schema}
        self._status_fields = tuple(n for n in self._parsers if n.startswith("status_") and n.endswith("_at"))
        self._custom = {f.name[len(CUSTOM_PREFIX):]: _parser(f.type)
                        for f in schema if f.custom}
        self._addresses = frozenset(k for k, v in FIELDS[object].items() if v == "address")
        self._nested = {
            f.name: {k: _parser(t) for k, t in NESTED[f.type.object][1].items()}
            for f in schema if isinstance(f.type, ListOf)
        }

    def __call__(self, wire: Mapping[str, Any]) -> Record:
        """The typed record for one wire record (an ``InvalidRecord`` when some value
        does not parse as its field's type)."""
        problems: list[InvalidValue] = []
        out: Record = {}
        for name, value in wire.items():
            if name in self._addresses:
                parts = value if isinstance(value, Mapping) else {}
                if value is not None and not parts:
                    problems.append(InvalidValue(name, value, "not an address (an object expected)"))
                for part in ADDRESS_PARTS:
                    out[f"{name}_{part}"] = parts.get(part)
                continue
            if name in self._nested:
                out[name] = self._parse_list(name, value, problems)
                continue
            parse = self._parsers.get(name)
            parsed = out[name] = value if parse is None else self._parse(name, value, parse, problems)
            if name.endswith("_cents"):
                twin = name[: -len("_cents")]
                ok = isinstance(parsed, int | D) and not isinstance(parsed, bool)
                out[twin] = D(parsed).scaleb(-2) if ok else None
        if self.object == "jobs":
            self._job_extras(wire, out, problems)
        if self.object == "technicians":
            skills = wire.get("skills") or ()
            out["certified_skills"] = tuple(
                s["name"] for s in skills if isinstance(s, Mapping) and s.get("certified"))
        return InvalidRecord(out, problems) if problems else out

    @staticmethod
    def _parse(name: str, value: Any, parse: Callable[[Any], Any] | None,
               problems: list[InvalidValue]) -> Any:
        if parse is None:
            return value
        try:
            return parse(value)
        except _Unparsed as exc:
            problems.append(InvalidValue(name, value, f"{exc}; fix the record in Q Dispatch or map the field as text"))
            return value

    def _parse_list(self, name: str, value: Any, problems: list[InvalidValue]) -> Any:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(e, Mapping) for e in value):
            problems.append(InvalidValue(name, value, "not a list of objects"))
            return value
        parsers = self._nested[name]
        return [
            {k: self._parse(f"{name}.{k}", v, parsers.get(k), problems) for k, v in element.items()}
            for element in value
        ]

    def _job_extras(self, wire: Mapping[str, Any], out: Record, problems: list[InvalidValue]) -> None:
        entered: dict[str, Any] = {}
        for change in wire.get("status_history") or ():
            if isinstance(change, Mapping) and isinstance(change.get("status"), str):
                entered[change["status"]] = change.get("changed_at")  # the latest entry wins
        for status_name in self._status_fields:
            out[status_name] = None
        for status, moment in entered.items():
            out[status_field(status)] = self._parse(status_field(status), moment, _datetime, problems)
        for key in self._custom:
            out[CUSTOM_PREFIX + key] = None
        for prop in wire.get("custom_properties") or ():
            if not isinstance(prop, Mapping) or not isinstance(prop.get("key"), str):
                problems.append(InvalidValue("custom_properties", prop, "not a custom property (key, value)"))
                continue
            key = prop["key"]
            if key in self._custom:
                out[CUSTOM_PREFIX + key] = self._parse(CUSTOM_PREFIX + key, prop.get("value"),
                                                       self._custom[key], problems)
            else:
                # A property whose definition was deleted: keep it, untyped.
                out[CUSTOM_PREFIX + key] = prop["value"]
