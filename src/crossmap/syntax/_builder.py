"""Lark parse tree → syntax tree, with the checks a grammar cannot express
(field type names and arguments, date literals, string escapes, nesting depth).

Problems are collected as diagnostics rather than raised, so one pass reports
everything wrong in a file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, cast

from lark import Token, Tree

from crossmap.errors import Diagnostic, SourceText, Span, did_you_mean
from crossmap.syntax import ast

MAX_DEPTH = 150
"""Deepest expression nesting accepted; deeper input is reported, not crashed on."""


class _TooDeep(Exception):
    def __init__(self, span: Span) -> None:
        self.span = span


# name -> (min args, max args, argument kind, picklist values)
_FIELD_TYPES: dict[str, tuple[int, int, str, str]] = {
    "text": (1, 1, "int", "no"),
    "long text": (0, 1, "int", "no"),
    "picklist": (0, 0, "", "yes"),
    "number": (1, 2, "int", "no"),
    "currency": (1, 2, "int", "no"),
    "percent": (1, 2, "int", "no"),
    "checkbox": (0, 0, "", "no"),
    "date": (0, 0, "", "no"),
    "datetime": (0, 0, "", "no"),
    "email": (0, 0, "", "no"),
    "phone": (0, 0, "", "no"),
    "url": (0, 0, "", "no"),
    "lookup": (1, 1, "name", "no"),
    "master-detail": (1, 1, "name", "no"),
}
FIELD_TYPE_NAMES = tuple(_FIELD_TYPES)

_EXAMPLES = {
    "text": "text(80)",
    "long text": "long text(32000)",
    "picklist": 'picklist ["A", "B"]',
    "number": "number(16, 2)",
    "currency": "currency(16, 2)",
    "percent": "percent(5, 2)",
    "lookup": "lookup(Account)",
    "master-detail": "master-detail(Case)",
}

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_ESCAPE_RE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)

_BINARY = {"or_op": "or", "and_op": "and", "coalesce": "??"}


class Builder:
    """Builds the syntax tree of one parsed chunk of a spec."""

    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self._depth = 0

    # ---- helpers ----------------------------------------------------------------

    def span(self, node: Tree[Token] | Token) -> Span:
        if isinstance(node, Token):
            start = node.start_pos or 0
            end = node.end_pos if node.end_pos is not None else start + len(node)
        else:
            meta = node.meta
            if meta.empty:
                return self.source.span(0, 0)
            start, end = meta.start_pos, meta.end_pos
        return self.source.span(start, end)

    def error(self, code: str, message: str, node: Tree[Token] | Token | Span, hint: str | None = None) -> None:
        span = node if isinstance(node, Span) else self.span(node)
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    def name(self, node: Tree[Token] | Token) -> str:
        token = node.children[0] if isinstance(node, Tree) else node
        assert isinstance(token, Token)
        text = str(token)
        return text[1:-1] if token.type == "QUOTED_NAME" else text

    def string(self, token: Token) -> str:
        body = str(token)[1:-1]
        if "\\" not in body:
            return body

        def replace(match: re.Match[str]) -> str:
            code = match.group(1)
            if code[0] in "uU" and len(code) > 1:
                return chr(int(code[1:], 16))
            if code in _ESCAPES:
                return _ESCAPES[code]
            offset = (token.start_pos or 0) + 1 + match.start()
            self.error(
                "XM111",
                f"unknown escape '\\{code}' in a string",
                self.source.span(offset, offset + 2),
                'write \\\\ for a backslash; escapes are \\" \\\\ \\n \\t \\r \\0 \\uXXXX',
            )
            return code

        return _ESCAPE_RE.sub(replace, body)

    # ---- items ---------------------------------------------------------------------

    def spec(self, tree: Tree[Token]) -> list[ast.Item]:
        items: list[ast.Item] = []
        for child in tree.children:
            assert isinstance(child, Tree)
            try:
                items.append(getattr(self, child.data)(child))
            except _TooDeep as too_deep:
                self.error(
                    "XM117",
                    f"expression too deep: more than {MAX_DEPTH} levels of nesting or chained operators",
                    too_deep.span,
                    "split it into `let` bindings",
                )
        return items

    def version(self, tree: Tree[Token]) -> ast.Version:
        return ast.Version(int(cast(Token, tree.children[0])), span=self.span(tree))

    def title(self, tree: Tree[Token]) -> ast.Title:
        return ast.Title(self.string(cast(Token, tree.children[0])), span=self.span(tree))

    def connector(self, tree: Tree[Token]) -> ast.Connector:
        role, name, *rest = tree.children
        options = tuple(
            ast.Option(self.name(o.children[0]), self.expr(o.children[1]), span=self.span(o))
            for block in rest
            for o in cast(Tree[Token], block).children
            if isinstance(o, Tree)
        )
        return ast.Connector(
            cast(Any, str(role)), self.name(cast(Tree[Token], name)), options, span=self.span(tree)
        )

    def include(self, tree: Tree[Token]) -> ast.Include:
        return ast.Include(self.string(cast(Token, tree.children[0])), span=self.span(tree))

    def object_decl(self, tree: Tree[Token]) -> ast.ObjectDecl:
        kind, name, *rest = tree.children
        label = None
        fields = []
        for child in rest:
            if isinstance(child, Token):
                label = self.string(child)
            else:
                fields.append(self.field_decl(child))
        return ast.ObjectDecl(
            self.name(cast(Tree[Token], name)),
            tuple(fields),
            new=str(kind) == "object",
            label=label,
            span=self.span(tree),
        )

    def field_decl(self, tree: Tree[Token]) -> ast.FieldDecl:
        name, type_tree, *flags = tree.children
        flag_names = {str(f) for f in flags if isinstance(f, Token)}
        label = next(
            (self.string(cast(Token, f.children[0])) for f in flags if isinstance(f, Tree)), None
        )
        return ast.FieldDecl(
            self.name(cast(Tree[Token], name)),
            self.field_type(cast(Tree[Token], type_tree)),
            required="required" in flag_names,
            external_id="external" in flag_names,
            unique="unique" in flag_names,
            label=label,
            span=self.span(tree),
        )

    def field_type(self, tree: Tree[Token]) -> ast.TypeRef:
        type_name = ""
        args: list[int | str] = []
        values: list[str] = []
        restricted = False
        for child in tree.children:
            if isinstance(child, Token):
                restricted = True
            elif child.data == "type_name":
                separator = " " if child.children[0] == "long" else "-"
                type_name = separator.join(str(t) for t in child.children)
            elif child.data == "type_args":
                for arg in child.children:
                    if isinstance(arg, Token):
                        args.append(int(arg))
                    elif arg is not None:
                        args.append(self.name(arg))
            elif child.data == "string_list":
                values.extend(self.string(cast(Token, t)) for t in child.children if t is not None)
        ref = ast.TypeRef(type_name, tuple(args), tuple(values), restricted, span=self.span(tree))
        self._check_type(ref)
        return ref

    def _check_type(self, ref: ast.TypeRef) -> None:
        rule = _FIELD_TYPES.get(ref.name)
        if rule is None:
            hint = did_you_mean(ref.name, FIELD_TYPE_NAMES) or "the field types are: " + ", ".join(
                FIELD_TYPE_NAMES
            )
            self.error("XM112", f"unknown field type '{ref.name}'", ref.span, hint)
            return
        low, high, kind, values = rule
        example = _EXAMPLES.get(ref.name, ref.name)
        if not low <= len(ref.args) <= high:
            wanted = f"{low}" if low == high else f"{low} to {high}"
            self.error(
                "XM113",
                f"'{ref.name}' takes {wanted} argument{'s' if high != 1 else ''}, not {len(ref.args)}",
                ref.span,
                f"for example: {example}",
            )
        elif any(isinstance(a, str) != (kind == "name") for a in ref.args):
            what = "an object name" if kind == "name" else "whole numbers"
            self.error("XM113", f"'{ref.name}' takes {what} as arguments", ref.span, f"for example: {example}")
        if values == "yes" and not ref.values:
            self.error("XM113", "a picklist needs its values", ref.span, f"for example: {example}")
        if values == "no" and ref.values:
            self.error("XM113", f"'{ref.name}' takes no list of values", ref.span, f"for example: {example}")
        if ref.restricted and ref.name != "picklist":
            self.error("XM113", "only a picklist can be 'restricted'", ref.span)

    def valuemap(self, tree: Tree[Token]) -> ast.ValueMap:
        name, *rest = tree.children
        reversible = False
        entries: list[ast.ValueMapEntry] = []
        otherwise = None
        for child in rest:
            if isinstance(child, Token):
                reversible = True
            elif child.data == "vm_entry":
                *inputs, output = (self.literal(cast(Tree[Token], c)) for c in child.children)
                entries.append(ast.ValueMapEntry(tuple(inputs), output, span=self.span(child)))
            else:
                value = child.children[0]
                if isinstance(value, Token):
                    kind = cast(Any, "error" if value.type == "ERROR" else "keep")
                    otherwise = ast.ValueMapElse(kind, span=self.span(child))
                else:
                    otherwise = ast.ValueMapElse("default", self.literal(value), span=self.span(child))
        return ast.ValueMap(
            self.name(cast(Tree[Token], name)), tuple(entries), otherwise, reversible, span=self.span(tree)
        )

    def resolve(self, tree: Tree[Token]) -> ast.Resolve:
        source, target, *body = tree.children
        return ast.Resolve(
            self.name(cast(Tree[Token], source)),
            self.name(cast(Tree[Token], target)),
            tuple(self.statement(cast(Tree[Token], s)) for s in body),  # type: ignore[misc]
            span=self.span(tree),
        )

    def mapping(self, tree: Tree[Token]) -> ast.Mapping:
        source_ref, *rest = tree.children
        parts = [self.name(cast(Tree[Token], p)) for p in cast(Tree[Token], source_ref).children]
        alias = None
        if isinstance(rest[0], Tree) and rest[0].data == "alias":
            alias = self.name(cast(Tree[Token], rest.pop(0).children[0]))  # type: ignore[union-attr]
        target, *body = rest
        return ast.Mapping(
            parts[0],
            self.name(cast(Tree[Token], target)),
            tuple(self.statement(cast(Tree[Token], s)) for s in body),  # type: ignore[misc]
            path=tuple(parts[1:]),
            alias=alias,
            span=self.span(tree),
        )

    def function(self, tree: Tree[Token]) -> ast.FunctionDef:
        name, *params, body = tree.children
        return ast.FunctionDef(
            self.name(cast(Tree[Token], name)),
            tuple(self.name(cast(Tree[Token], p)) for p in params if p is not None),
            self.expr(body),
            span=self.span(tree),
        )

    def test(self, tree: Tree[Token]) -> ast.Test:
        name, *parts = tree.children
        givens: list[ast.Given] = []
        expects: list[ast.Expect] = []
        for part in parts:
            assert isinstance(part, Tree)
            obj = self.name(cast(Tree[Token], part.children[0]))
            if part.data == "given":
                givens.append(ast.Given(obj, self.record(part.children[1]), span=self.span(part)))
            elif part.data == "expect":
                expects.append(ast.Expect(obj, self.record(part.children[1]), span=self.span(part)))
            else:
                expects.append(ast.Expect(obj, None, span=self.span(part)))
        return ast.Test(self.string(cast(Token, name)), tuple(givens), tuple(expects), span=self.span(tree))

    # ---- statements ------------------------------------------------------------------

    def statement(self, tree: Tree[Token]) -> ast.MapStmt | ast.ResolveStmt:
        span = self.span(tree)
        children = tree.children
        data = tree.data
        if data in ("assign", "optional_assign"):
            return ast.Assign(
                self.name(cast(Tree[Token], children[0])),
                self.expr(children[1]),
                optional=data == "optional_assign",
                span=span,
            )
        if data == "let_stmt":
            return ast.Let(self.name(cast(Tree[Token], children[0])), self.expr(children[1]), span=span)
        if data == "key_stmt":
            return ast.KeyStmt(self.expr(children[0]), span=span)
        if data == "insert_stmt":
            return ast.LoadMode("insert", span=span)
        if data == "upsert_stmt":
            return ast.LoadMode("upsert", self.name(cast(Tree[Token], children[0])), span=span)
        if data == "skip_stmt":
            reason = self.string(cast(Token, children[1])) if len(children) > 1 else None
            return ast.Skip(self.expr(children[0]), reason, span=span)
        if data == "after_stmt":
            return ast.After(tuple(".".join(self.name(cast(Tree[Token], part)) for part in cast(Tree[Token], ref).children)
                                   for ref in children), span=span)
        if data == "fail_stmt":
            # children[0] is the FAIL keyword token itself (a named terminal is kept).
            reason = self.string(cast(Token, children[2])) if len(children) > 2 else None
            return ast.FailWhen(self.expr(children[1]), reason, span=span)
        if data == "on_delete_stmt":
            action = cast(Any, str(children[0]))
            field = self.name(cast(Tree[Token], children[1])) if len(children) > 1 else None
            return ast.OnDelete(action, field, span=span)
        if data == "by_stmt":
            return ast.By(self.expr(children[0]), self.expr(children[1]), span=span)
        assert data == "fallback_stmt", data
        return ast.Fallback(self.expr(children[0]), span=span)

    # ---- expressions -------------------------------------------------------------------

    def expr(self, node: Tree[Token] | Token | None) -> ast.Expr:
        assert isinstance(node, Tree), node
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.span(node))
            return self._EXPR[node.data](self, node)
        finally:
            self._depth -= 1

    def literal(self, tree: Tree[Token]) -> ast.Literal:
        token = cast(Token, tree.children[0])
        span = self.span(tree)
        kind = token.type
        value: ast.LiteralValue
        if kind == "STRING":
            value = self.string(token)
        elif kind == "INT":
            value = int(token)
        elif kind == "DECIMAL":
            value = Decimal(str(token))
        elif kind in ("TRUE", "FALSE"):
            value = kind == "TRUE"
        elif kind == "NULL":
            value = None
        else:
            value = self._temporal(token, span)
        return ast.Literal(value, span=span)

    def _temporal(self, token: Token, span: Span) -> dt.date | dt.datetime | None:
        text = str(token)[1:]
        try:
            if "T" in text:
                return dt.datetime.fromisoformat(text)
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            self.error(
                "XM110",
                f"'{token}' is not a valid {'datetime' if 'T' in text else 'date'}: {exc}",
                span,
                "write dates as @2024-01-31 and datetimes as @2024-01-31T14:30:00Z",
            )
            return None

    def _var(self, tree: Tree[Token]) -> ast.Expr:
        return ast.Name(self.name(cast(Tree[Token], tree.children[0])), span=self.span(tree))

    def _attr(self, tree: Tree[Token]) -> ast.Expr:
        value, name = tree.children
        return ast.Attr(self.expr(value), self.name(cast(Tree[Token], name)), span=self.span(tree))

    def _index(self, tree: Tree[Token]) -> ast.Expr:
        value, key = tree.children
        return ast.Index(self.expr(value), self.expr(key), span=self.span(tree))

    def _neg(self, tree: Tree[Token]) -> ast.Expr:
        return ast.Unary("-", self.expr(tree.children[0]), span=self.span(tree))

    def _not(self, tree: Tree[Token]) -> ast.Expr:
        return ast.Unary("not", self.expr(tree.children[0]), span=self.span(tree))

    def _arith(self, tree: Tree[Token]) -> ast.Expr:
        left, op, right = tree.children
        return ast.Binary(cast(Any, str(op)), self.expr(left), self.expr(right), span=self.span(tree))

    _compare = _arith

    def _in(self, tree: Tree[Token]) -> ast.Expr:
        left, right = tree.children
        op = "in" if tree.data == "in_op" else "not in"
        return ast.Binary(cast(Any, op), self.expr(left), self.expr(right), span=self.span(tree))

    def _logic(self, tree: Tree[Token]) -> ast.Expr:
        left, right = tree.children
        return ast.Binary(cast(Any, _BINARY[tree.data]), self.expr(left), self.expr(right), span=self.span(tree))

    def _if(self, tree: Tree[Token]) -> ast.Expr:
        test, then, otherwise = (self.expr(c) for c in tree.children)
        return ast.Cond(test, then, otherwise, span=self.span(tree))

    def _arguments(self, tree: Tree[Token] | None) -> tuple[list[ast.Expr], list[ast.Keyword]]:
        args: list[ast.Expr] = []
        keywords: list[ast.Keyword] = []
        for child in tree.children if tree is not None else ():
            if child is None:
                continue
            assert isinstance(child, Tree)
            if child.data == "kwarg":
                name, value = child.children
                expr: ast.Expr = (
                    ast.Fail(span=self.span(value)) if isinstance(value, Token) else self.expr(value)
                )
                keywords.append(ast.Keyword(self.name(cast(Tree[Token], name)), expr, span=self.span(child)))
            elif child.data == "lambda_arg":
                param, body = child.children
                args.append(ast.Lambda(self.name(cast(Tree[Token], param)), self.expr(body), span=self.span(child)))
            else:
                if keywords:
                    self.error(
                        "XM101",
                        "a positional argument cannot follow a named one",
                        child,
                        "put positional arguments first: f(x, 2, tz: \"UTC\")",
                    )
                args.append(self.expr(child))
        return args, keywords

    def _call(self, tree: Tree[Token]) -> ast.Expr:
        name, call_args = tree.children
        args, keywords = self._arguments(cast(Tree[Token], call_args))
        return ast.Call(self.name(cast(Tree[Token], name)), tuple(args), tuple(keywords), span=self.span(tree))

    def _pipe(self, tree: Tree[Token]) -> ast.Expr:
        value, name, *call_args = tree.children
        args, keywords = self._arguments(cast(Tree[Token], call_args[0]) if call_args else None)
        return ast.Call(
            self.name(cast(Tree[Token], name)),
            (self.expr(value), *args),
            tuple(keywords),
            piped=True,
            span=self.span(tree),
        )

    def _lookup(self, tree: Tree[Token]) -> ast.Expr:
        children = [c for c in tree.children if c is not None]
        missing = None
        if isinstance(children[-1], Tree) and children[-1].data == "missing":
            missing = cast(Any, str(children.pop().children[0]))  # type: ignore[union-attr]
        source = self.name(cast(Tree[Token], children[0]))
        target = self.name(cast(Tree[Token], children[1])) if len(children) == 3 else None
        return ast.Lookup(source, self.expr(children[-1]), target, missing, span=self.span(tree))

    def _list(self, tree: Tree[Token]) -> ast.Expr:
        return ast.ListExpr(tuple(self.expr(c) for c in tree.children if c is not None), span=self.span(tree))

    def record(self, node: Tree[Token] | Token | None) -> ast.RecordExpr:
        assert isinstance(node, Tree)
        fields = []
        for child in node.children:
            assert isinstance(child, Tree)
            key, value = child.children
            name = self.string(key) if isinstance(key, Token) else self.name(key)
            fields.append(ast.RecordField(name, self.expr(value), span=self.span(child)))
        return ast.RecordExpr(tuple(fields), span=self.span(node))

    def _record(self, tree: Tree[Token]) -> ast.Expr:
        return self.record(tree)

    _EXPR: ClassVar[dict[str, Callable[[Builder, Tree[Token]], ast.Expr]]] = {
        "literal": literal,
        "var": _var,
        "attr": _attr,
        "index": _index,
        "neg": _neg,
        "not_op": _not,
        "arith": _arith,
        "compare": _compare,
        "in_op": _in,
        "not_in_op": _in,
        "or_op": _logic,
        "and_op": _logic,
        "coalesce": _logic,
        "if_expr": _if,
        "call": _call,
        "pipe_call": _pipe,
        "lookup": _lookup,
        "list": _list,
        "record": _record,
    }
