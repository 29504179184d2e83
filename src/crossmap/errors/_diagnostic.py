"""A diagnostic: a message about a place in a spec, and how it is shown."""

from __future__ import annotations

from typing import Literal

from attrs import frozen

from crossmap.errors._span import Span

Severity = Literal["error", "warning"]

_MAX_SHOWN = 100
"""Longest stretch of a source line shown under a diagnostic."""


@frozen
class Diagnostic:
    """One finding about a spec, with a stable ``code`` (e.g. ``XM101``).

    ``message`` says what is wrong and ``hint`` what to do about it.
    """

    code: str
    message: str
    span: Span
    hint: str | None = None
    severity: Severity = "error"

    def render(self) -> str:
        """The diagnostic as a compiler prints it::

            spec.xmap:3:12: error[XM102]: expected '->' between ...
                3 | map Job Case {
                  |         ^^^^
            hint: write `map Source -> Destination { ... }`
        """
        span = self.span
        text = span.source.line(span.line)
        gutter = f"{span.line:>5} | "
        width = span.end_column - span.column if span.end_line == span.line else len(text) - span.column + 1
        column = span.column
        cut_off = ""
        if len(text) > _MAX_SHOWN:
            # Show a window of a very long line around the spot, "..." where it is cut.
            first = max(0, column - 1 - _MAX_SHOWN // 2)
            cut_off = "..." if first + _MAX_SHOWN < len(text) else ""
            text = ("..." if first else "") + text[first : first + _MAX_SHOWN]
            column = column - first + (3 if first else 0)
        text = "".join(ch if ch.isprintable() or ch == "\t" else "\N{REPLACEMENT CHARACTER}" for ch in text)
        caret_pad = _visual_prefix(text[: column - 1])
        lines = [
            f"{span}: {self.severity}[{self.code}]: {self.message}",
            f"{gutter}{text}{cut_off}",
            f"{' ' * (len(gutter) - 2)}| {caret_pad}{'^' * max(1, min(width, len(text) - column + 1))}",
        ]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict, for ``--json`` output and editors."""
        span = self.span
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "file": span.file,
            "line": span.line,
            "column": span.column,
            "end_line": span.end_line,
            "end_column": span.end_column,
        }


def _visual_prefix(prefix: str) -> str:
    # Keep tabs so the caret lines up under the same terminal tab stops.
    return "".join(ch if ch == "\t" else " " for ch in prefix)
