"""What generated transforms use at run time, and what they give back.

A transform turns one source record into a ``Row``, a ``Skipped`` or a ``Failed``.
A failure never escapes as an exception: it names the object, the record's key, the
field, the spec line and the reason, and the batch goes on.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from attrs import frozen

from crossmap.errors import CrossmapError
from crossmap.functions import ConversionError


class TransformError(CrossmapError):
    """A record cannot be transformed (a value map miss, a missing parent...)."""


class MissingParent(TransformError):
    """A ``lookup(..., missing fail)`` found no destination record for its key."""

    def __init__(self, message: str, step: str, key: object) -> None:
        super().__init__(message)
        self.step = step
        self.key = key


@frozen
class Row:
    """A destination row made from the source record (or element) ``key``."""

    key: str
    values: dict[str, Any]


@frozen
class Skipped:
    """A record a ``skip when`` rule left out."""

    key: str | None
    reason: str
    line: int


@frozen
class Failed:
    """A record that could not be transformed, and why."""

    object: str
    key: str | None
    field: str | None
    line: int
    reason: str
    parent: tuple[str, str] | None = None
    """(step, key) of the missing parent, when the failure is a lookup that found none."""

    def __str__(self) -> str:
        where = f"{self.object} {self.key!r}" + (f", field {self.field}" if self.field else "")
        return f"{where} (spec line {self.line}): {self.reason}"


Result = Row | Skipped | Failed


@frozen
class Deferred:
    """A lookup whose parent is not loaded yet; the engine fills it in a later pass."""

    step: str
    key: object


class FieldFailure(Exception):
    """Raised inside a generated transform: which field failed, on which line, why."""

    def __init__(self, field: str | None, line: int, reason: str, cause: BaseException | None = None) -> None:
        super().__init__(reason)
        self.field = field
        self.line = line
        self.reason = reason
        self.cause = cause


class Lookups(Protocol):
    """Where ``lookup()`` finds destination ids: the crosswalk of a run, or a dict in
    tests. ``find`` gives the id of the record ``step`` made from source ``key``;
    ``fallback`` the fallback record's id of a resolution."""

    def find(self, step: str, key: object) -> str | None: ...

    def fallback(self, step: str) -> str | None: ...


class MemoryLookups:
    """Lookups from a dict: ``{step: {source key: destination id}}``. Generated code
    binds each step's dict (``table``): change its contents, do not replace it."""

    def __init__(
        self,
        ids: Mapping[str, Mapping[object, str]] | None = None,
        fallbacks: Mapping[str, str] | None = None,
    ) -> None:
        self.ids = {step: dict(keys) for step, keys in (ids or {}).items()}
        self.fallbacks = dict(fallbacks or {})

    def find(self, step: str, key: object) -> str | None:
        return self.ids.get(step, {}).get(key)

    def table(self, step: str) -> dict[object, str]:
        """The live dict of ``step``'s ids (lookups bind its ``get``)."""
        return self.ids.setdefault(step, {})

    def fallback(self, step: str) -> str | None:
        return self.fallbacks.get(step)

    def add(self, step: str, key: object, id: str) -> None:
        """Record that ``step`` made destination ``id`` from source ``key``."""
        self.ids.setdefault(step, {})[key] = id


def lookup_parts(
    lookups: Lookups, step: str, target: str, missing: str
) -> tuple[Callable[[object], str | None], Callable[[object], object]]:
    """``(get, miss)`` of a ``lookup(...)`` into ``step``: ``get(key)`` gives the id
    made from a (non-null) ``key`` or ``None``; ``miss(key)`` what the lookup gives
    when there is none (with ``missing fallback``, for a null key too), or raises.

    When the lookups keep a plain dict per step (``table(step)``, as ``MemoryLookups``
    does), ``get`` is the dict's own: a lookup then costs what a hand-written
    ``ids.get(key)`` does. Otherwise it is ``find`` bound to the step."""
    table = getattr(lookups, "table", None)
    get: Callable[[object], str | None] = table(step).get if table is not None else partial(lookups.find, step)
    if missing == "null":
        return get, lambda key: None
    if missing == "defer":
        return get, lambda key: Deferred(step, key)
    if missing == "fallback":
        fallback_of = lookups.fallback  # asked each time: the lookups are live

        def fallback(key: object) -> object:
            found = fallback_of(step)
            if found is None:
                raise TransformError(f"no {target} matches {key!r}, and the fallback record was not found")
            return found

        return get, fallback

    def fail(key: object) -> object:
        raise MissingParent(f"no {target} was loaded for {step.split('->')[0]} {key!r}", step, key)

    return get, fail


def make_lookup(lookups: Lookups, step: str, target: str, missing: str) -> Callable[[object], object]:
    """The whole ``lookup(...)`` into ``step`` as one function (generated code inlines
    :func:`lookup_parts` instead)."""
    get, miss = lookup_parts(lookups, step, target, missing)
    if missing == "fallback":
        return lambda key: found if key is not None and (found := get(key)) is not None else miss(key)
    return lambda key: None if key is None else found if (found := get(key)) is not None else miss(key)


def value_map_miss(name: str, value: object) -> object:
    """Raised for an input a value map with ``else error`` does not list."""
    raise TransformError(f"{value!r} is not in value map '{name}'")


_ERROR = object()
"""What a call wrapped for ``on_error: <default>`` returns when the conversion failed."""


def on_error_null(function: Callable[..., object]) -> Callable[..., object]:
    """``function``, giving null where a conversion fails."""

    def wrapper(*args: object, **kwargs: object) -> object:
        try:
            return function(*args, **kwargs)
        except (ConversionError, TransformError, ArithmeticError):
            return None

    return wrapper


def on_error_marker(function: Callable[..., object]) -> Callable[..., object]:
    """``function``, giving the ``ERROR`` marker where a conversion fails (the
    generated code then evaluates the default)."""

    def wrapper(*args: object, **kwargs: object) -> object:
        try:
            return function(*args, **kwargs)
        except (ConversionError, TransformError, ArithmeticError):
            return _ERROR

    return wrapper


ERROR = _ERROR


def divide(a: Decimal | int, b: Decimal | int) -> Decimal:
    """``a / b`` in decimals (never floats)."""
    return Decimal(a) / b


def index(value: object, key: object) -> object:
    """``value[key]``: a record's field or a list's element; null when absent."""
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list | tuple) and isinstance(key, int):
        return value[key] if -len(value) <= key < len(value) else None
    return None


def member(value: object, name: str) -> object:
    """``value.name`` on the slow path: null through null; a value that is not a
    record (a string where the schema promised a record) fails the record."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return value.get(name)
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    raise TransformError(f"'.{name}' reads a field of a record, but the value is {type(value).__name__} {shown}")


FAILURES = (ConversionError, TransformError, ArithmeticError, TypeError, ValueError, AttributeError)
"""What a failing field computation raises; each becomes a ``Failed`` result. A
value of another type than its schema says (a number where a sample inferred a
string) makes a function raise ``TypeError`` or ``AttributeError``: a failure of
that record, never a crash of the run."""


def failure_reason(error: BaseException) -> str:
    """What a user reads for a failed computation: the message of crossmap's own
    errors, and for an error Python raised inside an expression (``'NoneType' object
    is not subscriptable``, ``fromisoformat: argument must be str``) a plain account
    of what went wrong and what to do, never Python's text."""
    if isinstance(error, CrossmapError):
        return str(error) or type(error).__name__
    if isinstance(error, ZeroDivisionError | decimal.DivisionByZero):
        return "division by zero"
    if isinstance(error, ArithmeticError):
        return "the arithmetic has no result (a number too large, or an invalid operation)"
    text = str(error)
    if "NoneType" in text or "None" in text.split():
        got = "a null where the expression needs a value"
        fix = "give it a default (`?? value`) or skip records without one"
    elif isinstance(error, TypeError | AttributeError):
        # A value of another type than its schema says (an inferred schema saw text,
        # a record holds a number).
        got = "a value of a type the expression cannot take"
        fix = "check the type the source declares for the fields it reads, or convert them explicitly"
    else:
        got = "a value the expression cannot take"
        fix = "check the source values it reads, or give it an on_error policy"
    return f"the expression got {got}; {fix}"


def failure_at(error: BaseException, places: Mapping[int, tuple[str | None, int]]) -> FieldFailure:
    """The :class:`FieldFailure` of ``error``, caught in a generated function: the
    field and spec line of the statement it was raised on. ``places`` maps a line's
    offset from the function's ``def`` line to them."""
    trace = error.__traceback__
    assert trace is not None, "a caught exception has a traceback"
    field, line = places[trace.tb_lineno - trace.tb_frame.f_code.co_firstlineno]
    return FieldFailure(field, line, failure_reason(error), error)
