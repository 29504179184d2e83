"""The production gate: a spec whose target declares a sandbox runs in production
only once a person approved a sample of the same version of the spec.

The gate is for the CLI (``crossmap run`` calls :func:`gate_run`); the ``Engine``
itself stays ungated, so library users decide for themselves.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from crossmap.compiler import Plan
from crossmap.engine.run import spec_hash
from crossmap.errors import CrossmapError
from crossmap.state import Approval, StateStore
from crossmap.syntax import load
from crossmap.systems import SANDBOX_OPTION, compile_offline


class SampleError(CrossmapError):
    """A sample cannot be taken or approved (no sandbox profile, not a sample run...)."""


class ApprovalRequired(CrossmapError):
    """A production run of a spec with a sandbox, and no approved sample of its version."""


def version_hash(plan: Plan) -> str:
    """The version of the spec an approval is for: ``spec_hash`` of the plan with
    the spec's path reduced to its file name, so the same spec typed as
    ``specs/x.xmap`` or ``./x.xmap`` is the same version."""
    return spec_hash(attrs.evolve(plan, spec=Path(plan.spec).name))


def sandbox_profile(plan: Plan) -> str | None:
    """The sandbox profile the spec's target declares, if any."""
    value = plan.target.options.get(SANDBOX_OPTION)
    return None if value is None else str(value)


def require_approval(store: StateStore, plan: Plan, *, version: str | None = None) -> Approval | None:
    """The approval that lets ``plan`` run in production (``None`` when the target
    declares no sandbox: nothing to approve); raises ``ApprovalRequired`` naming the
    commands to run when there is none for this version of the spec.

    ``version`` defaults to ``version_hash(plan)``. A plan compiled against a live
    org depends on that org (a ``?=`` field one org lets the spec write and the
    other does not), so the CLI passes the version of the plan compiled against
    the connectors' shipped schemas, the same for the sandbox and production."""
    sandbox = sandbox_profile(plan)
    if sandbox is None:
        return None
    version = version or version_hash(plan)
    approval = store.approval_for(version)
    if approval is not None:
        return approval
    approved = [a for a in store.approvals() if Path(a.spec).name == Path(plan.spec).name]
    changed = (f" (approved samples exist for other versions of it: {', '.join(a.spec_hash for a in approved[:3])};"
               " the spec changed since)") if approved else ""
    raise ApprovalRequired(
        f"{plan.spec} declares the sandbox '{sandbox}' and no sample of this version of it "
        f"({version}) is approved{changed}: run `crossmap sample {plan.spec}`, review its diff, "
        "then `crossmap approve RUN`; or pass --without-approval to run anyway"
    )


def spec_version(spec: Path) -> str | None:
    """The version of a spec an approval is for: ``version_hash`` of its plan
    compiled against the connectors' shipped schemas (``compile_offline``), so a
    sandbox and a production org that differ (one lets a ``?=`` field be written)
    still run the same version; ``None`` when it does not compile offline."""
    offline = compile_offline(load(spec)).plan
    return version_hash(offline) if offline is not None else None


def gate_run(store: StateStore, plan: Plan, spec: Path, *, without_approval: bool = False) -> dict[str, bool]:
    """Whether a production run of ``plan`` (compiled from ``spec`` against the live
    systems) may go: raises ``ApprovalRequired`` when its target declares a sandbox
    and no sample of this version of the spec is approved, unless
    ``without_approval``. Returns the tags to record with the run:
    ``{"without_approval": True}`` when the gate was passed over."""
    if without_approval:
        return {"without_approval": True} if sandbox_profile(plan) else {}
    require_approval(store, plan, version=spec_version(spec))
    return {}


def approve(production: StateStore, sandbox: StateStore, run_id: int, *, approver: str,
            note: str | None = None) -> Approval:
    """Record ``approver``'s approval of sample run ``run_id`` of the ``sandbox``
    store in the ``production`` store, for the spec version the sample ran."""
    run = sandbox.run(run_id)
    if run.kind != "sample":
        raise SampleError(f"run {run_id} of {sandbox.path} is a {run.kind} run, not a sample; "
                          "`crossmap approve` with no arguments lists the samples")
    if run.status != "succeeded":
        raise SampleError(f"sample run {run_id} is {run.status}; only a sample that ran to its end "
                          "can be approved")
    version = str(run.options.get("version") or run.spec_hash)
    return production.approve(spec=run.spec, spec_hash=version, sample_run=run.id,
                              sample_store=str(Path(sandbox.path).resolve()), approver=approver,
                              note=note)
