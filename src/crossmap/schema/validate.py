"""The row validator: would the destination accept this row?

This is the single implementation of the rules (types, lengths, required fields,
restricted picklists, fields that may not be written). The compiler's tests, the
property-testing kit, the built-in destinations and the local Salesforce org all
call it, so they cannot drift apart.

It knows no destination: a ``Violation`` is a neutral ``ViolationKind`` with the
facts (fields, value, limit) and a neutral message. A destination names each kind
with its own code and wording through its ``ErrorVocabulary``
(:mod:`crossmap.connectors.vocabulary`): the local Salesforce org answers with
Salesforce's code and message for each kind (``crossmap_salesforce.violations``);
a destination without a vocabulary (the built-in ones) reports the kind's name
(``TOO_LONG``) as the code and the neutral message.

It runs in hot loops, so the per-object work (name look-ups, one checking closure per
field) is done once in ``RowValidator`` and cached on the ``ObjectSchema``; a row then
costs a dict look-up and one call per value.

Null: ``None`` and ``""`` are null, as in Salesforce (an empty string is stored as
null). With ``text_values`` (CSV cells, Bulk API 2.0) ``#N/A`` is an explicit null too,
and an empty cell means "not given" for the writability check, and on update
"leave unchanged".
"""

from __future__ import annotations

import decimal as _decimal
import enum
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from typing import Final, Literal

from attrs import field, frozen

from crossmap.schema.model import FieldSchema, ObjectSchema
from crossmap.schema.types import (
    Blob,
    Boolean,
    Date,
    DateTime,
    Enum,
    FieldType,
    Id,
    Integer,
    ListOf,
    Numeric,
    Reference,
    String,
    Text,
    Time,
    Untyped,
)
from crossmap.schema.values import (
    parse_blob,
    parse_boolean,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
    parse_time,
)

WriteOperation = Literal["insert", "update", "upsert"]
OPERATIONS: Final = frozenset({"insert", "update", "upsert"})



class ViolationKind(enum.Enum):
    """Why a destination would reject a row, in no destination's words. A kind's
    ``name`` is the neutral error code (``TOO_LONG``) a destination without its own
    codes reports."""

    UNKNOWN_FIELD = "unknown_field"
    """The row names a field the object does not have (``fields``: that key)."""
    ID_ON_INSERT = "id_on_insert"
    """An insert gives the record's own id, which the destination assigns."""
    NOT_WRITABLE = "not_writable"
    """The operation may not write these ``fields`` (system, formula, read-only)."""
    WRONG_TYPE = "wrong_type"
    """``value`` is not of the field's type."""
    TOO_LONG = "too_long"
    """``value`` is longer than ``limit`` characters."""
    INVALID_EMAIL = "invalid_email"
    """``value`` is not an email address."""
    OUT_OF_RANGE = "out_of_range"
    """``value`` has more whole digits than the field's ``limit``."""
    NOT_IN_PICKLIST = "not_in_picklist"
    """``value`` is not one of a restricted picklist's values."""
    MISSING_REQUIRED = "missing_required"
    """Required ``fields`` have no value (or an update would null them)."""


VIOLATION_CODES: Final = frozenset(kind.name for kind in ViolationKind)
"""The neutral error codes: what a destination without its own names reports."""

# The kinds as module globals: an enum member lookup costs three times as much, and
# a row of violations makes several.
_UNKNOWN_FIELD: Final = ViolationKind.UNKNOWN_FIELD
_ID_ON_INSERT: Final = ViolationKind.ID_ON_INSERT
_NOT_WRITABLE: Final = ViolationKind.NOT_WRITABLE
_WRONG_TYPE: Final = ViolationKind.WRONG_TYPE
_TOO_LONG: Final = ViolationKind.TOO_LONG
_INVALID_EMAIL: Final = ViolationKind.INVALID_EMAIL
_OUT_OF_RANGE: Final = ViolationKind.OUT_OF_RANGE
_NOT_IN_PICKLIST: Final = ViolationKind.NOT_IN_PICKLIST
_MISSING_REQUIRED: Final = ViolationKind.MISSING_REQUIRED

# Salesforce's own check is about this permissive: a plausible local part, an @, and a
# dotted domain. Deliverability is not the validator's business.
_EMAIL: Final = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\Z")


def _names(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@frozen
class Violation:
    """One reason a row would be rejected: its kind, a neutral message, and the
    facts a destination words its own message from: the fields involved, the
    offending ``value`` and the field's ``limit`` (a length, or whole digits) where
    the kind has them, and the ``object``."""

    kind: ViolationKind
    message: str
    fields: tuple[str, ...] = field(default=(), converter=_names)
    value: object = None
    limit: int | None = None
    object: str | None = None

    @property
    def code(self) -> str:
        """The neutral error code: the kind's name (``TOO_LONG``)."""
        return self.kind.name


Check = Callable[[object], "Violation | None"]
"""Checks one non-null value of one field; ``None`` when it is acceptable."""


def _wrong_type(name: str, value: object) -> Violation:
    return Violation(
        _WRONG_TYPE, f"{name}: not a value of the field's type: {value}", (name,), value
    )


def _string_check(name: str, max_length: int | None, email: bool) -> Check:
    def check(value: object) -> Violation | None:
        if not isinstance(value, str):
            return _wrong_type(name, value)
        if max_length is not None and len(value) > max_length:
            return Violation(
                _TOO_LONG,
                f"{name}: longer than the field's {max_length} characters: {value}",
                (name,), value, max_length,
            )
        if email and _EMAIL.match(value) is None:
            return Violation(
                _INVALID_EMAIL, f"{name}: not an email address: {value}", (name,), value
            )
        return None

    return check


def _parsing_check(
    name: str, accepts: Callable[[object], bool], parse: Callable[[str], object]
) -> Check:
    # Native values pass; strings (JSON and CSV carry dates, booleans and numbers as
    # text) pass when they parse; anything else is the wrong type.
    def check(value: object) -> Violation | None:
        if accepts(value):
            return None
        if isinstance(value, str):
            try:
                parse(value)
            except ValueError:
                return _wrong_type(name, value)
            return None
        return _wrong_type(name, value)

    return check


def _is_bool(value: object) -> bool:
    return value is True or value is False


def _is_date(value: object) -> bool:
    # A datetime is a date subclass; writing one into a date field is a type error.
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_datetime(value: object) -> bool:
    return isinstance(value, datetime)


def _is_time(value: object) -> bool:
    return isinstance(value, time)


def _is_bytes(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


def _integer_check(name: str) -> Check:
    def check(value: object) -> Violation | None:
        if isinstance(value, bool):
            return _wrong_type(name, value)
        if isinstance(value, int):
            return None
        if isinstance(value, str):
            try:
                parse_integer(value)
            except ValueError:
                return _wrong_type(name, value)
            return None
        if isinstance(value, float | _decimal.Decimal) and _is_whole(value):
            return None
        return _wrong_type(name, value)

    return check


def _is_whole(value: float | _decimal.Decimal) -> bool:
    try:
        return bool(value == int(value))
    except (ValueError, OverflowError):  # NaN, infinity
        return False


def _as_decimal(value: object) -> _decimal.Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, _decimal.Decimal):
        result = value
    elif isinstance(value, int):
        return _decimal.Decimal(value)
    elif isinstance(value, float):
        result = _decimal.Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = parse_decimal(value)
        except ValueError:
            return None
    else:
        return None
    return result if result.is_finite() else None


def _decimal_check(name: str, precision: int | None, scale: int | None) -> Check:
    # Salesforce rounds extra fraction digits (half up) and rejects values whose
    # whole part has more than precision - scale digits.
    whole_digits = None if precision is None else precision - (scale or 0)
    quantum = None if scale is None else _decimal.Decimal(1).scaleb(-scale)

    def out_of_range(value: object) -> Violation:
        return Violation(
            _OUT_OF_RANGE,
            f"{name}: more than the field's {whole_digits} whole digits: {value}",
            (name,), value, whole_digits,
        )

    def check(value: object) -> Violation | None:
        number = _as_decimal(value)
        if number is None:
            return _wrong_type(name, value)
        if whole_digits is None or not number:
            return None
        # Whole digits before rounding; rounding the fraction can add at most one, so
        # only a value right at the limit needs the (slower) exact rounding.
        digits = number.adjusted() + 1
        if digits < whole_digits:
            return None
        if digits > whole_digits:
            return out_of_range(value)
        if quantum is not None:
            with _decimal.localcontext() as ctx:
                ctx.prec = max(ctx.prec, whole_digits + (scale or 0) + 2)
                rounded = number.quantize(quantum, rounding=_decimal.ROUND_HALF_UP)
            if rounded and rounded.adjusted() + 1 > whole_digits:
                return out_of_range(value)
        return None

    return check


def _enum_check(name: str, enum: Enum) -> Check:
    allowed = frozenset(enum.values)
    restricted = enum.restricted

    def bad(member: object) -> Violation:
        return Violation(
            _NOT_IN_PICKLIST,
            f"{name}: not one of the restricted picklist's values: {member}",
            (name,), member,
        )

    if not enum.multi:

        def check(value: object) -> Violation | None:
            if not isinstance(value, str):
                return _wrong_type(name, value)
            if restricted and value not in allowed:
                return bad(value)
            return None

        return check

    def check_multi(value: object) -> Violation | None:
        if isinstance(value, str):
            members: tuple[object, ...] = tuple(p for p in value.split(";") if p)
        elif isinstance(value, list | tuple | set | frozenset):
            members = tuple(value)
        else:
            return _wrong_type(name, value)
        for member in members:
            if not isinstance(member, str):
                return _wrong_type(name, value)
            if restricted and member not in allowed:
                return bad(member)
        return None

    return check_multi


def _text_only_check(name: str) -> Check:
    def check(value: object) -> Violation | None:
        return None if isinstance(value, str) else _wrong_type(name, value)

    return check


def _nested_reference_check(name: str) -> Check:
    # {"Account": {"Ext__c": "A-1"}}: exactly one key, the target's external id field.
    def check(value: object) -> Violation | None:
        if isinstance(value, Mapping) and len(value) == 1:
            return None
        return _wrong_type(name, value)

    return check


def _list_check(name: str) -> Check:
    def check(value: object) -> Violation | None:
        if isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value):
            return None
        return _wrong_type(name, value)

    return check


def _any_check(_name: str) -> Check:
    def check(_value: object) -> Violation | None:
        return None

    return check


def value_check(f: FieldSchema) -> Check:
    """The checking function for non-null values of field ``f``."""
    t: FieldType = f.type
    name = f.name
    match t:
        case String(max_length=n, format=fmt):
            return _string_check(name, n, fmt == "email")
        case Text(max_length=n):
            return _string_check(name, n, False)
        case Integer():
            return _integer_check(name)
        case Numeric(precision=p, scale=s):
            return _decimal_check(name, p, s)
        case Boolean():
            return _parsing_check(name, _is_bool, parse_boolean)
        case Date():
            return _parsing_check(name, _is_date, parse_date)
        case DateTime():
            return _parsing_check(name, _is_datetime, parse_datetime)
        case Time():
            return _parsing_check(name, _is_time, parse_time)
        case Enum():
            return _enum_check(name, t)
        case Reference() | Id():
            return _text_only_check(name)
        case ListOf():
            return _list_check(name)
        case Blob():
            return _parsing_check(name, _is_bytes, parse_blob)
        case Untyped():
            return _any_check(name)
    raise TypeError(f"not a field type: {t!r}")  # pragma: no cover - closed union


# What the validator needs per field, unpacked in the hot loop:
# (real name, writable?, may be set to null?, required?, check)
_Entry = tuple[str, bool, bool, bool, Check]


class RowValidator:
    """Validates rows of one object for one operation. Build it once (or let
    ``row_validator`` cache it) and call it per row."""

    __slots__ = (
        "_by_path",
        "_by_relationship",
        "_entries",
        "_folded",
        "_required",
        "object",
        "operation",
        "text_values",
    )

    def __init__(
        self,
        obj: ObjectSchema,
        *,
        operation: WriteOperation,
        text_values: bool = False,
        allow_audit_fields: frozenset[str] = frozenset(),
    ) -> None:
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {sorted(OPERATIONS)}, not {operation!r}")
        self.object = obj
        self.operation = operation
        self.text_values = text_values
        creating = operation != "update"
        audit = {name.casefold() for name in allow_audit_fields}
        entries: dict[str, _Entry] = {}
        required: list[str] = []
        for f in obj.fields.values():
            if isinstance(f.type, Id):
                # The record's own id selects the record on update and upsert; it is
                # never written, so the writable flags do not apply to it.
                writable = not creating or operation == "upsert"
            elif creating:
                writable = f.createable or f.name.casefold() in audit
            else:
                writable = f.updateable
            # Salesforce reads a null boolean as false; a null Id is "no id".
            nullable = f.nullable or isinstance(f.type, Boolean | Id)
            is_required = creating and f.required_on_create
            if is_required:
                required.append(f.name)
            entries[f.name] = (f.name, writable, nullable, is_required, value_check(f))
        self._entries = entries
        self._folded = {name.casefold(): entry for name, entry in entries.items()}
        self._required = tuple(required)
        # A reference may also be given by the target's external id, through the
        # relationship name: {"Account": {"Ext__c": "A-1"}} in JSON, an
        # "Account.Ext__c" column in CSV. Which target field, and whether a record
        # has that value, is for the destination to decide.
        self._by_relationship: dict[str, _Entry] = {}
        self._by_path: dict[str, _Entry] = {}
        for f in obj.fields.values():
            if isinstance(f.type, Reference) and f.relationship_name:
                name, writable, nullable, is_required, _ = entries[f.name]
                folded = f.relationship_name.casefold()
                self._by_relationship[folded] = (
                    name, writable, nullable, is_required, _nested_reference_check(name)
                )
                self._by_path[folded] = (name, writable, nullable, is_required,
                                         _text_only_check(name))

    def __repr__(self) -> str:
        return f"RowValidator({self.object.name!r}, operation={self.operation!r})"

    def _relationship_entry(self, key: str) -> _Entry | None:
        relationship, dot, field_name = key.partition(".")
        if not dot:
            return self._by_relationship.get(key.casefold())
        if not field_name or "." in field_name:
            return None
        return self._by_path.get(relationship.casefold())

    def __call__(self, row: Mapping[str, object]) -> list[Violation]:
        """Every violation in ``row``, in the order Salesforce checks (the most
        detailed destination we know): unknown fields, fields that may not be
        written, bad values, missing required fields.
        An empty list means the row is acceptable."""
        entries = self._entries
        text = self.text_values
        updating = self.operation == "update"
        unknown: list[str] | None = None
        not_writable: list[str] | None = None
        bad: list[Violation] | None = None
        nulled: list[str] | None = None
        filled: set[str] | None = set() if self._required else None
        for key, value in row.items():
            entry = entries.get(key)
            if entry is None:
                entry = self._folded.get(key.casefold()) or self._relationship_entry(key)
                if entry is None:
                    if unknown is None:
                        unknown = []
                    unknown.append(key)
                    continue
            name, writable, nullable, is_required, check = entry
            if value is None:
                is_null = True
            elif value.__class__ is str:
                if not value:
                    # An empty CSV cell was not given: nothing to write, nothing to
                    # check. An empty JSON string is a null.
                    if text:
                        continue
                    is_null = True
                else:
                    is_null = text and value == "#N/A"
            else:
                is_null = False
            if not writable:
                if not_writable is None:
                    not_writable = []
                not_writable.append(name)
                continue
            if is_null:
                if updating and not nullable:
                    if nulled is None:
                        nulled = []
                    nulled.append(name)
                continue
            if is_required:
                filled.add(name)  # type: ignore[union-attr]
            problem = check(value)
            if problem is not None:
                if bad is None:
                    bad = []
                bad.append(problem)
        if (unknown is None and not_writable is None and bad is None and nulled is None
                and (filled is None or len(filled) == len(self._required))):
            return []
        violations: list[Violation] = []
        object_name = self.object.name
        if unknown is not None:
            violations.extend(
                Violation(
                    _UNKNOWN_FIELD,
                    f"no field '{key}' on {object_name}",
                    (key,), None, None, object_name,
                )
                for key in unknown
            )
        if not_writable is not None:
            fields = tuple(dict.fromkeys(not_writable))
            if self.operation == "insert" and any(
                isinstance(self.object.fields[n].type, Id) for n in fields
            ):
                violations.append(
                    Violation(
                        _ID_ON_INSERT,
                        "an insert may not give the record's id",
                        tuple(n for n in fields if isinstance(self.object.fields[n].type, Id)),
                        None, None, object_name,
                    )
                )
                fields = tuple(n for n in fields if not isinstance(self.object.fields[n].type, Id))
            if fields:
                violations.append(
                    Violation(
                        _NOT_WRITABLE,
                        f"fields an {self.operation} may not write: {', '.join(fields)}",
                        fields, None, None, object_name,
                    )
                )
        if bad is not None:
            violations.extend(bad)
        missing = list(nulled or ())
        if filled is not None:
            missing.extend(n for n in self._required if n not in filled)
        if missing:
            missing = list(dict.fromkeys(missing))
            violations.append(
                Violation(
                    _MISSING_REQUIRED,
                    f"required fields have no value: {', '.join(missing)}",
                    tuple(missing), None, None, object_name,
                )
            )
        return violations


def row_validator(
    obj: ObjectSchema,
    *,
    operation: WriteOperation,
    text_values: bool = False,
    allow_audit_fields: frozenset[str] = frozenset(),
) -> RowValidator:
    """The (cached) validator for rows of ``obj`` under ``operation``; use it in loops."""
    key = ("row_validator", operation, text_values, frozenset(allow_audit_fields))
    cache = obj._cache
    validator = cache.get(key)
    if validator is None:
        validator = cache[key] = RowValidator(
            obj,
            operation=operation,
            text_values=text_values,
            allow_audit_fields=frozenset(allow_audit_fields),
        )
    return validator


def validate_row(
    obj: ObjectSchema,
    row: Mapping[str, object],
    *,
    operation: WriteOperation,
    text_values: bool = False,
    allow_audit_fields: frozenset[str] = frozenset(),
) -> list[Violation]:
    """Every reason the destination would reject ``row`` as an ``operation`` on
    ``obj``; empty when it would accept it.

    - insert and upsert need every ``required_on_create`` field; update needs none
      but may not null a non-nullable field;
    - insert and upsert may not write non-createable fields (except those named in
      ``allow_audit_fields``, e.g. ``CreatedDate`` when the org allows it), update
      may not write non-updateable ones;
    - values must be of the field's type (strings that parse count, as JSON and CSV
      carry dates and numbers as text), within length, precision and scale, and
      members of a restricted picklist;
    - ``text_values``: values are CSV cells; an empty cell is "not given" and
      ``#N/A`` is null;
    - a reference may be given through its relationship name by the target's
      external id (``{"Account": {"Ext__c": "A-1"}}``, or an ``Account.Ext__c``
      column); it counts as setting the reference field.
    """
    return row_validator(
        obj, operation=operation, text_values=text_values, allow_audit_fields=allow_audit_fields
    )(row)


def validate_value(f: FieldSchema, value: object) -> Violation | None:
    """The violation a single non-null ``value`` of field ``f`` would cause, if any
    (type, length, range, picklist membership): for checking literals and defaults."""
    return value_check(f)(value)
