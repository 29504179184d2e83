"""The preflight report: one value, rendered for a terminal, as JSON, and as a
self-contained HTML page."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping

from attrs import asdict, frozen

from crossmap.preflight.audit import SchemaAudit
from crossmap.preflight.coverage import NOT_PREDICTED, Coverage
from crossmap.preflight.estimate import Estimate
from crossmap.preflight.gaps import Gap, UnmappedFields
from crossmap.preflight.grade import Grade
from crossmap.preflight.resolution import ResolutionCheck

SHOWN = 10
"""Keys and values listed per line in the text report (JSON has them all)."""


@frozen
class PreflightReport:
    """Everything ``crossmap preflight`` found, before any record moves.

    ``blockers`` are the reasons the run would stop (an empty tuple: it can start);
    ``counts`` are source records per object."""

    spec: str
    source: str
    target: str
    generated_at: str
    schema: SchemaAudit
    counts: Mapping[str, int]
    resolutions: tuple[ResolutionCheck, ...]
    coverage: Coverage
    estimate: Estimate
    native_gaps: tuple[Gap, ...]
    unmapped_objects: tuple[Gap, ...]
    unmapped_fields: tuple[UnmappedFields, ...]
    grade: Grade
    blockers: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Nothing blocks the run."""
        return not self.blockers

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        data = asdict(self, recurse=True)
        data["ok"] = self.ok
        return data

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, default=str, ensure_ascii=False)


def _few(items: tuple[str, ...] | list[str], total: int | None = None) -> str:
    total = len(items) if total is None else total
    shown = ", ".join(items[:SHOWN])
    return shown + (f", ... ({total - SHOWN} more)" if total > SHOWN else "")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def render_text(report: PreflightReport) -> str:
    """The report for a terminal."""
    out = [f"preflight: {report.spec} ({report.source} -> {report.target}) at {report.generated_at}"]
    out.append("\n== schema ==")
    audit = report.schema
    if not audit.missing and not audit.mismatches:
        out.append("  the destination has every declared object and field")
    for item in audit.missing:
        what = f"object {item.object}" if item.field is None else f"field {item.object}.{item.field}: {item.type}"
        out.append(f"  [ ] {what}")
    for mismatch in audit.mismatches:
        out.append(f"  [!] {mismatch.object}.{mismatch.field}: {mismatch.problem}")
    if audit.applied:
        out.append(f"  created: {_few(list(audit.applied))}")
    for problem in audit.apply_problems:
        out.append(f"  problem: {problem}")
    if audit.package:
        out.append(f"  metadata package: {audit.package}")
    out.append("\n== records ==")
    out.extend(f"  {name:<28} {count:>9,}" for name, count in sorted(report.counts.items()))
    out.append("\n== resolution ==")
    for check in report.resolutions:
        out.append(f"  {check.name} by {check.by}: {check.matched} of {check.total} matched")
        if check.unmatched_count:
            out.append(f"    unmatched ({check.unmatched_count}): {_few(list(check.unmatched), check.unmatched_count)}")
        if check.ambiguous:
            out.append(f"    ambiguous ({len(check.ambiguous)}): "
                       + _few([f"{k} ({n} matches)" for k, n in check.ambiguous]))
        if check.inactive:
            out.append(f"    matched an inactive {check.target} ({len(check.inactive)}): {_few(list(check.inactive))}")
        if check.fallback is not None:
            state = "exists" if check.fallback_found else "DOES NOT EXIST"
            if check.fallback_found and check.fallback_active is False:
                state = "exists but is INACTIVE"
            out.append(f"    fallback {check.fallback!r}: {state}")
    out.append("\n== coverage ==")
    for step in report.coverage.steps:
        out.append(f"  {step.step:<44} {step.records:>7} records -> {step.would_load:>7} would load, "
                   f"{step.skipped} skipped, {step.would_fail} would fail, {step.held_back} held back")
    out.append(f"  {NOT_PREDICTED}")
    for issue in report.coverage.issues:
        where = f"{issue.object}.{issue.field}" if issue.field else issue.object
        line = f" (spec line {issue.line})" if issue.line else ""
        out.append(f"  {issue.severity}: {where}{line}: {issue.code} x{issue.count}: {issue.message}")
        if issue.values:
            out.append("    source values: " + _few([f"{v} x{n}" for v, n in issue.values]))
        if issue.sample_keys:
            out.append(f"    e.g. {', '.join(issue.sample_keys)}")
    est = report.estimate
    out.append("\n== API budget and duration (estimates) ==")
    for s in est.steps:
        extra = f" + {s.deferred_calls} (deferred pass)" if s.deferred_calls else ""
        out.append(f"  {s.step:<44} {s.rows:>7} rows: {s.calls} calls{extra}, {s.extraction_requests} source requests")
    out.append(f"  destination calls in all: about {est.total_calls:,}"
               + (f" (resolve blocks: {est.resolution_calls})" if est.resolution_calls else ""))
    if est.budget_remaining is not None:
        out.append(f"  daily API requests left: {est.budget_remaining:,} of {est.budget_max:,}"
                   + (" -- NOT ENOUGH" if est.budget_short else ""))
    out.append(f"  source requests: about {est.extraction_requests:,}"
               + (f" at {est.requests_per_minute:.0f}/min" if est.requests_per_minute else ""))
    out.append(f"  duration: about {_duration(est.seconds)}")
    out.extend(f"  note: {note}" for note in est.notes)
    out.append("\n== to rebuild natively ==")
    for gap in (*report.native_gaps, *report.unmapped_objects):
        count = "" if gap.count is None else f" ({gap.count:,} records)"
        out.append(f"  - {gap.title}{count}: {gap.detail}")
        if gap.rebuild_with:
            out.append(f"      rebuild with: {gap.rebuild_with}")
    for fields in report.unmapped_fields:
        out.append(f"  - {fields.object}: fields not migrated: {_few(list(fields.fields))}")
    g = report.grade
    out.append(f"\n== complexity: {g.letter} ({g.label}), {g.points} points ==")
    out.extend(f"  +{r.points} {r.reason}" for r in g.reasons)
    out.append("")
    if report.blockers:
        out.append("BLOCKED: the run would not start or would stop:")
        out.extend(f"  - {b}" for b in report.blockers)
    else:
        out.append("ready: nothing blocks the run")
    return "\n".join(out)


def render_html(report: PreflightReport) -> str:
    """A self-contained HTML page of the report (no scripts, no external files)."""
    e = html.escape

    def table(head: list[str], rows: list[list[object]]) -> str:
        if not rows:
            return "<p>none</p>"
        th = "".join(f"<th>{e(h)}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"

    audit, est, g = report.schema, report.estimate, report.grade
    verdict = ("<p class='ok'>Nothing blocks the run.</p>" if report.ok else
               "<div class='blocked'><p>The run would not start or would stop:</p><ul>"
               + "".join(f"<li>{e(b)}</li>" for b in report.blockers) + "</ul></div>")
    steps = report.coverage.steps
    budget = (f"{est.budget_remaining:,} of {est.budget_max:,}" if est.budget_remaining is not None else "unknown")
    figures = [  # what a reader came for, before any table
        (f"{sum(report.counts.values()):,}", "source records"),
        (f"{sum(s.would_load for s in steps):,}", "rows would load"),
        (f"{sum(s.would_fail for s in steps):,}", "would fail"),
        (f"{sum(s.held_back for s in steps):,}", "would be held back"),
        (f"{sum(s.skipped for s in steps):,}", "skipped by rules"),
        (f"{est.total_calls:,}", "destination calls"),
        (budget + (" (not enough)" if est.budget_short else ""), "daily API requests left"),
        (_duration(est.seconds), "duration"),
        (f"{g.letter} ({g.label})", "complexity"),
    ]
    parts = [
        f"<h1>Preflight: {e(report.spec)}</h1>",
        f"<p>{e(report.source)} &rarr; {e(report.target)}, {e(report.generated_at)}</p>",
        verdict,
        "<div class='figures'>" + "".join(f"<div><b>{e(v)}</b>{e(k)}</div>" for v, k in figures) + "</div>",
        "<h2>Coverage</h2>",
        table(["step", "records", "rows", "would load", "skipped", "would fail", "held back"],
              [[s.step, s.records, s.rows, s.would_load, s.skipped, s.would_fail, s.held_back]
               for s in steps]) + f"<p>{e(NOT_PREDICTED)}</p>",
        table(["severity", "object.field", "code", "count", "message", "source values", "spec line"],
              [[i.severity, f"{i.object}.{i.field}" if i.field else i.object, i.code, i.count, i.message,
                _few([f"{v} x{n}" for v, n in i.values]), i.line or ""] for i in report.coverage.issues]),
        "<h2>API budget and duration (estimates)</h2>",
        f"<p>About {est.total_calls:,} destination calls"
        + (f"; {est.budget_remaining:,} of {est.budget_max:,} daily requests left" if est.budget_remaining is not None else "")
        + (" &mdash; <strong>not enough</strong>" if est.budget_short else "")
        + f". About {est.extraction_requests:,} source requests. Duration: about {e(_duration(est.seconds))}.</p>",
        table(["step", "rows", "calls", "deferred-pass calls", "source requests", "seconds"],
              [[s.step, s.rows, s.calls, s.deferred_calls, s.extraction_requests, f"{s.seconds:.0f}"]
               for s in est.steps]),
        "".join(f"<p class='note'>{e(n)}</p>" for n in est.notes),
        "<h2>Records</h2>",
        table(["object", "records"], [[k, f"{v:,}"] for k, v in sorted(report.counts.items())]),
        "<h2>Resolution</h2>",
        table(["resolve", "matched", "unmatched", "ambiguous", "inactive", "fallback"],
              [[c.name, f"{c.matched} of {c.total}", _few(list(c.unmatched), c.unmatched_count),
                _few([k for k, _ in c.ambiguous]), _few(list(c.inactive)),
                "none" if c.fallback is None else f"{c.fallback} ({'exists' if c.fallback_found else 'missing'})"]
               for c in report.resolutions]),
        f"<h2>Complexity: {e(g.letter)} ({e(g.label)}), {g.points} points</h2>",
        table(["points", "reason"], [[r.points, r.reason] for r in g.reasons]),
        "<h2>Schema the spec needs</h2>",
        table(["object", "field", "declared type"], [[m.object, m.field or "(the object)", m.type or ""]
                                                     for m in audit.missing]),
        table(["object", "field", "declared", "in the destination", "problem"],
              [[m.object, m.field, m.declared, m.actual, m.problem] for m in audit.mismatches]),
        "<h2>To rebuild natively</h2>",
        table(["gap", "records", "detail", "rebuild with"],
              [[x.title, "" if x.count is None else x.count, x.detail, x.rebuild_with or ""]
               for x in (*report.native_gaps, *report.unmapped_objects)]),
        table(["object", "fields not migrated"], [[u.object, ", ".join(u.fields)] for u in report.unmapped_fields]),
    ]
    style = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:75em}"
             "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;"
             "text-align:left;vertical-align:top}th{background:#f3f3f3}.blocked{background:#fde8e8;padding:.5em 1em}"
             ".ok{background:#e8f6e8;padding:.5em 1em}.note{color:#555}"
             ".figures{display:flex;flex-wrap:wrap;gap:1.5em 2em;margin:1em 0}.figures div{font-size:13px;color:#555}"
             ".figures b{display:block;font-size:20px;color:#222}")
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>Preflight: {e(report.spec)}</title><style>{style}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")
