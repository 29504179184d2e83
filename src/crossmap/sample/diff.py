"""The sample's name for classifying a field: see :mod:`crossmap.engine.diff` (one diff for the sample and
``crossmap verify``, so it lives below both)."""

from crossmap.engine.diff import (
    BADGE,
    KINDS,
    PROBLEM_KINDS,
    Kind,
    as_bool,
    as_date,
    as_datetime,
    as_decimal,
    classify,
)

__all__ = [
    "BADGE",
    "KINDS",
    "PROBLEM_KINDS",
    "Kind",
    "as_bool",
    "as_date",
    "as_datetime",
    "as_decimal",
    "classify",
]
