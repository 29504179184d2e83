"""The sample report redacted (``crossmap sample --redact``): see ``crossmap.reports.redact``."""

from __future__ import annotations

from attrs import evolve

from crossmap.reports.redact import describe, redact_message, redact_record_diff
from crossmap.sample.report import SampleReport


def redact_sample(report: SampleReport) -> SampleReport:
    """The sample report with every value of the diff, every problem's reason and
    the uncovered source values masked."""
    return evolve(
        report,
        records=tuple(redact_record_diff(record) for record in report.records),
        problems=tuple(evolve(problem, reason=redact_message(problem.reason)) for problem in report.problems),
        missing_features={obj: tuple(describe(value) for value in values)
                          for obj, values in report.missing_features.items()},
    )
