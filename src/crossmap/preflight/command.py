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
from crossmap.commandline import prepare


@click.command(name="preflight")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print the report as JSON on stdout instead of text (its files are written all the same).")
@click.option("--json-file", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the report as JSON (default: .crossmap/reports/preflight-<time>.json).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write it as a self-contained HTML page (default: beside the JSON).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the deployable metadata package of the spec's declarations here.")
@click.option("--apply", "apply_", is_flag=True, help="Create the declared objects and fields the destination lacks.")
@click.option("--batch-size", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="The run's batch size (it shapes the API calls estimated).")
@click.option("--sandbox", is_flag=True, help="Check the sandbox org the target's `sandbox` option names.")
@click.option("--redact", is_flag=True,
              help="Mask every value in the reports (objects, fields, keys, error codes, types and lengths "
                   "stay), to share them with people who must not see the data.")
def preflight_command(spec: Path, as_json: bool, json_path: Path | None, html_path: Path | None, out: Path | None,
                      apply_: bool, batch_size: int, sandbox: bool, redact: bool) -> None:
    """Check both systems before any record moves: schema audit, record counts,
    resolve blocks, coverage of the source's values, API budget and duration, what
    to rebuild natively, and a complexity grade."""
    from crossmap.errors import CrossmapError
    from crossmap.preflight.collect import preflight
    from crossmap.preflight.redact import redact_preflight
    from crossmap.preflight.report import render_html, render_text
    from crossmap.reports import reports_folder, write_report
    from crossmap.reports.redact import mark_redacted
    from crossmap.systems import closing as _closing

    plan, source, destination, _ = prepare(spec, sandbox=sandbox)
    with _closing(source, destination):
        try:
            report = preflight(plan, source, destination, batch_size=batch_size, out=out, apply=apply_)
        except CrossmapError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(exitcodes.COULD_NOT_RUN)
    if redact:
        report = redact_preflight(report)
    text, json_text, page = render_text(report), report.to_json(), render_html(report)
    if redact:
        text, json_text, page = mark_redacted(text, json_text, page)
    click.echo(json_text if as_json else text)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path, html_path = write_report(
        json_text, page,
        json_path or reports_folder(spec.resolve().parent / ".crossmap") / f"preflight-{stamp}.json", html_path)
    click.echo(f"\nwritten: {json_path}, {html_path}", err=as_json)
    sys.exit(exitcodes.OK if report.ok else exitcodes.COULD_NOT_RUN)
