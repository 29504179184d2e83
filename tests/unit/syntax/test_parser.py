"""The parser: what each construct becomes, positions, and soft keywords."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crossmap.errors import SpecError
from crossmap.syntax import ast, parse


def body(text: str) -> tuple[ast.MapStmt, ...]:
    mapping = parse(f"map jobs -> Case {{\n{text}\n}}\n").items[0]
    assert isinstance(mapping, ast.Mapping)
    return mapping.body


def value(expression: str) -> ast.Expr:
    (stmt,) = body(f"X = {expression}")
    assert isinstance(stmt, ast.Assign)
    return stmt.value


def test_header_items() -> None:
    spec = parse('xmap 1\nmigration "QD to SF"\nsource qdispatch { profile = "qd" }\ntarget salesforce\n')
    assert spec.title == "QD to SF"
    source = spec.connector("source")
    assert source == ast.Connector("source", "qdispatch", (ast.Option("profile", ast.Literal("qd")),))
    assert spec.connector("target") == ast.Connector("target", "salesforce")


def test_object_and_extend_declarations() -> None:
    spec = parse(
        'object Work_Order_Line_Item__c "Work Order Line Item" {\n'
        "  Case__c: master-detail(Case) required\n"
        '  Service_Type__c: picklist restricted ["Labor", "Material"]\n'
        "  Rate__c: currency(16, 2)\n"
        "  Notes__c: long text(32000)\n"
        '  Code__c: text(32) external unique label "Code"\n'
        "}\n"
        "extend Case { Done__c: checkbox }\n"
    )
    line_item, case = spec.of_type(ast.ObjectDecl)
    assert line_item.new and not case.new
    assert line_item.label == "Work Order Line Item"
    fields = {f.name: f for f in line_item.fields}
    assert fields["Case__c"].type == ast.TypeRef("master-detail", ("Case",))
    assert fields["Case__c"].required
    assert fields["Service_Type__c"].type == ast.TypeRef("picklist", (), ("Labor", "Material"), True)
    assert fields["Rate__c"].type.args == (16, 2)
    assert fields["Notes__c"].type.name == "long text"
    code = fields["Code__c"]
    assert (code.external_id, code.unique, code.label) == (True, True, "Code")
    assert case.fields[0].type.name == "checkbox"


def test_valuemap_entries_and_fallbacks() -> None:
    spec = parse(
        'valuemap a reversible { "x", "y" -> "X"  else keep }\n'
        'valuemap b { 1 -> "one" else "other" }\n'
        'valuemap c { "p" -> "P" else error }\n'
        'valuemap d { "p" -> "P" }\n'
    )
    a, b, c, d = spec.of_type(ast.ValueMap)
    assert a.reversible and a.entries[0].inputs == (ast.Literal("x"), ast.Literal("y"))
    assert a.otherwise == ast.ValueMapElse("keep")
    assert b.otherwise == ast.ValueMapElse("default", ast.Literal("other"))
    assert c.otherwise == ast.ValueMapElse("error")
    assert d.otherwise is None


def test_resolve_block() -> None:
    (resolve,) = parse(
        'resolve technicians -> User {\n  by lower(email) = lower(Email)\n  fallback "x@example.com"\n'
        "  Skills__c = join(skills, \";\")\n}\n"
    ).items
    assert isinstance(resolve, ast.Resolve)
    by, fallback, assign = resolve.body
    assert by == ast.By(ast.Call("lower", (ast.Name("email"),)), ast.Call("lower", (ast.Name("Email"),)))
    assert fallback == ast.Fallback(ast.Literal("x@example.com"))
    assert isinstance(assign, ast.Assign) and assign.field == "Skills__c"


def test_mapping_statements() -> None:
    key, mode, skip, let, assign = body(
        'key id\nupsert on QD_Job_Id__c\nskip when deleted because "gone"\nlet closed = true\nSubject = title'
    )
    assert key == ast.KeyStmt(ast.Name("id"))
    assert mode == ast.LoadMode("upsert", "QD_Job_Id__c")
    assert skip == ast.Skip(ast.Name("deleted"), "gone")
    assert let == ast.Let("closed", ast.Literal(True))
    assert assign == ast.Assign("Subject", ast.Name("title"))
    assert body("insert") == (ast.LoadMode("insert"),)


def test_nested_list_fan_out() -> None:
    (mapping,) = parse("map jobs.assignments as a -> Job_Technician__c { Role__c = a.role }").items
    assert isinstance(mapping, ast.Mapping)
    assert (mapping.source, mapping.path, mapping.alias) == ("jobs", ("assignments",), "a")
    assert mapping.body[0] == ast.Assign("Role__c", ast.Attr(ast.Name("a"), "role"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"a\\"b\\n\\u00e9"', 'a"b\né'),
        ("42", 42),
        ("4.50", Decimal("4.50")),
        ("true", True),
        ("null", None),
        ("@2024-01-31", dt.date(2024, 1, 31)),
        ("@2024-01-31T14:30:00Z", dt.datetime(2024, 1, 31, 14, 30, tzinfo=dt.UTC)),
        ("@2024-01-31T14:30", dt.datetime(2024, 1, 31, 14, 30)),
    ],
)
def test_literals(text: str, expected: object) -> None:
    assert value(text) == ast.Literal(expected)  # type: ignore[arg-type]


def test_literals_compare_by_type() -> None:
    assert ast.Literal(1) != ast.Literal(True)
    assert ast.Literal(1) != ast.Literal(Decimal(1))


def test_precedence() -> None:
    assert value("a ?? b or c and not d == 1 + 2 * -e") == ast.Binary(
        "??",
        ast.Name("a"),
        ast.Binary(
            "or",
            ast.Name("b"),
            ast.Binary(
                "and",
                ast.Name("c"),
                ast.Unary(
                    "not",
                    ast.Binary(
                        "==",
                        ast.Name("d"),
                        ast.Binary(
                            "+",
                            ast.Literal(1),
                            ast.Binary("*", ast.Literal(2), ast.Unary("-", ast.Name("e"))),
                        ),
                    ),
                ),
            ),
        ),
    )


def test_pipes_conditionals_membership() -> None:
    assert value("status | job_status") == ast.Call("job_status", (ast.Name("status"),), piped=True)
    piped = value('at | to_datetime("iso8601", tz: "UTC", on_error: fail)')
    assert piped == ast.Call(
        "to_datetime",
        (ast.Name("at"), ast.Literal("iso8601")),
        (ast.Keyword("tz", ast.Literal("UTC")), ast.Keyword("on_error", ast.Fail())),
        piped=True,
    )
    assert value('if a then "x" else "y"') == ast.Cond(ast.Name("a"), ast.Literal("x"), ast.Literal("y"))
    assert value('s not in ["a"]') == ast.Binary("not in", ast.Name("s"), ast.ListExpr((ast.Literal("a"),)))
    assert value('custom["model"].name') == ast.Attr(ast.Index(ast.Name("custom"), ast.Literal("model")), "name")


def test_lookup_forms() -> None:
    assert value("lookup(customers, customer_id)") == ast.Lookup("customers", ast.Name("customer_id"))
    assert value("lookup(customers -> Account, cid) missing defer") == ast.Lookup(
        "customers", ast.Name("cid"), "Account", "defer"
    )
    for policy in ("null", "fail", "fallback"):
        lookup = value(f"lookup(t, x) missing {policy}")
        assert isinstance(lookup, ast.Lookup) and lookup.missing == policy


def test_function_and_test_blocks() -> None:
    spec = parse(
        "def cents(amount) { amount / 100 }\n"
        'test "t" {\n  given jobs { id: "j1", "odd key": { a: [1, 2] } }\n'
        '  expect Case { Subject: "x" }\n  expect no Event\n}\n'
    )
    function, test = spec.items
    assert function == ast.FunctionDef(
        "cents", ("amount",), ast.Binary("/", ast.Name("amount"), ast.Literal(100))
    )
    assert isinstance(test, ast.Test)
    (given,) = test.givens
    assert [f.name for f in given.record.fields] == ["id", "odd key"]
    assert test.expects[1] == ast.Expect("Event", None)


def test_soft_keywords_and_quoted_names() -> None:
    # `source`, `type` and `label` are keywords elsewhere but plain names here.
    assert value("source + type + label") == ast.Binary(
        "+", ast.Binary("+", ast.Name("source"), ast.Name("type")), ast.Name("label")
    )
    (assign,) = body("`key` = 1")
    assert assign == ast.Assign("key", ast.Literal(1))


def test_every_node_has_a_position() -> None:
    text = "map jobs -> Case {\n  Subject = trim(title)\n}\n"
    (mapping,) = parse(text, path="x.xmap").items
    assert isinstance(mapping, ast.Mapping)
    (assign,) = mapping.body
    assert str(assign.span) == "x.xmap:2:3"
    assert isinstance(assign.value, ast.Call)
    call_span = assign.value.span
    assert text[call_span.start : call_span.end] == "trim(title)"
    assert (call_span.line, call_span.column, call_span.end_column) == (2, 13, 24)


def test_all_errors_of_a_file_are_reported_together() -> None:
    with pytest.raises(SpecError) as caught:
        parse("map a -> B {\n  X == 1\n  Y: 2\n}\nextend B { Z__c: txt(3) }\n")
    codes = [d.code for d in caught.value.diagnostics]
    assert codes == ["XM105", "XM106", "XM112"]


def test_comments_are_ignored() -> None:
    spec = parse('# top\nmap a -> B { # trailing\n  X = "# not a comment" # real\n}\n')
    (mapping,) = spec.items
    assert isinstance(mapping, ast.Mapping)
    assert mapping.body == (ast.Assign("X", ast.Literal("# not a comment")),)
