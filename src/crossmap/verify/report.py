"""The verification report: per step the records checked, missing, extra and
pointing at a wrong parent; per mapped field how many cells fell in each class of
the sample's diff, with examples; and what reading back cost — as terminal text,
JSON and a self-contained HTML page."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from attrs import asdict, frozen

from crossmap.engine.diff import BADGE, KINDS, PROBLEM_KINDS

EXAMPLES = 3
"""Examples kept per field and class (and per kind of record problem)."""


@frozen
class Example:
    """One cell (or record) that is not as the run wrote it."""

    key: str
    id: str
    computed: Any = None
    stored: Any = None
    note: str | None = None


@frozen
class FieldCheck:
    """Cells per class for one mapped field of one step, with a few examples of each
    class but ``equal``."""

    step: str
    target: str
    field: str
    counts: Mapping[str, int]
    examples: Mapping[str, tuple[Example, ...]]


@frozen
class StepCheck:
    """What verifying one step found, record by record.

    ``checked``: records read back and compared; ``missing``: records the crosswalk
    knows that the destination no longer has; ``wrong_parent``: records whose lookup
    points elsewhere than the run's crosswalk says; ``source_changed``: records the
    source changed since the run, still holding what the run wrote (a delta run
    carries the change); ``not_in_source``: records the source no longer has
    (deleted there; still in the destination)."""

    step: str
    target: str
    checked: int
    missing: int
    wrong_parent: int
    source_changed: int
    not_in_source: int
    examples: Mapping[str, tuple[Example, ...]]


@frozen
class TargetCheck:
    """One destination object: records read, and extra records (carrying a step's
    external id, unknown to the crosswalk: left by a crash, or made by someone else
    with the migration's ids). ``extras_checked`` is false where no step upserts on
    an external id, so extra records cannot be told from the org's own."""

    target: str
    read: int
    extra: int
    extras_checked: bool
    examples: tuple[Example, ...]


@frozen
class VerifyReport:
    """Everything ``crossmap verify`` found."""

    spec: str
    runs: tuple[int, ...]
    """The runs verified (the newest writer of each record counts)."""
    compared_with: str
    """``source`` (values recomputed from the source) or ``fingerprints`` (the state
    store's fingerprints of what the runs wrote)."""
    destination: str
    steps: tuple[StepCheck, ...]
    targets: tuple[TargetCheck, ...]
    fields: tuple[FieldCheck, ...]
    api_calls: int | None
    """API calls the destination counted while verifying (``None``: it counts none)."""
    reads: int
    """Read requests verify made (pages of a scan, batches by id)."""
    notes: tuple[str, ...] = ()
    run: int | None = None
    """The run whose records were verified; ``None``: every run of the spec."""

    def totals(self) -> dict[str, int]:
        """Cells per class over every field."""
        total: dict[str, int] = {}
        for f in self.fields:
            for kind, n in f.counts.items():
                total[kind] = total.get(kind, 0) + n
        return {k: total[k] for k in KINDS if total.get(k)}

    @property
    def missing(self) -> int:
        return sum(s.missing for s in self.steps)

    @property
    def extra(self) -> int:
        return sum(t.extra for t in self.targets)

    @property
    def wrong_parent(self) -> int:
        return sum(s.wrong_parent for s in self.steps)

    @property
    def problems(self) -> int:
        """Cells that do not hold what the run wrote, other than by a documented
        normalisation."""
        return sum(n for k, n in self.totals().items() if k in PROBLEM_KINDS)

    @property
    def ok(self) -> bool:
        """Nothing missing, nothing extra, no wrong parent, no field changed (a
        normalisation is fine)."""
        return not (self.missing or self.extra or self.wrong_parent or self.problems)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        data = asdict(self)
        data.update(ok=self.ok, totals=self.totals(), missing=self.missing, extra=self.extra,
                    wrong_parent=self.wrong_parent)
        return data

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)


def _short(value: object, width: int = 40) -> str:
    text = "null" if value is None else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(report: VerifyReport) -> str:
    """The terminal summary: the verdict, what it cost, per step the record problems,
    per field the counts per class, then examples of every class but equal."""
    runs = ", ".join(str(r) for r in report.runs) or "none"
    verdict = "verified" if report.ok else "NOT verified"
    what = f"run {report.run}" if report.run is not None else "every run"
    basis = ("values recomputed from the source" if report.compared_with == "source"
             else "the fingerprints the state store keeps")
    lines = [f"verify {report.spec}, {what}, against {report.destination}: {verdict}",
             f"each record compared with {basis}; the runs that wrote them: "
             f"{'run' if len(report.runs) == 1 else 'runs'} {runs} (the newest writer counts); "
             f"{report.reads} reads" + (f", {report.api_calls} API calls" if report.api_calls is not None else
                                        " (the destination counts no API calls)")]
    lines += [f"note: {n}" for n in report.notes]
    lines.append("")
    lines.append("records per step:")
    for s in report.steps:
        extra = [f"{n} {label}" for n, label in ((s.missing, "missing"), (s.wrong_parent, "wrong parent"),
                                                 (s.source_changed, "changed in the source since the run"),
                                                 (s.not_in_source, "no longer in the source")) if n]
        lines.append(f"  {s.step}: {s.checked} checked" + (", " + ", ".join(extra) if extra else ""))
        for what, examples in s.examples.items():
            for e in examples:
                lines.append(f"    {what} {e.key} [{e.id}]" + (f": {e.note}" if e.note else ""))
    for t in report.targets:
        if not t.extras_checked:
            lines.append(f"  {t.target}: {t.read} read; extra records not checked (no step upserts on an external id)")
        else:
            lines.append(f"  {t.target}: {t.read} read, {t.extra} extra")
            for e in t.examples:
                lines.append(f"    extra [{e.id}] {e.note or ''}".rstrip())
    totals = report.totals()
    lines.append("")
    lines.append("field-level check: " + (", ".join(f"{n} {k}" for k, n in totals.items()) or "nothing compared"))
    width = max((len(f"{f.step} {f.field}") for f in report.fields), default=10)
    for f in report.fields:
        shown = "  ".join(f"{k} {n}" for k, n in f.counts.items())
        lines.append(f"  {(f.step + ' ' + f.field).ljust(width)}  {shown}")
    listed = [(f, kind, x) for f in report.fields for kind, xs in f.examples.items() for x in xs]
    if listed:
        lines.append("")
        lines.append("examples (record: field computed -> stored):")
        for f, kind, x in listed:
            note = f"  ({x.note})" if x.note else ""
            lines.append(f"  {kind:<13} {f.step} {x.key} [{x.id}]: {f.field} {_short(x.computed)} -> "
                         f"{_short(x.stored)}{note}")
    return "\n".join(lines)




def render_html(report: VerifyReport) -> str:
    """A self-contained page (inline CSS, no scripts); everything is escaped."""
    e = html.escape
    verdict = "verified" if report.ok else "NOT verified"
    parts = [f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crossmap verify {e(report.spec)}</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}th{{background:#f4f4f4}}
.b{{color:#fff;border-radius:3px;padding:0 5px;font-size:12px}}.s{{color:#555;font-size:12px}}</style></head><body>
<h1>Verify: {e(verdict)}</h1>
<p>{e(report.spec)} &middot; {e(f"run {report.run}" if report.run is not None else "every run")}
&middot; writers: runs {e(', '.join(str(r) for r in report.runs))} &middot; {e(report.destination)}
&middot; compared with {e(report.compared_with)} &middot; {report.reads} reads
&middot; API calls: {e(str(report.api_calls) if report.api_calls is not None else 'not counted')}</p>"""]
    parts += [f"<p class=\"s\">{e(n)}</p>" for n in report.notes]
    parts.append("<h2>Records</h2><table><tr><th>step</th><th>checked</th><th>missing</th><th>wrong parent</th>"
                 "<th>changed in the source</th><th>no longer in the source</th></tr>")
    for s in report.steps:
        parts.append(f"<tr><td>{e(s.step)}</td>" + "".join(f"<td>{n}</td>" for n in (
            s.checked, s.missing, s.wrong_parent, s.source_changed, s.not_in_source)) + "</tr>")
    parts.append("</table><table><tr><th>object</th><th>read</th><th>extra</th><th>examples</th></tr>")
    for t in report.targets:
        extra = str(t.extra) if t.extras_checked else "not checked"
        shown = "<br>".join(e(f"{x.id} {x.note or ''}") for x in t.examples)
        parts.append(f"<tr><td>{e(t.target)}</td><td>{t.read}</td><td>{e(extra)}</td><td>{shown}</td></tr>")
    parts.append("</table><h2>Fields</h2><table><tr><th>step</th><th>field</th>"
                 + "".join(f"<th>{k}</th>" for k in KINDS) + "</tr>")
    for f in report.fields:
        parts.append(f"<tr><td>{e(f.step)}</td><td>{e(f.field)}</td>"
                     + "".join(f"<td>{f.counts.get(k, '')}</td>" for k in KINDS) + "</tr>")
    parts.append("</table>")
    examples = [(f, kind, x) for f in report.fields for kind, xs in f.examples.items() for x in xs]
    if examples:
        parts.append("<h2>Examples</h2><table><tr><th>step</th><th>record</th><th>field</th><th>computed</th>"
                     "<th>stored</th><th>class</th></tr>")
        for f, kind, x in examples:
            note = f'<br><span class="s">{e(x.note)}</span>' if x.note else ""
            parts.append(f"<tr><td>{e(f.step)}</td><td>{e(x.key)}<br><span class=\"s\">{e(x.id)}</span></td>"
                         f"<td>{e(f.field)}</td><td>{e(_short(x.computed, 200))}</td>"
                         f"<td>{e(_short(x.stored, 200))}</td>"
                         f'<td><span class="b" style="background:{BADGE[kind]}">{e(kind)}</span>{note}</td></tr>')
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
