"""Taking a sample: select a slice, load it with the normal engine (a run of kind
``sample``), read it back and build the report."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice

from crossmap.compiler import Plan
from crossmap.connectors import Destination, Source
from crossmap.engine import Engine, RunOptions
from crossmap.engine.readback import read_back
from crossmap.preflight.audit import audit_schema
from crossmap.reports.redact import shorten_values
from crossmap.sample.gate import SampleError, version_hash
from crossmap.sample.report import Problem, SampleReport
from crossmap.sample.select import Selection, select_sample
from crossmap.sample.source import SelectedSource
from crossmap.state import StateStore

MAX_PROBLEMS = 500
"""Records not loaded listed in a report (the state store keeps them all)."""


def take_sample(
    plan: Plan,
    source: Source,
    destination: Destination,
    store: StateStore,
    *,
    size: int = 200,
    seed: int = 0,
    batch_size: int = 200,
    profile: str | None = None,
    progress: Callable[[str, int], None] | None = None,
    selection: Selection | None = None,
    version: str | None = None,
) -> SampleReport:
    """Select about ``size`` connected records of ``source`` (or use ``selection``),
    load them into ``destination`` recording a ``sample`` run in ``store`` (the
    sandbox's own store: its crosswalk ids belong to the sandbox org), read every
    loaded record back and diff it field by field. ``version`` (default
    ``version_hash(plan)``) is the spec version an approval of this sample is for."""
    version = version or version_hash(plan)
    missing = audit_schema(plan.declarations, destination.describe()).missing
    if missing:
        names = ", ".join(f"{m.object}.{m.field}" if m.field else m.object for m in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise SampleError(
            f"the sandbox lacks {len(missing)} of the objects and fields the spec declares ({names}{more}): "
            "create them first with `crossmap preflight SPEC --sandbox --apply`"
        )
    chosen = selection if selection is not None else select_sample(plan, source, size, seed=seed)
    served = SelectedSource(source, chosen)
    options = RunOptions(
        batch_size=batch_size,
        # The engine's per-step cap: never reached, the selection is the sample.
        sample=max(1, chosen.total),
        progress=progress,
        tags={"version": version, "size": chosen.size, "seed": chosen.seed, "profile": profile},
    )
    engine = Engine(plan, served, destination, store, options)
    summary = engine.run()
    records = tuple(read_back(plan, engine.program, served, destination, store))
    problems = tuple(
        Problem(o.step or "", o.key, o.outcome, o.code, o.field, shorten_values(o.reason))
        for o in islice(store.failures(summary.run.id, outcomes=("failed", "held_back", "skipped")), MAX_PROBLEMS)
    )
    return SampleReport(
        run_id=summary.run.id,
        spec=plan.spec,
        spec_hash=version,
        status=summary.run.status,
        profile=profile,
        size=chosen.size,
        seed=chosen.seed,
        selected=chosen.counts(),
        whole=tuple(sorted(chosen.whole)),
        missing_features={obj: tuple(sorted(f"{label}={value}" for label, value in features))
                          for obj, features in chosen.missing.items() if features},
        unresolved={obj: tuple(sorted(keys)) for obj, keys in chosen.unresolved.items()},
        outcomes={step: dict(counts) for step, counts in summary.counts.items()},
        problems=problems,
        records=records,
    )
