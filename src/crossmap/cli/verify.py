"""``crossmap verify SPEC [RUN]``; and what ``crossmap run --verify`` calls at the end
of a run (``crossmap.verify`` does the checking)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from crossmap import exitcodes
from crossmap.cli.common import (
    fail,
    or_exit,
    prepare,
    publish,
    redact_option,
    report_options,
    state_option,
    state_path,
)
from crossmap.compiler import Plan
from crossmap.state import StateStore
from crossmap.systems import closing
from crossmap.verify.check import verify
from crossmap.verify.redact import redact_verify
from crossmap.verify.report import VerifyReport, render_html, render_text


def verify_and_report(plan: Plan, source: Any, destination: Any, store: StateStore, *, run_id: int | None,
                      json_path: Path | None = None, html_path: Path | None = None,
                      redact: bool = False, as_json: bool = False, show: bool = True) -> VerifyReport:
    """Verify, print the report (as JSON with ``as_json``; not at all without
    ``show``), and write it as JSON and HTML beside the store
    (``reports/verify-RUN.json`` or ``verify-all.json``); with ``redact``, every value
    masked (``crossmap.reports.redact``)."""
    report = verify(plan, destination, store, source=source, run_id=run_id)
    shown = redact_verify(report) if redact else report
    name = f"verify-{run_id}" if run_id is not None else "verify-all"
    publish(render_text(shown), shown.to_json(), render_html(shown), redact=redact, as_json=as_json, show=show,
            json_path=json_path or Path(store.path).parent / "reports" / f"{name}.json", html_path=html_path)
    return report


@click.command(name="verify")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("run_id", metavar="[RUN]", type=int, required=False)
@state_option
@report_options(".crossmap/reports/verify-RUN.json")
@click.option("--no-source", is_flag=True,
              help="Do not open the source: check each record whole against the fingerprint of what its run wrote.")
@redact_option
def verify_command(spec: Path, run_id: int | None, state: str | None, no_source: bool, as_json: bool,
                   json_path: Path | None, html_path: Path | None, redact: bool) -> None:
    """Read back every record the runs of SPEC (or run RUN alone) created or updated,
    and compare every mapped field with what the plan computed and the run wrote.
    Exits 5 when a record is missing or extra, a child points at a wrong parent, or a
    field holds anything but what was written (a documented normalisation aside); 1
    when it cannot verify."""
    path = state_path(spec, state)
    if not path.exists():
        fail(f"there is no state store at {path}: run the spec first (or pass --state)")
    plan, source, destination, _ = prepare(spec, source_too=not no_source)
    with closing(source, destination), StateStore.open(path) as store, or_exit():
        report = verify_and_report(plan, source, destination, store, run_id=run_id,
                                   json_path=json_path, html_path=html_path, redact=redact, as_json=as_json)
    sys.exit(exitcodes.OK if report.ok else exitcodes.NOT_VERIFIED)
