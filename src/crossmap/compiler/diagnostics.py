"""Collecting the compiler's diagnostics."""

from __future__ import annotations

from collections.abc import Iterable

from crossmap.errors import Diagnostic, Span, did_you_mean


class Reporter:
    """Collects diagnostics; the compiler reports and carries on."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    def warning(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint, severity="warning"))

    def unknown(
        self,
        code: str,
        message: str,
        span: Span,
        name: str,
        candidates: Iterable[str],
        *,
        hint: str | None = None,
    ) -> None:
        """An unknown name, with 'did you mean' when a candidate is close."""
        self.error(code, message, span, did_you_mean(name, candidates) or hint)

    @property
    def failed(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)
