"""The deferred update pass, one record at a time: which fields it writes, and the
failure of a record whose deferred field cannot be given.

A field waits for this pass when its lookup is circular (the steps look each other
up) or says ``missing defer``. Every such field ends one of two ways: written, or
the record fails, naming the field: a ``missing fail`` lookup whose parent never
loaded, a ``missing defer`` lookup whose parent never loaded, any other failure of
the field's computation. Nothing is left empty without a word.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossmap.codegen import Deferred, Failed, Row
from crossmap.codegen.program import StepProgram

Update = tuple[str, dict[str, Any]]


def deferred_update(
    program: StepProgram, record: Mapping[str, Any], fields: set[str]
) -> tuple[Update | None, Failed | None]:
    """(key and the values to write, the record's failure): either may be None. A
    record that did not transform at load time has its outcome already: (None, None)."""
    result = program.apply(record)
    if not isinstance(result, Row):
        return None, None
    values: dict[str, Any] = {}
    waiting: list[tuple[str, Deferred]] = []
    computed = [(f, v) for f, v in result.values.items() if f in fields]
    later = program.apply_deferred(record)
    if isinstance(later, Failed):
        return None, later
    if later is not None:
        computed.extend(later.values.items())
    for field, value in computed:
        if type(value) is Deferred:
            waiting.append((field, value))
        elif value is not None:
            values[field] = value
    update = (result.key, values) if values else None
    if not waiting:
        return update, None
    field, marker = waiting[0]
    line = next((a.line for a in program.step.assignments if a.field == field), program.step.line)
    parent_key = marker.key if isinstance(marker.key, str) else str(marker.key)
    reason = (f"its parent {marker.step.split('->')[0]} {parent_key!r} was never loaded, so {field} "
              "stays empty (`missing defer`)")
    return update, Failed(program.step.source, result.key, field, line, reason, (marker.step, parent_key))
