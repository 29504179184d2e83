"""Lark's parse errors → diagnostics in words, with tailored messages for the
mistakes people actually make."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from crossmap.errors import Diagnostic, SourceText

# Terminals whose pattern is a regular expression, in words.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "QUOTED_NAME": "a name",
    "STRING": "a string",
    "INT": "a whole number",
    "DECIMAL": "a number",
    "TEMPORAL": "a date",
    "COMP_OP": "a comparison",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/' or '%'",
    "$END": "the end of the file",
}

# Tokens that can start an expression; when most are expected, say "an expression".
_EXPRESSION_STARTS = {"NAME", "STRING", "INT", "DECIMAL", "TEMPORAL", "LPAR", "LSQB", "TRUE", "NULL"}

_LITERALS = {"STRING", "INT", "DECIMAL", "TEMPORAL", "TRUE", "FALSE", "NULL"}

_OPENERS = {"{": "}", "(": ")", "[": "]"}
_BRACKET = re.compile(r'[{}()\[\]"#`]')
_SKIP = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*|`[^`\n]*`?')


def diagnose(
    error: UnexpectedInput, source: SourceText, text: str, parser: Lark
) -> tuple[Diagnostic, tuple[int, int]]:
    """One diagnostic for one lark error, and the range of ``text`` (the source as
    parsed so far, with earlier broken statements blanked) to blank before parsing
    again."""
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(error, source), _statement_range(text, error.pos_in_stream or 0)
    assert isinstance(error, (UnexpectedToken, UnexpectedEOF))
    token = error.token if isinstance(error, UnexpectedToken) else None
    if token is None or token.type == "$END":
        return _unexpected_end(source, text), (len(text), len(text))
    assert isinstance(error, UnexpectedToken)
    offset = token.start_pos or 0
    expected = set(error.accepts or error.expected)
    unclosed = _open_brackets(text, offset)
    if unclosed and unclosed[-1][0] in "([":
        opener, at = unclosed[-1]
        if text.count("\n", at, offset):
            line, column = source.position(at)
            return (
                Diagnostic(
                    "XM104",
                    f"the '{opener}' at line {line}, column {column} is not closed",
                    source.span(at),
                    f"add the missing '{_OPENERS[opener]}'",
                ),
                (_line_start(text, at), _line_end(text, offset)),
            )
    span = source.span(offset, token.end_pos)
    tailored = _tailored(token, expected, error, parser, text)
    if tailored:
        code, message, hint, *culprit = tailored
        if culprit:  # the mistake is an earlier token than the one the parser stopped at
            span = source.span(culprit[0].start_pos or 0, culprit[0].end_pos)
        diagnostic = Diagnostic(code, message, span, hint)
    else:
        diagnostic = Diagnostic(
            "XM101",
            f"unexpected {describe_token(token)}; expected {_expected_words(expected, parser)}",
            span,
        )
    if token.type == "RBRACE" and not text[_line_start(text, offset) : offset].strip():
        # A block's closing brace found an unfinished statement: blank that instead.
        previous = text[:_line_start(text, offset)].rstrip()
        if previous:
            return diagnostic, _statement_range(text, len(previous) - 1)
    return diagnostic, _statement_range(text, offset)


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def _statement_range(text: str, offset: int) -> tuple[int, int]:
    """The line holding ``offset``; if it opens a block it does not close, through
    the line that closes it."""
    start = _line_start(text, offset)
    end = _line_end(text, offset)
    depth = 0
    for char, at in _brackets(text, start):
        if at >= end and depth <= 0:
            break
        depth += 1 if char in _OPENERS else -1
        if at >= end and depth == 0:
            return start, _line_end(text, at)
    return start, end


def _brackets(text: str, start: int = 0) -> Iterator[tuple[str, int]]:
    """Brackets in ``text`` from ``start``, skipping strings, comments and quoted names."""
    position = start
    for match in _BRACKET.finditer(text, start):
        if match.start() < position:
            continue
        char = match.group()
        if char in '"#`':
            skipped = _SKIP.match(text, match.start())
            position = skipped.end() if skipped else match.end()
            continue
        yield char, match.start()


def _open_brackets(text: str, end: int) -> list[tuple[str, int]]:
    """The brackets opened before ``end`` and not closed, innermost last."""
    stack: list[tuple[str, int]] = []
    for char, at in _brackets(text[:end]):
        if char in _OPENERS:
            stack.append((char, at))
        elif stack and _OPENERS[stack[-1][0]] == char:
            stack.pop()
    return stack


def describe_token(token: Token) -> str:
    """A token in words: ``name 'foo'``, ``string "x"``, ``'{'``."""
    kind, value = token.type, str(token)
    if kind in ("NAME", "QUOTED_NAME"):
        return f"name '{value}'"
    if kind == "STRING":
        return f"string {value if len(value) < 30 else value[:27] + '...'}"
    if kind in ("INT", "DECIMAL"):
        return f"number {value}"
    if kind == "TEMPORAL":
        return f"date {value}"
    if value.isidentifier():
        return f"keyword '{value}'"
    return f"'{value}'"


def _expected_words(expected: Iterable[str], parser: Lark) -> str:
    names = set(expected)
    words: list[str] = []
    if len(names & _EXPRESSION_STARTS) >= 5 and {"NAME", "LPAR"} <= names:
        names -= _EXPRESSION_STARTS | {"FALSE", "LBRACE", "IF", "NOT", "LOOKUP", "MINUS", "QUOTED_NAME"}
        words.append("an expression")
    elif len(names & _LITERALS) >= 4:
        names -= _LITERALS
        words.append("a value")
    for name in sorted(names):
        if name in _TERMINAL_WORDS:
            word = _TERMINAL_WORDS[name]
        else:
            try:
                pattern = parser.get_terminal(name).pattern
            except KeyError:
                continue
            word = f"'{pattern.value}'" if isinstance(pattern, PatternStr) else name.lower()
        if word not in words:
            words.append(word)
    if not words:
        return "something else"
    if len(words) > 8:
        words = words[:8] + ["..."]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _tailored(
    token: Token, expected: set[str], error: UnexpectedToken, parser: Lark, text: str
) -> tuple[str, str, str | None] | tuple[str, str, str | None, Token] | None:
    """Messages for common mistakes, decided from what was found and expected."""
    value, kind = str(token), token.type
    previous = _previous_token(error)
    if (
        previous is not None
        and previous.type not in ("NAME", "QUOTED_NAME")
        and str(previous).isidentifier()
        and (kind in ("EQUAL", "COLON") or (kind == "NAME" and previous.type in ("KEY", "SOURCE", "TARGET")))
    ):
        return (
            "XM116",
            f"'{previous}' is a keyword here, so it cannot be used as a name",
            f"write it in backquotes: `{previous}`",
        )
    arrows = _terminals_for(parser, "->")
    if kind == "EQUAL" and text[token.end_pos or 0 :].startswith(">"):
        return ("XM119", "value map entries are written with '->', not '=>'", 'write `"in" -> "out"`')
    if kind == "EQUAL" and "COLON" in expected and "EQUAL" not in expected:
        return ("XM106", "a record field is written `name: value`", 'write `{ id: "j1" }`')
    if "EQUAL" in expected and _in_statement(error, "by") and kind != "EQUAL":
        return (
            "XM107",
            "a `by` clause pairs a source expression with a destination one using '='",
            "write `by lower(email) = lower(Email)`",
        )
    if expected == {"COLON"} and previous is not None and previous.type == "NAME":
        start = _line_start(text, previous.start_pos or 0)
        line_text = text[start : _line_end(text, start)]
        if ":" in line_text[: (previous.column or 1) - 1]:
            return (
                "XM125",
                f"'{previous}' is not a field flag",
                'the flags are: required, external, unique, label "Label"',
                previous,
            )
    comma = _comma(token, expected, previous, parser, text)
    if comma is not None:
        return comma
    if value == "|" and text[(token.start_pos or 1) - 1 : token.start_pos] == "|":
        return ("XM108", "'||' is not an operator", "write `or`")
    if kind == "EQUAL" and expected == {"LBRACE"} and _in_statement(error, "def"):
        return ("XM101", "a function's body goes in braces", "write `def cents(amount) { amount / 100 }`")
    if value == "==" and "EQUAL" in expected:
        return ("XM105", "'==' compares; a field is assigned with '='", "write `Field = expression`")
    if kind == "COLON" and "EQUAL" in expected:
        return (
            "XM106",
            "a field is assigned with '=', not ':'",
            "':' declares a field's type inside `object`/`extend`, and a value inside `{ }` records",
        )
    if kind == "EQUAL" and "EQUAL" not in expected:
        return ("XM107", "'=' assigns; compare with '=='", "write `status == \"open\"`")
    if expected and expected <= {"DEFER", "FAIL", "FALLBACK", "NULL"}:
        return (
            "XM120",
            f"unknown missing-parent policy '{value}'",
            "write `missing defer`, `missing null`, `missing fail` or `missing fallback`",
        )
    if expected & arrows and kind in ("NAME", "QUOTED_NAME", "LBRACE", "COLON", "EQUAL"):
        if previous is not None and previous.type in _LITERALS:
            hint = 'write `"in" -> "out"`'
        elif _in_statement(error, "resolve"):
            hint = "write `resolve Source -> Destination { ... }`"
        else:
            hint = "write `map Source -> Destination { ... }`"
        return ("XM119", f"expected '->' before {describe_token(token)}", hint)
    if value.isidentifier() and kind not in ("NAME", "TRUE", "FALSE", "NULL") and (
        "NAME" in expected or "QUOTED_NAME" in expected
    ):
        return (
            "XM116",
            f"'{value}' is a keyword here",
            f"to use it as a name, write it in backquotes: `{value}`",
        )
    if kind == "ELSE" and "THEN" in expected:
        return ("XM101", "'if' needs 'then' before 'else'", "write `if test then a else b`")
    if kind == "RBRACE" and "THEN" not in expected and "ELSE" in expected:
        return ("XM101", "'if' needs an 'else'", "write `if test then a else b`")
    return None


def _previous_token(error: UnexpectedToken) -> Token | None:
    """The token the parser shifted last, if lark kept its state."""
    interactive = error.interactive_parser
    if interactive is None:
        return None
    stack = interactive.parser_state.value_stack
    last = stack[-1] if stack else None
    if isinstance(last, Tree) and last.data == "name" and isinstance(last.children[0], Token):
        return last.children[0]
    return last if isinstance(last, Token) else None


def _in_statement(error: UnexpectedToken, keyword: str) -> bool:
    """Whether the statement being parsed started with ``keyword``."""
    interactive = error.interactive_parser
    for value in reversed(interactive.parser_state.value_stack if interactive else []):
        if isinstance(value, Token):
            if value == "{":
                return False
            if value == keyword and value.type != "NAME":
                return True
    return False


def _comma(
    token: Token, expected: set[str], previous: Token | None, parser: Lark, text: str
) -> tuple[str, str, str | None] | tuple[str, str, str | None, Token] | None:
    """XM127: a comma where none may stand. A trailing one (before a closing bracket
    or a value map's '->') is reported at the comma; so is a comma between
    statements or record fields of a block."""
    commas = _terminals_for(parser, ",")
    closers = _terminals_for(parser, ")") | _terminals_for(parser, "]") | _terminals_for(parser, "->")
    if previous is not None and previous.type in commas and token.type in closers and token.type not in expected:
        return ("XM127", f"a trailing comma is not allowed before {describe_token(token)}",
                "remove the ','; lookup(...), a def's parameters, value map inputs and `after` take none", previous)
    if token.type in commas and token.type not in expected:
        rest = text[token.end_pos or 0 :].lstrip(" \t")
        if rest[:1] in (")", "]", "-"):
            return ("XM127", "a trailing comma is not allowed here",
                    "remove the ','; lookup(...), a def's parameters, value map inputs and `after` take none")
        if _terminals_for(parser, "}") & expected:
            return ("XM127", "unexpected ','", "statements need no separator: start a new line")
    return None


def _terminals_for(parser: Lark, text: str) -> set[str]:
    """The names lark gave an anonymous literal terminal such as '->'."""
    return {
        t.name for t in parser.terminals if isinstance(t.pattern, PatternStr) and t.pattern.value == text
    }


def _unexpected_character(error: UnexpectedCharacters, source: SourceText) -> Diagnostic:
    offset = error.pos_in_stream or 0
    char = source.text[offset] if offset < len(source.text) else ""
    pair = source.text[offset : offset + 2]
    span = source.span(offset)
    if char == '"':
        end = source.text.find("\n", offset)
        end = len(source.text) if end < 0 else end
        return Diagnostic(
            "XM103",
            "unterminated string",
            source.span(offset, max(end, offset + 1)),
            "close it with '\"' on the same line; write \\n for a line break inside a string",
        )
    if char == "'":
        return Diagnostic("XM109", "strings are written in double quotes", span, 'write "text", not \'text\'')
    if pair in ("&&", "||") or (char == "!" and pair != "!="):
        word = {"&&": "and", "||": "or"}.get(pair, "not")
        return Diagnostic("XM108", f"'{pair if pair in ('&&', '||') else char}' is not an operator here", span,
                          f"write `{word}`")
    if char == ";":
        return Diagnostic("XM121", "unexpected ';'", span, "statements need no separator: start a new line")
    if char == "?":
        # '?' only exists in '??' and '?='; the usual slip is '=?' for '?='.
        if source.text[:offset].rstrip(" \t").endswith("="):
            return Diagnostic("XM126", "an optional assignment is written '?=', not '=?'", span,
                              "write `Field ?= value`")
        return Diagnostic("XM126", "'?' is not an operator on its own", span,
                          "write `Field ?= value` for an optional assignment, `a ?? b` for a default")
    if char == "`":
        return Diagnostic("XM103", "unterminated quoted name", span, "close it with '`' on the same line")
    shown = repr(char) if char.isprintable() and char else f"U+{ord(char):04X}" if char else "end of file"
    return Diagnostic("XM102", f"unexpected character {shown}", span, None)


def _unexpected_end(source: SourceText, text: str) -> Diagnostic:
    stack = _open_brackets(text, len(text))
    if stack:
        opener, offset = stack[-1]
        line, column = source.position(offset)
        return Diagnostic(
            "XM104",
            f"unexpected end of file: the '{opener}' at line {line}, column {column} is never closed",
            source.span(offset),
            f"add the missing '{_OPENERS[opener]}'",
        )
    end = len(text.rstrip()) or len(text)
    return Diagnostic("XM104", "unexpected end of file", source.span(max(0, end - 1)), None)
