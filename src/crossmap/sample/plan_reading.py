"""The sample's name for what a plan's steps read: see :mod:`crossmap.engine.plan_reading` (one diff for the sample and
``crossmap verify``, so it lives below both)."""

from crossmap.engine.plan_reading import (
    FieldRef,
    ParentRef,
    assignment_sources,
    bindings_of,
    dig,
    field_refs,
    mapped_fields,
    nodes,
    parent_refs,
    read_fields,
)

__all__ = [
    "FieldRef",
    "ParentRef",
    "assignment_sources",
    "bindings_of",
    "dig",
    "field_refs",
    "mapped_fields",
    "nodes",
    "parent_refs",
    "read_fields",
]
