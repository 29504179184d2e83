"""SOQL aggregates, GROUP BY / HAVING and date functions, for the query executor.

From the SOQL and SOSL Reference (developer.salesforce.com/docs/atlas.en-us.soql_sosl.
meta/soql_sosl/): *Aggregate Functions* (``COUNT()``, ``COUNT(field)``,
``COUNT_DISTINCT``, ``MAX``, ``MIN``, ``SUM``, ``AVG``; ``SUM`` and ``AVG`` take
numbers only; results are ``AggregateResult`` rows whose unaliased expressions are
named ``expr0``, ``expr1`` … in select order), *GROUP BY* (every selected field
that is not aggregated must be grouped), *HAVING*, and *Date Functions*
(``CALENDAR_YEAR`` …, applied in UTC here, the org's default time zone being GMT;
the fiscal year is the calendar year, Salesforce's default).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.soql import Aggregate, DateFn, Path

NUMERIC = frozenset({"int", "double", "currency", "percent"})

DATE_FUNCTIONS: dict[str, Callable[[date], Any]] = {
    "CALENDAR_MONTH": lambda d: d.month,
    "CALENDAR_QUARTER": lambda d: (d.month - 1) // 3 + 1,
    "CALENDAR_YEAR": lambda d: d.year,
    "DAY_IN_MONTH": lambda d: d.day,
    # Sunday is 1, Saturday 7.
    "DAY_IN_WEEK": lambda d: d.isoweekday() % 7 + 1,
    "DAY_IN_YEAR": lambda d: d.timetuple().tm_yday,
    "DAY_ONLY": lambda d: d if not isinstance(d, datetime) else d.date(),
    "FISCAL_MONTH": lambda d: d.month,
    "FISCAL_QUARTER": lambda d: (d.month - 1) // 3 + 1,
    "FISCAL_YEAR": lambda d: d.year,
    "HOUR_IN_DAY": lambda d: d.hour if isinstance(d, datetime) else None,
    "WEEK_IN_MONTH": lambda d: (d.day - 1) // 7 + 1,
    "WEEK_IN_YEAR": lambda d: (d.timetuple().tm_yday - 1) // 7 + 1,
}
"""Date function → its value for a date (or an aware UTC datetime)."""


def date_fn_type(fn: DateFn, arg_type: str) -> str:
    """The type a date function gives, after checking its argument's type."""
    if arg_type not in ("date", "datetime") or (fn.func in ("HOUR_IN_DAY", "DAY_ONLY")
                                                and arg_type != "datetime"):
        raise OrgError(400, "MALFORMED_QUERY",
                       f"{fn.func} cannot be applied to {fn.path}, a field of type {arg_type}")
    return "date" if fn.func == "DAY_ONLY" else "int"


def apply_date_fn(func: str, value: Any) -> Any:
    """``func`` of a typed date/datetime value (``None`` stays ``None``)."""
    return None if value is None else DATE_FUNCTIONS[func](value)


def aggregate_type(agg: Aggregate, arg_type: str | None) -> str:
    """The type of an aggregate's value; ``SUM``/``AVG`` need numbers."""
    if agg.func in ("COUNT", "COUNT_DISTINCT"):
        return "int"
    assert arg_type is not None
    if agg.func in ("SUM", "AVG") and arg_type not in NUMERIC:
        raise OrgError(400, "INVALID_FIELD",
                       f"field {agg.arg} does not support aggregate operator {agg.func}")
    if agg.func in ("MAX", "MIN") and arg_type in ("boolean", "id", "reference", "textarea",
                                                  "multipicklist", "base64"):
        raise OrgError(400, "INVALID_FIELD",
                       f"field {agg.arg} does not support aggregate operator {agg.func}")
    return "double" if agg.func == "AVG" else arg_type


def compute(agg: Aggregate, typed: Sequence[Any], raw: Sequence[Any]) -> Any:
    """The value of ``agg`` over one group: ``typed`` are the argument's comparable
    values, ``raw`` the values as stored (``MAX``/``MIN`` answer those)."""
    if agg.func == "COUNT":
        return len(typed) if agg.arg is None else sum(1 for v in typed if v is not None)
    present = [(t, r) for t, r in zip(typed, raw, strict=True) if t is not None]
    if agg.func == "COUNT_DISTINCT":
        return len({t for t, _ in present})
    if not present:
        return None
    if agg.func == "SUM":
        return sum(t for t, _ in present)
    if agg.func == "AVG":
        return sum(t for t, _ in present) / len(present)
    pick = max if agg.func == "MAX" else min
    return pick(present, key=lambda p: p[0])[1]


def output_name(item: Path | DateFn | Aggregate, counter: list[int]) -> str:
    """The key of a select item in an ``AggregateResult`` row: its alias, a grouped
    field's own name, or the next ``exprN``."""
    if isinstance(item, Path):
        return item.parts[-1]
    if item.alias:
        return item.alias
    name = f"expr{counter[0]}"
    counter[0] += 1
    return name
