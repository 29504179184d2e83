"""The error hierarchy. Every error a user can cause is a ``CrossmapError``."""

from __future__ import annotations

from collections.abc import Iterable

from crossmap.errors._diagnostic import Diagnostic


class CrossmapError(Exception):
    """Base of every error crossmap raises on bad input, configuration or data."""


class SpecError(CrossmapError):
    """A spec has errors. Carries every diagnostic found, in file order."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(
            sorted(diagnostics, key=lambda d: (d.span.file, d.span.start))
        )
        super().__init__(self.render())

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    def render(self) -> str:
        """All diagnostics, each with its caret, separated by blank lines."""
        return "\n\n".join(d.render() for d in self.diagnostics)


class SpecFileError(CrossmapError):
    """A spec file cannot be read (missing, unreadable, or not UTF-8 text)."""
