"""Reports of runs: the audit log as text, JSON and HTML, and where reports are written."""

from crossmap.reports.audit import (
    AuditReport,
    ErrorLine,
    Finding,
    StepCounts,
    audit_report,
    render_html,
    render_text,
    run_status,
)
from crossmap.reports.files import reports_folder, write_report

__all__ = ["AuditReport", "ErrorLine", "Finding", "StepCounts", "audit_report", "render_html", "render_text",
           "reports_folder", "run_status", "write_report"]
