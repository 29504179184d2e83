"""The flagship spec, Bulk API 2.0 forced, stopped dead while a Bulk job is being
processed by the org and after its results came back, then resumed (issue 19's
failing campaign): the org ends field for field as an uninterrupted run leaves it,
with no record lost, none doubled and none on a wrong parent (a Task on its Case,
never on the Account for want of the Case), and the run says how many rows it found
already loaded.

Records are compared by identity, not Id (each run has an org of its own): a record
with an external id is that id, one without (CaseComment, ContentVersion) is its
mapped values, and a lookup is the identity of the record it points at."""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crossmap.compiler import Plan, compile_spec
from crossmap.demo import DemoOptions, _Stage, _systems, snapshot
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from crossmap.systems import compile_offline
from crossmap_salesforce.connector import ConnectorSettings, SalesforceDestination

sys.path.insert(0, str(Path(__file__).parents[1] / "salesforce"))
from crash_points import Crash, CrashingStore, Trigger
from sf_support import token_profile, waiter
from test_sf_crash_points import CrashingApi

SEED, SCALE = 2, 1


def systems(folder: Path) -> Iterator[_Stage]:
    return _systems(DemoOptions(folder, scale=SCALE, seed=SEED), lambda _line: None)


def target_of(stage: _Stage, trigger: Trigger | None) -> tuple[SalesforceDestination, Plan]:
    org = stage.orgs[1]
    target = SalesforceDestination.connect(token_profile(org), ConnectorSettings(
        bulk_threshold=2, retry_wait=0.0, lock_wait=0.0), sleep=waiter(org))
    if trigger is not None:
        CrashingApi.trigger = trigger
        target.api = target.loader.api = CrashingApi(target.api.sf, target.api.login, target.api.retry,
                                                     target.api.sleep)
    compiled = compile_spec(stage.spec, source_schema=stage.source.schema(), target_schema=target.describe(),
                            functions=registry())
    assert compiled.plan is not None
    return target, compiled.plan


def deploy(stage: _Stage) -> None:
    offline = compile_offline(stage.spec).plan
    assert offline is not None
    assert stage.production.deploy_declarations(offline.declarations).ok


def identities(plan: Plan, target: SalesforceDestination) -> dict[str, Counter[tuple[Any, ...]]]:
    """The snapshot of what the plan writes, as multisets of records by identity."""
    shot = snapshot(plan, target)
    ext = {step.target: step.external_id for step in plan.steps if step.external_id}
    who: dict[str, Any] = {str(u["Id"]): ("User", u.get("Username")) for u in target.read("User", None, ["Username"])}
    for obj, records in shot.items():
        if ext.get(obj):
            who.update((rid, (obj, values.get(ext[obj]))) for rid, values in records.items())

    today = dt.datetime.now(dt.UTC).date().isoformat()

    def norm(values: dict[str, Any]) -> tuple[Any, ...]:
        # The org's own stamps of today (a cancelled Case's ClosedDate) differ by run.
        return tuple(sorted((f, "<stamped today>" if isinstance(v, str) and v.startswith(today)
                             else who.get(str(v), v) if isinstance(v, str) else v) for f, v in values.items()))

    return {obj: Counter(norm(values) for values in records.values()) for obj, records in shot.items()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Counter[tuple[Any, ...]]]:
    folder = tmp_path_factory.mktemp("flagship-reference") / "run"
    with systems(folder) as stage:
        deploy(stage)
        target, plan = target_of(stage, None)
        with target, StateStore.open(folder / "state.db") as store:
            Engine(plan, stage.source, target, store, RunOptions()).run()
            return identities(plan, target)


@pytest.mark.parametrize("point", ["close:after", "results:after", "commit:before"])
def test_the_flagship_stopped_in_a_bulk_job_resumes_exactly(point: str, tmp_path: Path,
                                                          reference: dict[str, Counter[tuple[Any, ...]]]) -> None:
    folder = tmp_path / "run"
    with systems(folder) as stage:
        deploy(stage)
        trigger = Trigger(point, 3)  # the third job of the run (the first wave's are Accounts and addresses)
        target, plan = target_of(stage, trigger)
        with target, CrashingStore.open(folder / "state.db") as store:
            store.trigger = trigger
            with pytest.raises(Crash):
                Engine(plan, stage.source, target, store, RunOptions()).run()
        CrashingApi.trigger = None
        target, plan = target_of(stage, None)
        with target, StateStore.open(folder / "state.db") as store:
            (stopped,) = store.runs()
            summary = Engine(plan, stage.source, target, store, RunOptions()).resume(stopped.id)
            found = store.found_loaded(stopped.id)
            assert summary.run.status == "succeeded"
            state = identities(plan, target)
    if point != "close:after":
        assert found > 0  # the job's rows were in the org, the store did not know them
    for obj, records in reference.items():
        assert (state[obj] - records, records - state[obj]) == (Counter(), Counter()), obj
