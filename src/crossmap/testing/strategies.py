"""Hypothesis strategies for source data, built from a schema.

Following Hypothesis's own style: constructors are named ``from_<thing>``, take the
thing and keyword options, and report bad arguments when a value is first drawn
(``InvalidArgument``), not when the strategy is built.

Values are what a connector yields for the field's type, including the hostile ones
real exports contain: empty and whitespace-only strings, unicode from every plane,
strings at the maximum length, nulls and missing keys wherever a field is nullable,
and, for an open enum, values outside its list (a removed dropdown option).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal as D
from typing import Any, Literal

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from crossmap import schema as s
from crossmap.errors import did_you_mean

Record = dict[str, Any]

_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)  # lone surrogates cannot be encoded
_HOSTILE_TEXT = st.sampled_from([
    "", " ", "  padded  ", "\t", "O'Brien", 'say "hi"', "a,b;c", "Zoë Ñúñez", "株式会社", "עברית",
    "🛠️ fix", "line\nbreak", "\u200b", "NULL", "null", "#N/A", "0000-00-00",
])
_TEXT = st.text(st.characters(exclude_categories=_SURROGATES, exclude_characters="\x00"), max_size=40)
_KEY_ALPHABET = string.ascii_lowercase + string.digits + "_"


def _text(max_length: int | None, hostile: bool) -> st.SearchStrategy[str]:
    limit = max_length if max_length is not None else 300
    plain = st.text(st.characters(exclude_categories=_SURROGATES, exclude_characters="\x00"), max_size=min(limit, 60))
    choices = [plain]
    if hostile:
        choices.append(_HOSTILE_TEXT.filter(lambda t: len(t) <= limit))
        # Long strings, up to the limit; shrinking finds the shortest that breaks a rule.
        choices.append(st.integers(0, limit).map(lambda n: "x" * n))
    return st.one_of(choices)


def _decimal(t: s.Numeric) -> st.SearchStrategy[D]:
    scale = t.scale if t.scale is not None else 4
    precision = t.precision if t.precision is not None else 18
    bound = D(10) ** (precision - scale) - D(1) / (D(10) ** scale) if precision > scale else D(0)
    return st.decimals(min_value=-bound, max_value=bound, places=scale, allow_nan=False, allow_infinity=False)


def _enum(t: s.Enum, hostile: bool) -> st.SearchStrategy[Any]:
    member = st.sampled_from(t.values) if t.values else _TEXT
    if t.multi:
        return st.lists(member, max_size=3, unique=True)
    if not t.restricted and hostile:
        # An open enum also carries values no longer in its list.
        return st.one_of(member, _TEXT.filter(bool))
    return member


_SCALARS: dict[type, Callable[[Any, bool], st.SearchStrategy[Any]]] = {
    s.String: lambda t, h: _text(t.max_length, h),
    s.Text: lambda t, h: _text(t.max_length if t.max_length is not None else 2000, h),
    s.Integer: lambda t, h: st.integers(-(2**31), 2**31 - 1),
    s.Numeric: lambda t, h: _decimal(t),
    s.Boolean: lambda t, h: st.booleans(),
    s.Date: lambda t, h: st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    s.DateTime: lambda t, h: st.datetimes(
        dt.datetime(1970, 1, 1), dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
    ),
    s.Time: lambda t, h: st.times(),
    s.Enum: lambda t, h: _enum(t, h),
    s.Reference: lambda t, h: st.text(_KEY_ALPHABET, min_size=1, max_size=12),
    s.Blob: lambda t, h: st.binary(max_size=64),
    s.Id: lambda t, h: st.text(_KEY_ALPHABET, min_size=1, max_size=12),
    s.Untyped: lambda t, h: st.one_of(st.none(), _TEXT, st.integers(), st.booleans()),
}


def from_field(
    field: s.FieldSchema, schema: s.Schema | None = None, *, hostile: bool = True, max_list: int = 3
) -> st.SearchStrategy[Any]:
    """Values of one field (never "missing": see ``from_object`` for that)."""
    if isinstance(field.type, s.ListOf):
        if schema is None:
            raise InvalidArgument(f"field {field.name!r} is a nested list: pass the schema that holds {field.type.object!r}")
        element = from_object(schema, field.type.object, hostile=hostile, max_list=max_list)
        values: st.SearchStrategy[Any] = st.lists(element, max_size=max_list)
    else:
        values = _SCALARS[type(field.type)](field.type, hostile)
    return st.one_of(st.none(), values) if field.nullable else values


@st.composite
def _object(
    draw: st.DrawFn, schema: s.Schema, object: str, hostile: bool, max_list: int, overrides: Mapping[str, Any]
) -> Record:
    obj = schema.find_object(object)
    if obj is None:
        raise InvalidArgument(
            f"from_object: the schema has no object {object!r}"
            + (f" ({hint})" if (hint := did_you_mean(object, schema.objects)) else "")
        )
    record: Record = {}
    for field in obj:
        if field.name in overrides:
            value = overrides[field.name]
            record[field.name] = draw(value) if isinstance(value, st.SearchStrategy) else value
            continue
        # A nullable field may be null or absent altogether, as in sparse exports.
        if field.nullable and hostile and draw(st.integers(0, 4)) == 0:
            continue
        record[field.name] = draw(from_field(field, schema, hostile=hostile, max_list=max_list))
    return record


def from_object(
    schema: s.Schema,
    object: str,
    *,
    hostile: bool = True,
    max_list: int = 3,
    overrides: Mapping[str, Any] | None = None,
) -> st.SearchStrategy[Record]:
    """Records of ``object`` as its source yields them. ``overrides`` fixes fields to a
    value or a strategy (the key field, say)."""
    return _object(schema, object, hostile, max_list, dict(overrides or {}))


@st.composite
def _dataset(
    draw: st.DrawFn, schema: s.Schema, objects: Sequence[str], max_records: int, orphans: bool, hostile: bool
) -> dict[str, list[Record]]:
    keys: dict[str, list[str]] = {}
    data: dict[str, list[Record]] = {}
    order = _parents_first(schema, objects)
    for name in order:
        obj = schema.find_object(name)
        if obj is None:
            raise InvalidArgument(f"from_dataset: the schema has no object {name!r}")
        key_field = obj.key or "id"
        prefix = name[:3]
        own_keys = draw(st.lists(st.text(_KEY_ALPHABET, min_size=1, max_size=8).map(f"{prefix}_{{}}".format),
                                 min_size=1, max_size=max_records, unique=True))
        records = []
        for key in own_keys:
            overrides: dict[str, Any] = {key_field: key}
            for field in obj:
                if isinstance(field.type, s.Reference) and field.name != key_field:
                    parents = [k for target in field.type.targets for k in keys.get(target, [])]
                    if parents:
                        choice: st.SearchStrategy[Any] = st.sampled_from(parents)
                        if orphans:
                            choice = st.one_of(choice, st.just("orphan_" + key))
                        overrides[field.name] = st.one_of(st.none(), choice) if field.nullable else choice
            records.append(draw(from_object(schema, name, hostile=hostile, overrides=overrides)))
        keys[name] = own_keys
        data[name] = records
    return data


def from_dataset(
    schema: s.Schema,
    objects: Sequence[str] | None = None,
    *,
    max_records: int = 4,
    orphans: bool = False,
    hostile: bool = True,
) -> st.SearchStrategy[dict[str, list[Record]]]:
    """Connected records of several objects: every reference points at a record of
    the dataset (parents are drawn first), unless ``orphans`` lets some point nowhere.
    Keys are unique per object."""
    names = list(objects) if objects is not None else [o.name for o in schema]
    return _dataset(schema, names, max_records, orphans, hostile)


def _parents_first(schema: s.Schema, objects: Sequence[str]) -> list[str]:
    wanted = set(objects)
    ordered: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered or name in trail or name not in wanted:
            return
        obj = schema.find_object(name)
        for field in obj or ():
            if isinstance(field.type, s.Reference):
                for target in field.type.targets:
                    visit(target, (*trail, name))
        ordered.append(name)

    for name in objects:
        visit(name, ())
    return ordered
