"""Parsing ``.xmap`` text into a ``Spec``; the only module that drives lark.

Errors are collected, not raised one at a time: after a syntax error the parser
blanks the broken statement (or the whole block, when the error is in a block's
first line) and parses again, so one run reports every broken statement of a file.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lark import Lark
from lark.exceptions import UnexpectedInput

from crossmap.errors import Diagnostic, SourceText, SpecError, SpecFileError
from crossmap.syntax import _messages, ast
from crossmap.syntax._builder import Builder

MAX_ERRORS = 25
"""Stop reporting syntax errors of one file after this many."""

LANGUAGE_VERSION = 1

_NON_NEWLINE = re.compile(r"[^\n]")


@cache
def grammar() -> Lark:
    """The LALR parser built from ``xmap.lark`` (built once per process)."""
    return Lark.open_from_package(
        "crossmap.syntax",
        "xmap.lark",
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def parse(text: str, *, path: str | Path = "<string>") -> ast.Spec:
    """Parse spec text. Raises ``SpecError`` with every diagnostic found."""
    source = SourceText(str(path), text)
    spec, diagnostics = parse_source(source)
    if any(d.severity == "error" for d in diagnostics):
        raise SpecError(diagnostics)
    return spec


def parse_file(path: str | Path) -> ast.Spec:
    """Read and parse a spec file (includes are not followed; see ``load``)."""
    return parse(read_spec_text(path), path=path)


def read_spec_text(path: str | Path) -> str:
    """A spec file's text; a missing, unreadable or non-UTF-8 file is a ``SpecFileError``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SpecFileError(f"{path}: cannot read the spec: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecFileError(
            f"{path}:{line}: the spec is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    return text


def parse_source(source: SourceText) -> tuple[ast.Spec, list[Diagnostic]]:
    """Parse, recovering after syntax errors. Returns the items that parsed and every
    diagnostic (syntax errors, and the builder's checks)."""
    parser = grammar()
    text = source.text
    diagnostics: list[Diagnostic] = []
    tree = None
    while len(diagnostics) < MAX_ERRORS:
        try:
            tree = parser.parse(text)
            break
        except UnexpectedInput as error:
            diagnostic, (start, end) = _messages.diagnose(error, source, text, parser)
            diagnostics.append(diagnostic)
            if start >= len(text.rstrip()):
                break
            # Blank the broken statement (keeping newlines, so positions hold) and
            # parse again: the rest of the file still gets checked.
            text = text[:start] + _NON_NEWLINE.sub(" ", text[start:end]) + text[end:]
    items: list[ast.Item] = []
    if tree is not None:
        builder = Builder(source)
        items = builder.spec(tree)
        diagnostics.extend(builder.diagnostics)
    diagnostics.extend(_check_header(items))
    return ast.Spec(tuple(items), span=source.span(0, len(source.text))), diagnostics


def _check_header(items: list[ast.Item]) -> list[Diagnostic]:
    """At most one of each header item; a version this parser knows."""
    diagnostics = []
    seen: dict[str, ast.Item] = {}
    for item in items:
        key: str
        if isinstance(item, ast.Connector):
            key, what = item.role, f"'{item.role}'"
        elif isinstance(item, ast.Title):
            key, what = "migration", "'migration'"
        elif isinstance(item, ast.Version):
            key, what = "xmap", "'xmap'"
            if item.number != LANGUAGE_VERSION:
                diagnostics.append(
                    Diagnostic(
                        "XM115",
                        f"this is xmap language version {LANGUAGE_VERSION}; the spec asks for {item.number}",
                        item.span,
                        f"write `xmap {LANGUAGE_VERSION}`",
                    )
                )
        else:
            continue
        if key in seen:
            first = seen[key].span
            diagnostics.append(
                Diagnostic(
                    "XM114",
                    f"{what} is declared twice (first at line {first.line})",
                    item.span,
                    "keep one",
                )
            )
        else:
            seen[key] = item
    return diagnostics

