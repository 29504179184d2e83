"""The audit report of a run: counts per step that reconcile, and the error log
grouped by cause, each group with a resolution hint. Rendered as text, JSON and a
self-contained HTML page."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Mapping, Sequence

from attrs import asdict, frozen

from crossmap.compiler import Plan
from crossmap.connectors.builtin.vocabulary import BUILTIN_ERRORS
from crossmap.connectors.vocabulary import ErrorVocabulary, destination_vocabulary, render_hint
from crossmap.errors import Diagnostic
from crossmap.reports.redact import shorten_values
from crossmap.state import StateStore

OUTCOMES = ("created", "updated", "matched", "deleted", "skipped", "failed", "held_back")
_COUNTED = ("extracted", *OUTCOMES)

# crossmap's own error codes → what to do: the engine's (a transform, a rule, a
# source value, a parent) and the row validator's neutral kinds, which a destination
# without codes of its own reports. A destination's codes get its own hints, from
# its ErrorVocabulary (crossmap.connectors.vocabulary). {field}, {line}, {at_line},
# {step} are filled in.
HINTS: dict[str, str] = {
    "MISSING_REQUIRED": "give {field} a value or a default (`?? \"...\"`) {at_line}",
    "TOO_LONG": "truncate {field} {at_line}: truncate(value, <the field's length>)",
    "NOT_IN_PICKLIST": "map {field} through a value map ({at_line}) whose outputs are the picklist's values",
    "NOT_WRITABLE": "{field} is not writable: write the value to a custom field instead ({at_line})",
    "ID_ON_INSERT": "an insert may not give the record's id: stop mapping it {at_line}, or update or upsert",
    "UNKNOWN_FIELD": "the destination object has no field {field}: check the spelling, or declare the field",
    "WRONG_TYPE": "the value is not of {field}'s type: convert it {at_line}",
    "INVALID_EMAIL": "the value is not an email address: clean it {at_line}",
    "OUT_OF_RANGE": "the number has more whole digits than {field} holds: scale it {at_line}, or widen the field",
    "TRANSFORM": "the transform failed at spec line {line}: give the expression an on_error policy or a default",
    "RULE": "the spec's `fail when` rule at line {line} holds for these records: correct them in the source, "
            "or change the rule",
    "SOURCE_VALUE": "the source holds a value that is not its field's declared type: correct it in the source "
                    "(these load with `crossmap run --retry-failed`), or declare the field as text and convert it "
                    "in the spec with an on_error policy",
    "PARENT_FAILED": "fix the parent's failure first; these load with `crossmap run --retry-failed`",
    "DUPLICATE_KEY": "make the step's key (spec line {line}) tell its records apart: for a fan-out, add the "
                     "element's own identity (`key id + \":\" + element.id`), or dedupe the source",
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
    outcome: str = "failed"
    """``failed``, or ``held_back``: a consequence of another record's failure."""


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
    found_loaded: int = 0
    """Rows a resume found already loaded in the destination (writes a killed run
    left in flight), recorded without being sent again."""
    duration: str | None = None
    """How long the run took, as people read it (``1 min 32 s``); None while it runs."""
    found_for_earlier: tuple[tuple[int, int], ...] = ()
    """(earlier run, rows): writes earlier runs left in flight that this run, starting,
    found loaded already (recorded with that run, not sent again)."""

    @property
    def totals(self) -> StepCounts:
        """The steps' counts added up."""
        return StepCounts("total", "", "", *(sum(getattr(s, f) for s in self.steps) for f in _COUNTED))

    @property
    def outcome(self) -> str:
        """``ok``, ``failed`` (records failed or were held back) or ``unfinished``, for
        the headline's emphasis."""
        if self.status == "succeeded":
            return "ok"
        return "failed" if self.status.startswith("completed with") or self.status == "failed" else "unfinished"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)


def run_status(status: str, counts: Mapping[str, Mapping[str, int]]) -> str:
    """A run's status as people read it: a finished run in which records failed or
    were held back is ``completed with 13 failed, 28 held back``, never ``succeeded``."""
    if status != "succeeded":
        return status
    failed = sum(c.get("failed", 0) for c in counts.values())
    held = sum(c.get("held_back", 0) for c in counts.values())
    if not failed and not held:
        return status
    parts = [f"{failed} failed"] if failed else []
    parts += [f"{held} held back"] if held else []
    return "completed with " + ", ".join(parts)


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
    vocabulary = destination_vocabulary(plan.target.name, BUILTIN_ERRORS)
    for group in store.error_groups(run_id, outcomes=("failed", "held_back")):
        line = _line_of(plan, group.step, group.field)
        template = _hint_template(plan, group.step, group.code, group.reason, vocabulary)
        hint = render_hint(template, field=group.field, line=line, step=group.step) if template else None
        # A failing value quoted in the reason is abbreviated: its start identifies it.
        errors.append(ErrorLine(group.step, group.code, group.field, group.count, tuple(group.sample_keys),
                                shorten_values(group.reason), hint, group.outcome))
    return AuditReport(
        run.id, run.spec, run.kind, run_status(run.status, counts), _when(run.started_at),
        _when(run.ended_at) if run.ended_at else None,
        tuple(steps), tuple(_causes_first(plan, errors)),
        tuple(Finding(d.code, d.severity, str(d.span), d.message) for d in validation),
        store.found_loaded(run_id),
        _duration(run.started_at, run.ended_at),
        tuple(store.found_for_earlier_runs(run_id)),
    )


def _when(moment: dt.datetime) -> str:
    """A time as people read it: to the second, in UTC."""
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def _duration(started: dt.datetime, ended: dt.datetime | None) -> str | None:
    if ended is None:
        return None
    seconds = max(0, round((ended - started).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _causes_first(plan: Plan, errors: list[ErrorLine]) -> list[ErrorLine]:
    """Root causes before their consequences: records that failed before records held
    back because of them, parents' steps before their children's (load order), the
    largest group first within a step."""
    order = {name: i for i, name in enumerate(name for wave in plan.waves for name in wave)}
    return sorted(errors, key=lambda e: (e.outcome == "held_back", order.get(e.step, len(order)), -e.count))


MISSING_PARENT_HINT = ("the lookup at spec line {line} found no parent record: load the parent first (see its "
                      "step's failures), or give the lookup the `missing` policy these records need "
                      "(`missing null`, `missing defer`, `missing fallback`)")
_MISSING_PARENT = re.compile(r"no \S+ was loaded for ")


def _hint_template(plan: Plan, step_name: str, code: str | None, reason: str | None,
                   vocabulary: ErrorVocabulary = BUILTIN_ERRORS) -> str | None:
    """The hint for one error group: the destination's for its code (``vocabulary``),
    else crossmap's own, unless the cause says better: a lookup that found no parent;
    in a step that already upserts, the destination's upsert hint (a duplicate's does
    not suggest upserting)."""
    if code == "TRANSFORM" and reason is not None and _MISSING_PARENT.match(reason):
        return MISSING_PARENT_HINT
    step = next((s for s in plan.steps if s.name == step_name), None)
    upserting = step is not None and step.mode == "upsert"
    return vocabulary.hint(code, upserting=upserting) or HINTS.get(code or "")


def _line_of(plan: Plan, step_name: str, field: str | None) -> int | None:
    for step in plan.steps:
        if step.name == step_name:
            for assignment in step.assignments:
                if field and assignment.field == field.split(",")[0]:
                    return assignment.line
            return step.line
    return None


def _found_for(run: int, rows: int) -> str:
    return (f"reconciled: {rows} rows of writes run {run} left in flight were found already loaded, and "
            f"recorded with run {run} without being sent again")


def render_text(report: AuditReport) -> str:
    """The report for a terminal."""
    took = f" ({report.duration})" if report.duration else ""
    lines = [f"run {report.run_id} ({report.kind}) of {report.spec}: {report.status}",
             f"started {report.started_at}, ended {report.ended_at or '-'}{took}", ""]
    if report.found_loaded:
        found = (f"resumed: {report.found_loaded} rows of writes in flight when the run was interrupted "
                 "were found already loaded, and recorded without being sent again")
        lines[-1:-1] = [found]
    lines[-1:-1] = [_found_for(run, rows) for run, rows in report.found_for_earlier]
    header = ("step", "extracted", "created", "updated", "matched", "deleted", "skipped", "failed", "held back")
    rows = [header] + [
        (s.step, *(str(v) for v in (s.extracted, s.created, s.updated, s.matched, s.deleted, s.skipped, s.failed,
                                    s.held_back)))
        for s in (*report.steps, *((report.totals,) if len(report.steps) > 1 else ()))
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
            consequence = " (held back)" if error.outcome == "held_back" else ""
            lines.append(f"  {error.count} x {error.code or 'ERROR'}{consequence} on {where}: {error.reason or ''}")
            lines.append(f"      e.g. {', '.join(error.sample_keys)}")
            if error.hint:
                lines.append(f"      hint: {error.hint}")
    return "\n".join(lines)


def render_html(report: AuditReport) -> str:
    """A self-contained HTML page (inline CSS, no scripts, nothing fetched): the
    headline with the status emphasised, the totals and the duration first, then the
    steps with a totals row, the errors with root causes first, and the spec's
    validation findings."""
    e = html.escape
    totals = report.totals
    columns = ("extracted", "created", "updated", "matched", "deleted", "skipped", "failed", "held_back")

    def count_row(s: StepCounts, tag: str = "td") -> str:
        cells = "".join(f'<{tag} class="n{" bad" if c in ("failed", "held_back") and getattr(s, c) else ""}">'
                        f"{getattr(s, c):,}</{tag}>" for c in columns)
        return f"<tr><{tag}>{e(s.step)}</{tag}>{cells}</tr>"

    steps = "".join(count_row(s) for s in report.steps)
    if len(report.steps) > 1:
        steps += count_row(totals, "th")
    errors = "".join(
        f'<tr class="{x.outcome}"><td>{e(x.step)}</td><td><code>{e(x.code or "")}</code>'
        f"{' <small>held back</small>' if x.outcome == 'held_back' else ''}</td><td>{e(x.field or '')}</td>"
        f'<td class="n">{x.count:,}</td><td>{e(", ".join(x.sample_keys))}</td><td>{e(x.reason or "")}</td>'
        f"<td>{e(x.hint or '')}</td></tr>"
        for x in report.errors
    )
    findings = "".join(
        f"<tr><td>{e(f.where)}</td><td>{e(f.severity)}[{e(f.code)}]</td><td>{e(f.message)}</td></tr>"
        for f in report.validation
    )
    error_table = (
        '<table><tr><th>step</th><th>code</th><th>field</th><th>count</th><th>examples</th><th>reason</th>'
        f"<th>hint</th></tr>{errors}</table>" if errors else "<p>No record failed.</p>"
    )
    findings_table = (f"<table><tr><th>where</th><th>code</th><th>message</th></tr>{findings}</table>"
                      if findings else "<p>No findings.</p>")
    loaded = totals.created + totals.updated + totals.matched + totals.deleted
    resumed = (f"<p>Resumed: {report.found_loaded:,} rows of writes in flight when the run was interrupted were "
               "found already loaded, and recorded without being sent again.</p>" if report.found_loaded else "")
    resumed += "".join(f"<p>{e(_found_for(run, rows)).capitalize()}.</p>" for run, rows in report.found_for_earlier)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crossmap run {report.run_id}: {e(report.status)}</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}th{{background:#f4f4f4}}
td.n,th.n{{text-align:right;font-variant-numeric:tabular-nums}}.bad{{color:#b00020;font-weight:600}}
.status{{padding:2px 10px;border-radius:4px}}.ok{{background:#e3f4e6;color:#17612a}}
.failed .status,.status.failed{{background:#fde8ea;color:#b00020}}.status.unfinished{{background:#fff4d6;color:#7a5200}}
.figures{{display:flex;gap:2em;margin:1em 0}}.figures div{{font-size:13px;color:#555}}
.figures b{{display:block;font-size:22px;color:#222}}tr.held_back td{{color:#666}}</style></head>
<body><h1>Run {report.run_id}: <span class="status {report.outcome}">{e(report.status)}</span></h1>
<p>{e(report.spec)} &middot; {e(report.kind)} &middot; {e(report.started_at)} &ndash; {e(report.ended_at or "running")}</p>
<div class="figures"><div><b>{totals.extracted:,}</b>extracted</div><div><b>{loaded:,}</b>loaded</div>
<div><b>{totals.skipped:,}</b>skipped</div><div><b class="{"bad" if totals.failed else ""}">{totals.failed:,}</b>failed</div>
<div><b class="{"bad" if totals.held_back else ""}">{totals.held_back:,}</b>held back</div>
<div><b>{e(report.duration or "-")}</b>duration</div></div>{resumed}
<h2>Records per step</h2><table><tr><th>step</th>{"".join(f'<th class="n">{c.replace("_", " ")}</th>' for c in columns)}</tr>
{steps}</table>
<h2>Errors by cause</h2><p>Root causes first; records held back because of them come after.</p>{error_table}
<h2>Field-mapping validation</h2>{findings_table}</body></html>
"""
