"""The schema audit: what the spec declares against what the destination has now.

It reads the destination's raw ``describe()``: a compile against the live schema
succeeds even when declared fields are missing (declarations extend the schema), so
the compiled plan cannot tell what the org lacks — the describe can.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from crossmap import schema as s
from crossmap.compiler import Declaration, declared


@frozen
class Missing:
    """A declared object or field the destination lacks (``field`` None: the whole
    object). ``type`` is the declared type, for the checklist."""

    object: str
    field: str | None
    type: str | None = None


@frozen
class Mismatch:
    """A declared field the destination has, but not as declared."""

    object: str
    field: str
    declared: str
    actual: str
    problem: str


@frozen
class SchemaAudit:
    """Missing objects and fields (a checklist), and fields present but different.
    ``applied`` lists what ``--apply`` created; ``package`` where ``--out`` wrote the
    metadata package."""

    missing: tuple[Missing, ...]
    mismatches: tuple[Mismatch, ...]
    applied: tuple[str, ...] = ()
    package: str | None = None
    apply_problems: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Does the destination have everything the spec declares?"""
        return not self.missing


def audit_schema(declarations: Iterable[Declaration], live: s.Schema) -> SchemaAudit:
    """Compare each declaration with the live schema."""
    missing: list[Missing] = []
    mismatches: list[Mismatch] = []
    for decl in declarations:
        obj = live.find_object(decl.object)
        if obj is None:
            missing.append(Missing(decl.object, None, "new object" if decl.new else "object"))
            missing.extend(Missing(decl.object, f.name, s.describe_type(f.type)) for f in decl.fields)
            continue
        for wanted in decl.fields:
            have = obj.find_field(wanted.name)
            if have is None:
                missing.append(Missing(obj.name, wanted.name, s.describe_type(wanted.type)))
                continue
            problem = difference(wanted, have)
            if problem is not None:
                mismatches.append(Mismatch(obj.name, have.name, s.describe_type(wanted.type),
                                           s.describe_type(have.type), problem))
    return SchemaAudit(tuple(missing), tuple(mismatches))


def difference(wanted: s.FieldSchema, have: s.FieldSchema) -> str | None:
    """Why the live field ``have`` does not serve as the declared ``wanted`` (None
    when it does): another type, a shorter length, lost precision, picklist values
    missing, another lookup target, no external id where the spec upserts on it."""
    w, h = wanted.type, have.type
    if type(w) is not type(h) and not (isinstance(w, s.Text) and isinstance(h, s.String)):
        return f"the destination has {s.describe_type(h)}, the spec declares {s.describe_type(w)}"
    if isinstance(w, s.String | s.Text) and isinstance(h, s.String | s.Text):
        if w.max_length is not None and h.max_length is not None and h.max_length < w.max_length:
            return f"length {h.max_length}, shorter than the declared {w.max_length}"
        if isinstance(w, s.String) and isinstance(h, s.String) and w.format and w.format != h.format:
            return f"format {h.format or 'none'}, the spec declares {w.format}"
    if isinstance(w, s.Numeric) and isinstance(h, s.Numeric):
        narrower = (w.precision is not None and h.precision is not None and h.precision < w.precision) or (
            w.scale is not None and h.scale is not None and h.scale < w.scale)
        if narrower:
            return f"decimal({h.precision}, {h.scale}) holds less than the declared decimal({w.precision}, {w.scale})"
    if isinstance(w, s.Enum) and isinstance(h, s.Enum):
        absent = [v for v in w.values if v not in h.values]
        if absent:
            return "picklist values missing: " + ", ".join(absent)
    if isinstance(w, s.Reference) and isinstance(h, s.Reference) and (
            {t.casefold() for t in w.targets} - {t.casefold() for t in h.targets}):
        return f"points at {', '.join(h.targets)}, the spec declares {', '.join(w.targets)}"
    if wanted.external_id and not have.external_id:
        return "not an external id, but the spec upserts on it"
    return None


def effective_schema(live: s.Schema, declarations: Iterable[Declaration]) -> s.Schema:
    """The live schema with only what it lacks added from the declarations: rows are
    checked against the org as it will be once the audit's checklist is applied,
    keeping the org's own definition of every field it already has."""
    result = live
    for decl in declarations:
        obj = result.find_object(decl.object)
        if obj is None:
            result = declared(result, (decl,))
            continue
        extra = [f for f in decl.fields if obj.find_field(f.name) is None]
        if extra:
            result = result.with_object(obj.with_fields(extra))
    return result
