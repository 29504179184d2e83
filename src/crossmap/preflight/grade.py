"""The overall complexity grade, from the preflight's findings, with its reasons.

The rule (documented in docs/preflight.md): points add up, and the total picks the
grade. Every point comes with the reason that gave it.

| finding | points |
|---|---|
| declared objects or fields the destination lacks | 1 |
| declared fields present but different | 1 (2 from three on) |
| source records matching no destination record | 1; 2 when nothing to fall back to |
| ambiguous or inactive matches | 1 |
| records that would fail or be held back (share of all records) | 1 above 0, 2 above 1 %, 3 above 5 % |
| native features to rebuild (from the source; none counted when it has no records) | 1; 2 from four on |
| source objects the spec leaves behind | 1 |
| records in all | 1 from 100 000, 2 from 1 000 000 |
| the destination's daily API budget is short | 2 |
| estimated duration | 1 beyond 24 hours |

| points | grade |
|---|---|
| 0–2 | A — Low |
| 3–5 | B — Standard |
| 6–8 | C — High |
| 9 and more | D — Very high |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from attrs import frozen

from crossmap.preflight.audit import SchemaAudit
from crossmap.preflight.coverage import Coverage
from crossmap.preflight.estimate import Estimate
from crossmap.preflight.gaps import Gap
from crossmap.preflight.resolution import ResolutionCheck

GRADES: tuple[tuple[int, str, str], ...] = ((2, "A", "Low"), (5, "B", "Standard"), (8, "C", "High"))
TOP = ("D", "Very high")


@frozen
class Reason:
    """One finding that added ``points`` to the grade."""

    points: int
    reason: str


@frozen
class Grade:
    """The grade (``letter`` and ``label``), its points, and why."""

    letter: str
    label: str
    points: int
    reasons: tuple[Reason, ...]


def grade(
    audit: SchemaAudit,
    resolutions: Sequence[ResolutionCheck],
    coverage: Coverage,
    native: Sequence[Gap],
    unmapped: Sequence[Gap],
    estimate: Estimate,
    counts: Mapping[str, int] | None = None,
) -> Grade:
    """Apply the rule in the module's docstring; ``counts`` are the source's records
    per object (default: those the coverage pass read)."""
    reasons: list[Reason] = []

    def add(points: int, reason: str) -> None:
        if points > 0:
            reasons.append(Reason(points, reason))

    if audit.missing:
        add(1, f"{len(audit.missing)} declared objects or fields to create in the destination")
    if audit.mismatches:
        add(2 if len(audit.mismatches) >= 3 else 1,
            f"declared fields the destination defines otherwise: {len(audit.mismatches)}")
    for check in resolutions:
        if check.unmatched_count:
            falls_back = check.fallback is not None and bool(check.fallback_found)
            add(1 if falls_back else 2, f"{check.unmatched_count} of {check.total} {check.source} match no "
                f"{check.target}" + (" (their work goes to the fallback)" if falls_back else ""))
        if check.ambiguous or check.inactive:
            add(1, f"{check.source}: {len(check.ambiguous)} match several {check.target} records, "
                f"{len(check.inactive)} an inactive one")
    records = sum((coverage.counts if counts is None else counts).values())
    failing = sum(step.would_fail for step in coverage.steps)
    held = sum(step.held_back for step in coverage.steps)
    if failing or held:
        share = (failing + held) / max(1, sum(step.records for step in coverage.steps))
        add(3 if share > 0.05 else 2 if share > 0.01 else 1,
            f"{failing} records would fail and {held} be held back with a failing parent "
            f"({share:.1%} of those the steps read)")
    # A feature the source reports with no records (no recurring appointments) is not a gap.
    rebuild = [gap for gap in native if gap.count is None or gap.count > 0]
    if rebuild:
        add(2 if len(rebuild) >= 4 else 1, f"{len(rebuild)} source features to rebuild natively")
    if unmapped:
        add(1, f"source objects not migrated: {len(unmapped)}")
    if records >= 1_000_000:
        add(2, f"{records:,} records")
    elif records >= 100_000:
        add(1, f"{records:,} records")
    if estimate.budget_short:
        add(2, "the destination's remaining daily API requests do not cover the run")
    if estimate.seconds > 24 * 3600:
        add(1, f"an estimated {estimate.seconds / 3600:.0f} hours of running")
    points = sum(r.points for r in reasons)
    for limit, letter, label in GRADES:
        if points <= limit:
            return Grade(letter, label, points, tuple(reasons))
    return Grade(TOP[0], TOP[1], points, tuple(reasons))
