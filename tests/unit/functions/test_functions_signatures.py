"""The contract with the compiler: every function's signature is readable from its
hints, uses only the allowed kinds, and renders as one line."""

from __future__ import annotations

import inspect
import typing
from datetime import date
from decimal import Decimal

import pytest

from crossmap.functions import (
    STANDARD,
    FunctionContext,
    FunctionRegistryError,
    UnknownFunctionError,
    admits_null,
    describe,
    signature,
    signature_of,
    type_name,
)
from crossmap.functions.signatures import SCALAR_TYPES


def _allowed(hint: object) -> bool:
    # An independent statement of the brief's list, to hold signatures.py to it.
    if hint in SCALAR_TYPES:
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, __import__("types").UnionType):
        rest = [a for a in args if a is not type(None)]
        return len(args) == 2 and len(rest) == 1 and _allowed(rest[0])
    if origin is list:
        return len(args) == 1 and _allowed(args[0])
    return origin is dict and args == (str, object)


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_every_standard_function_has_complete_allowed_hints(name: str) -> None:
    function = STANDARD[name]
    hints = typing.get_type_hints(function)
    parameters = inspect.signature(function).parameters.values()
    assert "return" in hints, f"{name} has no return hint"
    assert _allowed(hints["return"]), f"{name} returns {hints['return']}"
    for parameter in parameters:
        assert parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD), name
        hint = hints[parameter.name]
        if parameter.name == "context":
            assert hint is FunctionContext
            assert parameter.kind == parameter.KEYWORD_ONLY
        else:
            assert _allowed(hint), f"{name}({parameter.name}: {hint})"
            assert float not in typing.get_args(hint) and hint is not float
    assert function.__doc__, f"{name} has no docstring"
    assert signature(name).name == name


def test_names_are_snake_case() -> None:
    assert all(name.islower() and name.isidentifier() for name in STANDARD)


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("to_date", "to_date(value: string, format: string) -> date"),
        (
            "to_datetime",
            'to_datetime(value: string, format: string, tz: string = "UTC") -> datetime',
        ),
        ("nonblank", "nonblank(value: string | null) -> string | null"),
        ("count", "count(values: list[any] | null) -> integer"),
        ("find", "find(values: list[record], field: string, value: any) -> record | null"),
        ("pad_left", 'pad_left(value: string, length: integer, fill: string = "0") -> string'),
        ("today", "today(tz: string | null = null) -> date"),
        ("now", "now() -> datetime"),
        ("round", "round(value: decimal, places: integer = 0) -> decimal"),
    ],
)
def test_describe(name: str, line: str) -> None:
    assert describe(name) == line


def test_context_is_hidden_but_announced() -> None:
    assert signature("now").needs_context
    assert signature("today").needs_context
    assert not signature("trim").needs_context
    assert [p.name for p in signature("today").parameters] == ["tz"]


def test_null_semantics_are_in_the_signature() -> None:
    assert [p.nullable for p in signature("default").parameters] == [True, False]
    assert signature("nonblank").returns_nullable
    assert not signature("trim").returns_nullable
    assert signature("to_datetime").parameters[2].required is False
    assert signature("to_datetime").parameters[2].default == "UTC"


def test_describe_unknown_suggests() -> None:
    with pytest.raises(UnknownFunctionError) as caught:
        describe("to_dat")
    assert str(caught.value) == "unknown function 'to_dat'; did you mean 'to_date'?"
    with pytest.raises(UnknownFunctionError, match=r"^unknown function 'zzzzzz'$"):
        describe("zzzzzz")


def test_type_names() -> None:
    assert type_name(Decimal) == "decimal"
    assert type_name(list[dict[str, object]]) == "list[record]"
    assert type_name(date | None) == "date | null"
    assert type_name(typing.Optional[bytes]) == "blob | null"  # noqa: UP045 - both spellings
    assert admits_null(str | None)
    assert not admits_null(str)


def _floaty(value: float) -> float:
    return value


def _varargs(*parts: str) -> str:
    return "".join(parts)


def _unhinted(value):  # type: ignore[no-untyped-def]
    return value


def _two_kinds(value: str | int) -> str:
    return str(value)


def _bad_dict(value: dict[str, str]) -> str:
    return str(value)


def _positional_context(context: FunctionContext) -> str:
    return str(context)


def _no_return(value: str):  # type: ignore[no-untyped-def]
    return value


def _unresolvable(value: NoSuchType) -> str:  # type: ignore[name-defined]  # noqa: F821
    return str(value)


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (
            _floaty,
            (
                "function 'f', parameter 'value': type float is not allowed (use str, int, "
                "decimal.Decimal, bool, datetime.date, datetime.datetime, datetime.time, bytes, "
                "list[X], dict[str, object], object, or X | None); money is decimal.Decimal"
            ),
        ),
        (_varargs, "function 'f', parameter 'parts': *args and **kwargs cannot be checked"),
        (_unhinted, "function 'f', parameter 'value' has no type hint"),
        (
            _two_kinds,
            "function 'f', parameter 'value': str | int is a union; only X | None is allowed",
        ),
        (_bad_dict, "function 'f', parameter 'value': type dict[str, str] is not allowed"),
        (
            _positional_context,
            "function 'f', parameter 'context' must be keyword-only and typed FunctionContext",
        ),
        (_no_return, "function 'f' has no return type hint"),
        (_unresolvable, "function 'f': its type hints cannot be resolved: NameError"),
        (len, "function 'f' is not a Python function: <built-in function len>"),
    ],
)
def test_signature_of_refuses(function: object, message: str) -> None:
    with pytest.raises(FunctionRegistryError) as caught:
        signature_of("f", function)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)
