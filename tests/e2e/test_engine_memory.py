"""The engine end to end with the in-memory connectors: lookups, a self lookup,
fan-out, a failed parent holding back its children, re-runs, delta, rollback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from engine_support import SOURCE, T0, TARGET, dataset, plan

from crossmap import schema as s
from crossmap.codegen import generate
from crossmap.compiler import compile
from crossmap.connectors import Tombstone
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.engine import Engine, RunError, RunOptions, rollback
from crossmap.functions import registry
from crossmap.preflight.resolution import check_resolution
from crossmap.reports import audit_report
from crossmap.state import StateStore


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    with StateStore.open(tmp_path / "state.db") as opened:
        yield opened


def engine(store: StateStore, data: dict, destination: MemoryDestination, *, now: dt.datetime = T0,
           tombstones: tuple = ()) -> Engine:
    source = MemorySource(data, SOURCE, tombstones=tombstones)
    return Engine(plan(), source, destination, store, RunOptions(batch_size=2, now=lambda: now))


def by_ext(destination: MemoryDestination, obj: str) -> dict[str, dict]:
    return {r["Ext__c"]: r for r in destination.records(obj)}


def test_full_run_loads_in_order_and_accounts_for_every_record(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    summary = engine(store, dataset(), destination).run()
    accounts = by_ext(destination, "Account")
    assert set(accounts) == {"c1", "c2"}
    assert accounts["c2"]["Parent"] == accounts["c1"]["Id"]  # the self lookup, filled by the deferred pass
    cases = by_ext(destination, "Case")
    assert set(cases) == {"j1", "j2"}
    assert cases["j1"]["AccountId"] == accounts["c1"]["Id"]
    comments = destination.records("Comment")
    assert sorted(c["Body"] for c in comments) == ["called", "fixed"]
    assert {c["CaseId"] for c in comments} == {cases["j1"]["Id"]}
    assert summary.counts == {
        "customers->Account": {"created": 2, "failed": 1},
        "jobs->Case": {"created": 2, "held_back": 1},
        "jobs.notes->Comment": {"created": 2},
    }
    report = audit_report(plan(), store, summary.run.id)
    (failure, held) = report.errors
    assert (failure.code, failure.field, failure.sample_keys) == ("TOO_LONG", "Name", ("c3",))
    assert failure.hint and "truncate" in failure.hint
    assert (held.code, held.sample_keys) == ("PARENT_FAILED", ("j3",))


def test_records_without_a_key_each_fail_and_the_run_goes_on(store: StateStore) -> None:
    # Three jobs come without an id (the key): each is its own failed record, not one
    # outcome for all of them, and the other jobs still load.
    data = dataset()
    data["jobs"] += [{"customer_id": "c1", "title": f"no id {i}", "updated_at": T0} for i in range(3)]
    destination = MemoryDestination(TARGET)
    summary = engine(store, data, destination).run()
    assert summary.counts["jobs->Case"] == {"created": 2, "failed": 3, "held_back": 1}
    keyless = [o for o in store.failures(summary.run.id, "jobs->Case") if o.reason == "its key: the key is null"]
    assert sorted(o.key for o in keyless) == ["(no key #1)", "(no key #2)", "(no key #3)"]
    assert set(by_ext(destination, "Case")) == {"j1", "j2"}


def test_rerun_creates_no_duplicates(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    engine(store, dataset(), destination).run()
    second = engine(store, dataset(), destination).run()
    assert len(destination.records("Account")) == 2
    assert len(destination.records("Case")) == 2
    assert len(destination.records("Comment")) == 2
    assert second.counts["customers->Account"] == {"updated": 2, "failed": 1}


def test_retry_failed_loads_what_was_fixed(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    data = dataset()
    first = engine(store, data, destination).run()
    data["customers"][2]["name"] = "Short"
    retry = engine(store, data, destination).retry_failed(first.run.id)
    assert retry.counts["customers->Account"] == {"created": 1}
    assert retry.counts["jobs->Case"] == {"created": 1}
    assert set(by_ext(destination, "Case")) == {"j1", "j2", "j3"}


def test_delta_updates_creates_and_applies_deletions(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    data = dataset()
    engine(store, data, destination).run()
    later = T0 + dt.timedelta(days=3)
    data["customers"][0].update(name="Acme Inc", updated_at=later)
    data["jobs"].append({"id": "j4", "customer_id": "c1", "title": "New", "updated_at": later})
    gone = (Tombstone("jobs", "j2", later), Tombstone("customers", "c2", later))
    delta = engine(store, data, destination, now=later, tombstones=gone).run(delta=True)
    accounts = by_ext(destination, "Account")
    assert accounts["c1"]["Name"] == "Acme Inc"
    assert accounts["c2"]["Gone__c"] is True  # on delete flag
    assert set(by_ext(destination, "Case")) == {"j1", "j4"}  # j2 deleted; j3 still held back with c3
    assert delta.counts["jobs->Case"]["deleted"] == 1


def test_delta_needs_a_previous_run(store: StateStore) -> None:
    with pytest.raises(RunError, match="no successful run"):
        engine(store, dataset(), MemoryDestination(TARGET)).run(delta=True)


def test_rollback_restores_the_exact_prior_state(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    data = dataset()
    first = engine(store, data, destination).run()
    after_first = {o: destination.records(o) for o in ("Account", "Case", "Comment")}
    data["customers"][0]["name"] = "Renamed"
    second = engine(store, data, destination, now=T0 + dt.timedelta(days=1)).run()
    assert by_ext(destination, "Account")["c1"]["Name"] == "Renamed"

    undo_second = rollback(plan(), destination, store, second.run.id)
    assert undo_second.ok, undo_second
    assert {o: destination.records(o) for o in after_first} == after_first

    undo_first = rollback(plan(), destination, store, first.run.id)
    assert undo_first.ok and undo_first.deleted == 6
    assert all(destination.records(o) == [] for o in after_first)
    again = rollback(plan(), destination, store, first.run.id)  # idempotent
    assert again.ok and again.deleted == 0
    assert store.run(first.run.id).status == "rolled_back"


def test_progress_is_reported_per_page(store: StateStore) -> None:
    seen: list[tuple[str, int]] = []
    source = MemorySource(dataset(), SOURCE, page_size=2)
    options = RunOptions(batch_size=2, now=lambda: T0, progress=lambda step, done: seen.append((step, done)))
    Engine(plan(), source, MemoryDestination(TARGET), store, options).run()
    assert [done for step, done in seen if step == "customers->Account"] == [2, 3]
    assert ("jobs->Case", 3) in seen


def test_progress_off_a_terminal_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    import io
    import logging

    from crossmap.progress import run_progress

    with caplog.at_level(logging.INFO, logger="crossmap.run"), run_progress(io.StringIO()) as progress:
        progress("jobs->Case", 500)
    assert "step=jobs->Case records=500" in caplog.text


def test_rolling_back_a_delta_run_undoes_only_that_run(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    data = dataset()
    engine(store, data, destination).run()
    before_delta = {o: destination.records(o) for o in ("Account", "Case", "Comment")}
    later = T0 + dt.timedelta(days=2)
    data["customers"][1].update(name="Acme West", updated_at=later)
    data["jobs"].append({"id": "j9", "customer_id": "c2", "title": "Fresh", "updated_at": later})
    delta = engine(store, data, destination, now=later).run(delta=True)
    assert by_ext(destination, "Account")["c2"]["Name"] == "Acme West"
    assert "j9" in by_ext(destination, "Case")
    undo = rollback(plan(), destination, store, delta.run.id)
    assert undo.ok and undo.deleted == 1  # the overlap window re-read (and restores) the rest
    assert {o: destination.records(o) for o in before_delta} == before_delta


def test_rollback_leaves_records_changed_after_the_run_and_reports_them(store: StateStore) -> None:
    destination = MemoryDestination(TARGET)
    first = engine(store, dataset(), destination).run()
    account = by_ext(destination, "Account")["c1"]
    # Someone edits c1 in the destination after the run.
    destination.load("Account", "update", [("edit", {"Id": account["Id"], "Name": "Edited by hand"})])
    undo = rollback(plan(), destination, store, first.run.id)
    assert undo.changed == (f"Account {account['Id']}",)
    assert [r["Name"] for r in destination.records("Account")] == ["Edited by hand"]
    assert destination.records("Case") == [] and destination.records("Comment") == []


def test_children_of_a_merged_record_follow_the_merge(store: StateStore) -> None:
    data = dataset()
    data["jobs"].append({"id": "j7", "customer_id": "c_old", "title": "Merged", "updated_at": T0})
    merged = (Tombstone("customers", "c_old", T0, merged_into="c1"),)
    destination = MemoryDestination(TARGET)
    engine(store, data, destination, tombstones=merged).run()
    cases = by_ext(destination, "Case")
    assert cases["j7"]["AccountId"] == by_ext(destination, "Account")["c1"]["Id"]


def test_a_match_key_that_cannot_be_computed_matches_nothing(store: StateStore) -> None:
    # `to_integer` fails on "x" (a source record) and on "n/a" (a destination record):
    # the record matches nothing, says why, and goes to the fallback; preflight agrees.
    techs = s.ObjectSchema("techs", [s.FieldSchema("id", s.String(20), nullable=False),
                                     s.FieldSchema("code", s.String(20))], key="id")
    users = s.ObjectSchema("User", [s.FieldSchema("Id", s.Id(), nullable=False, createable=False),
                                    s.FieldSchema("Code__c", s.String(20))], key="Id")
    spec = "source memory\ntarget memory\nresolve techs -> User {\n  by to_integer(code) = to_integer(Code__c)\n}\n"
    resolving = compile(spec, source_schema=s.Schema([techs]), target_schema=s.Schema([users]), functions=registry())
    destination = MemoryDestination(s.Schema([users]))
    assert all(r.ok for r in destination.load("User", "insert", [("u1", {"Code__c": "7"}), ("u2", {"Code__c": "n/a"})]))
    source = MemorySource({"techs": [{"id": "t1", "code": "7"}, {"id": "t2", "code": "x"}, {"id": "t3", "code": "8"}]},
                          s.Schema([techs]))
    summary = Engine(resolving, source, destination, store, RunOptions(now=lambda: T0)).run()
    assert summary.counts == {"techs->User": {"matched": 1, "skipped": 2}}
    reasons = {o.key: o.reason for o in store.failures(summary.run.id, outcomes=("skipped",))}
    assert reasons == {"t2": "its match key: 'x' is not a whole number; its records go to the fallback",
                       "t3": "no User matches; its records go to the fallback"}
    check = check_resolution(resolving, generate(resolving).resolutions["techs->User"], source, destination)
    assert (check.matched, check.unmatched) == (1, ("t2", "t3"))
