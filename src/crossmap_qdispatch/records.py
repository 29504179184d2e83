"""Wire records → typed crossmap records, following the schema's field types.

Legacy blanks (``0000-00-00``, ``0000-00-00 00:00:00``) become ``None``; ``"1"``/``"0"``
booleans become ``bool``; decimal strings become ``decimal.Decimal``; cents gain a
decimal twin. A value that does not parse raises ``RecordError`` naming the object,
the record and the field: data is never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal as D
from decimal import InvalidOperation
from typing import Any

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


def _datetime(value: Any) -> datetime | None:
    if value is None or value in _BLANK:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    if value is None or value in _BLANK:
        return None
    return date.fromisoformat(str(value))


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
    raise ValueError(f"not a boolean: {value!r}")


def _decimal(value: Any) -> D | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise TypeError("floats lose precision; expected a decimal string")
    try:
        return D(str(value))
    except InvalidOperation:
        raise ValueError(f"not a decimal: {value!r}") from None


def _integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("a boolean is not an integer")
    return int(value)


def _multi(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(v for v in value.split(";") if v)
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
        """The typed record for one wire record."""
        out: Record = {}
        for name, value in wire.items():
            if name in self._addresses:
                for part in ADDRESS_PARTS:
                    out[f"{name}_{part}"] = (value or {}).get(part)
                continue
            if name in self._nested:
                out[name] = self._parse_list(wire, name, value)
                continue
            parse = self._parsers.get(name)
            parsed = out[name] = value if parse is None else self._parse(wire, name, value, parse)
            if name.endswith("_cents"):
                out[name[: -len("_cents")]] = None if parsed is None else D(parsed).scaleb(-2)
        if self.object == "jobs":
            self._job_extras(wire, out)
        if self.object == "technicians":
            out["certified_skills"] = tuple(
                s["name"] for s in wire.get("skills") or () if s.get("certified"))
        return out

    def _parse(self, wire: Mapping[str, Any], name: str, value: Any,
               parse: Callable[[Any], Any] | None) -> Any:
        if parse is None:
            return value
        try:
            return parse(value)
        except (ValueError, TypeError) as exc:
            raise RecordError(
                f"{self.object} {wire.get('id', '?')}: field {name!r} holds {value!r}, which "
                f"does not parse ({exc}); fix the record in Q Dispatch or map the field as text"
            ) from None

    def _parse_list(self, wire: Mapping[str, Any], name: str, value: Any) -> Any:
        if value is None:
            return None
        parsers = self._nested[name]
        return [
            {k: self._parse(wire, f"{name}.{k}", v, parsers.get(k)) for k, v in element.items()}
            for element in value
        ]

    def _job_extras(self, wire: Mapping[str, Any], out: Record) -> None:
        entered: dict[str, Any] = {}
        for change in wire.get("status_history") or ():
            entered[change["status"]] = change["changed_at"]  # the latest entry wins
        for status_name in self._status_fields:
            out[status_name] = None
        for status, moment in entered.items():
            out[status_field(status)] = _datetime(moment)
        for key in self._custom:
            out[CUSTOM_PREFIX + key] = None
        for prop in wire.get("custom_properties") or ():
            key = prop["key"]
            if key in self._custom:
                out[CUSTOM_PREFIX + key] = self._parse(wire, CUSTOM_PREFIX + key, prop["value"],
                                                       self._custom[key])
            else:
                # A property whose definition was deleted: keep it, untyped.
                out[CUSTOM_PREFIX + key] = prop["value"]
