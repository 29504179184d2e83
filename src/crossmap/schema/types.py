"""Field types: a closed union of small frozen value classes.

The set is closed on purpose: the compiler's type checker, the row validator and the
value parser each dispatch over exactly these classes, so adding one is a deliberate
change to all three (tables keyed by class make a missing entry fail loudly).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from attrs import field, frozen

StringFormat = Literal["email", "phone", "url"]

STRING_FORMATS: frozenset[str] = frozenset({"email", "phone", "url"})


def _check_format(_instance: object, _attribute: object, value: str | None) -> None:
    if value is not None and value not in STRING_FORMATS:
        raise ValueError(
            f"unknown string format {value!r}; expected one of {sorted(STRING_FORMATS)}"
        )


def _check_length(_instance: object, attribute: object, value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{getattr(attribute, 'name', 'length')} must be >= 0, not {value}")


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    # Accept any iterable (a list from JSON, a generator) but store a tuple so the
    # type stays immutable and hashable. A lone string is one name, not characters.
    if isinstance(values, str):
        return (values,)
    return tuple(values)


@frozen
class String:
    """Short text; ``max_length`` in characters; ``format`` tags emails, phones, urls."""

    max_length: int | None = field(default=None, validator=_check_length)
    format: StringFormat | None = field(default=None, validator=_check_format)


@frozen
class Text:
    """Long text (a text area, a description, a comment body)."""

    max_length: int | None = field(default=None, validator=_check_length)


@frozen
class Integer:
    """A whole number."""


@frozen
class Numeric:
    """A fixed-point number: ``precision`` digits in all, ``scale`` of them after the
    point (``None`` where the system does not say)."""

    precision: int | None = field(default=None, validator=_check_length)
    scale: int | None = field(default=None, validator=_check_length)


@frozen
class Boolean:
    """True or false."""


@frozen
class Date:
    """A calendar date without a time of day."""


@frozen
class DateTime:
    """An instant: a date and a time of day with an offset."""


@frozen
class Time:
    """A time of day without a date."""


@frozen
class Enum:
    """A picklist / enumeration.

    ``restricted`` means values outside ``values`` are rejected; ``multi`` means a value
    is a set of members (Salesforce joins them with ``;``).
    """

    values: tuple[str, ...] = field(converter=_str_tuple)
    restricted: bool = True
    multi: bool = False


@frozen
class Reference:
    """A lookup to a record of one of ``targets`` (more than one: polymorphic)."""

    targets: tuple[str, ...] = field(converter=_str_tuple)


@frozen
class ListOf:
    """Nested records of the named object (line items embedded in their parent)."""

    object: str


@frozen
class Blob:
    """Binary content (a file's bytes)."""


@frozen
class Id:
    """The record's own identifier in its system."""


@frozen
class Untyped:
    """Unknown or untyped: anything goes, nothing can be checked."""


FieldType = (
    String
    | Text
    | Integer
    | Numeric
    | Boolean
    | Date
    | DateTime
    | Time
    | Enum
    | Reference
    | ListOf
    | Blob
    | Id
    | Untyped
)
"""Every field type. Dispatch over it with a table keyed by class."""

FIELD_TYPES: tuple[type, ...] = FieldType.__args__

# The tag each type carries when serialised; stable, lowercase, part of the file format.
TYPE_TAGS: dict[type, str] = {
    String: "string",
    Text: "text",
    Integer: "integer",
    Numeric: "decimal",
    Boolean: "boolean",
    Date: "date",
    DateTime: "datetime",
    Time: "time",
    Enum: "enum",
    Reference: "reference",
    ListOf: "list_of",
    Blob: "blob",
    Id: "id",
    Untyped: "any",
}

STRING_LIKE: tuple[type, ...] = (String, Text)


def describe_type(t: FieldType) -> str:
    """A short human name for a type, as used in diagnostics: ``string(80)``,
    ``decimal(18, 2)``, ``enum[restricted]``, ``reference(Account|User)``."""
    match t:
        case String(max_length=n, format=fmt):
            base = fmt if fmt is not None else "string"
            return f"{base}({n})" if n is not None else base
        case Text(max_length=n):
            return f"text({n})" if n is not None else "text"
        case Numeric(precision=p, scale=s):
            if p is None:
                return "decimal"
            return f"decimal({p}, {s if s is not None else 0})"
        case Enum(restricted=r, multi=m):
            kind = "multi-enum" if m else "enum"
            return f"{kind}[restricted]" if r else kind
        case Reference(targets=targets):
            return f"reference({'|'.join(targets)})"
        case ListOf(object=o):
            return f"list of {o}"
        case _:
            return TYPE_TAGS[type(t)]
