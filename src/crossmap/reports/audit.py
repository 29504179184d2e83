"""The audit report of a run: counts per step that reconcile, and the error log
grouped by cause, each group with a resolution hint. Rendered as text, JSON and a
self-contained HTML page."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from attrs import asdict, frozen

from crossmap.compiler import Plan
from crossmap.errors import Diagnostic
from crossmap.reports.redact import shorten_values
from crossmap.state import StateStore

OUTCOMES = ("created", "updated", "matched", "deleted", "skipped", "failed", "held_back")

# Destination and transform error codes → what to do. {field}, {line}, {step} are filled in.
HINTS: dict[str, str] = {
    "REQUIRED_FIELD_MISSING": "give {field} a value or a default (`?? \"...\"`) at spec line {line}",
    "STRING_TOO_LONG": "truncate {field} at spec line {line}: truncate(value, <the field's length>)",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": "map {field} through a value map (spec line {line}) whose outputs are the picklist's values",
    "INVALID_FIELD_FOR_INSERT_UPDATE": "{field} is not writable: write the value to a custom field instead (spec line {line})",
    "DUPLICATE_VALUE": "two records share an external id: make the key at spec line {line} unique, or upsert on it",
    "INVALID_CROSS_REFERENCE_KEY": "a lookup points at a record that does not exist: check the parent mapping of {step}",
    "UNABLE_TO_LOCK_ROW": "contention on a parent record: run `crossmap run --retry-failed` to load these again",
    "TRANSFORM": "the transform failed at spec line {line}: give the expression an on_error policy or a default",
    "RULE": "the spec's `fail when` rule at line {line} holds for these records: correct them in the source, "
            "or change the rule",
    "PARENT_FAILED": "fix the parent's failure first; these load with `crossmap run --retry-failed`",
    "UNMATCHED": "create the missing destination records, or rely on the resolve block's fallback",
}


@frozen
class StepCounts:
    """How the records of one step ended. ``extracted`` is their total: every record
    ends in exactly one of the other counts."""

    step: str
    source: str
    target: str
    extracted: int
    created: int
    updated: int
    matched: int
    deleted: int
    skipped: int
    failed: int
    held_back: int


@frozen
class ErrorLine:
    """One cause of failure in one step, with its count, sample keys and a hint."""

    step: str
    code: str | None
    field: str | None
    count: int
    sample_keys: tuple[str, ...]
    reason: str | None
    hint: str | None


@frozen
class Finding:
    """A field-mapping validation result of the spec: a compiler warning the run went
    ahead with."""

    code: str
    severity: str
    where: str
    message: str


@frozen
class AuditReport:
    """Everything ``crossmap report RUN`` shows."""

    run_id: int
    spec: str
    kind: str
    status: str
    started_at: str
    ended_at: str | None
    steps: tuple[StepCounts, ...]
    errors: tuple[ErrorLine, ...]
    validation: tuple[Finding, ...] = ()

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)


def audit_report(
    plan: Plan, store: StateStore, run_id: int, validation: Sequence[Diagnostic] = ()
) -> AuditReport:
    """Build the report of ``run_id`` from the state store; ``validation`` are the
    compiler's findings on the spec (its warnings), reported with the run."""
    run = store.run(run_id)
    counts = store.outcome_counts(run_id)
    steps = []
    names = [s.name for s in plan.steps] + [r.name for r in plan.resolutions]
    for name in names + sorted(set(counts) - set(names)):
        if name not in counts:
            continue
        by = counts[name]
        step = next((s for s in plan.steps if s.name == name), None)
        source, target = (step.source, step.target) if step else tuple(name.split("->", 1))
        steps.append(
            StepCounts(name, source, target, sum(by.values()), *(by.get(o, 0) for o in OUTCOMES))
        )
    errors = []
    for group in store.error_groups(run_id, outcomes=("failed", "held_back")):
        line = _line_of(plan, group.step, group.field)
        template = HINTS.get(group.code or "")
        hint = template.format(field=group.field or "the field", line=line or "?", step=group.step) if template else None
        # A failing value quoted in the reason is abbreviated: its start identifies it.
        errors.append(ErrorLine(group.step, group.code, group.field, group.count, tuple(group.sample_keys),
                                shorten_values(group.reason), hint))
    return AuditReport(
        run.id, run.spec, run.kind, run.status, str(run.started_at), str(run.ended_at) if run.ended_at else None,
        tuple(steps), tuple(errors),
        tuple(Finding(d.code, d.severity, str(d.span), d.message) for d in validation),
    )


def _line_of(plan: Plan, step_name: str, field: str | None) -> int | None:
    for step in plan.steps:
        if step.name == step_name:
            for assignment in step.assignments:
                if field and assignment.field == field.split(",")[0]:
                    return assignment.line
            return step.line
    return None


def render_text(report: AuditReport) -> str:
    """The report for a terminal."""
    lines = [f"run {report.run_id} ({report.kind}) of {report.spec}: {report.status}",
             f"started {report.started_at}, ended {report.ended_at or '-'}", ""]
    header = ("step", "extracted", "created", "updated", "matched", "deleted", "skipped", "failed", "held back")
    rows = [header] + [
        (s.step, *(str(v) for v in (s.extracted, s.created, s.updated, s.matched, s.deleted, s.skipped, s.failed,
                                    s.held_back)))
        for s in report.steps
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    if report.validation:
        lines += ["", "field-mapping validation:"]
        lines += [f"  {f.where}: {f.severity}[{f.code}]: {f.message}" for f in report.validation]
    if report.errors:
        lines += ["", "errors, grouped by cause:"]
        for error in report.errors:
            where = f"{error.step}" + (f" {error.field}" if error.field else "")
            lines.append(f"  {error.count} x {error.code or 'ERROR'} on {where}: {error.reason or ''}")
            lines.append(f"      e.g. {', '.join(error.sample_keys)}")
            if error.hint:
                lines.append(f"      hint: {error.hint}")
    return "\n".join(lines)


def render_html(report: AuditReport) -> str:
    """A self-contained HTML page (inline CSS, no scripts, nothing fetched)."""
    e = html.escape
    data: dict[str, Any] = asdict(report)
    rows = "".join(
        "<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in (
            s["step"], s["extracted"], s["created"], s["updated"], s["matched"], s["deleted"], s["skipped"],
            s["failed"], s["held_back"],
        )) + "</tr>"
        for s in data["steps"]
    )
    errors = "".join(
        f"<tr><td>{e(x['step'])}</td><td>{e(x['code'] or '')}</td><td>{e(x['field'] or '')}</td>"
        f"<td>{x['count']}</td><td>{e(', '.join(x['sample_keys']))}</td><td>{e(x['reason'] or '')}</td>"
        f"<td>{e(x['hint'] or '')}</td></tr>"
        for x in data["errors"]
    )
    findings = "".join(
        f"<tr><td>{e(f['where'])}</td><td>{e(f['severity'])}[{e(f['code'])}]</td><td>{e(f['message'])}</td></tr>"
        for f in data["validation"]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crossmap run {report.run_id}</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}th{{background:#f4f4f4}}</style></head>
<body><h1>Run {report.run_id}: {e(report.status)}</h1>
<p>{e(report.spec)} &middot; {e(report.kind)} &middot; {e(report.started_at)} &ndash; {e(report.ended_at or '')}</p>
<h2>Records per step</h2><table><tr><th>step</th><th>extracted</th><th>created</th><th>updated</th><th>matched</th>
<th>deleted</th><th>skipped</th><th>failed</th><th>held back</th></tr>{rows}</table>
<h2>Field-mapping validation</h2><table><tr><th>where</th><th>code</th><th>message</th></tr>{findings}</table>
<h2>Errors by cause</h2><table><tr><th>step</th><th>code</th><th>field</th><th>count</th><th>examples</th>
<th>reason</th><th>hint</th></tr>{errors}</table></body></html>
"""

