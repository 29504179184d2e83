"""The steps of one wave load at once, each in its own thread."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from crossmap import schema as s
from crossmap.compiler import Plan, compile
from crossmap.connectors import LoadResult
from crossmap.connectors.builtin.memory import MemoryDestination, MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.state import StateStore
from tests.e2e.engine_support import SOURCE, dataset


class MeetingDestination(MemoryDestination):
    """Each object's first batch waits until the other object's first batch arrives:
    steps run one after another never meet, and the barrier breaks."""

    def __init__(self, parties: int, timeout: float) -> None:
        super().__init__(TWO)
        self.barrier = threading.Barrier(parties, timeout=timeout)
        self.met: set[str] = set()

    def load(self, object: str, operation: Any, rows: Sequence[tuple[str, Mapping[str, Any]]], *,
             external_id: str | None = None) -> list[LoadResult]:
        if object in ("Account", "Task") and object not in self.met:
            self.met.add(object)
            self.barrier.wait()
        return super().load(object, operation, rows, external_id=external_id)


SPEC = """source memory
target memory

map customers -> Account {
  upsert on Ext__c
  Ext__c = id
  Name   = name ?? "(none)"
}

# No lookup to Accounts: the same wave.
map jobs -> Task {
  upsert on Ext__c
  Ext__c  = id
  Subject = title
}
"""


_ID = s.FieldSchema("Id", s.Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True)
TWO = s.Schema([
    s.ObjectSchema(name, [_ID, s.FieldSchema(label, s.String()), s.FieldSchema("Ext__c", s.String(20),
                                                                               external_id=True, unique=True)],
                   key="Id")
    for name, label in (("Account", "Name"), ("Task", "Subject"))
])


def two_step_wave() -> Plan:
    compiled = compile(SPEC, source_schema=SOURCE, target_schema=TWO, functions=registry())
    assert compiled.waves == (("customers->Account", "jobs->Task"),)
    return compiled


@pytest.mark.parametrize("parallel", [2, 1])
def test_the_steps_of_a_wave_load_at_once(parallel: int, tmp_path: Path) -> None:
    # One after another, the first batch waits for a partner that never comes.
    destination = MeetingDestination(parties=2, timeout=30 if parallel > 1 else 0.5)
    with StateStore.open(tmp_path / "state.db") as store:
        engine = Engine(two_step_wave(), MemorySource(dataset(), SOURCE), destination, store,
                        RunOptions(parallel=parallel))
        if parallel == 1:
            with pytest.raises(threading.BrokenBarrierError):
                engine.run()
        else:
            summary = engine.run()
            assert summary.run.status == "succeeded"
            assert destination.met == {"Account", "Task"}
