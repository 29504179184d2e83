"""Rollback on the local Salesforce org: deleted records come back from the recycle
bin with their Ids (the SOAP API's ``undelete()``; the REST API has none), children
deleted in cascade with them too; and, for random record sets over the field types
a spec can write to Salesforce, a full run and a delta that creates, updates and
deletes, rolled back newest first, leave the org as it was, field by field.

Salesforce, SOAP API Developer Guide, "undelete()": "Undeletes records from the
Recycle Bin ... You can identify deleted records ... using the queryAll() call ...
Since a delete call cascade-deletes child records, an undelete call undeletes the
cascade-deleted records"
(https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_undelete.htm).
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
from crossmap.compiler import compile
from crossmap.connectors import Tombstone, UndeletingDestination
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions, rollback
from crossmap.engine.fingerprint import canonical
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle

T0 = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(days=5)
EXAMPLES = 4 * max(1, int(os.environ.get("CROSSMAP_SCALE", "1")))


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-rollback")) as handle:
        yield handle


@pytest.fixture(scope="module")
def dest(org: OrgHandle) -> SalesforceDestination:
    return destination(org, bulk_threshold=100_000)


def test_the_org_undeletes_from_the_recycle_bin_with_the_same_id_and_the_cascade(
        org: OrgHandle, dest: SalesforceDestination) -> None:
    assert isinstance(dest, UndeletingDestination)
    (account,) = dest.load("Account", "insert", [("a", {"Name": "Undelete me"})])
    (contact,) = dest.load("Contact", "insert", [("c", {"LastName": "Child", "AccountId": account.id})])
    assert dest.load("Account", "delete", [("a", {"Id": account.id})])[0].ok
    assert list(dest.read("Contact", [str(contact.id)], ["Id"])) == []  # deleted in cascade
    in_bin = org.sf.query_all(f"SELECT Id, IsDeleted FROM Account WHERE Id = '{account.id}'", include_deleted=True)
    assert [(r["Id"], r["IsDeleted"]) for r in in_bin["records"]] == [(account.id, True)]
    (back, live, unknown) = dest.undelete("Account", [("a", {"Id": account.id}), ("l", {"Id": account.id}),
                                                      ("u", {"Id": "001000000000000AAA"})])
    assert back.ok and back.id == account.id
    assert live.ok  # live already: nothing to do
    assert not unknown.ok and unknown.error_code == "INVALID_CROSS_REFERENCE_KEY"
    assert [r["Name"] for r in dest.read("Account", [str(account.id)], ["Name"])] == ["Undelete me"]
    assert [r["AccountId"] for r in dest.read("Contact", [str(contact.id)], ["AccountId"])] == [account.id]


# ---- the property: full run, delta, both rolled back -------------------------------------

def _decimal(precision: int, scale: int) -> st.SearchStrategy[Decimal]:
    bound = Decimal(10) ** (precision - scale) - Decimal(1).scaleb(-scale)
    return st.decimals(min_value=-bound, max_value=bound, places=scale, allow_nan=False, allow_infinity=False)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
KINDS: dict[str, tuple[s.FieldType, st.SearchStrategy[Any]]] = {
    "text": (s.String(12), _TEXT.filter(str.strip)),
    "long": (s.Text(1000), st.text(max_size=200).filter(str.strip)),
    "int": (s.Integer(), st.integers(min_value=-(10**9), max_value=10**9)),
    "dec": (s.Numeric(16, 2), _decimal(16, 2)),
    "bool": (s.Boolean(), st.booleans()),
    "date": (s.Date(), st.dates(min_value=dt.date(1700, 1, 1), max_value=dt.date(4000, 12, 31))),
    "when": (s.DateTime(), st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(4000, 12, 31),
                                        timezones=st.just(dt.UTC)).map(
                                            lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))),
    "pick": (s.Enum(("Ä", "b c", "dé")), st.sampled_from(("Ä", "b c", "dé"))),
}
# (A spec declares no multi-select picklist field: `object` has no such type.)
FIELDS = "\n".join(f"  F_{k}__c: {decl}" for k, decl in {
    "text": "text(12)", "long": "long text(1000)", "int": "number(10)", "dec": "number(16, 2)",
    "bool": "checkbox", "date": "date", "when": "datetime",
    "pick": 'picklist restricted ["Ä", "b c", "dé"]'}.items())
SOURCE = s.Schema([s.ObjectSchema("things", [
    s.FieldSchema("id", s.String(10), nullable=False), s.FieldSchema("updated_at", s.DateTime()),
    *(s.FieldSchema(f"f_{k}", t) for k, (t, _) in KINDS.items())], key="id")])
SPEC = ("source memory\ntarget salesforce\n\nobject Thing__c {\n  Ext__c: text(10) external unique\n"
        f"{FIELDS}\n}}\n\nmap things -> Thing__c {{\n  upsert on Ext__c\n  on delete delete\n  Ext__c = id\n"
        + "\n".join(f"  F_{k}__c = f_{k}" for k in KINDS) + "\n}\n")


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    def record(key: str, stamp: dt.datetime) -> dict[str, Any]:
        return {"id": key, "updated_at": stamp,
                **{f"f_{k}": draw(st.none() | strategy) for k, (_, strategy) in KINDS.items()}}

    keys = [f"k{i}" for i in range(draw(st.integers(min_value=1, max_value=4)))]
    deleted = draw(st.lists(st.sampled_from(keys), unique=True, max_size=2))
    changed = draw(st.lists(st.sampled_from([k for k in keys if k not in deleted] or keys), unique=True))
    return {"records": [record(k, T0) for k in keys], "deleted": deleted,
            "updates": {k: record(k, LATER) for k in changed if k not in deleted},
            "created": [record(f"n{i}", LATER) for i in range(draw(st.integers(min_value=0, max_value=2)))],
            "edit": draw(st.none() | st.sampled_from([k for k in keys if k not in deleted] or [None])),
            "edit_empty": draw(st.booleans()),
            "fill": {k: draw(strategy) for k, (_, strategy) in KINDS.items()}}


@pytest.fixture(scope="module")
def thing(dest: SalesforceDestination) -> Any:
    declared = compile(SPEC, source_schema=SOURCE, target_schema=dest.describe(), functions=registry())
    report = dest.deploy_declarations(declared.declarations, apply=True)
    assert not report.problems, report.problems
    return compile(SPEC, source_schema=SOURCE, target_schema=dest.describe_objects(["Thing__c"]),
                   functions=registry())


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(scenarios())
def test_a_full_run_and_a_delta_rolled_back_leave_the_org_as_it_was(
        tmp_path_factory: pytest.TempPathFactory, dest: SalesforceDestination, thing: Any,
        scenario: dict[str, Any]) -> None:
    plan = thing
    target = dest.describe_objects(["Thing__c"]).object("Thing__c")
    fields = ["Ext__c", *(f"F_{k}__c" for k in KINDS)]

    def snapshot() -> dict[str, dict[str, str]]:
        return {r["Id"]: {f: canonical(target.find_field(f), r.get(f)) for f in fields}
                for r in dest.read("Thing__c", None, fields)}

    before = snapshot()
    with StateStore.open(tmp_path_factory.mktemp("state") / "state.db") as store:
        records = scenario["records"]
        full = Engine(plan, MemorySource({"things": records}, SOURCE), dest, store,
                      RunOptions(now=lambda: T0)).run()
        assert full.failed == 0, list(store.failures(full.run.id))
        after_full = snapshot()
        kept = [scenario["updates"].get(r["id"], r) for r in records if r["id"] not in scenario["deleted"]]
        stones = [Tombstone("things", k, LATER) for k in scenario["deleted"]]
        delta = Engine(plan, MemorySource({"things": kept + scenario["created"]}, SOURCE, tombstones=stones),
                       dest, store, RunOptions(now=lambda: LATER)).run(delta=True)
        assert delta.failed == 0, list(store.failures(delta.run.id))
        expected = after_full
        edited = None
        if scenario["edit"] is not None:
            # Someone changes a record in the org after the delta (which wrote every
            # record it kept): rollback leaves it as edited and reports it, and only it.
            now = snapshot()
            edited = next(id for id, r in now.items() if r["Ext__c"] == scenario["edit"])
            # A field the delta wrote, with a value or empty. A checkbox written empty
            # holds false (the org's fill-in) or nothing; set to false by hand it
            # holds the fill-in again, no change to see: set by hand, it is checked.
            empty = [k for k in KINDS if now[edited][f"F_{k}__c"] == ""]
            change = ({f"F_{empty[0]}__c": True if empty[0] == "bool" else scenario["fill"][empty[0]]}
                      if empty and scenario["edit_empty"] else {"Ext__c": scenario["edit"] + "!"})
            assert dest.load("Thing__c", "update", [("e", {"Id": edited, **change})])[0].ok
            expected = {**after_full, edited: snapshot()[edited]}
        undo_delta = rollback(plan, dest, store, delta.run.id)
        assert undo_delta.ok and undo_delta.undeleted == len(scenario["deleted"]), undo_delta
        assert undo_delta.changed == ((f"Thing__c {edited}",) if edited else ())
        assert snapshot() == expected
        undo_full = rollback(plan, dest, store, full.run.id)
        assert undo_full.ok and undo_full.changed == ((f"Thing__c {edited}",) if edited else ()), undo_full
        assert undo_full.exact == (edited is None)
        if edited is not None:  # the hand-edited record stayed; tidy it for the next example
            assert dest.load("Thing__c", "delete", [("e", {"Id": edited})])[0].ok
    assert snapshot() == before


# ---- fields the run wrote empty ----------------------------------------------------------

def test_an_edit_to_a_field_written_empty_is_seen_and_the_orgs_fill_in_is_not(
        tmp_path_factory: pytest.TempPathFactory, dest: SalesforceDestination, thing: Any) -> None:
    """Every field written empty: the org stores false in the checkbox (a checkbox is
    never null: ``nillable`` false in its describe), which is its own fill-in, not an
    edit; a text set by hand in a field written empty is an edit, left alone and
    reported."""
    empty = {"id": "", "updated_at": T0, **{f"f_{k}": None for k in KINDS}}
    records = [{**empty, "id": "e1"}, {**empty, "id": "e2"}]
    with StateStore.open(tmp_path_factory.mktemp("state") / "state.db") as store:
        run = Engine(thing, MemorySource({"things": records}, SOURCE), dest, store, RunOptions(now=lambda: T0)).run()
        assert run.failed == 0, list(store.failures(run.run.id))
        ids = {r["Ext__c"]: r["Id"] for r in dest.read("Thing__c", None, ["Ext__c", "F_bool__c"])
               if r["Ext__c"] in ("e1", "e2")}
        stored = {r["Id"]: r["F_bool__c"] for r in dest.read("Thing__c", list(ids.values()), ["F_bool__c"])}
        assert set(stored.values()) == {False}  # the org's fill-in
        assert dest.load("Thing__c", "update", [("e", {"Id": ids["e2"], "F_text__c": "by hand"})])[0].ok
        undo = rollback(thing, dest, store, run.run.id)
        assert undo.changed == (f"Thing__c {ids['e2']}",) and undo.deleted == 1, undo
        assert not undo.exact
        assert [r["F_text__c"] for r in dest.read("Thing__c", [ids["e2"]], ["F_text__c"])] == ["by hand"]
        assert list(dest.read("Thing__c", [ids["e1"]], ["Id"])) == []
        assert dest.load("Thing__c", "delete", [("e", {"Id": ids["e2"]})])[0].ok  # tidy for the other tests


# ---- files ---------------------------------------------------------------------------------

FILES_SOURCE = s.Schema([
    s.ObjectSchema("accounts", [s.FieldSchema("id", s.String(10), nullable=False),
                                s.FieldSchema("updated_at", s.DateTime())], key="id"),
    s.ObjectSchema("files", [s.FieldSchema("id", s.String(10), nullable=False),
                             s.FieldSchema("updated_at", s.DateTime()), s.FieldSchema("acct", s.String(10)),
                             s.FieldSchema("note", s.String(40)), s.FieldSchema("data", s.Blob())], key="id")])
FILES_SPEC = """source memory
target salesforce

map accounts -> Account {
  upsert on Ext__c
  Ext__c = id
  Name = id
}

map files -> ContentVersion {
  insert
  on delete delete
  Title = id
  PathOnClient = "file.bin"
  VersionData = data
  Description = note
  FirstPublishLocationId = lookup(accounts, acct) missing fail
}
"""


def test_a_file_the_delta_deleted_comes_back_whole_and_goes_with_the_full_run(
        tmp_path_factory: pytest.TempPathFactory, org: OrgHandle, dest: SalesforceDestination) -> None:
    """A file is deleted by deleting its ContentDocument, so it comes back by
    undeleting that document, with its versions and links (ContentDocument's
    supported calls include undelete(): Object Reference, ContentDocument,
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentdocument.htm).
    Brought back by the delta's rollback, it is deleted again by the full run's."""
    if dest.describe().object("Account").find_field("Ext__c") is None:
        create_ext_field(org)
        dest.refresh()
    plan = compile(FILES_SPEC, source_schema=FILES_SOURCE,
                   target_schema=dest.describe_objects(["Account", "ContentVersion"]), functions=registry())

    def files() -> dict[str, tuple[Any, ...]]:
        return {r["Id"]: (r["Title"], r["Description"], r["FirstPublishLocationId"],
                          b"".join(dest.download_file(r["Id"])))
                for r in dest.read("ContentVersion", None, ["Title", "Description", "FirstPublishLocationId"])}

    before = files()
    accounts = [{"id": "fa", "updated_at": T0}]
    records = [{"id": f"f{i}", "updated_at": T0, "acct": "fa", "note": f"n{i}", "data": bytes([i]) * 9}
               for i in range(3)]
    with StateStore.open(tmp_path_factory.mktemp("state") / "state.db") as store:
        full = Engine(plan, MemorySource({"accounts": accounts, "files": records}, FILES_SOURCE), dest, store,
                      RunOptions(now=lambda: T0)).run()
        assert full.failed == 0, list(store.failures(full.run.id))
        after_full = files()
        kept = [{**records[0], "updated_at": LATER, "note": "changed"}, records[1]]
        delta = Engine(plan, MemorySource({"accounts": accounts, "files": kept}, FILES_SOURCE,
                                          tombstones=[Tombstone("files", "f2", LATER)]),
                       dest, store, RunOptions(now=lambda: LATER)).run(delta=True)
        assert delta.failed == 0, list(store.failures(delta.run.id))
        assert len(files()) == len(after_full) - 1
        undo_delta = rollback(plan, dest, store, delta.run.id)
        assert undo_delta.exact and undo_delta.undeleted == 1, undo_delta
        assert files() == after_full  # the deleted file whole again, its link to the Account too
        undo_full = rollback(plan, dest, store, full.run.id)
        assert undo_full.exact, undo_full
    assert files() == before
