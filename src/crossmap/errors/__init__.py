"""Diagnostics: spans, the error hierarchy, and caret rendering."""

from crossmap.errors._diagnostic import Diagnostic, Severity
from crossmap.errors._exceptions import CrossmapError, SpecError, SpecFileError
from crossmap.errors._span import NO_SPAN, SourceText, Span
from crossmap.errors._suggest import did_you_mean

__all__ = [
    "NO_SPAN",
    "CrossmapError",
    "Diagnostic",
    "Severity",
    "SourceText",
    "Span",
    "SpecError",
    "SpecFileError",
    "did_you_mean",
]
