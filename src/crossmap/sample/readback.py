"""The sample's name for reading loaded records back: see :mod:`crossmap.engine.readback` (one diff for the sample and
``crossmap verify``, so it lives below both)."""

from crossmap.engine.readback import (
    CHUNK,
    Cell,
    Computed,
    RecordDiff,
    StepReading,
    computed_rows,
    diff_record,
    jsonable,
    read_back,
)

__all__ = [
    "CHUNK",
    "Cell",
    "Computed",
    "RecordDiff",
    "StepReading",
    "computed_rows",
    "diff_record",
    "jsonable",
    "read_back",
]
