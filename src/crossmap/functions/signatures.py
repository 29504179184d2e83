"""What the compiler may know about a function: its parameters and result, read
from its type hints and limited to the kinds of value a spec can hold."""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

from attrs import frozen

from crossmap.functions.context import FunctionContext
from crossmap.functions.errors import FunctionRegistryError

NoneType = type(None)

# The hint types a function may use, and what the language calls them.
SCALAR_TYPES: dict[object, str] = {
    str: "string",
    int: "integer",
    Decimal: "decimal",
    bool: "boolean",
    date: "date",
    datetime: "datetime",
    time: "time",
    bytes: "blob",
    object: "any",
}

CONTEXT_PARAMETER = "context"

_ALLOWED = (
    "str, int, decimal.Decimal, bool, datetime.date, datetime.datetime, datetime.time, "
    "bytes, list[X], dict[str, object], object, or X | None"
)


class _BadHint(Exception):
    """A hint outside the allowed kinds (turned into a FunctionRegistryError)."""


@frozen
class Parameter:
    """One argument a spec passes. ``type`` is the Python hint, ``type_name`` the
    language's name for it; ``nullable`` means the function wants to see nulls."""

    name: str
    type: object
    type_name: str
    nullable: bool
    required: bool
    default: object = None
    keyword_only: bool = False

    def render(self) -> str:
        """``name: type`` with `` = default`` when the argument may be left out."""
        text = f"{self.name}: {self.type_name}"
        return text if self.required else f"{text} = {_literal(self.default)}"


@frozen
class Signature:
    """A function as the compiler sees it. ``parameters`` are the ones a spec passes:
    the ``context`` parameter is not among them, ``needs_context`` says it exists."""

    name: str
    parameters: tuple[Parameter, ...]
    returns: object
    returns_name: str
    returns_nullable: bool
    needs_context: bool

    def render(self) -> str:
        """One line: ``to_date(value: string, format: string) -> date``."""
        arguments = ", ".join(p.render() for p in self.parameters)
        return f"{self.name}({arguments}) -> {self.returns_name}"


def type_name(hint: object) -> str:
    """The language's name for an allowed hint: ``string``, ``list[record]``,
    ``decimal | null``. Raises FunctionRegistryError for any other hint."""
    try:
        return _name(hint)
    except _BadHint as exc:
        raise FunctionRegistryError(str(exc)) from None


def admits_null(hint: object) -> bool:
    """Whether the hint is ``X | None``: the function is called with nulls instead
    of being skipped."""
    return _is_union(hint) and NoneType in typing.get_args(hint)


def signature_of(name: str, function: Callable[..., object]) -> Signature:
    """The signature of ``function`` under the spec-visible ``name``.

    Raises FunctionRegistryError when it is not a plain Python function, takes
    ``*args`` or ``**kwargs``, lacks a hint, uses a hint outside the allowed kinds
    (no ``float``: money is Decimal), or declares ``context`` other than as a
    keyword-only ``FunctionContext``.
    """
    if not (inspect.isfunction(function) or inspect.ismethod(function)):
        raise FunctionRegistryError(f"function {name!r} is not a Python function: {function!r}")
    try:
        hints = typing.get_type_hints(function)
    except Exception as exc:  # noqa: BLE001 - an unresolvable annotation is the plugin's bug
        raise FunctionRegistryError(
            f"function {name!r}: its type hints cannot be resolved: {type(exc).__name__}: {exc}"
        ) from None
    parameters: list[Parameter] = []
    needs_context = False
    for parameter in inspect.signature(function).parameters.values():
        where = f"function {name!r}, parameter {parameter.name!r}"
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise FunctionRegistryError(f"{where}: *args and **kwargs cannot be checked")
        if parameter.name not in hints:
            raise FunctionRegistryError(f"{where} has no type hint")
        hint = hints[parameter.name]
        if parameter.name == CONTEXT_PARAMETER:
            if hint is not FunctionContext or parameter.kind != parameter.KEYWORD_ONLY:
                raise FunctionRegistryError(
                    f"{where} must be keyword-only and typed FunctionContext"
                )
            needs_context = True
            continue
        try:
            spelled = _name(hint)
        except _BadHint as exc:
            raise FunctionRegistryError(f"{where}: {exc}") from None
        required = parameter.default is parameter.empty
        parameters.append(
            Parameter(
                name=parameter.name,
                type=hint,
                type_name=spelled,
                nullable=admits_null(hint),
                required=required,
                default=None if required else parameter.default,
                keyword_only=parameter.kind == parameter.KEYWORD_ONLY,
            )
        )
    if "return" not in hints:
        raise FunctionRegistryError(f"function {name!r} has no return type hint")
    returns = hints["return"]
    try:
        returns_name = _name(returns)
    except _BadHint as exc:
        raise FunctionRegistryError(f"function {name!r}, return type: {exc}") from None
    return Signature(
        name=name,
        parameters=tuple(parameters),
        returns=returns,
        returns_name=returns_name,
        returns_nullable=admits_null(returns),
        needs_context=needs_context,
    )


def _is_union(hint: object) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _name(hint: object) -> str:
    if hint in SCALAR_TYPES:
        return SCALAR_TYPES[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if _is_union(hint):
        others = [arg for arg in args if arg is not NoneType]
        if len(others) == 1 and len(args) == 2:
            return f"{_name(others[0])} | null"
        raise _BadHint(f"{_spell(hint)} is a union; only X | None is allowed")
    if origin is list and len(args) == 1:
        return f"list[{_name(args[0])}]"
    if origin is dict and args == (str, object):
        return "record"
    hint_text = _spell(hint)
    advice = "; money is decimal.Decimal" if hint is float else ""
    raise _BadHint(f"type {hint_text} is not allowed (use {_ALLOWED}){advice}")


def _spell(hint: object) -> str:
    return hint.__name__ if isinstance(hint, type) else repr(hint)


def _literal(value: object) -> str:
    # Defaults are shown the way a spec would write them.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
