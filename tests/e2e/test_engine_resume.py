"""kill -9 at random points, then --resume: the same final state as a run that was
never interrupted (several seeds)."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from engine_support import SOURCE, TARGET, big_dataset, plan

from crossmap.connectors.builtin.jsonl import JsonlDestination
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.state import StateStore

CUSTOMERS = 200
HERE = Path(__file__).parent


def final_state(folder: Path) -> dict[str, list[tuple]]:
    """Every record by object, with ids replaced by the external ids they point at."""
    destination = JsonlDestination(folder, schema=TARGET)
    records = {o: destination.records(o) for o in ("Account", "Case", "Comment")}
    destination.close()
    ext = {r["Id"]: r.get("Ext__c") for rs in records.values() for r in rs}
    return {
        o: sorted(tuple(sorted((k, ext.get(v, v) if k != "Id" else None) for k, v in r.items())) for r in rs)
        for o, rs in records.items()
    }


def run_to_the_end(state: Path, folder: Path, *, resume: int | None = None) -> None:
    with StateStore.open(state) as store:
        destination = JsonlDestination(folder, schema=TARGET)
        engine = Engine(plan(), MemorySource(big_dataset(CUSTOMERS), SOURCE), destination, store,
                        RunOptions(batch_size=50))
        if resume is None:
            engine.run()
        else:
            engine.resume(resume)
        destination.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    root = tmp_path_factory.mktemp("reference")
    run_to_the_end(root / "state.db", root / "out")
    state = final_state(root / "out")
    assert len(state["Account"]) == CUSTOMERS and len(state["Case"]) == 2 * CUSTOMERS
    return state


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_runs_resume_to_the_same_state(seed: int, tmp_path: Path, reference: dict) -> None:
    kill_after = random.Random(seed).randint(2, 20)
    child = subprocess.run(
        [sys.executable, str(HERE / "kill_and_run.py"), str(tmp_path / "state.db"), str(tmp_path / "out"),
         str(CUSTOMERS), str(kill_after)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert child.returncode == -9, child.stderr  # it really was killed mid-run
    with StateStore.open(tmp_path / "state.db") as store:
        (interrupted,) = store.runs()
        assert interrupted.status == "running"
        run_id = interrupted.id
    run_to_the_end(tmp_path / "state.db", tmp_path / "out", resume=run_id)
    assert final_state(tmp_path / "out") == reference
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.run(run_id).status == "succeeded"
