"""``crossmap run``: the approval gate (``crossmap.sample.gate_run``), the engine with
progress bars, the audit report, and ``--verify`` after."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from crossmap import exitcodes
from crossmap.cli.common import echo_error, open_store, or_exit, prepare, state_option
from crossmap.engine import Engine, RunOptions
from crossmap.progress import run_progress
from crossmap.reports import audit_report, render_text
from crossmap.systems import closing


@click.command(name="run")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@state_option
@click.option("--delta", is_flag=True, help="Only what changed since the last successful run.")
@click.option("--resume", "resume_run", type=int, default=None, metavar="RUN",
              help="Go on with an interrupted run.")
@click.option("--retry-failed", "retry_run", type=int, default=None, metavar="RUN",
              help="Run again only what failed in RUN.")
@click.option("--batch-size", type=int, default=RunOptions().batch_size, show_default=True,
              help="Rows per destination call, for destinations without load streams (Salesforce sends each step as one Bulk API job whatever this is).")
@click.option("--without-approval", is_flag=True,
              help="Run even though no sample of this version of the spec is approved (recorded with the run).")
@click.option("--verify", "then_verify", is_flag=True,
              help="Then read back every record the run wrote and compare it (`crossmap verify SPEC RUN`).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the run's audit report as JSON on stdout (the shape `report` writes; with --verify, "
                   "{\"run\": ..., \"verify\": ...}).")
def run(spec: Path, state: str | None, delta: bool, resume_run: int | None, retry_run: int | None,
        batch_size: int, without_approval: bool, then_verify: bool, as_json: bool) -> None:
    """Run a migration: resolutions, then wave by wave, then the deferred pass.
    A spec whose target declares a `sandbox` needs an approved sample first."""
    from crossmap.sample import gate_run

    plan, source, destination, findings = prepare(spec)
    with closing(source, destination), open_store(spec, state) as store:
        with or_exit():
            tags = gate_run(store, plan, spec, without_approval=without_approval)
        previous = _interrupt_on_sigterm()
        try:
            # The progress bars end before anything else is printed: a report printed
            # while they are live is glued to a bar or erased by a redraw.
            with or_exit(), run_progress() as progress:
                engine = Engine(plan, source, destination, store,
                                RunOptions(batch_size=batch_size, progress=progress, tags=tags))
                if resume_run is not None:
                    summary = engine.resume(resume_run)
                elif retry_run is not None:
                    summary = engine.retry_failed(retry_run)
                else:
                    summary = engine.run(delta=delta)
        except KeyboardInterrupt:
            latest = next(iter(store.runs()), None)
            again = f"; go on with `crossmap run {spec} --resume {latest.id}`" if latest is not None else ""
            click.echo(f"\ninterrupted{again}", err=True)
            sys.exit(exitcodes.INTERRUPTED)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        audit = audit_report(plan, store, summary.run.id, findings)
        if not as_json:
            click.echo(render_text(audit))
        verified, checked = True, None
        if then_verify:
            from crossmap.cli.verify import verify_and_report
            from crossmap.errors import CrossmapError

            if not as_json:
                click.echo("")
            try:
                checked = verify_and_report(plan, source, destination, store, run_id=summary.run.id,
                                            show=not as_json)
                verified = checked.ok
            except CrossmapError as error:  # the run's report stands; the exit code says it is not verified
                echo_error(error)
                verified = False
        if as_json:
            click.echo(audit.to_json() if checked is None else json.dumps(
                {"run": json.loads(audit.to_json()), "verify": json.loads(checked.to_json())}, indent=2))
    if summary.failed:
        sys.exit(exitcodes.RECORDS_FAILED)
    sys.exit(exitcodes.OK if verified else exitcodes.NOT_VERIFIED)


def _interrupt_on_sigterm() -> Any:
    """Make SIGTERM stop a run as Ctrl-C does (the run ends ``interrupted``, exit
    130); the handler it replaces, or ``None`` off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)
