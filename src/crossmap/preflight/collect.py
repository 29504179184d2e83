"""``preflight(plan, source, destination)``: every check, one report.

Reads both systems and writes nothing to either — unless asked to create what the
destination lacks (``apply``) — and no record leaves the machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

from crossmap.codegen import generate
from crossmap.compiler import Plan
from crossmap.connectors import Destination, Source
from crossmap.connectors.protocols import CountingSource, DeployingDestination, capability
from crossmap.errors import CrossmapError
from crossmap.functions import FunctionContext
from crossmap.preflight.audit import SchemaAudit, audit_schema, effective_schema
from crossmap.preflight.coverage import check_coverage
from crossmap.preflight.estimate import estimate
from crossmap.preflight.gaps import (
    mapped_objects,
    nested_only,
    source_gaps,
    unmapped_fields,
    unmapped_objects,
)
from crossmap.preflight.grade import grade
from crossmap.preflight.report import PreflightReport
from crossmap.preflight.resolution import check_resolutions


class PreflightError(CrossmapError):
    """The preflight cannot do what was asked (e.g. write metadata with a connector
    that cannot)."""


def preflight(
    plan: Plan,
    source: Source,
    destination: Destination,
    *,
    batch_size: int = 10_000,
    out: str | Path | None = None,
    apply: bool = False,
    functions: Mapping[str, Callable[..., object]] | None = None,
    context: FunctionContext | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> PreflightReport:
    """Check ``plan`` against both systems as they are now.

    ``out`` writes the metadata package of the declarations there; ``apply`` creates
    what the destination lacks (both through the destination's optional
    ``deploy_declarations``). ``batch_size`` is the run's (it shapes the API calls)."""
    audit = _audit(plan, destination, out, apply)
    live = destination.describe()
    program = generate(plan, functions=functions, context=context)
    matched: dict[str, set[str]] = {}
    resolutions = check_resolutions(plan, program, source, destination, matched=matched)
    coverage = check_coverage(plan, source, effective_schema(live, plan.declarations),
                              functions=functions, context=context, matched=matched,
                              fallbacks={check.name: check.fallback_found is True for check in resolutions})
    counts = dict(coverage.counts)
    for check in resolutions:
        counts.setdefault(check.source, check.total)
    source_schema = source.schema()
    mapped = mapped_objects(plan)
    for obj in source_schema:
        if obj.name not in counts and obj.name not in mapped and not nested_only(obj, source_schema):
            counts[obj.name] = count_records(source, obj.name)
    native = tuple(source_gaps(source, counts))
    unmapped = tuple(unmapped_objects(plan, source_schema, counts))
    priced = estimate(plan, coverage, source, destination, batch_size=batch_size,
                      destination_records={c.name: c.destination_records for c in resolutions}, counts=counts)
    blockers: list[str] = []
    if audit.missing:
        blockers.append(f"the destination lacks {len(audit.missing)} declared objects or fields: create them "
                        "(`crossmap preflight --apply`, or deploy the package written with --out)")
    blockers.extend(audit.apply_problems)
    blockers.extend(b for b in (check.blocker for check in resolutions) if b is not None)
    if priced.budget_message is not None:
        blockers.append(priced.budget_message)
    return PreflightReport(
        spec=plan.spec, source=plan.source.name, target=plan.target.name,
        generated_at=now().isoformat(timespec="seconds"), schema=audit, counts=counts,
        resolutions=tuple(resolutions), coverage=coverage, estimate=priced, native_gaps=native,
        unmapped_objects=unmapped, unmapped_fields=tuple(unmapped_fields(plan, source_schema)),
        grade=grade(audit, resolutions, coverage, native, unmapped, priced, counts), blockers=tuple(blockers),
    )


def count_records(source: Source, obj: str) -> int:
    """Records of ``obj``: the source's optional ``count(object) -> int | None`` when
    it can answer cheaply, else counted by streaming every page."""
    counting = capability(source, CountingSource)
    if counting is not None:
        answer = counting.count(obj)
        if answer is not None:
            return int(answer)
    return sum(len(page) for page in source.extract(obj))


def _audit(plan: Plan, destination: Destination, out: str | Path | None, apply: bool) -> SchemaAudit:
    """The schema audit; with ``out`` / ``apply``, the package written and what is
    missing created, then the audit taken again against the refreshed describe."""
    audit = audit_schema(plan.declarations, destination.describe())
    if out is None and not apply:
        return audit
    deploying = capability(destination, DeployingDestination)
    deploy = deploying.deploy_declarations if deploying is not None else None
    if deploy is None:
        raise PreflightError(f"the '{plan.target.name}' destination cannot write metadata "
                             "(it has no deploy_declarations)")
    if apply and audit.complete:
        apply = False  # nothing to create; the package is still written when asked
    deployed = deploy(plan.declarations, folder=out, apply=apply) if (out is not None or apply) else None
    if apply:
        audit = audit_schema(plan.declarations, destination.describe())
    return SchemaAudit(audit.missing, audit.mismatches,
                       tuple(getattr(deployed, "created", ()) or ()) if apply else (),
                       None if out is None else str(out),
                       tuple(getattr(deployed, "problems", ()) or ()) if apply else ())
