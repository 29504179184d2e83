"""``object`` and ``extend`` blocks → schema fields that extend the destination schema."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from crossmap import schema
from crossmap.compiler.diagnostics import Reporter
from crossmap.compiler.plan import Declaration
from crossmap.syntax import ast


def _decimal(ref: ast.TypeRef) -> schema.FieldType:
    precision = int(ref.args[0])
    scale = int(ref.args[1]) if len(ref.args) > 1 else 0
    return schema.Decimal(precision, scale)


# Declared type name → schema field type: one table, as a dialect would have it.
_TYPES: dict[str, Callable[[ast.TypeRef], schema.FieldType]] = {
    "text": lambda r: schema.String(int(r.args[0])),
    "long text": lambda r: schema.Text(int(r.args[0]) if r.args else None),
    "picklist": lambda r: schema.Enum(r.values, restricted=r.restricted),
    "number": _decimal,
    "currency": _decimal,
    "percent": _decimal,
    "checkbox": lambda r: schema.Boolean(),
    "date": lambda r: schema.Date(),
    "datetime": lambda r: schema.DateTime(),
    "email": lambda r: schema.String(format="email"),
    "phone": lambda r: schema.String(format="phone"),
    "url": lambda r: schema.String(format="url"),
    "lookup": lambda r: schema.Reference((str(r.args[0]),)),
    "master-detail": lambda r: schema.Reference((str(r.args[0]),)),
}


def field_schema(decl: ast.FieldDecl) -> schema.FieldSchema:
    """The schema field a declaration asks the destination to have."""
    ref = decl.type
    required = decl.required or ref.name == "master-detail"
    checkbox = ref.name == "checkbox"
    return schema.FieldSchema(
        decl.name,
        _TYPES[ref.name](ref),
        label=decl.label,
        # A checkbox is never null: it defaults to false.
        nullable=not required and not checkbox,
        defaulted_on_create=checkbox,
        external_id=decl.external_id,
        unique=decl.unique,
        custom=True,
    )


def apply_declarations(
    decls: tuple[ast.ObjectDecl, ...], target: schema.Schema, report: Reporter
) -> tuple[schema.Schema, tuple[Declaration, ...]]:
    """The destination schema extended by the spec's declarations, and the
    declarations as plan data. Reports unknown objects and bad lookup targets."""
    declarations = []
    for decl in decls:
        fields = _fields(decl, report)
        existing = target.find_object(decl.name)
        if not decl.new and existing is None:
            report.unknown(
                "XM204", f"cannot extend '{decl.name}': the destination has no such object",
                decl.span, decl.name, target.objects,
                hint=f"declare a new custom object with `object {decl.name} {{ ... }}`",
            )
            continue
        declaration = Declaration(decl.name, decl.new, decl.label, tuple(fields))
        target = declared(target, (declaration,))
        declarations.append(declaration)
    for decl in decls:
        for field_decl in decl.fields:
            if field_decl.type.name in ("lookup", "master-detail") and field_decl.type.args:
                referenced = str(field_decl.type.args[0])
                if referenced not in target:
                    report.unknown(
                        "XM204", f"'{field_decl.name}' refers to '{referenced}', which the destination does not have",
                        field_decl.type.span, referenced, target.objects,
                    )
    return target, tuple(declarations)


def declared(target: schema.Schema, declarations: Iterable[Declaration]) -> schema.Schema:
    """``target`` with a plan's declarations applied: the schema its rows are checked
    against (``crossmap.testing`` validates rows with it)."""
    for declaration in declarations:
        existing = target.find_object(declaration.object)
        if existing is not None:
            target = target.with_object(existing.with_fields(declaration.fields))
            continue
        target = _referred(target, declaration.object)
        template = target.new_object
        if template is not None:
            # The destination's own fields of a new object (Name, owner, audit
            # fields), each replaced by a declared field of the same name.
            target = target.with_object(attrs.evolve(
                template.with_fields(declaration.fields), name=declaration.object,
                label=declaration.label, custom=True,
            ))
            continue
        key = _key_field(target)
        target = target.with_object(
            schema.ObjectSchema(
                declaration.object,
                [*([key] if key else []), *declaration.fields],
                label=declaration.label,
                key=key.name if key else None,
                custom=True,
            )
        )
    return target


def _referred(target: schema.Schema, new: str) -> schema.Schema:
    """``target`` whose ``new_object_referrers`` lookups may also point at ``new``."""
    for object_name, field_name in target.new_object_referrers:
        obj = target.find_object(object_name)
        f = obj.find_field(field_name) if obj is not None else None
        if obj is None or f is None or not isinstance(f.type, schema.Reference):
            continue
        if new not in f.type.targets:
            wider = attrs.evolve(f, type=schema.Reference((*f.type.targets, new)))
            target = target.with_object(obj.with_fields([wider]))
    return target


def _fields(decl: ast.ObjectDecl, report: Reporter) -> list[schema.FieldSchema]:
    fields: list[schema.FieldSchema] = []
    seen: dict[str, ast.FieldDecl] = {}
    for field_decl in decl.fields:
        folded = field_decl.name.casefold()
        if folded in seen:
            report.error(
                "XM210", f"'{field_decl.name}' is declared twice in '{decl.name}'", field_decl.span,
                f"the first is at line {seen[folded].span.line}",
            )
            continue
        seen[folded] = field_decl
        if field_decl.type.name in _TYPES:  # unknown types were reported by the parser
            fields.append(field_schema(field_decl))
    return fields


def _key_field(target: schema.Schema) -> schema.FieldSchema | None:
    # A new object gets the record-id field the destination's other objects have
    # (``Id`` on Salesforce): the core does not know the convention, the schema does.
    for obj in target:
        if obj.key is not None:
            return obj.fields[obj.key]
    return None
