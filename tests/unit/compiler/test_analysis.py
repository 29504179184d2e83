"""The compiler's one walker over plan expressions (crossmap.compiler.analysis):
every kind of node that holds expressions is walked into, and no other module walks
the tree or reaches into attrs internals (issue 25, item 2)."""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path

import attrs

from crossmap.compiler import analysis, ir
from crossmap.compiler.types import ValueType

SRC = Path(__file__).resolve().parents[3] / "src" / "crossmap"
TEXT = ValueType("string")


def test_every_node_that_holds_expressions_is_walked_into() -> None:
    walked = inspect.getsource(analysis.children)
    for kind in typing.get_args(ir.Expr):
        holds = [f.name for f in attrs.fields(kind) if "Expr" in str(f.type) or "OnError" in str(f.type)]
        if holds:
            assert f"ir.{kind.__name__})" in walked, f"children() does not walk into {kind.__name__} ({holds})"


def test_walk_find_all_and_fields_read() -> None:
    name = ir.Field(TEXT, "record", ("name",))
    key = ir.Field(TEXT, "record", ("owner_id",))
    lookup = ir.Lookup(TEXT, "owners->User", key, "fail")
    local = ir.Field(TEXT, "full", ())
    expr = ir.If(TEXT, ir.Op(TEXT, "==", (name, ir.Const(TEXT, "x"))), lookup, local)
    assert [type(n).__name__ for n in analysis.walk(expr)] == ["If", "Op", "Field", "Const", "Lookup", "Field", "Field"]
    assert list(analysis.find_all(expr, ir.Lookup)) == [lookup]
    bindings = {"full": ir.Field(TEXT, "record", ("first",))}
    assert analysis.fields_read(expr, bindings) == {("record", ("name",)), ("record", ("owner_id",)),
                                                    ("record", ("first",))}
    assert analysis.fields_read(expr, bindings, into_lookups=False) == {("record", ("name",)), ("record", ("first",))}


def test_no_other_module_walks_the_tree() -> None:
    reflective = re.compile(r"__attrs_attrs__|attrs\.fields\(")
    walker = re.compile(r"\bchildren\(")
    found = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
             if path.name != "analysis.py" and (reflective.search(text := path.read_text(encoding="utf-8"))
                                                 or walker.search(text))]
    assert found == [], f"walk the plan with crossmap.compiler.analysis instead: {found}"
