"""Where something is in a spec: a file, its text, and a range in it."""

from __future__ import annotations

from functools import cached_property

from attrs import field, frozen


@frozen(eq=False)
class SourceText:
    """A spec's text and the name it is reported under (a path or ``<string>``)."""

    name: str
    text: str = field(repr=False)

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        starts.extend(i + 1 for i, ch in enumerate(self.text) if ch == "\n")
        return starts

    def line(self, number: int) -> str:
        """The text of 1-based line ``number``, without its line break."""
        starts = self._line_starts
        if not 1 <= number <= len(starts):
            return ""
        end = starts[number] - 1 if number < len(starts) else len(self.text)
        return self.text[starts[number - 1] : end].rstrip("\r")

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        from bisect import bisect_right

        index = bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int | None = None) -> Span:
        """A span from character offsets (``end`` exclusive, defaulting to one char)."""
        end = start + 1 if end is None else end
        line, column = self.position(start)
        end_line, end_column = self.position(max(start, end))
        return Span(self, start, end, line, column, end_line, end_column)


@frozen
class Span:
    """A range of a spec. Lines and columns are 1-based; ``end_column`` is exclusive.

    Spans never take part in equality of the nodes that carry them, so two parses of
    differently formatted but equivalent specs compare equal.
    """

    source: SourceText = field(eq=False, repr=False)
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def file(self) -> str:
        return self.source.name

    def __str__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"


NO_SPAN = SourceText("<generated>", "").span(0, 0)
"""The span of nodes built in code rather than parsed from text."""
