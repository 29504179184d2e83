"""Reports of runs: the audit log as text, JSON and HTML."""

from crossmap.reports.audit import (
    AuditReport,
    ErrorLine,
    Finding,
    StepCounts,
    audit_report,
    render_html,
    render_text,
)

__all__ = ["AuditReport", "ErrorLine", "Finding", "StepCounts", "audit_report", "render_html", "render_text"]
