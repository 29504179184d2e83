"""Diagnostics: spans, the error hierarchy, and caret rendering."""

from crossmap.errors._diagnostic import Diagnostic, Severity
from crossmap.errors._exceptions import CrossmapError, SpecError, SpecFileError
from crossmap.errors._span import SourceText, Span
from crossmap.errors._suggest import did_you_mean

__all__ = [
    "CrossmapError",
    "Diagnostic",
    "Severity",
    "SourceText",
    "Span",
    "SpecError",
    "SpecFileError",
    "did_you_mean",
]
