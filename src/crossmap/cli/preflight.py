"""``crossmap preflight SPEC``: the preflight report in the terminal, as JSON and as HTML.

Exit codes: 0 when nothing blocks the run, 1 when something does (declared schema
missing and not applied, keys that resolve nowhere with no fallback, an API budget
too short) or the spec or a connection fails."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from crossmap import exitcodes
from crossmap.cli.common import or_exit, prepare, publish, redact_option, report_options


@click.command(name="preflight")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@report_options(".crossmap/reports/preflight-<time>.json")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the deployable metadata package of the spec's declarations here.")
@click.option("--apply", "apply_", is_flag=True, help="Create the declared objects and fields the destination lacks.")
@click.option("--batch-size", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="The run's batch size (it shapes the API calls estimated).")
@click.option("--sandbox", is_flag=True, help="Check the sandbox org the target's `sandbox` option names.")
@redact_option
def preflight_command(spec: Path, as_json: bool, json_path: Path | None, html_path: Path | None, out: Path | None,
                      apply_: bool, batch_size: int, sandbox: bool, redact: bool) -> None:
    """Check both systems before any record moves: schema audit, record counts,
    resolve blocks, coverage of the source's values, API budget and duration, what
    to rebuild natively, and a complexity grade."""
    from crossmap.preflight.collect import preflight
    from crossmap.preflight.redact import redact_preflight
    from crossmap.preflight.report import render_html, render_text
    from crossmap.reports import reports_folder
    from crossmap.systems import closing

    plan, source, destination, _ = prepare(spec, sandbox=sandbox)
    with closing(source, destination), or_exit():
        report = preflight(plan, source, destination, batch_size=batch_size, out=out, apply=apply_)
    shown = redact_preflight(report) if redact else report
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    publish(render_text(shown), shown.to_json(), render_html(shown), redact=redact, as_json=as_json,
            json_path=json_path or reports_folder(spec.resolve().parent / ".crossmap") / f"preflight-{stamp}.json",
            html_path=html_path)
    sys.exit(exitcodes.OK if report.ok else exitcodes.COULD_NOT_RUN)
