"""What an org stores by itself in a field a write leaves empty (``fills_in``, the
``FillingDestination`` capability): rollback and verify use it to tell the org's own
value from a change made by hand after a run, without reading anything back after
the write.

From the field's describe (``defaultedOnCreate``, ``defaultValue``, the picklist
value marked ``defaultValue``; Salesforce, SOAP API Developer Guide, "DescribeSObjectResult", Field:
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm):

- a checkbox is never null (``nillable`` false in every describe): written empty it
  holds false, or on create its ``defaultValue``;
- on create, a picklist that is ``defaultedOnCreate`` holds its default value; any
  other ``defaultedOnCreate`` field (``OwnerId``: the running user; a custom
  object's ``Name``: the record's Id) holds a value the org picks, so any value;
- fields the org derives from the record's other fields whatever the write says
  (``DERIVED``: an Event's end and date from its start and duration, an
  Opportunity's probability and forecast category from its stage, a Case's
  ``ClosedDate`` when its status closes it) hold any value.

A value an org's own automation (a trigger, a flow) sets in a field written empty is
not among these: rollback takes it for a change and leaves the record alone (and
says so), which errs on the side of keeping data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

DERIVED: Mapping[str, frozenset[str]] = {
    "Event": frozenset({"ActivityDateTime", "StartDateTime", "EndDateTime", "DurationInMinutes", "ActivityDate"}),
    "Opportunity": frozenset({"Probability", "ForecastCategoryName"}),
    "Case": frozenset({"ClosedDate"}),
}
"""Writable fields the org sets from the record's other fields."""

ANY = object()
"""The org picks the value (any value is its own)."""

FillIns = tuple[dict[str, Any], dict[str, Any]]
"""(on create, on update): by field, the value the org stores for an empty write
(``ANY``: any value); fields absent stay empty."""


def fill_ins(object: str, describe: Mapping[str, Any] | None) -> FillIns:
    """The fill-ins of one object, from its describe."""
    on_create: dict[str, Any] = {}
    on_update: dict[str, Any] = {}
    for f in (describe or {}).get("fields") or ():
        name, ftype = str(f.get("name")), f.get("type")
        if ftype == "boolean":
            default = f.get("defaultValue")
            on_create[name] = frozenset({False, default if isinstance(default, bool) else False})
            on_update[name] = frozenset({False})
        elif f.get("defaultedOnCreate"):
            defaults = [str(p["value"]) for p in f.get("picklistValues") or ()
                        if p.get("defaultValue") and p.get("active", True)]
            on_create[name] = frozenset(defaults) if ftype in ("picklist", "multipicklist") and defaults else ANY
    for name in DERIVED.get(object, ()):
        on_create[name] = on_update[name] = ANY
    return on_create, on_update


def matcher(describe: Callable[[str], Mapping[str, Any] | None]) -> Callable[[str, str, Any, bool], bool]:
    """``(object, field, value, created) -> bool``, each object's fill-ins computed
    once from ``describe``."""
    cache: dict[str, FillIns] = {}

    def fills_in(object: str, field: str, value: Any, created: bool) -> bool:
        known = cache.get(object)
        if known is None:
            known = cache[object] = fill_ins(object, describe(object))
        wanted = known[0 if created else 1].get(field)
        if wanted is None:
            return False
        if wanted is ANY:
            return True
        if isinstance(value, str) and any(isinstance(w, bool) for w in wanted):
            value = {"true": True, "false": False}.get(value.casefold(), value)
        try:
            return bool(value in wanted)
        except TypeError:  # unhashable: no fill-in is
            return False

    return fills_in
