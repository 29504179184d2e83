"""The common case in one call: a spec, a source and a destination, a run."""

from __future__ import annotations

from pathlib import Path

from crossmap.compiler import Plan, compile
from crossmap.connectors import Destination, Source
from crossmap.engine.options import RunOptions
from crossmap.engine.run import Engine, RunSummary
from crossmap.state import StateStore
from crossmap.syntax import ast


def migrate(
    spec: str | Path | ast.Spec | Plan,
    source: Source,
    destination: Destination,
    *,
    store: StateStore | None = None,
    delta: bool = False,
    options: RunOptions | None = None,
) -> RunSummary:
    """Compile ``spec`` (a path, spec text, a parsed spec or a plan) against the
    source's and the destination's own schemas, and run it.

    Without ``store`` the run is recorded in a state store held in memory, gone when
    the call returns: enough to try a spec, too little to resume, pick up a delta or
    roll back later (pass a ``StateStore`` for those). Raises ``SpecError`` for a spec
    with errors.
    """
    plan = spec if isinstance(spec, Plan) else compile(
        spec, source_schema=source.schema(), target_schema=destination.describe()
    )
    if store is not None:
        return Engine(plan, source, destination, store, options).run(delta=delta)
    with StateStore.open(":memory:") as memory:
        return Engine(plan, source, destination, memory, options).run(delta=delta)
