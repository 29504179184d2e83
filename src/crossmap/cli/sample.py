"""``crossmap sample`` and ``crossmap approve`` (``crossmap.sample`` does the work)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

import click

from crossmap import exitcodes
from crossmap.cli.common import fail, or_exit, publish, redact_option, report_options, store_path
from crossmap.reports import reports_folder
from crossmap.sample.gate import approve as approve_sample
from crossmap.sample.gate import sandbox_profile, version_hash
from crossmap.sample.redact import redact_sample
from crossmap.state import StateStore
from crossmap.systems import closing as _closing
from crossmap.systems import open_systems

SANDBOX_STORE = "sandbox.db"
"""The sandbox's state store, beside the production one: crosswalk ids differ per org."""


def _folder(spec: Path | None) -> Path:
    """``.crossmap`` beside the spec (or in the working folder)."""
    return (spec.resolve().parent if spec is not None else Path.cwd()) / ".crossmap"


@click.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--size", type=click.IntRange(min=1), default=200, show_default=True,
              help="About how many records to load.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the selection's tie-breaks.")
@click.option("--profile", default=None,
              help="The connection profile to load into (default: the target's `sandbox` option).")
@click.option("--state", type=str, default=None,
              help="The sandbox's state store (default: .crossmap/sandbox.db beside the spec).")
@report_options(".crossmap/reports/sample-N.json")
@click.option("--batch-size", type=click.IntRange(min=1), default=200, show_default=True)
@redact_option
def sample(spec: Path, size: int, seed: int, profile: str | None, state: str | None, as_json: bool,
           json_path: Path | None, html_path: Path | None, batch_size: int, redact: bool) -> None:
    """Load a representative, connected slice into the sandbox, read it back and
    diff every mapped field: source, computed and stored values, classified."""
    from crossmap.sample.report import render_html, render_text
    from crossmap.sample.sampling import take_sample

    sandbox_store = store_path(state, _folder(spec) / SANDBOX_STORE)
    with or_exit():
        plan, source, destination, chosen, version = _open(spec, profile)
    from crossmap.progress import run_progress

    with _closing(source, destination), StateStore.open(sandbox_store) as store, run_progress() as progress, \
            or_exit():
        report = take_sample(plan, source, destination, store, size=size, seed=seed,
                             batch_size=batch_size, profile=chosen, progress=progress, version=version)
    shown = redact_sample(report) if redact else report
    publish(render_text(shown), shown.to_json(), render_html(shown), redact=redact, as_json=as_json,
            json_path=json_path or reports_folder(sandbox_store.parent) / f"sample-{report.run_id}.json",
            html_path=html_path)
    where = f" --sandbox-state {sandbox_store}" if state is not None else ""
    click.echo(f"review it, then: crossmap approve {report.run_id} --spec {spec}{where}")
    sys.exit(exitcodes.OK)


def _open(spec: Path, profile: str | None) -> tuple[Any, Any, Any, str, str]:
    """Compile the spec, open the source and the target with the sandbox profile,
    and compile again against the live schemas (as ``crossmap run`` does); returns
    the live plan, the connectors, the profile and the spec's version (the
    ``version_hash`` of the plan compiled offline: ``crossmap.sample.spec_version``)."""
    systems = open_systems(spec, target_profile=profile, sandbox=True)
    chosen = profile or sandbox_profile(systems.offline)
    assert chosen is not None  # open_systems raised for a target without a sandbox
    return systems.plan, systems.source, systems.destination, chosen, version_hash(systems.offline)


@click.command()
@click.argument("run_id", type=int, required=False)
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The spec: its stores are in .crossmap beside it (default: .crossmap in this folder).")
@click.option("--note", default=None, help="Why it is approved, for the record.")
@click.option("--state", type=str, default=None,
              help="The production state store (default: .crossmap/state.db).")
@click.option("--sandbox-state", type=str, default=None,
              help="The sandbox's state store (default: .crossmap/sandbox.db).")
def approve(run_id: int | None, spec: Path | None, note: str | None, state: str | None,
            sandbox_state: str | None) -> None:
    """Approve sample run RUN for its version of the spec, so `crossmap run` may go
    ahead in production. Without RUN: list the samples and the approvals."""
    folder = _folder(spec)
    production_path = store_path(state, folder / "state.db")
    sandbox_path = store_path(sandbox_state, folder / SANDBOX_STORE)
    if run_id is None:
        _list(production_path, sandbox_path)
        return
    if not sandbox_path.exists():
        fail(f"there is no sandbox store at {sandbox_path}: run `crossmap sample SPEC` first "
              "(or pass --spec / --sandbox-state)")
    with or_exit(), StateStore.open(sandbox_path) as sandbox, StateStore.open(production_path) as production:
        approval = approve_sample(production, sandbox, run_id, approver=_user(), note=note)
    click.echo(f"approved sample run {approval.sample_run} of {approval.spec} (version {approval.spec_hash}) "
               f"as {approval.approver} at {approval.approved_at.isoformat(timespec='seconds')}; "
               f"recorded in {production_path}")


def _user() -> str:
    """Who approves: the login name, as ``getpass`` finds it."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor the password database
        return "unknown"


def _list(production_path: Path, sandbox_path: Path) -> None:
    """The samples of the sandbox store and the approvals of the production store."""
    approvals = []
    if production_path.exists():
        with StateStore.open(production_path) as production:
            approvals = production.approvals()
    approved = {(a.sample_store, a.sample_run) for a in approvals}
    if sandbox_path.exists():
        with StateStore.open(sandbox_path) as sandbox:
            samples = [r for r in sandbox.runs() if r.kind == "sample"]
            click.echo(f"samples ({sandbox_path}):" if samples else f"no samples in {sandbox_path}")
            for run in samples:
                mark = "approved" if (str(Path(sandbox.path).resolve()), run.id) in approved else ""
                click.echo(f"{run.id:>5}  {run.status:<12} {run.started_at.isoformat(timespec='seconds')}  "
                           f"{run.spec} version {run.options.get('version') or run.spec_hash}  {mark}".rstrip())
    else:
        click.echo(f"no samples: there is no sandbox store at {sandbox_path}")
    click.echo(f"approvals ({production_path}):" if approvals else "no approvals")
    for a in approvals:
        note = f"  {a.note}" if a.note else ""
        click.echo(f"  sample {a.sample_run} of {a.spec} version {a.spec_hash} by {a.approver} "
                   f"at {a.approved_at.isoformat(timespec='seconds')}{note}")
