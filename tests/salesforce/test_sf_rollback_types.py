"""Rollback is exact on the local org for every field type it offers, on both load
paths: text, text area, long text (at its 32,000-character limit), email, phone
(leading zeros), url, picklist, multi-select picklist, checkbox, numbers, currency
and percent with their scale (boundaries included), date, time, datetime and a lookup,
with nulls and unicode; each through sObject Collections and through Bulk API 2.0
(forced with ``bulk_threshold``); and the types only standard objects have (a Task's
combo box ``Subject``, its integer ``CallDurationInSeconds`` at the 32-bit bounds, its
32,000-character ``Description``, a picklist, a checkbox, a date, a datetime and the
polymorphic ``WhatId``), on an object without an external id. A full run and a delta
that creates, updates and deletes, rolled back newest first, leave the org as it was,
field by field; a record
changed by hand after the delta (a field it wrote with a value, or one it wrote
empty) is left alone and reported, and only it.

The text area, the multi-select picklist and the time field are created through the
Tooling API (a spec's ``object`` declares none of them; Time is a custom field type
of the Metadata API, "Metadata Field Types":
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_field_types.htm).
Bounded for CI: a few small examples per path unless ``CROSSMAP_SCALE`` asks for more.

Field limits: a text area holds up to 255 characters, a long text area up to 131,072
(here declared, and filled, at 32,000); number, currency and percent have up to 18
digits, their decimal places included (Salesforce Dictionary, "Text Area" and "Pick
the right Length for a new custom field": https://salesforcedictionary.com/terms/text-area,
https://salesforcedictionary.com/how-to/length).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sf_support import create_ext_field, destination, org_at

from crossmap import schema as s
from crossmap.compiler import Plan, compile
from crossmap.connectors import Tombstone
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions, rollback
from crossmap.engine.fingerprint import canonical
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle

T0 = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(days=5)
EXAMPLES = 3 * max(1, int(os.environ.get("CROSSMAP_SCALE", "1")))
LONG = 32000


def _decimal(precision: int, scale: int) -> st.SearchStrategy[Decimal]:
    bound = Decimal(10) ** (precision - scale) - Decimal(1).scaleb(-scale)
    return st.decimals(min_value=-bound, max_value=bound, places=scale, allow_nan=False,
                       allow_infinity=False) | st.sampled_from([bound, -bound, Decimal(0)])


_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
_TEXT = st.text(_CHARS, min_size=1, max_size=40).filter(str.strip)
_LINES = st.text(_CHARS | st.sampled_from("\n\r\t"), min_size=1, max_size=255).filter(str.strip)
KINDS: dict[str, tuple[s.FieldType, str | None, st.SearchStrategy[Any]]] = {
    # kind: (source type, declaration in the spec or None for a Tooling field, values)
    "text": (s.String(40), "text(40)", _TEXT | st.sampled_from(["#N/A", 'a "quoted", value', "007"])),
    "area": (s.String(255), None, _LINES),
    "long": (s.Text(LONG), f"long text({LONG})",
             st.text(_CHARS | st.just("\n"), min_size=1, max_size=300).filter(str.strip)
             | st.just("é" * LONG)),
    "email": (s.String(80), "email", st.from_regex(r"[a-z0-9]{1,10}@[a-z]{1,8}\.(com|org)", fullmatch=True)),
    "phone": (s.String(40), "phone", st.from_regex(r"0[0-9]{1,14}", fullmatch=True)),
    "url": (s.String(255), "url", st.from_regex(r"https://[a-z]{1,10}\.example/[A-Za-z0-9_]{0,10}",
                                                 fullmatch=True)),
    "pick": (s.Enum(("Ä", "b c", "dé")), 'picklist restricted ["Ä", "b c", "dé"]',
             st.sampled_from(("Ä", "b c", "dé"))),
    "multi": (s.Enum(("x", "y", "ü"), multi=True), None,
              st.lists(st.sampled_from(("x", "y", "ü")), min_size=1, max_size=3, unique=True).map(tuple)),
    "bool": (s.Boolean(), "checkbox", st.booleans()),
    "int": (s.Integer(), "number(15)", st.integers(min_value=-(10**15 - 1), max_value=10**15 - 1)),
    "dec": (s.Numeric(16, 4), "number(16, 4)", _decimal(16, 4)),
    "cur": (s.Numeric(16, 2), "currency(16, 2)", _decimal(16, 2)),
    "pct": (s.Numeric(5, 2), "percent(5, 2)", _decimal(5, 2)),
    "date": (s.Date(), "date", st.dates(min_value=dt.date(1700, 1, 1), max_value=dt.date(4000, 12, 31))),
    "time": (s.Time(), None, st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))),
    "when": (s.DateTime(), "datetime",
             st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(4000, 12, 31),
                          timezones=st.just(dt.UTC)).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))),
}
TOOLING = {
    "area": {"label": "Area", "type": "TextArea"},
    "time": {"label": "Time", "type": "Time"},
    "multi": {"label": "Multi", "type": "MultiselectPicklist", "valueSet": {"valueSetDefinition": {"value": [
        {"fullName": v} for v in ("x", "y", "ü")]}}},
}
ACCOUNTS = ("a0", "a1")
CALL_TYPES = ("Internal", "Inbound", "Outbound")
SOURCE = s.Schema([
    s.ObjectSchema("accounts", [s.FieldSchema("id", s.String(10), nullable=False),
                                s.FieldSchema("updated_at", s.DateTime())], key="id"),
    s.ObjectSchema("things", [
        s.FieldSchema("id", s.String(10), nullable=False), s.FieldSchema("updated_at", s.DateTime()),
        s.FieldSchema("acct", s.String(10)), s.FieldSchema("calls", s.Integer()),
        s.FieldSchema("call_type", s.Enum(CALL_TYPES)),
        *(s.FieldSchema(f"f_{k}", t) for k, (t, _, _) in KINDS.items())], key="id"),
])
DECLARED = "\n".join(f"  F_{k}__c: {decl}" for k, (_, decl, _) in KINDS.items() if decl is not None)
SPEC = f"""source memory
target salesforce

object Typed__c {{
  Ext__c: text(10) external unique
  F_acct__c: lookup(Account)
{DECLARED}
}}

map accounts -> Account {{
  upsert on Ext__c
  Ext__c = id
  Name = id
}}

map things -> Typed__c {{
  upsert on Ext__c
  on delete delete
  Ext__c = id
  F_acct__c = lookup(accounts, acct) missing null
""" + "\n".join(f"  F_{k}__c = f_{k}" for k in KINDS) + """
}

map things -> Task {
  on delete delete
  Subject               = f_text
  Description           = f_long
  ActivityDate          = f_date
  ReminderDateTime      = f_when
  IsReminderSet         = f_bool
  CallDurationInSeconds = calls
  CallType              = call_type
  WhatId                = lookup(accounts, acct) missing null
}
"""
FIELDS = ["Ext__c", "F_acct__c", *(f"F_{k}__c" for k in KINDS)]
TASK = ["Subject", "Description", "ActivityDate", "ReminderDateTime", "IsReminderSet", "CallDurationInSeconds",
        "CallType", "WhatId"]


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-rollback-types")) as handle:
        create_ext_field(handle)
        yield handle


@pytest.fixture(scope="module")
def plan(org: OrgHandle) -> Plan:
    dest = destination(org)
    declared = compile(SPEC.replace("F_area__c = f_area\n", "").replace("F_multi__c = f_multi\n", "")
                       .replace("F_time__c = f_time\n", ""),
                       source_schema=SOURCE, target_schema=dest.describe(), functions=registry())
    report = dest.deploy_declarations(declared.declarations, apply=True)
    assert not report.problems, report.problems
    for kind, meta in TOOLING.items():
        org.sf.toolingexecute("sobjects/CustomField", method="POST",
                              data={"FullName": f"Typed__c.F_{kind}__c", "Metadata": meta})
    dest.refresh()
    return compile(SPEC, source_schema=SOURCE, target_schema=dest.describe_objects(["Typed__c", "Account", "Task"]),
                   functions=registry())


@pytest.fixture(scope="module", params=["collections", "bulk"])
def dest(request: pytest.FixtureRequest, org: OrgHandle, plan: Plan) -> SalesforceDestination:
    return destination(org, bulk_threshold=100_000 if request.param == "collections" else 1, bulk_poll_interval=0.0)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    def record(key: str, stamp: dt.datetime) -> dict[str, Any]:
        return {"id": key, "updated_at": stamp, "acct": draw(st.none() | st.sampled_from(ACCOUNTS)),
                "calls": draw(st.none() | st.sampled_from([-(2**31), 2**31 - 1])
                              | st.integers(min_value=-(2**31), max_value=2**31 - 1)),
                "call_type": draw(st.none() | st.sampled_from(CALL_TYPES)),
                **{f"f_{k}": draw(st.none() | strategy) for k, (_, _, strategy) in KINDS.items()}}

    keys = [f"k{i}" for i in range(draw(st.integers(min_value=1, max_value=4)))]
    deleted = draw(st.lists(st.sampled_from(keys), unique=True, max_size=2))
    changed = draw(st.lists(st.sampled_from([k for k in keys if k not in deleted] or keys), unique=True))
    return {"records": [record(k, T0) for k in keys], "deleted": deleted,
            "updates": {k: record(k, LATER) for k in changed if k not in deleted},
            "created": [record(f"n{i}", LATER) for i in range(draw(st.integers(min_value=0, max_value=2)))],
            "edit": draw(st.none() | st.sampled_from([k for k in keys if k not in deleted] or [None])),
            "edit_empty": draw(st.booleans()),
            "fill": {k: draw(strategy) for k, (_, _, strategy) in KINDS.items()}}


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(scenarios())
def test_every_field_type_rolls_back_exactly_on_both_load_paths(
        tmp_path_factory: pytest.TempPathFactory, dest: SalesforceDestination, plan: Plan,
        scenario: dict[str, Any]) -> None:
    schema = dest.describe_objects(["Typed__c", "Task"])
    target, task = schema.object("Typed__c"), schema.object("Task")

    def snapshot() -> dict[str, dict[str, str]]:
        records = {r["Id"]: {f: canonical(target.find_field(f), r.get(f)) for f in FIELDS}
                   for r in dest.read("Typed__c", None, FIELDS)}
        tasks = {r["Id"]: {f: canonical(task.find_field(f), r.get(f)) for f in TASK}
                 for r in dest.read("Task", None, TASK)}
        accounts = {r["Id"]: {"Ext__c": r["Ext__c"]} for r in dest.read("Account", None, ["Ext__c"])
                    if r.get("Ext__c")}
        return {**records, **tasks, **accounts}

    before = snapshot()
    accounts = [{"id": key, "updated_at": T0} for key in ACCOUNTS]
    with StateStore.open(tmp_path_factory.mktemp("state") / "state.db") as store:
        records = scenario["records"]
        full = Engine(plan, MemorySource({"accounts": accounts, "things": records}, SOURCE), dest, store,
                      RunOptions(now=lambda: T0)).run()
        assert full.failed == 0, list(store.failures(full.run.id))
        # The path is the one asked for: Bulk jobs carry the rows (the accounts at least:
        # a row the CSV cannot carry goes by Collections), or none do.
        assert bool(dest.loader.bulk_jobs) == (dest.settings.bulk_threshold == 1)
        after_full = snapshot()
        kept = [scenario["updates"].get(r["id"], r) for r in records if r["id"] not in scenario["deleted"]]
        stones = [Tombstone("things", k, LATER) for k in scenario["deleted"]]
        delta = Engine(plan, MemorySource({"accounts": accounts, "things": kept + scenario["created"]}, SOURCE,
                                          tombstones=stones),
                       dest, store, RunOptions(now=lambda: LATER)).run(delta=True)
        assert delta.failed == 0, list(store.failures(delta.run.id))
        expected = after_full
        edited = None
        if scenario["edit"] is not None:
            now = snapshot()
            edited = next(id for id, r in now.items() if r.get("Ext__c") == scenario["edit"] and "F_text__c" in r)
            empty = [k for k in KINDS if now[edited][f"F_{k}__c"] == ""]
            # (A checkbox set to false by hand is what the org fills in: no change to see.)
            change = ({f"F_{empty[0]}__c": True if empty[0] == "bool" else scenario["fill"][empty[0]]}
                      if empty and scenario["edit_empty"] else {"Ext__c": scenario["edit"] + "!"})
            (result,) = dest.load("Typed__c", "update", [("e", {"Id": edited, **change})])
            assert result.ok, result
            expected = {**after_full, edited: snapshot()[edited]}
        undo_delta = rollback(plan, dest, store, delta.run.id)
        # (Each deleted source record took its Typed__c and its Task with it.)
        assert undo_delta.ok and undo_delta.undeleted == 2 * len(scenario["deleted"]), undo_delta
        assert undo_delta.changed == ((f"Typed__c {edited}",) if edited else ())
        assert snapshot() == expected
        undo_full = rollback(plan, dest, store, full.run.id)
        assert undo_full.ok and undo_full.changed == ((f"Typed__c {edited}",) if edited else ()), undo_full
        assert undo_full.exact == (edited is None)
        if edited is not None:  # the hand-edited record stayed; tidy it for the next example
            assert dest.load("Typed__c", "delete", [("e", {"Id": edited})])[0].ok
    assert snapshot() == before
