"""Verifying runs: every record a run created or updated read back from the
destination and compared, field by field, with what the plan computed and the run
wrote (``crossmap verify SPEC [RUN]``, ``crossmap run --verify``)."""

from crossmap.verify.check import VerifyError, verify
from crossmap.verify.report import (
    Example,
    FieldCheck,
    StepCheck,
    TargetCheck,
    VerifyReport,
    render_html,
    render_text,
)

__all__ = [
    "Example",
    "FieldCheck",
    "StepCheck",
    "TargetCheck",
    "VerifyError",
    "VerifyReport",
    "render_html",
    "render_text",
    "verify",
]
