"""User functions: their type hints are checked at every call site."""

from __future__ import annotations

from decimal import Decimal

import pytest
from compiler_schemas import HEADER, SOURCE, TARGET

from crossmap.codegen import Row, generate
from crossmap.compiler import compile
from crossmap.errors import SpecError
from crossmap.functions import registry


def loyalty(score: Decimal, visits: int) -> str:
    """A user function: a label from a score and a visit count."""
    return "gold" if score * visits > 100 else "standard"


def functions() -> dict[str, object]:
    return {**registry(), "loyalty": loyalty}


def test_a_user_function_is_called_with_checked_arguments() -> None:
    plan = compile(HEADER + 'map people -> Person {\n  Name = "x"\n  Note = loyalty(score, visits)\n}\n',
                   source_schema=SOURCE, target_schema=TARGET, functions=functions())
    step = generate(plan, functions=functions())["people->Person"]
    assert step.apply({"id": "p", "score": Decimal(30), "visits": 4}) == Row("p", {"Name": "x", "Note": "gold"})
    assert step.apply({"id": "p", "score": None, "visits": 4}) == Row("p", {"Name": "x", "Note": None})


def test_wrong_argument_types_are_compile_errors() -> None:
    with pytest.raises(SpecError) as caught:
        compile(HEADER + 'map people -> Person {\n  Name = "x"\n  Note = loyalty(name, 1.5)\n}\n',
                source_schema=SOURCE, target_schema=TARGET, functions=functions())
    messages = [d.message for d in caught.value.errors]
    assert messages == [
        "'loyalty' expects decimal for score, not string(50) or null",
        "'loyalty' expects integer for visits, not decimal",
    ]
