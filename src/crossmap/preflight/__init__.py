"""``crossmap preflight``: both systems checked before any record moves — the schema
audit, record counts, resolve blocks, coverage of the source's actual values, the
API budget and duration, what must be rebuilt natively, and a complexity grade.

The core knows neither system: everything system-specific comes through optional
connector capabilities (see docs/connectors/writing-a-connector.md)."""

from crossmap.preflight.audit import Mismatch, Missing, SchemaAudit, audit_schema
from crossmap.preflight.collect import PreflightError, count_records, preflight
from crossmap.preflight.coverage import Coverage, Issue, StepCoverage, check_coverage
from crossmap.preflight.estimate import Estimate, StepCalls, estimate
from crossmap.preflight.gaps import Gap, UnmappedFields
from crossmap.preflight.grade import Grade, Reason, grade
from crossmap.preflight.report import PreflightReport, render_html, render_text
from crossmap.preflight.resolution import ResolutionCheck, check_resolutions

__all__ = [
    "Coverage",
    "Estimate",
    "Gap",
    "Grade",
    "Issue",
    "Mismatch",
    "Missing",
    "PreflightError",
    "PreflightReport",
    "Reason",
    "ResolutionCheck",
    "SchemaAudit",
    "StepCalls",
    "StepCoverage",
    "UnmappedFields",
    "audit_schema",
    "check_coverage",
    "check_resolutions",
    "count_records",
    "estimate",
    "grade",
    "preflight",
    "render_html",
    "render_text",
]
