"""Schemas to and from plain JSON-ready dicts (cattrs).

Field types are a tagged union: each serialises with a ``"kind"`` tag
(``{"kind": "string", "max_length": 80}``). Attributes equal to their default are
left out, so a schema file states only what is special about each field.
"""

from __future__ import annotations

from typing import Any as _Any

import cattrs
from cattrs.strategies import configure_tagged_union
from cattrs.v import format_exception

from crossmap.errors import CrossmapError
from crossmap.schema.model import Schema
from crossmap.schema.types import TYPE_TAGS, FieldType

_TAG_OF = TYPE_TAGS


def make_converter() -> cattrs.Converter:
    """A converter that un/structures every schema class; reuse it (e.g. as a base
    for the plan's converter) rather than configuring another."""
    converter = cattrs.Converter(omit_if_default=True)
    # Lists, not tuples, so the output is what json.loads would give back.
    converter.register_unstructure_hook(tuple, list)
    configure_tagged_union(
        FieldType,
        converter,
        tag_generator=lambda cls: _TAG_OF[cls],
        tag_name="kind",
    )
    return converter


converter = make_converter()
"""The shared converter for schema classes."""


def schema_to_dict(schema: Schema) -> dict[str, _Any]:
    """``schema`` as a JSON-ready dict."""
    return converter.unstructure(schema, Schema)  # type: ignore[no-any-return]


class SchemaFormatError(CrossmapError, ValueError):
    """Data that is not a serialised schema; ``problems`` lists each one with its path
    (``$.objects['Account'].fields['Name'].type.max_length``)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("not a valid schema: " + "; ".join(problems))


def _describe_problem(exc: BaseException, type_: type | None) -> str:
    # Our own validators (duplicate names, bad formats) say exactly what is wrong;
    # cattrs's generic "invalid value" would hide it.
    if type(exc) is ValueError:
        return str(exc)
    return format_exception(exc, type_)


def schema_from_dict(data: _Any) -> Schema:
    """The ``Schema`` that ``schema_to_dict`` produced ``data`` from. Raises
    ``SchemaFormatError`` listing every problem when ``data`` is not a schema."""
    try:
        return converter.structure(data, Schema)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as error:
        problems = cattrs.transform_error(error, format_exception=_describe_problem)
        raise SchemaFormatError(problems) from error
