"""The verification report redacted (``crossmap verify --redact``): see
``crossmap.reports.redact``."""

from __future__ import annotations

from attrs import evolve

from crossmap.reports.redact import mask
from crossmap.verify.report import Example, VerifyReport


def _example(example: Example) -> Example:
    return evolve(example, computed=mask(example.computed), stored=mask(example.stored))


def redact_verify(report: VerifyReport) -> VerifyReport:
    """The report with every example's computed and stored values masked; steps,
    objects, fields, keys, destination ids, counts, classes and their notes (which
    say what happened, not what the value is) stay."""
    return evolve(report, fields=tuple(
        evolve(field, examples={kind: tuple(_example(e) for e in examples)
                                for kind, examples in field.examples.items()})
        for field in report.fields))
