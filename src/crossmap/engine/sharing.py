"""Steps of one wave that write the same object the same way share its load streams.

A destination's cheapest write is one unit of work per object and operation (one
Salesforce Bulk API 2.0 job: create, upload, close, poll, results, whatever its
size). Two steps into one object (the flagship's status history and job notes, both
CaseComment inserts) would pay it twice. Steps of one wave depend only on earlier
waves, so none of them looks up a record another one writes: their rows can go out
together. Each step still fills its own loader (crosswalk, pre-images, resume) in
its own thread; the last of them to finish filling sends the shared streams, and
every row is journaled, recorded and reconciled under its own step:

- before a shared stream is sent, each step journals its own rows as its own intent,
  and the destination's job ids join every one of those intents;
- a row goes into the stream under its step's place in the group and its source key
  (``"2\\x1fKEY"``), so keys may repeat across steps; the results are handed back to
  each step without that prefix, in the order its rows went in;
- the intents settle only once every step has recorded its results, so a resume
  finds the job's other intents still open (``crossmap.engine.reconcile`` keeps a
  record one step's intent claimed from being taken for another's identical row).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

from attrs import evolve

from crossmap.compiler import Step
from crossmap.connectors import Destination, LoadResult, Operation
from crossmap.connectors.protocols import JobReporting, LoadStream, capability
from crossmap.connectors.spool import Spool
from crossmap.connectors.streams import open_load

if TYPE_CHECKING:
    from crossmap.engine.loading import StepLoader, Written
    from crossmap.state import StateStore

SEPARATOR = "\x1f"
"""Between a row's step (its place in the group) and its source key, in a shared
stream's refs (a unit separator: no key of a source record holds one in practice,
and only the first one is split on)."""


def share_key(step: Step) -> tuple[str, str, str | None]:
    """What steps must have in common to share their load streams: the object, the
    operation of their new rows (insert or upsert) and the external id they upsert on."""
    return step.target, step.mode, step.external_id if step.mode == "upsert" else None


def groups(steps: Iterable[Step]) -> list[list[Step]]:
    """``steps`` (those of one wave) grouped by :func:`share_key`, in their order; a
    step alone in its group shares nothing.

    Only insert steps share. Two upsert steps may give one external id value (two
    sources of one Account), which in separate writes is one record updated twice, but
    in one write fails every row that carries it (Salesforce: an external id twice in
    one upsert job or collection is ``DUPLICATE_EXTERNAL_ID`` for each)."""
    found: dict[tuple[str, str, str | None], list[Step]] = {}
    for step in steps:
        key = share_key(step) if step.mode == "insert" else ("", step.name, None)
        found.setdefault(key, []).append(step)
    return list(found.values())


class SharedStreams:
    """The load streams (one per operation) of a group of steps into one object."""

    def __init__(self, store: StateStore, destination: Destination, steps: Sequence[Step],
                 batch_size: int) -> None:
        first = steps[0]
        self.store = store
        self.destination = destination
        self.target = first.target
        self.external_id = first.external_id
        self.batch_size = batch_size
        self.steps = tuple(steps)
        self.loaders: dict[str, StepLoader] = {}
        """The group's loaders by step name, as each step starts."""
        self.failed = False
        """A step of the group stopped: nothing is sent."""
        self._lock = threading.Lock()
        self._filling = {step.name for step in steps}
        self._streams: dict[Operation, LoadStream] = {}
        self._written: dict[Operation, dict[int, Spool[Written]]] = {}

    def join(self, loader: StepLoader) -> int:
        """Take ``loader`` into the group; its place (the prefix of its refs)."""
        with self._lock:
            self.loaders[loader.step.name] = loader
        return self.place(loader.step.name)

    def place(self, step: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.name == step)

    def add(self, place: int, operation: Operation, rows: Sequence[tuple[str, dict[str, Any]]],
            written: Sequence[Written]) -> None:
        """Queue one step's rows (and what it records of them) on the shared stream."""
        with self._lock:
            stream = self._streams.get(operation)
            if stream is None:
                stream = self._streams[operation] = open_load(
                    self.destination, self.target, operation,
                    external_id=None if operation == "update" else self.external_id, batch_size=self.batch_size)
                self._written[operation] = {}
            spool = self._written[operation].get(place)
            if spool is None:
                spool = self._written[operation][place] = Spool()
            prefix = f"{place}{SEPARATOR}"
            for (key, row), entry in zip(rows, written, strict=True):
                stream.add(prefix + key, row)
                spool.append(entry)

    def filled(self, step: str) -> bool:
        """``step`` has handed over all its rows; true for the last of the group."""
        with self._lock:
            self._filling.discard(step)
            return not self._filling

    def send(self) -> None:
        """Send every shared stream, each step's rows journaled first under its own
        intent, and record each row's result under its own step."""
        if self.failed:
            return
        for operation, stream in list(self._streams.items()):
            spools = self._written[operation]
            members = {place: self.loaders[self.steps[place].name] for place in spools}
            intents = {place: members[place].journal(operation, spools[place]) for place in spools}
            reporting = capability(stream, JobReporting)
            if reporting is not None:
                reporting.report_jobs(partial(_journal_job, self.store, tuple(intents.values())))
            pending = {place: iter(spool) for place, spool in spools.items()}
            for results in stream.send():
                mine: dict[int, list[LoadResult]] = {}
                for result in results:
                    prefix, _, key = result.ref.partition(SEPARATOR)
                    mine.setdefault(int(prefix), []).append(evolve(result, ref=key))
                for member, answered in mine.items():
                    members[member].record_results(answered, list(islice(pending[member], len(answered))),
                                                   operation)
            for member, rest in pending.items():
                members[member].record_results([], list(rest), operation)
            # Settled only now: until every step has recorded its share, a resume
            # finds all of the job's intents open.
            for member, intent in intents.items():
                members[member].settle(operation, intent)

    def close(self) -> None:
        """Drop what was spooled and not sent, and every loader of the group."""
        streams, self._streams = self._streams, {}
        for stream in streams.values():
            stream.close()
        written, self._written = self._written, {}
        for spools in written.values():
            for spool in spools.values():
                spool.close()
        for loader in self.loaders.values():
            loader.close()


def _journal_job(store: StateStore, intents: Sequence[int], job: str) -> None:
    for intent in intents:
        store.journal_job(intent, job)


def by_step(groups_: Iterable[Sequence[Step]], store: StateStore, destination: Destination,
            batch_size: int) -> Mapping[str, SharedStreams]:
    """The shared streams of each step in a group of more than one."""
    shared: dict[str, SharedStreams] = {}
    for steps in groups_:
        if len(steps) > 1:
            streams = SharedStreams(store, destination, steps, batch_size)
            shared.update((step.name, streams) for step in steps)
    return shared
