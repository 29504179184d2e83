"""``map`` and ``resolve`` blocks → plan steps and resolutions, with the checks of
every assignment against the destination field it writes."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from crossmap import schema
from crossmap.compiler import ir
from crossmap.compiler import types as t
from crossmap.compiler.analysis import find_all
from crossmap.compiler.diagnostics import Reporter
from crossmap.compiler.expressions import Checker, LookupTarget, Scope, constant
from crossmap.compiler.graph import strongly_connected
from crossmap.compiler.plan import (
    Assignment,
    Binding,
    DroppedAssignment,
    FailRule,
    Resolution,
    SkipRule,
    Statement,
    Step,
)
from crossmap.errors import Span, did_you_mean
from crossmap.syntax import ast

# What a destination field type accepts: value kinds, and the conversion to suggest.
_ACCEPTS: dict[type, tuple[frozenset[str], str]] = {
    schema.String: (frozenset({"string"}), "to_string(...)"),
    schema.Text: (frozenset({"string"}), "to_string(...)"),
    schema.Integer: (frozenset({"integer"}), "to_integer(...) or round(...)"),
    schema.Numeric: (frozenset({"integer", "decimal"}), "to_decimal(...)"),
    schema.Boolean: (frozenset({"boolean"}), "to_boolean(...)"),
    schema.Date: (frozenset({"date"}), "to_date(value, format) or date_of(datetime)"),
    schema.DateTime: (frozenset({"datetime"}), "to_datetime(value, format, tz: ...)"),
    schema.Time: (frozenset({"time"}), "to_time(value, format)"),
    schema.Enum: (frozenset({"string"}), "a value map"),
    schema.Reference: (frozenset({"id"}), "lookup(SourceObject, key)"),
    schema.Blob: (frozenset({"blob", "string"}), "the file's content"),
}


def step_name(mapping: ast.Mapping) -> str:
    """``jobs->Case``; ``jobs.status_history->CaseComment`` for a fan-out."""
    return ".".join((mapping.source, *mapping.path)) + "->" + mapping.target


class StepChecker:
    """Checks map and resolve blocks against both schemas."""

    def __init__(
        self,
        report: Reporter,
        checker: Checker,
        source_schema: schema.Schema,
        target_schema: schema.Schema,
        functions: set[str],
    ) -> None:
        self.report = report
        self.checker = checker
        self.source_schema = source_schema
        self.target_schema = target_schema
        self.functions = functions
        self._inferred_lengths: list[tuple[str, int]] = []
        self._inferred_source = False
        """(field, limit) of the mapping being checked whose value's length is
        unknown only because the source schema is inferred: reported together."""

    # ---- objects -----------------------------------------------------------------------

    def source_object(self, name: str, span: Span) -> schema.ObjectSchema | None:
        obj = self.source_schema.objects.get(name)
        if obj is None:
            self.report.unknown(
                "XM203", f"the source has no object '{name}'", span, name, self.source_schema.objects
            )
        return obj

    def target_object(self, name: str, span: Span) -> schema.ObjectSchema | None:
        obj = self.target_schema.find_object(name)
        if obj is None:
            self.report.unknown(
                "XM204", f"the destination has no object '{name}'", span, name, self.target_schema.objects,
                hint=f"declare it with `object {name} {{ ... }}`",
            )
        return obj

    # ---- map blocks --------------------------------------------------------------------

    def mapping(self, mapping: ast.Mapping, name: str) -> Step | None:
        source = self.source_object(mapping.source, mapping.span)
        target = self.target_object(mapping.target, mapping.span)
        if source is None or target is None:
            return None
        scope = Scope(record=source)
        if mapping.path:
            element = self._element(source, mapping)
            if element is False:
                return None  # reported; checking the body against a non-list would only add noise
            scope = Scope(
                record=source,
                element=element if isinstance(element, schema.ObjectSchema) else None,
                alias=mapping.alias or mapping.path[-1],
            )
        self.checker.lookups.clear()
        self._inferred_lengths = []
        self._inferred_source = source.inferred_from is not None
        mode: str = "insert"
        external_id: str | None = None
        key: ir.Expr | None = None
        body: list[Statement] = []
        skips: list[SkipRule] = []
        fails: list[FailRule] = []
        assigned: dict[str, ast.Assign] = {}
        dropped: list[DroppedAssignment] = []
        on_delete: tuple[str, str | None] = ("ignore", None)
        seen_kinds: dict[type, ast.MapStmt] = {}
        for stmt in mapping.body:
            if isinstance(stmt, ast.LoadMode | ast.OnDelete | ast.KeyStmt):
                first = seen_kinds.setdefault(type(stmt), stmt)
                if first is not stmt:
                    what = {ast.LoadMode: "load mode", ast.OnDelete: "`on delete`", ast.KeyStmt: "`key`"}[type(stmt)]
                    self.report.error("XM232", f"a mapping has one {what} (the first is at line {first.span.line})",
                                      stmt.span)
                    continue
            if isinstance(stmt, ast.OnDelete):
                on_delete = (stmt.action, self._flag_field(target, stmt))
            elif isinstance(stmt, ast.LoadMode):
                mode = stmt.mode
                if stmt.external_id is not None:
                    external_id = self._external_id(target, stmt)
            elif isinstance(stmt, ast.KeyStmt):
                key = self.checker.check(stmt.value, scope)
            elif isinstance(stmt, ast.Skip):
                skips.append(SkipRule(*self._rule("skip", stmt, scope)))
            elif isinstance(stmt, ast.FailWhen):
                fails.append(FailRule(*self._rule("fail", stmt, scope)))
            elif isinstance(stmt, ast.After):
                continue  # ordering between steps: see `ordered_after`
            elif isinstance(stmt, ast.Let):
                value = self.checker.check(stmt.value, scope)
                body.append(Binding(stmt.name, value, stmt.span.line))
                scope = scope.bind(stmt.name, value)
            else:
                assignment = self.assignment(target, stmt, scope, mode, assigned, dropped)
                if assignment is not None:
                    body.append(assignment)
        if key is None:
            key = self._default_key(source, scope, mapping)
        self._report_inferred_lengths(source, target, mapping)
        written = {name: stmt for name, stmt in assigned.items() if name not in {d.field for d in dropped}}
        self._check_required(target, mode, external_id, written, mapping)
        depends = tuple(dict.fromkeys(c.name for c, _ in self.checker.lookups if not c.resolution))
        return Step(
            name, source.name, target.name, key, mode, external_id,  # type: ignore[arg-type]
            tuple(body), tuple(skips), mapping.path, mapping.alias, depends, mapping.span.line,
            on_delete[0], on_delete[1],  # type: ignore[arg-type]
            tuple(fails), tuple(dropped),
        )

    def _rule(self, word: str, stmt: ast.Skip | ast.FailWhen, scope: Scope) -> tuple[ir.Expr, str, int]:
        """A ``skip when`` or ``fail when`` rule: its checked condition (true or
        false), its reason (the rule's own text when it gives none) and its line."""
        when = self.checker.check(stmt.when, scope)
        if when.type.kind not in ("boolean", "any"):
            self.report.error("XM211", f"`{word} when` needs true or false, not {when.type}", stmt.when.span)
        return when, stmt.reason or f"{word} when " + _text(stmt.when.span), stmt.span.line

    def _flag_field(self, target: schema.ObjectSchema, stmt: ast.OnDelete) -> str | None:
        if stmt.field is None:
            return None
        field = target.find_field(stmt.field)
        if field is None:
            self.report.unknown("XM204", f"'{target.name}' has no field '{stmt.field}'", stmt.span, stmt.field,
                                target.fields)
            return None
        if not isinstance(field.type, schema.Boolean) or not field.updateable:
            suffix = self.target_schema.custom_suffix
            self.report.error(
                "XM231", f"'{target.name}.{field.name}' cannot flag deleted records: it must be an updateable checkbox",
                stmt.span, f"declare one: extend {target.name} {{ Deleted_In_Source{suffix}: checkbox }}",
            )
        return field.name

    def _element(self, source: schema.ObjectSchema, mapping: ast.Mapping) -> schema.ObjectSchema | None | bool:
        """The element object of a fan-out's nested list; None when untyped; False
        (reported) when the path is not a nested list."""
        obj: schema.ObjectSchema | None = source
        for part in mapping.path:
            field = obj.fields.get(part) if obj is not None else None
            if field is not None and isinstance(field.type, schema.Untyped):
                return None  # an untyped nested list: its elements' fields are unchecked
            if field is None or not isinstance(field.type, schema.ListOf):
                if obj is not None:
                    candidates = [f.name for f in obj if isinstance(f.type, schema.ListOf)]
                    self.report.unknown(
                        "XM205", f"'{part}' is not a nested list of '{obj.name}'", mapping.span, part,
                        candidates, hint="one row is made per element of a nested list",
                    )
                return False
            obj = self.source_schema.objects.get(field.type.object)
        return obj

    def _external_id(self, target: schema.ObjectSchema, stmt: ast.LoadMode) -> str | None:
        name = stmt.external_id or ""
        field = target.find_field(name)
        if field is None:
            self.report.unknown(
                "XM207", f"'{target.name}' has no field '{name}' to upsert on", stmt.span, name, target.external_ids
            )
            return None
        if not field.external_id:
            self.report.error(
                "XM207", f"'{target.name}.{field.name}' is not an external id", stmt.span,
                f"declare it with the `external` flag: extend {target.name} {{ {field.name}: ... external }}",
            )
        return field.name

    def _default_key(self, source: schema.ObjectSchema, scope: Scope, mapping: ast.Mapping) -> ir.Expr:
        if mapping.path:
            element = scope.element
            element_key = element.key or ("id" if "id" in element.fields else None) if element else None
            parent_key = source.key or ("id" if "id" in source.fields else None)
            if element_key and parent_key:
                sep = constant(":")
                return ir.Op(t.STRING, "+", (
                    ir.Op(t.STRING, "+", (ir.Field(t.STRING, "record", (parent_key,)), sep)),
                    ir.Field(t.STRING, "element", (element_key,)),
                ))
        else:
            key = source.key or ("id" if "id" in source.fields else None)
            if key is not None:
                return ir.Field(t.STRING, "record", (key,))
        self.report.error(
            "XM206", f"the records of '{mapping.source}' have no key field", mapping.span,
            "say what identifies a record with `key <expression>`",
        )
        return constant(None)

    def _check_required(
        self,
        target: schema.ObjectSchema,
        mode: str,
        external_id: str | None,
        assigned: dict[str, ast.Assign],
        mapping: ast.Mapping,
    ) -> None:
        missing = [name for name in target.required_on_create if name not in assigned]
        if missing:
            self.report.error(
                "XM217", f"'{target.name}' requires {', '.join(missing)}, which this mapping does not set",
                mapping.span, "assign them, with a default (`?? \"...\"`) where the source may be empty",
            )
        if mode == "upsert" and external_id is not None and external_id not in assigned:
            self.report.error(
                "XM217", f"the mapping upserts on '{external_id}' but does not assign it", mapping.span,
                f"add `{external_id} = <key>`",
            )

    # ---- assignments ------------------------------------------------------------------

    def assignment(
        self,
        target: schema.ObjectSchema,
        stmt: ast.Assign,
        scope: Scope,
        mode: str,
        assigned: dict[str, ast.Assign],
        dropped: list[DroppedAssignment],
    ) -> Assignment | None:
        """One ``Field = expr`` (or ``?=``) checked; None when it is an error or an
        optional assignment this destination does not allow (added to ``dropped``)."""
        lookups_before = len(self.checker.lookups)
        value = self.checker.check(stmt.value, scope)
        field = target.find_field(stmt.field)
        if field is None:
            self.report.unknown(
                "XM204", f"'{target.name}' has no field '{stmt.field}'", stmt.span, stmt.field, target.fields,
                hint=f"declare it with `extend {target.name} {{ {stmt.field}: ... }}`",
            )
            return None
        if field.name in assigned:
            first = assigned[field.name].span.line
            self.report.error("XM210", f"'{field.name}' is assigned twice (first at line {first})", stmt.span)
            return None
        assigned[field.name] = stmt
        writable = field.updateable if mode == "update" else field.createable
        if stmt.optional and not writable:
            where = f"{target.name}.{field.name}"
            verb = "updated" if mode == "update" else "set when a record is created"
            reason = f"'{where}' cannot be {verb} in this destination"
            self.report.warning(
                "XM233", f"{reason}; `?=` leaves it out", stmt.span,
                "the destination decides: where it allows the field (an org permission, say), "
                "the same spec writes it",
            )
            # The value is still checked against the field's type, so the spec holds
            # for every destination it may run against.
            self.check_field(target, field, value, stmt.span, mode, writable=True)
            # A left-out value's lookups do not make this step wait for their targets.
            del self.checker.lookups[lookups_before:]
            dropped.append(DroppedAssignment(field.name, stmt.span.line, reason))
            return None
        self.check_field(target, field, value, stmt.span, mode)
        return Assignment(field.name, value, stmt.span.line)

    def check_field(
        self,
        target: schema.ObjectSchema,
        field: schema.FieldSchema,
        value: ir.Expr,
        span: Span,
        mode: str,
        *,
        writable: bool | None = None,
    ) -> None:
        """Every check of one value written into one destination field (``writable``
        overrides what the schema says, for a ``?=`` checked though left out)."""
        where = f"{target.name}.{field.name}"
        if writable is None:
            writable = field.updateable if mode == "update" else field.createable
        if not writable:
            verb = "updated" if mode == "update" else "set when a record is created"
            self.report.error(
                "XM209", f"'{where}' cannot be {verb}: the destination computes it", span,
                f"keep the value in a custom field instead (`extend {target.name} {{ ... }}`); "
                "`?=` writes it only where the destination allows it",
            )
            return
        vtype = value.type
        if isinstance(field.type, schema.Id):
            self._own_id(target, field, vtype, span)
            return
        accepts = _ACCEPTS.get(type(field.type))
        if vtype.kind == "list" and not (isinstance(field.type, schema.Enum) and field.type.multi):
            self.report.error("XM211", f"'{where}' holds one value, but this is {vtype}", span,
                              "pick one element (first(...)) or join(...) them")
        elif (accepts is not None and vtype.kind not in accepts[0] | {"any", "null"}
              and not (isinstance(field.type, schema.Enum) and field.type.multi)):
            self.report.error(
                "XM211", f"'{where}' is {schema.describe_type(field.type)}, but this is {vtype}",
                span, f"convert explicitly: {accepts[1]}",
            )
            return
        if isinstance(field.type, schema.Reference) and vtype.kind == "id" and vtype.targets:
            self._reference_targets(target, field, field.type, vtype, span)
        if field.required_on_create and mode != "update" and vtype.nullable:
            if isinstance(value, ir.Lookup) and value.missing == "defer":
                self.report.error("XM224", f"'{where}' is required, so it cannot wait for a deferred lookup", span,
                                  "use `missing fail`")
            else:
                self.report.error(
                    "XM212", f"'{where}' is required, but this may be null ({vtype})", span,
                    'give a default: `value ?? "..."`',
                )
        if self._inferred_length(field, value):
            self._inferred_lengths.append((field.name, getattr(field.type, "max_length", 0)))
        else:
            self._check_length(where, field, vtype, span)
        self._check_picklist(where, field, value, span)

    def _reference_targets(
        self, target: schema.ObjectSchema, field: schema.FieldSchema, reference: schema.Reference,
        vtype: t.ValueType, span: Span,
    ) -> None:
        """XM218: every object a lookup may give must be one the reference field may
        point at (its ``referenceTo``). A polymorphic field (``Task.WhatId``) lists
        several, and a value that joins two lookups (``a ?? b``) must fit each."""
        allowed = {name.casefold() for name in reference.targets}
        bad = [name for name in vtype.targets if name.casefold() not in allowed]
        if not bad:
            return
        where = f"{target.name}.{field.name}"
        listed = reference.targets
        shown = " or ".join(listed) if len(listed) <= 4 else ", ".join(listed[:4]) + f" (or {len(listed) - 4} more)"
        message = f"'{where}' refers to {shown}, but this lookup gives {' or '.join(vtype.targets)}"
        hint: str | None
        if len(listed) > 1:
            # A field named after the object, as the destination names custom fields.
            suffix = self.target_schema.custom_suffix
            own = (bad[0].removesuffix(suffix) + suffix) if suffix else f"{bad[0]}_Id"
            hint = (f"'{where}' is polymorphic: it points only at the objects the destination lists "
                    f"({', '.join(listed)}), not at {' or '.join(bad)}. Map the source to one of them, or "
                    f"keep the id in a lookup field of its own: extend {target.name} {{ {own}: lookup({bad[0]}) }}")
        else:
            hint = (f"look up a mapping whose object is {listed[0]}" if listed else None)
        self.report.error("XM218", message, span, hint)

    def _own_id(self, target: schema.ObjectSchema, field: schema.FieldSchema, vtype: t.ValueType,
                span: Span) -> None:
        """XM235: a field the destination types as a record's own id cannot be
        written: the destination assigns it (Salesforce refuses an insert that sets
        one: "cannot specify Id in an insert call")."""
        where = f"{target.name}.{field.name}"
        if vtype.kind == "id" and vtype.targets:
            hint = (f"a lookup writes a reference field: if '{field.name}' refers to {vtype.targets[0]}, type it "
                    f"so in the destination (`extend {target.name} {{ {field.name}: lookup({vtype.targets[0]}) }}`, "
                    "or kind \"reference\" in a schema file)")
        else:
            hint = "the destination assigns a record's id: leave it out, or keep the value in a field of its own"
        self.report.error("XM235", f"'{where}' is the record's own id in the destination; it cannot be written",
                          span, hint)

    def _inferred_length(self, field: schema.FieldSchema, value: ir.Expr) -> bool:
        """Is the value's length unknown only because it reads a string field of an
        inferred source schema (where no length can be known)?"""
        if getattr(field.type, "max_length", None) is None or value.type.kind != "string":
            return False
        if value.type.length is not None or value.type.values is not None:
            return False
        if any(n.root in ("record", "element") and n.path for n in find_all(value, ir.Field)):
            return self._inferred_source
        return False

    def _report_inferred_lengths(self, source: schema.ObjectSchema, target: schema.ObjectSchema,
                                 mapping: ast.Mapping) -> None:
        """One XM214 for all the fields of a mapping whose value lengths are unknown
        because the source schema is inferred, rather than one per field."""
        found = self._inferred_lengths
        if not found:
            return
        sample = source.inferred_from
        shown = ", ".join(f"{name} ({limit})" for name, limit in found[:6]) + (
            f" and {len(found) - 6} more" if len(found) > 6 else "")
        origin = (f"'{source.name}' is inferred from a sample of {sample} records" if sample is not None
                  else "the source schema is inferred from a sample")
        self.report.warning(
            "XM214", f"'{target.name}': {len(found)} field{'s hold' if len(found) != 1 else ' holds'} limited text "
            f"whose source length is not known: {shown}",
            _first_line(mapping.span),
            f"{origin}, which gives no lengths: truncate(value, N) where a value may be longer, "
            "or give the source a schema file with max_length",
        )

    def _check_length(self, where: str, field: schema.FieldSchema, vtype: t.ValueType, span: Span) -> None:
        limit = getattr(field.type, "max_length", None)
        if limit is None or vtype.kind != "string":
            return
        length = max(map(len, vtype.values)) if vtype.values is not None else vtype.length
        if length is None:
            self.report.warning(
                "XM214", f"'{where}' holds {limit} characters; the length of this value is not known", span,
                f"truncate(value, {limit}) makes sure it fits",
            )
        elif length > limit:
            self.report.error(
                "XM213", f"'{where}' holds {limit} characters, but this may be up to {length}", span,
                f"truncate(value, {limit})",
            )

    def _check_picklist(self, where: str, field: schema.FieldSchema, value: ir.Expr, span: Span) -> None:
        vtype = value.type
        if not isinstance(field.type, schema.Enum) or field.type.multi or vtype.kind != "string":
            return
        allowed = set(field.type.values)
        if vtype.values is None:
            if field.type.restricted:
                self.report.warning(
                    "XM216", f"'{where}' is a restricted picklist; these values cannot be checked", span,
                    "map them through a value map",
                )
            return
        bad = [v for v in vtype.values if v not in allowed]
        # A value a value map writes is reported at the entry that writes it, where
        # it is fixed; the rest at the assignment.
        places: dict[tuple[int, int], tuple[Span, str, list[str]]] = {}
        for v in bad:
            entry = self._map_entry_writing(value, v)
            place, note = (entry, f" (value map used at line {span.line})") if entry is not None else (span, "")
            places.setdefault((place.start, place.end), (place, note, []))[2].append(v)
        for place, note, values in places.values():
            shown = ", ".join(repr(v) for v in values)
            message = f"{shown} {'is' if len(values) == 1 else 'are'} not a value of the picklist '{where}'{note}"
            if field.type.restricted:
                self.report.error("XM215", message, place, "values: " + ", ".join(field.type.values))
            else:
                self.report.warning("XM216", message, place, "the value will be added as an inactive value")

    def _map_entry_writing(self, value: ir.Expr, output: str) -> Span | None:
        """The span of the value-map entry (or ``else``) that writes ``output`` into
        ``value``, when a value map of the expression does."""
        for node in find_all(value, ir.MapValue):
            if node.valuemap in self.checker.value_maps:
                valuemap = self.checker.value_maps[node.valuemap][0]
                for entry in valuemap.entries:
                    if entry.output.value == output:
                        return entry.output.span
                otherwise = valuemap.otherwise
                if otherwise is not None and otherwise.default is not None and otherwise.default.value == output:
                    return otherwise.default.span
        return None

    # ---- resolve blocks ---------------------------------------------------------------------

    def resolution(self, block: ast.Resolve, name: str) -> Resolution | None:
        source = self.source_object(block.source, block.span)
        target = self.target_object(block.target, block.span)
        if source is None or target is None:
            return None
        scope = Scope(record=source)
        self._inferred_source = False  # a resolve block's length warnings stay one per field
        by = next((s for s in block.body if isinstance(s, ast.By)), None)
        if by is None:
            self.report.error("XM229", "a resolve block needs `by source_expr = destination_field`", block.span)
            return None
        source_key = self.checker.check(by.source, scope)
        matched = self._target_key(by.target, target)
        if matched is None:
            return None
        target_field, transforms = matched
        fallback = None
        updates: list[Statement] = []
        assigned: dict[str, ast.Assign] = {}
        dropped: list[DroppedAssignment] = []
        for stmt in block.body:
            if isinstance(stmt, ast.Fallback):
                if not isinstance(stmt.value, ast.Literal) or not isinstance(stmt.value.value, str):
                    self.report.error("XM229", "the fallback is the key of a destination record, as a string",
                                      stmt.span, 'write `fallback "dispatch.manager@example.com"`')
                else:
                    fallback = stmt.value.value
            elif isinstance(stmt, ast.Let):
                value = self.checker.check(stmt.value, scope)
                updates.append(Binding(stmt.name, value, stmt.span.line))
                scope = scope.bind(stmt.name, value)
            elif isinstance(stmt, ast.Assign):
                assignment = self.assignment(target, stmt, scope, "update", assigned, dropped)
                if assignment is not None:
                    updates.append(assignment)
            elif isinstance(stmt, ast.KeyStmt | ast.LoadMode | ast.Skip | ast.FailWhen):
                self.report.error("XM229", "a resolve block matches records; it has no key, load mode or skip",
                                  stmt.span)
        return Resolution(
            name, source.name, target.name, source_key, target_field, transforms, fallback,
            tuple(updates), block.span.line, tuple(dropped),
        )

    def _target_key(self, node: ast.Expr, target: schema.ObjectSchema) -> tuple[str, tuple[str, ...]] | None:
        transforms: list[str] = []
        while isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
            if node.func not in self.functions:
                self.report.unknown("XM225", f"unknown function '{node.func}'", node.span, node.func, self.functions)
                return None
            transforms.append(node.func)
            node = node.args[0]
        if not isinstance(node, ast.Name):
            self.report.error(
                "XM229", "the right side of `by` is a destination field, optionally in one-argument functions",
                node.span, "write `by lower(email) = lower(Email)`",
            )
            return None
        field = target.find_field(node.name)
        if field is None:
            self.report.unknown("XM204", f"'{target.name}' has no field '{node.name}'", node.span, node.name,
                                target.fields)
            return None
        return field.name, tuple(reversed(transforms))


def _first_line(span: Span) -> Span:
    """The span's first line: a warning about a whole block points at its header."""
    end = span.source.text.find("\n", span.start)
    return span.source.span(span.start, end if 0 <= end < span.end else span.end)


def _text(span: Span) -> str:
    return span.source.text[span.start : span.end]


def lookup_targets(
    mappings: tuple[ast.Mapping, ...], resolves: tuple[ast.Resolve, ...], names: Callable[[ast.Mapping], str]
) -> tuple[LookupTarget, ...]:
    """Everything a ``lookup`` can go through: plain steps (not fan-outs) and resolutions."""
    targets = [
        LookupTarget(names(m), m.source, m.target, False) for m in mappings if not m.path
    ]
    targets.extend(LookupTarget(f"{r.source}->{r.target}", r.source, r.target, True) for r in resolves)
    return tuple(targets)


def ordered_after(
    steps: tuple[Step, ...], mappings: tuple[ast.Mapping, ...], names: Callable[[ast.Mapping], str], report: Reporter
) -> tuple[Step, ...]:
    """Steps with the dependencies their ``after`` statements add: every step that
    maps the named source object (or nested list) loads first. An unknown name, or
    an ``after`` that closes a cycle, is XM234."""
    by_source: dict[str, list[str]] = {}
    for step in steps:
        by_source.setdefault(".".join((step.source, *step.path)), []).append(step.name)
    extra: dict[str, list[str]] = {}
    for mapping in mappings:
        for stmt in (s for s in mapping.body if isinstance(s, ast.After)):
            for ref in stmt.sources:
                found = [name for name in by_source.get(ref, []) if name != names(mapping)]
                if not found:
                    hint = did_you_mean(ref, by_source) or "name a source object another map reads"
                    report.error("XM234", f"`after {ref}`: no other mapping reads '{ref}'", stmt.span, hint)
                extra.setdefault(names(mapping), []).extend(found)
    if not extra:
        return steps
    updated = tuple(attrs.evolve(s, depends_on=tuple(dict.fromkeys((*s.depends_on, *extra.get(s.name, ())))))
                    for s in steps)
    edges = {s.name: set(s.depends_on) for s in updated}
    for component in strongly_connected([s.name for s in updated], edges):
        for name in sorted(component):
            if set(extra.get(name, ())) & component:
                mapping = next(m for m in mappings if names(m) == name)
                span = next(s.span for s in mapping.body if isinstance(s, ast.After))
                report.error("XM234", f"`after` makes '{name}' wait for steps that wait for it",
                             span, "an `after` cannot go against the lookups: remove it")
    return updated
