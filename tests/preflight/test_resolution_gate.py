"""The engine's resolution gate: no step loads until every key resolves or the
declared fallback exists (memory connectors, a real state store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from preflight_support import SOURCE, SPEC, TARGET, UserDirectory, data, plan, users

from crossmap.compiler import declared
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine
from crossmap.engine.run import RunError
from crossmap.state import StateStore

NO_FALLBACK = SPEC.replace('  fallback "boss@example.com"\n', "")


def destination(*, fallback: bool) -> UserDirectory:
    # The org as it is once the declarations are applied, with the Users.
    org = UserDirectory(declared(TARGET, plan().declarations))
    results = org.load("User", "insert", [(str(i), r) for i, r in enumerate(users(fallback=fallback))])
    assert all(r.ok for r in results)
    return org


def engine_run(tmp_path: Path, spec: str, org: UserDirectory, records: dict[str, list[dict[str, object]]]) -> None:
    with StateStore.open(tmp_path / "state.db") as store:
        Engine(plan(spec), MemorySource(records, SOURCE), org, store).run()


def test_unmatched_keys_and_a_missing_fallback_stop_the_run_before_any_step(tmp_path: Path) -> None:
    org = destination(fallback=False)
    with pytest.raises(RunError) as caught:
        engine_run(tmp_path, SPEC, org, data())
    message = str(caught.value)
    assert "'boss@example.com'" in message and "does not exist" in message
    assert "1 staff match none: t2" in message and "before its first step" in message
    assert org.records("Account") == [] and org.records("Case") == []


def test_unmatched_keys_without_a_declared_fallback_stop_the_run(tmp_path: Path) -> None:
    org = destination(fallback=False)
    with pytest.raises(RunError, match=r"1 staff match no User .* declares no fallback.*: t2\. The run stopped"):
        engine_run(tmp_path, NO_FALLBACK, org, data())
    assert org.records("Account") == [] and org.records("Case") == []


def loadable() -> dict[str, list[dict[str, object]]]:
    """Records that all load: one customer, its three jobs (t1, t2 unmatched, none)."""
    records = data()
    records["customers"] = records["customers"][:1]
    records["jobs"] = [{**j, "customer_id": "c1", "title": "Job"} for j in records["jobs"]]
    return records


def test_every_key_resolving_needs_no_fallback(tmp_path: Path) -> None:
    records = loadable()
    records["staff"] = [s for s in records["staff"] if s["id"] != "t2"]
    records["jobs"] = [{**j, "tech_id": "t1"} for j in records["jobs"]]
    org = destination(fallback=False)
    engine_run(tmp_path, NO_FALLBACK, org, records)
    assert len(org.records("Case")) == 3


def test_a_confirmed_fallback_owns_the_unmatched_work(tmp_path: Path) -> None:
    org = destination(fallback=True)
    engine_run(tmp_path, SPEC, org, loadable())
    boss = next(u["Id"] for u in org.records("User") if u["Email"] == "boss@example.com")
    cases = {c["Ext__c"]: c for c in org.records("Case")}
    ann = next(u["Id"] for u in org.records("User") if u["Email"] == "ann@example.com")
    assert cases["j2"]["OwnerId"] == boss  # t2 has no User
    assert cases["j3"]["OwnerId"] == boss  # no technician at all
    assert cases["j1"]["OwnerId"] == ann
