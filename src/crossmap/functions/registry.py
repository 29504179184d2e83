"""The functions a spec can call: the standard library plus user functions that
distributions register under the ``crossmap.functions`` entry-point group."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType

from crossmap.errors import did_you_mean
from crossmap.functions import collections, conversions, nulls, numbers, strings, temporal
from crossmap.functions.errors import FunctionRegistryError, UnknownFunctionError
from crossmap.functions.signatures import Signature, signature_of

GROUP = "crossmap.functions"

Function = Callable[..., object]

# A name a spec can call without backquotes.
_CALLABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

STANDARD: Mapping[str, Function] = MappingProxyType(
    {
        # text
        "trim": strings.trim,
        "lower": strings.lower,
        "upper": strings.upper,
        "title": strings.title,
        "capitalize": strings.capitalize,
        "upper_first": strings.upper_first,
        "truncate": strings.truncate,
        "with_extension": strings.with_extension,
        "substring": strings.substring,
        "replace": strings.replace,
        "regex_replace": strings.regex_replace,
        "matches": strings.matches,
        "split": strings.split,
        "join": strings.join,
        "nonblank": strings.nonblank,
        "pad_left": strings.pad_left,
        "digits": strings.digits,
        "length": strings.length,
        # numbers
        "round": numbers.round_decimal,
        "abs": numbers.absolute,
        "floor": numbers.floor,
        "ceil": numbers.ceil,
        "to_decimal": numbers.to_decimal,
        "to_integer": numbers.to_integer,
        "cents_to_decimal": numbers.cents_to_decimal,
        # conversions
        "to_boolean": conversions.to_boolean,
        "to_string": conversions.to_string,
        # dates and times
        "to_date": temporal.to_date,
        "to_datetime": temporal.to_datetime,
        "to_date_in": temporal.to_date_in,
        "to_datetime_in": temporal.to_datetime_in,
        "from_epoch_seconds": temporal.from_epoch_seconds,
        "from_epoch_millis": temporal.from_epoch_millis,
        "to_time": temporal.to_time,
        "format_date": temporal.format_date,
        "format_datetime": temporal.format_datetime,
        "date_of": temporal.date_of,
        "add_days": temporal.add_days,
        "days_between": temporal.days_between,
        "now": temporal.now,
        "today": temporal.today,
        # lists and records
        "first": collections.first,
        "last": collections.last,
        "count": collections.count,
        "find": collections.find,
        "pluck": collections.pluck,
        "get": collections.get,
        # nulls
        "default": nulls.default,
        "is_null": nulls.is_null,
    }
)
"""The standard library, by the name a spec calls each function."""


@functools.cache
def registry() -> Mapping[str, Function]:
    """The standard functions plus every user function registered under the
    ``crossmap.functions`` entry-point group, by name. Loaded once and cached.

    Raises FunctionRegistryError, naming the distribution and entry point, when a
    user function fails to import, is not a checkable function, takes a standard
    function's name, or is registered by two distributions.
    """
    found: dict[str, Function] = dict(STANDARD)
    registered_by: dict[str, str] = {}
    for entry in entry_points(group=GROUP):
        where = _where(entry)
        if entry.name in STANDARD:
            raise FunctionRegistryError(
                f"{where}: {entry.name!r} is the name of a standard function; "
                f"register it under another name"
            )
        if entry.name in registered_by:
            raise FunctionRegistryError(
                f"{where}: {entry.name!r} is already registered by {registered_by[entry.name]}; "
                f"uninstall one of them or rename an entry point"
            )
        if not _CALLABLE_NAME.fullmatch(entry.name):
            raise FunctionRegistryError(
                f"{where}: {entry.name!r} is not a name a spec can call "
                f"(letters, digits and underscores, not starting with a digit)"
            )
        try:
            loaded = entry.load()
        except Exception as exc:  # any import-time failure is the plugin's; say which
            raise FunctionRegistryError(
                f"{where} failed to load: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            signature_of(entry.name, loaded)
        except FunctionRegistryError as exc:
            raise FunctionRegistryError(f"{where}: {exc}") from None
        found[entry.name] = loaded
        registered_by[entry.name] = where
    return MappingProxyType(found)


@functools.cache
def _signature(name: str) -> Signature:
    return signature_of(name, lookup(name))


def lookup(name: str) -> Function:
    """The function a spec calls ``name``; UnknownFunctionError (with "did you
    mean") when there is none."""
    functions = registry()
    try:
        return functions[name]
    except KeyError:
        hint = did_you_mean(name, functions)
        suffix = f"; {hint}" if hint else ""
        raise UnknownFunctionError(name, f"unknown function {name!r}{suffix}") from None


def signature(name: str) -> Signature:
    """The checked signature of the function ``name`` (cached)."""
    return _signature(name)


def describe(name: str) -> str:
    """A one-line signature for diagnostics and docs:
    ``to_date(value: string, format: string) -> date``."""
    return _signature(name).render()


def clear_cache() -> None:
    """Forget the loaded registry, e.g. after installing a plugin in-process."""
    registry.cache_clear()
    _signature.cache_clear()


def _where(entry: EntryPoint) -> str:
    dist = entry.dist
    owner = (
        f"distribution {dist.name} {dist.version}"
        if dist is not None
        else "an unknown distribution"
    )
    return f"entry point {entry.name} = {entry.value} (group {GROUP}) in {owner}"
