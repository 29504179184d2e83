"""Reading a loaded sample back and building its field-level diff: per record and
mapped field, the source values, the value the plan computed and the value the
destination stored, classified (see ``crossmap.engine.diff``)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from attrs import frozen

from crossmap import schema as s
from crossmap.codegen import Program, Row
from crossmap.codegen.program import StepProgram, elements
from crossmap.codegen.runtime import Deferred
from crossmap.compiler import Plan, Step
from crossmap.connectors import Destination, Source
from crossmap.connectors.protocols import FileDestination, capability
from crossmap.engine.diff import Kind, classify
from crossmap.engine.plan_reading import FieldRef, assignment_sources
from crossmap.errors import CrossmapError
from crossmap.state import StateStore

CHUNK = 200
"""Records read back per destination call."""

JsonScalar = str | int | float | bool | None


@frozen
class Cell:
    """One mapped field of one record: where it came from, what the plan computed,
    what the destination stored (JSON-ready forms), and the verdict."""

    field: str
    source: tuple[tuple[str, JsonScalar], ...]
    computed: JsonScalar
    stored: JsonScalar
    kind: Kind
    note: str | None = None


@frozen
class RecordDiff:
    """The cells of one loaded record: ``key`` in the source, ``id`` in the destination."""

    step: str
    target: str
    key: str
    id: str
    cells: tuple[Cell, ...]


def jsonable(value: object) -> JsonScalar:
    """A value as it is shown in the report (dates as ISO text, decimals as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"sha256:{hashlib.sha256(value).hexdigest()} ({len(value)} bytes)"
    if isinstance(value, list | tuple):
        return "; ".join(str(jsonable(v)) for v in value)
    return str(value)


def read_back(
    plan: Plan,
    program: Program,
    source: Source,
    destination: Destination,
    store: StateStore,
) -> Iterator[RecordDiff]:
    """Every loaded record of every step (wave order), diffed field by field.

    ``program`` must answer lookups from ``store``'s crosswalk (the engine's own), so
    the computed lookups are the ids the run wrote. ``source`` serves the sample.
    """
    schema = destination.describe()
    for wave in plan.waves:
        for name in wave:
            step = plan.step(name)
            target = schema.find_object(step.target)
            yield from _step(step, program[name], source, destination, store, target)


@frozen
class StepReading:
    """What reading one step back needs to know: each mapped field's destination
    type, which fields can be read as values and which are file bytes, and the source
    fields behind each assignment."""

    step: Step
    types: Mapping[str, s.FieldType | None]
    readable: tuple[str, ...]
    blobs: tuple[str, ...]
    sources: Mapping[str, list[FieldRef]]

    @classmethod
    def of(cls, step: Step, target: s.ObjectSchema | None) -> StepReading:
        """The reading of ``step`` against its destination object ``target``."""
        types = {a.field: (target.fields[a.field].type if target and a.field in target.fields else None)
                 for a in step.assignments}
        return cls(step, types,
                   tuple(f for f, t in types.items() if t is not None and not isinstance(t, s.Blob)),
                   tuple(f for f, t in types.items() if isinstance(t, s.Blob)),
                   assignment_sources(step))


@frozen
class Computed:
    """One row the plan computes from the source, as the run computed it: its key,
    its values (the deferred pass's lookups included), and the source behind it."""

    key: str
    values: dict[str, Any]
    record: dict[str, Any]
    element: Mapping[str, Any] | None


def computed_rows(step: Step, program: StepProgram, source: Source) -> Iterator[Computed]:
    """Every row ``step`` computes from ``source``, streamed (records that fail or
    are skipped give none: the run's outcomes say why)."""
    key_field = _key_field(source, step.source)
    blobs_in = _blob_fields(source, step.source)
    for record in _records(source, step.source, key_field, blobs_in):
        for element in (elements(record, step.path) if step.path else [None]):
            result = program.apply(record, element)
            if isinstance(result, Row):
                yield Computed(result.key, _computed(program, record, element, result.values), record, element)


def _step(
    step: Step,
    program: StepProgram,
    source: Source,
    destination: Destination,
    store: StateStore,
    target: s.ObjectSchema | None,
) -> Iterator[RecordDiff]:
    reading = StepReading.of(step, target)
    batch: list[Computed] = []
    for row in computed_rows(step, program, source):
        batch.append(row)
        if len(batch) >= CHUNK:
            yield from _compare(reading, batch, destination, store)
            batch = []
    if batch:
        yield from _compare(reading, batch, destination, store)


def _computed(program: StepProgram, record: Mapping[str, Any], element: Mapping[str, Any] | None,
              values: dict[str, Any]) -> dict[str, Any]:
    """The row's values, with the lookups the run filled in its deferred pass: the
    fields of the update pass (self and circular lookups), and ``missing defer``
    lookups the crosswalk now answers."""
    if program.deferred is None:
        later: object = {}
    else:
        try:
            later = program.deferred(record, element)
        except Exception:  # noqa: BLE001 - a deferred field that cannot be computed stays empty, as in the run
            later = {}
    extra = later if isinstance(later, dict) else {}
    # Computed after the run, a lookup still deferred names a parent that never
    # loaded: the run left that field empty.
    return {name: None if isinstance(value, Deferred) else value for name, value in {**values, **extra}.items()}


def _compare(reading: StepReading, batch: list[Computed], destination: Destination,
             store: StateStore) -> Iterator[RecordDiff]:
    step = reading.step
    ids = store.ids(step.name, [row.key for row in batch])
    stored = {str(r.get("Id")): r for r in destination.read(step.target, list(dict.fromkeys(ids.values())),
                                                              list(reading.readable))}
    for row in batch:
        rid = ids.get(row.key)
        if rid is None:
            continue  # not loaded: the run's outcomes say why
        yield diff_record(reading, row, rid, stored.get(rid), destination)


def diff_record(reading: StepReading, row: Computed, rid: str, stored: Mapping[str, Any] | None,
                destination: Destination) -> RecordDiff:
    """One loaded record, field by field: what the plan computed (``row``) against
    what the destination holds for it (``stored``, ``None`` when the record is gone)."""
    step = reading.step
    cells = []
    for assignment in step.assignments:
        name = assignment.field
        origin = tuple((ref.label, _shown(ref.values(row.record, row.element)))
                       for ref in reading.sources.get(name, []))
        value = row.values.get(name)
        if stored is None:
            cells.append(Cell(name, origin, jsonable(value), None, "missing", "the record is gone from the destination"))
            continue
        if name in reading.blobs:
            cells.append(_blob_cell(name, origin, value, destination, step.target, rid))
            continue
        got = stored.get(name)
        kind, note = classify(value, got, reading.types.get(name))
        cells.append(Cell(name, origin, jsonable(value), jsonable(got), kind, note))
    return RecordDiff(step.name, step.target, row.key, rid, tuple(cells))


def _shown(values: list[object]) -> JsonScalar:
    return jsonable(values[0]) if len(values) == 1 else jsonable(values)


def _blob_cell(name: str, origin: tuple[tuple[str, JsonScalar], ...], value: object,
               destination: Destination, target: str, rid: str) -> Cell:
    """File bytes compared by SHA-256, when the destination can give them back."""
    computed = _digest(value)
    if computed is None:
        return Cell(name, origin, None, None, "equal" if value is None else "unchecked",
                    None if value is None else "not bytes")
    stored = _stored_digest(destination, target, rid, name)
    if stored is None:
        return Cell(name, origin, computed, None, "unchecked", "the destination cannot give file bytes back")
    return Cell(name, origin, computed, stored, "equal" if stored == computed else "changed",
                None if stored == computed else "different bytes")


def _digest(value: object) -> str | None:
    if isinstance(value, str):
        # Some sources give file contents as base64 text.
        try:
            data = base64.b64decode(value, validate=True)
        except ValueError:
            data = value.encode()
    elif isinstance(value, bytes | bytearray):
        data = bytes(value)
    else:
        return None
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _stored_digest(destination: Destination, target: str, rid: str, field: str) -> str | None:
    """SHA-256 of the stored bytes: through the destination's optional
    ``download_file(id)`` capability, or bytes ``read`` gives back."""
    files = capability(destination, FileDestination)
    if files is not None:
        digest = hashlib.sha256()
        try:
            for chunk in files.download_file(rid):
                digest.update(chunk)
        except CrossmapError:
            return None  # not a file this capability serves: left unchecked, with a note
        return "sha256:" + digest.hexdigest()
    for record in destination.read(target, [rid], [field]):
        value = record.get(field)
        if isinstance(value, bytes | bytearray):
            return _digest(bytes(value))
    return None


def _key_field(source: Source, obj: str) -> str:
    found = source.schema().find_object(obj)
    return (found.key if found is not None else None) or "id"


def _blob_fields(source: Source, obj: str) -> list[str]:
    found = source.schema().find_object(obj)
    return [] if found is None else [f.name for f in found if isinstance(f.type, s.Blob)]


def _records(source: Source, obj: str, key_field: str, blobs: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The sample's records of ``obj``, each with its file contents read (one at a
    time, as the engine reads them)."""
    blobs = list(blobs)
    for page in source.extract(obj):
        for record in page:
            if blobs:
                key = str(record.get(key_field))
                record = {**record, **{f: b"".join(source.open_blob(obj, key, f)) for f in blobs}}
            yield record
