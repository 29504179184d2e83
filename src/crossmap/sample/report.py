"""The sample report: what was selected, how the records ended, and the field-level
diff — as terminal text, JSON, and a self-contained HTML page for review."""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from attrs import asdict, frozen

from crossmap.engine.diff import BADGE, KINDS
from crossmap.engine.readback import RecordDiff


@frozen
class FieldSummary:
    """Counts per class for one mapped field of one step."""

    step: str
    target: str
    field: str
    counts: Mapping[str, int]


@frozen
class Problem:
    """A sample record that did not load (or was skipped), and why."""

    step: str
    key: str
    outcome: str
    code: str | None
    field: str | None
    reason: str | None


@frozen
class SampleReport:
    """Everything a reviewer needs to approve (or not) a sample run."""

    run_id: int
    spec: str
    spec_hash: str
    status: str
    profile: str | None
    size: int
    seed: int
    selected: Mapping[str, int]
    """Records selected per source object."""
    whole: tuple[str, ...]
    """Source objects served whole (only resolve blocks read them)."""
    missing_features: Mapping[str, tuple[str, ...]]
    """Per object, values seen in the source that the sample does not cover."""
    unresolved: Mapping[str, tuple[str, ...]]
    """Per object, lookup keys no source record has."""
    outcomes: Mapping[str, Mapping[str, int]]
    problems: tuple[Problem, ...]
    records: tuple[RecordDiff, ...]

    def summary(self) -> list[FieldSummary]:
        """Per step and field, how many cells fell in each class."""
        counts: dict[tuple[str, str, str], Counter[str]] = {}
        for record in self.records:
            for cell in record.cells:
                counts.setdefault((record.step, record.target, cell.field), Counter())[cell.kind] += 1
        return [FieldSummary(step, target, field, {k: c[k] for k in KINDS if c[k]})
                for (step, target, field), c in counts.items()]

    def totals(self) -> dict[str, int]:
        """Cells per class over the whole sample."""
        total: Counter[str] = Counter(cell.kind for record in self.records for cell in record.cells)
        return {k: total[k] for k in KINDS if total[k]}

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        data = asdict(self)
        data["totals"] = self.totals()
        data["fields"] = [asdict(f) for f in self.summary()]
        return data

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _short(value: object, width: int = 40) -> str:
    text = "null" if value is None else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(report: SampleReport) -> str:
    """The terminal summary: per step and field the counts per class, then every
    cell that is not equal."""
    lines = [f"sample run {report.run_id} ({report.status}) of {report.spec} [{report.spec_hash}]"
             + (f" into profile '{report.profile}'" if report.profile else "")]
    selected = ", ".join(f"{obj} {n}" for obj, n in report.selected.items())
    lines.append(f"selected {sum(report.selected.values())} records (size {report.size}, seed {report.seed}): "
                 f"{selected}")
    if report.whole:
        lines.append(f"served whole (matched by resolve blocks, not loaded): {', '.join(report.whole)}")
    for obj, features in report.missing_features.items():
        if features:
            lines.append(f"not covered in {obj}: {', '.join(features[:10])}"
                         + (f" and {len(features) - 10} more" if len(features) > 10 else ""))
    for obj, keys in report.unresolved.items():
        lines.append(f"lookups to {obj} the source cannot answer: {', '.join(keys[:10])}")
    lines.append("")
    lines.append("records per step:")
    for step, counts in report.outcomes.items():
        lines.append(f"  {step}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    for problem in report.problems:
        lines.append(f"  {problem.outcome} {problem.step} {problem.key}: {problem.code or ''} "
                     f"{problem.field or ''} {problem.reason or ''}".rstrip())
    lines.append("")
    totals = report.totals()
    lines.append("field-level diff: " + (", ".join(f"{n} {k}" for k, n in totals.items()) or "nothing loaded"))
    width = max((len(f"{f.step} {f.field}") for f in report.summary()), default=10)
    for summary in report.summary():
        shown = "  ".join(f"{k} {n}" for k, n in summary.counts.items())
        lines.append(f"  {(summary.step + ' ' + summary.field).ljust(width)}  {shown}")
    differing = [(r, c) for r in report.records for c in r.cells if c.kind != "equal"]
    if differing:
        lines.append("")
        lines.append("cells that are not equal (record: field computed -> stored):")
        for record, cell in differing:
            note = f"  ({cell.note})" if cell.note else ""
            lines.append(f"  {cell.kind:<10} {record.step} {record.key} [{record.id}]: {cell.field} "
                         f"{_short(cell.computed)} -> {_short(cell.stored)}{note}")
    return "\n".join(lines)





def render_html(report: SampleReport) -> str:
    """A self-contained page (inline CSS, no scripts) for the reviewer: the verdict
    and the key figures first, the fields that are not equal everywhere (the rest
    named in one line), the records that did not load, then, per step, only the
    records and fields that differ, highlighted; every cell, equal ones included, is
    in the JSON report. Everything is escaped."""
    e = html.escape
    totals = report.totals()
    cells = sum(totals.values())
    differing = cells - totals.get("equal", 0)
    summaries = report.summary()
    uneven = [s for s in summaries if set(s.counts) != {"equal"}]
    even = [f"{s.step} {s.field}" for s in summaries if set(s.counts) == {"equal"}]
    not_loaded = [p for p in report.problems if p.outcome in ("failed", "held_back")]
    status_class = "ok" if report.status == "succeeded" and not not_loaded else "bad"
    parts = [f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crossmap sample {report.run_id}: {e(report.status)}</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}th{{background:#f4f4f4}}
.b{{color:#fff;border-radius:3px;padding:0 5px;font-size:12px}}.s{{color:#555;font-size:12px}}
td.v{{max-width:22em;overflow-wrap:anywhere}}td.hot{{background:#fff4d6}}td.n{{text-align:right}}
.status{{padding:2px 10px;border-radius:4px}}.ok{{background:#e3f4e6;color:#17612a}}.bad{{background:#fde8ea;color:#b00020}}
.figures{{display:flex;gap:2em;margin:1em 0}}.figures div{{font-size:13px;color:#555}}
.figures b{{display:block;font-size:22px;color:#222}}</style></head><body>
<h1>Sample run {report.run_id}: <span class="status {status_class}">{e(report.status)}</span></h1>
<p>{e(report.spec)} &middot; version {e(report.spec_hash)} &middot; {e(report.profile or '')}</p>
<div class="figures"><div><b>{sum(report.selected.values()):,}</b>records selected</div>
<div><b>{len(report.records):,}</b>records read back</div><div><b>{cells:,}</b>fields compared</div>
<div><b>{totals.get("equal", 0):,}</b>equal</div><div><b>{differing:,}</b>not equal</div>
<div><b>{len(not_loaded):,}</b>not loaded</div></div>
<h2>Fields that are not equal everywhere</h2>"""]
    if uneven:
        parts.append("<table><tr><th>step</th><th>field</th>" + "".join(f"<th>{k}</th>" for k in KINDS) + "</tr>")
        for summary in uneven:
            parts.append(f"<tr><td>{e(summary.step)}</td><td>{e(summary.field)}</td>" + "".join(
                f'<td class="n{" hot" if k != "equal" and summary.counts.get(k) else ""}">'
                f"{summary.counts.get(k, '')}</td>" for k in KINDS) + "</tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None: every field of every record read back equal.</p>")
    if even:
        parts.append(f'<p class="s">Equal in every record ({len(even)}): {e(", ".join(even))}</p>')
    parts.append("<h2>Records per step</h2><table><tr><th>step</th><th>outcomes</th></tr>")
    for step, counts in report.outcomes.items():
        parts.append(f"<tr><td>{e(step)}</td><td>{e(', '.join(f'{n} {k}' for k, n in sorted(counts.items())))}"
                     "</td></tr>")
    parts.append("</table>")
    if report.problems:
        parts.append("<h2>Records not loaded</h2><table><tr><th>step</th><th>key</th><th>outcome</th>"
                     "<th>code</th><th>field</th><th>reason</th></tr>")
        for p in report.problems:
            parts.append("<tr>" + "".join(f"<td>{e(str(v or ''))}</td>" for v in (
                p.step, p.key, p.outcome, p.code, p.field, p.reason)) + "</tr>")
        parts.append("</table>")
    by_step: dict[str, list[RecordDiff]] = {}
    for record in report.records:
        by_step.setdefault(record.step, []).append(record)
    parts.append("<h2>Differences</h2>")
    for step, records in by_step.items():
        changed = [r for r in records if any(c.kind != "equal" for c in r.cells)]
        same = len(records) - len(changed)
        parts.append(f"<h3>{e(step)}</h3><p class=\"s\">{len(changed)} of {len(records)} records differ in some "
                     f"field; {same} are equal in every field (each cell is in the JSON report).</p>")
        if not changed:
            continue
        parts.append("<table><tr><th>record</th><th>field</th><th>source</th><th>computed</th><th>stored</th>"
                     "<th>class</th></tr>")
        for record in changed:
            shown = [c for c in record.cells if c.kind != "equal"]
            for number, cell in enumerate(shown):
                head = (f'<td rowspan="{len(shown)}">{e(record.key)}<br><span class="s">{e(record.id)}</span></td>'
                        if number == 0 else "")
                origin = "<br>".join(f'<span class="s">{e(label)}</span> {e(_short(v, 200))}'
                                     for label, v in cell.source)
                note = f'<br><span class="s">{e(cell.note)}</span>' if cell.note else ""
                parts.append(
                    f"<tr>{head}<td>{e(cell.field)}</td><td class=\"v\">{origin}</td>"
                    f"<td class=\"v\">{e(_short(cell.computed, 200))}</td>"
                    f"<td class=\"v hot\">{e(_short(cell.stored, 200))}</td>"
                    f'<td><span class="b" style="background:{BADGE[cell.kind]}">{e(cell.kind)}</span>{note}</td></tr>'
                )
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
