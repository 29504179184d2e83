"""``crossmap status`` (the runs of a spec) and ``crossmap report`` (a run's audit
report)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crossmap.cli.common import (
    open_store,
    or_exit,
    prepare,
    publish,
    redact_option,
    report_options,
    state_option,
    state_path,
)
from crossmap.reports import audit_report, render_html, render_text, reports_folder
from crossmap.reports.redact import redact_audit
from crossmap.reports.status import render_status, runs_overview
from crossmap.systems import closing


@click.command(name="status")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@state_option
@click.option("--json", "as_json", is_flag=True,
              help="Print the runs as JSON on stdout (docs/cli.md says its shape).")
def status(spec: Path, state: str | None, as_json: bool) -> None:
    """List the runs of a spec, newest first, under a header row."""
    with open_store(spec, state, existing=True) as store:
        overview = runs_overview(store)
    if as_json:
        click.echo(json.dumps(overview, indent=2))
        return
    for line in render_status(overview):
        click.echo(line)


@click.command(name="report")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("run_id", type=int)
@state_option
@report_options(".crossmap/reports/run-N.json")
@redact_option
def report(spec: Path, run_id: int, state: str | None, as_json: bool, json_path: Path | None,
           html_path: Path | None, redact: bool) -> None:
    """The audit report of a run: counts per step and the errors grouped by cause."""
    plan, source, destination, findings = prepare(spec)
    with closing(source, destination), open_store(spec, state, existing=True) as store, or_exit():
        audit = audit_report(plan, store, run_id, findings)
    shown = redact_audit(audit) if redact else audit
    publish(render_text(shown), shown.to_json(), render_html(shown), redact=redact, as_json=as_json,
            json_path=json_path or reports_folder(state_path(spec, state).parent) / f"run-{run_id}.json",
            html_path=html_path)
