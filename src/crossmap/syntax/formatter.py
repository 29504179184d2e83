"""Canonical formatting of specs: ``crossmap fmt``.

The formatter prints the syntax tree, not the text, so its output is canonical:
two-space indentation, one statement per line, aligned ``:`` and ``=`` inside a
block, minimal parentheses, one blank line between top-level items (blank lines
a writer put between statements are kept, one at most). Comments are kept: a
comment on its own line stays before the statement that follows it, a comment at
the end of a line stays at the end of that statement's line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from functools import cache

from lark.lexer import PatternStr

from crossmap.errors import SourceText, Span
from crossmap.syntax import ast
from crossmap.syntax.parser import grammar, parse

INDENT = "  "
WIDTH = 100
_ALIGN_LIMIT = 32
"""Names longer than this are not used to align a block (it would push the rest far right)."""

# Binding strength, loosest first: a child binding looser than its context needs parentheses.
_PIPE, _COND, _COALESCE, _OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _NEG, _POSTFIX, _ATOM = range(12)
_BINARY_LEVEL = {
    "??": _COALESCE,
    "or": _OR,
    "and": _AND,
    "==": _COMPARE, "!=": _COMPARE, "<": _COMPARE, ">": _COMPARE, "<=": _COMPARE, ">=": _COMPARE,
    "in": _COMPARE, "not in": _COMPARE,
    "+": _SUM, "-": _SUM,
    "*": _PRODUCT, "/": _PRODUCT, "%": _PRODUCT,
}
_HEADER = (ast.Version, ast.Title, ast.Connector, ast.Include)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def format_spec(text: str, *, path: str = "<string>") -> str:
    """Format spec text. Raises ``SpecError`` if it does not parse."""
    spec = parse(text, path=path)
    return _Printer(SourceText(path, text), _comments(text)).spec(spec)


@cache
def keywords() -> frozenset[str]:
    """Every word the grammar uses as a keyword; names spelled like one are quoted."""
    return frozenset(
        t.pattern.value
        for t in grammar().terminals
        if isinstance(t.pattern, PatternStr) and t.pattern.value.isidentifier()
    )


def _comments(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every comment, from lark's lexer so '#' in strings is safe."""
    return [
        (token.start_pos or 0, str(token).rstrip())
        for token in grammar().lex(text, dont_ignore=True)
        if token.type == "COMMENT"
    ]


class _Printer:
    def __init__(self, source: SourceText, comments: list[tuple[int, str]]) -> None:
        self.source = source
        self.comments = comments
        self.next_comment = 0
        self.out: list[str] = []

    # ---- comments and layout ------------------------------------------------------------

    def leading(self, before: int, depth: int) -> None:
        """Emit the comments that start before offset ``before`` on lines of their own."""
        comments = self.comments
        while self.next_comment < len(comments) and comments[self.next_comment][0] < before:
            offset, text = comments[self.next_comment]
            self.out.append(INDENT * depth + text)
            self.next_comment += 1
            following = comments[self.next_comment][0] if self.next_comment < len(comments) else before
            gap = self.source.text[offset + len(text) : min(following, before)]
            if gap.count("\n") > 1 and min(following, before) <= len(self.source.text):
                self.out.append("")

    def trailing(self, span: Span) -> str:
        """A comment on the same line as the end of ``span``, after it."""
        if self.next_comment < len(self.comments):
            offset, text = self.comments[self.next_comment]
            line, _ = self.source.position(offset)
            if offset >= span.start and line == span.end_line:
                self.next_comment += 1
                return "  " + text
        return ""

    def line(self, depth: int, text: str, span: Span) -> None:
        self.leading(span.start, depth)
        self.out.append(INDENT * depth + text + self.trailing(span))

    def blank_between(self, previous: Span | None, current: Span) -> bool:
        """Whether the writer left a blank line between two statements."""
        if previous is None:
            return False
        between = self.source.text[previous.end : current.start]
        return any(not line.strip() for line in between.split("\n")[1:-1])

    def block(
        self, depth: int, header: str, span: Span, members: Sequence[tuple[str, Span]]
    ) -> None:
        """``header {``, members one per line, ``}``; comments before ``}`` stay inside."""
        self.line(depth, header + " {", _first_line(span))
        previous: Span | None = None
        for text, member_span in members:
            if self.blank_between(previous, member_span):
                self.out.append("")
            self.line(depth + 1, text, member_span)
            previous = member_span
        self.leading(span.end - 1, depth + 1)
        self.out.append(INDENT * depth + "}" + self.trailing(span))

    # ---- items -----------------------------------------------------------------------------

    def spec(self, spec: ast.Spec) -> str:
        previous: ast.Item | None = None
        for item in spec.items:
            if previous is not None and not (isinstance(item, _HEADER) and isinstance(previous, _HEADER)):
                self.out.append("")
            self.item(item)
            previous = item
        self.leading(len(self.source.text) + 1, 0)
        return "\n".join(self.out).rstrip("\n") + "\n"

    def item(self, item: ast.Item) -> None:
        if isinstance(item, ast.Version):
            self.line(0, f"xmap {item.number}", item.span)
        elif isinstance(item, ast.Title):
            self.line(0, f"migration {string(item.text)}", item.span)
        elif isinstance(item, ast.Include):
            self.line(0, f"include {string(item.path)}", item.span)
        elif isinstance(item, ast.Connector):
            header = f"{item.role} {name(item.name)}"
            if item.options:
                options = [(f"{name(o.name)} = {expr(o.value)}", o.span) for o in item.options]
                self.block(0, header, item.span, options)
            else:
                self.line(0, header, item.span)
        elif isinstance(item, ast.ObjectDecl):
            header = f"{'object' if item.new else 'extend'} {name(item.name)}"
            if item.label is not None:
                header += f" {string(item.label)}"
            width = _align([name(f.name) for f in item.fields], suffix=":")
            self.block(0, header, item.span, [(field_decl(f, width), f.span) for f in item.fields])
        elif isinstance(item, ast.ValueMap):
            header = f"valuemap {name(item.name)}" + (" reversible" if item.reversible else "")
            width = _align([", ".join(literal(i) for i in e.inputs) for e in item.entries])
            members = [
                (f"{', '.join(literal(i) for i in e.inputs):<{width}} -> {literal(e.output)}", e.span)
                for e in item.entries
            ]
            if item.otherwise is not None:
                otherwise = item.otherwise
                value = literal(otherwise.default) if otherwise.default is not None else otherwise.kind
                members.append((f"else {value}", otherwise.span))
            self.block(0, header, item.span, members)
        elif isinstance(item, ast.Mapping):
            source = ".".join(name(p) for p in (item.source, *item.path))
            alias = f" as {name(item.alias)}" if item.alias else ""
            header = f"map {source}{alias} -> {name(item.target)}"
            self.block(0, header, item.span, statements(item.body))
        elif isinstance(item, ast.Resolve):
            header = f"resolve {name(item.source)} -> {name(item.target)}"
            self.block(0, header, item.span, statements(item.body))
        elif isinstance(item, ast.FunctionDef):
            params = ", ".join(name(p) for p in item.params)
            self.line(0, f"def {name(item.name)}({params}) {{ {expr(item.body)} }}", item.span)
        else:
            assert isinstance(item, ast.Test)
            self.test(item)

    def test(self, test: ast.Test) -> None:
        self.line(0, f"test {string(test.name)} {{", _first_line(test.span))
        parts: list[ast.Given | ast.Expect] = sorted((*test.givens, *test.expects), key=lambda p: p.span.start)
        for part in parts:
            keyword = "given" if isinstance(part, ast.Given) else "expect"
            if part.record is None:
                self.line(1, f"expect no {name(part.object)}", part.span)
                continue
            self.leading(part.span.start, 1)
            self.out.append(f"{INDENT}{keyword} {name(part.object)} {{")
            for f in part.record.fields:
                self.line(2, f"{record_key(f.name)}: {expr(f.value)}", f.span)
            self.leading(part.span.end - 1, 2)
            self.out.append(INDENT + "}" + self.trailing(part.span))
        self.leading(test.span.end - 1, 1)
        self.out.append("}" + self.trailing(test.span))


def _first_line(span: Span) -> Span:
    """The span cut to its first line, so a block's header takes no comment from inside."""
    end = span.source.text.find("\n", span.start)
    end = span.end if end < 0 else min(end, span.end)
    return span.source.span(span.start, end)


def _align(names: Sequence[str], suffix: str = "") -> int:
    fitting = [len(n) + len(suffix) for n in names if len(n) <= _ALIGN_LIMIT]
    return max(fitting, default=0)


def field_decl(decl: ast.FieldDecl, width: int) -> str:
    flags = [
        flag
        for flag, on in (("required", decl.required), ("external", decl.external_id), ("unique", decl.unique))
        if on
    ]
    if decl.label is not None:
        flags.append(f"label {string(decl.label)}")
    head = f"{name(decl.name) + ':':<{width}} {type_ref(decl.type)}"
    return " ".join([head, *flags])


def type_ref(ref: ast.TypeRef) -> str:
    text = ref.name
    if ref.args:
        text += "(" + ", ".join(str(a) if isinstance(a, int) else name(a) for a in ref.args) + ")"
    if ref.restricted:
        text += " restricted"
    if ref.values:
        values = ", ".join(string(v) for v in ref.values)
        if len(values) > WIDTH - 40:
            inner = "".join(f"\n{INDENT * 2}{string(v)}," for v in ref.values)
            text += f" [{inner}\n{INDENT}]"
        else:
            text += f" [{values}]"
    return text


def statements(body: Sequence[ast.MapStmt | ast.ResolveStmt]) -> list[tuple[str, Span]]:
    # The '=' of '?=' lines up with the others: an optional assignment's name counts
    # one character longer.
    width = _align([name(s.field) + "?" * s.optional for s in body if isinstance(s, ast.Assign)])
    return [(statement(s, width), s.span) for s in body]


def statement(stmt: ast.MapStmt | ast.ResolveStmt, width: int = 0) -> str:
    if isinstance(stmt, ast.Assign):
        if stmt.optional:
            return f"{name(stmt.field):<{max(width - 1, 0)}} ?= {expr(stmt.value)}"
        return f"{name(stmt.field):<{width}} = {expr(stmt.value)}"
    if isinstance(stmt, ast.Let):
        return f"let {name(stmt.name)} = {expr(stmt.value)}"
    if isinstance(stmt, ast.KeyStmt):
        return f"key {expr(stmt.value)}"
    if isinstance(stmt, ast.LoadMode):
        return "insert" if stmt.mode == "insert" else f"upsert on {name(stmt.external_id or '')}"
    if isinstance(stmt, ast.Skip):
        reason = f" because {string(stmt.reason)}" if stmt.reason is not None else ""
        return f"skip when {expr(stmt.when)}{reason}"
    if isinstance(stmt, ast.FailWhen):
        reason = f" because {string(stmt.reason)}" if stmt.reason is not None else ""
        return f"fail when {expr(stmt.when)}{reason}"
    if isinstance(stmt, ast.After):
        return "after " + ", ".join(".".join(name(part) for part in ref.split(".")) for ref in stmt.sources)
    if isinstance(stmt, ast.OnDelete):
        return f"on delete {stmt.action}" + (f" {name(stmt.field)}" if stmt.field else "")
    if isinstance(stmt, ast.By):
        return f"by {expr(stmt.source)} = {expr(stmt.target)}"
    assert isinstance(stmt, ast.Fallback)
    return f"fallback {expr(stmt.value)}"


# ---- expressions ---------------------------------------------------------------------------


def expr(node: ast.Expr, context: int = _PIPE) -> str:
    """An expression, parenthesised if it binds looser than ``context`` requires."""
    text, level = _expr(node)
    return f"({text})" if level < context else text


def _expr(node: ast.Expr) -> tuple[str, int]:
    if isinstance(node, ast.Literal):
        return literal(node), _ATOM
    if isinstance(node, ast.Name):
        return name(node.name), _ATOM
    if isinstance(node, ast.Attr):
        return f"{expr(node.value, _POSTFIX)}.{field_name(node.name)}", _POSTFIX
    if isinstance(node, ast.Index):
        return f"{expr(node.value, _POSTFIX)}[{expr(node.key)}]", _POSTFIX
    if isinstance(node, ast.Unary):
        if node.op == "not":
            return f"not {expr(node.operand, _NOT)}", _NOT
        return f"-{expr(node.operand, _NEG)}", _NEG
    if isinstance(node, ast.Binary):
        level = _BINARY_LEVEL[node.op]
        # Left-associative; comparisons do not chain, so both sides bind tighter.
        left_level = level + 1 if level == _COMPARE else level
        return f"{expr(node.left, left_level)} {node.op} {expr(node.right, level + 1)}", level
    if isinstance(node, ast.Cond):
        return f"if {expr(node.test)} then {expr(node.then)} else {expr(node.otherwise, _COND)}", _COND
    if isinstance(node, ast.Fail):
        return "fail", _ATOM
    if isinstance(node, ast.Lambda):
        return f"{name(node.param)} -> {expr(node.body)}", _PIPE
    if isinstance(node, ast.Call):
        if node.piped and node.args:
            rest = _arguments(node.args[1:], node.keywords)
            suffix = f"({rest})" if rest or len(node.args) > 1 or node.keywords else ""
            return f"{expr(node.args[0], _PIPE)} | {name(node.func)}{suffix}", _PIPE
        return f"{name(node.func)}({_arguments(node.args, node.keywords)})", _ATOM
    if isinstance(node, ast.Lookup):
        target = f" -> {name(node.target)}" if node.target else ""
        missing = f" missing {node.missing}" if node.missing else ""
        return f"lookup({name(node.source)}{target}, {expr(node.key)}){missing}", _ATOM
    if isinstance(node, ast.ListExpr):
        return "[" + ", ".join(expr(i) for i in node.items) + "]", _ATOM
    assert isinstance(node, ast.RecordExpr)
    if not node.fields:
        return "{}", _ATOM
    return "{ " + ", ".join(f"{record_key(f.name)}: {expr(f.value)}" for f in node.fields) + " }", _ATOM


def _arguments(args: Sequence[ast.Expr], keywords: Sequence[ast.Keyword]) -> str:
    parts = [expr(a) for a in args] + [f"{name(k.name)}: {expr(k.value)}" for k in keywords]
    return ", ".join(parts)


def literal(node: ast.Literal) -> str:
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return "@" + (text[:-6] + "Z" if text.endswith("+00:00") else text)
    if isinstance(value, dt.date):
        return "@" + value.isoformat()
    return string(value)


def string(value: str) -> str:
    """A string literal with the escapes the grammar reads back."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable():
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def name(text: str) -> str:
    """A name, backquoted where it would read as a keyword or is not an identifier."""
    if text.isidentifier() and text.isascii() and text not in keywords():
        return text
    return f"`{text}`"


def field_name(text: str) -> str:
    """A name after '.', where keywords are never expected."""
    return text if text.isidentifier() and text.isascii() else f"`{text}`"


def record_key(text: str) -> str:
    """A record key: a name (quoted if spelled like a keyword), or a string when it
    is not an identifier."""
    return name(text) if text.isidentifier() and text.isascii() else string(text)

