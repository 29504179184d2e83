"""``crossmap check --live``: a spec compiled against what both systems describe now,
and each object or field it declares checked against the destination (preflight's
schema audit). A declared field the destination lacks, or types otherwise, is an
error here rather than a failed run later."""

from __future__ import annotations

from pathlib import Path

from crossmap.compiler import CompileResult
from crossmap.errors import Diagnostic, Span
from crossmap.preflight.audit import audit_schema
from crossmap.syntax import ast, load
from crossmap.systems import closing, open_systems


def check_live(path: Path) -> CompileResult:
    """The spec compiled against both systems' live schemas (``open_systems``), and
    each field or object it declares checked against what the destination has now:
    one the destination lacks (``XM241``) or types otherwise (``XM242``) is an
    error, since the run would fail on it; the plan is then ``None``. Raises
    ``SpecError`` for a spec that does not compile and ``CrossmapError`` for a
    system that cannot be reached."""
    systems = open_systems(path)
    with closing(systems.source, systems.destination):
        audit = audit_schema(systems.plan.declarations, systems.destination.describe())
    spec = load(path)
    spans: dict[tuple[str, str | None], Span] = {(d.name, None): d.span for d in spec.of_type(ast.ObjectDecl)}
    spans |= {(d.name, f.name): f.span for d in spec.of_type(ast.ObjectDecl) for f in d.fields}
    deploy = (f"create it with `crossmap scaffold {path} --apply`, or deploy the package "
              f"`crossmap preflight {path} --out DIR` writes")
    found = [
        Diagnostic("XM241", f"the destination has no {'object' if m.field is None else 'field'} "
               f"'{m.object if m.field is None else f'{m.object}.{m.field}'}', which the spec declares",
               spans.get((m.object, m.field), spans.get((m.object, None), spec.span)), deploy)
        for m in audit.missing
    ] + [
        Diagnostic("XM242", f"'{m.object}.{m.field}' is declared {m.declared}, but the destination has "
               f"{m.actual}: {m.problem}", spans.get((m.object, m.field), spec.span),
               "change the declaration to what the destination has, or the field in the destination")
        for m in audit.mismatches
    ]
    return CompileResult(None if found else systems.plan, [*systems.diagnostics, *found])
