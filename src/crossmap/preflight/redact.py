"""The preflight report redacted (``crossmap preflight --redact``): see ``crossmap.reports.redact``."""

from __future__ import annotations

from attrs import evolve

from crossmap.preflight.report import PreflightReport
from crossmap.reports.redact import describe, redact_message


def redact_preflight(report: PreflightReport) -> PreflightReport:
    """The preflight report with the failing source values and the sample messages
    of its coverage issues masked."""
    issues = tuple(
        evolve(issue, message=redact_message(issue.message) or "",
               values=tuple((describe(value), count) for value, count in issue.values))
        for issue in report.coverage.issues
    )
    return evolve(report, coverage=evolve(report.coverage, issues=issues))
