"""``crossmap rollback`` (undo a run) and ``crossmap close`` (end a run's rollback
window)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crossmap import exitcodes
from crossmap.cli.common import fail, open_store, or_exit, prepare, state_option
from crossmap.engine import rollback as undo_run
from crossmap.systems import closing


@click.command(name="rollback")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("run_id", type=int)
@state_option
def rollback(spec: Path, run_id: int, state: str | None) -> None:
    """Undo a run: delete what it created, restore what it overwrote, verify."""
    plan, source, destination, _ = prepare(spec)
    with closing(source, destination), open_store(spec, state, existing=True) as store, or_exit(), \
            store.hold(f"crossmap rollback {run_id}", spec=plan.spec):
        summary = undo_run(plan, destination, store, run_id)
    back = f", brought back {summary.undeleted}" if summary.undeleted else ""
    click.echo(f"run {run_id}: deleted {summary.deleted}, restored {summary.restored}{back}")
    for record in summary.changed:
        click.echo(f"  left alone, changed in the destination after the run: {record}", err=True)
    for line in (*summary.failures, *summary.mismatches):
        click.echo(f"  could not restore: {line}", err=True)
    if not summary.exact:
        click.echo(f"the destination is not back to its state before run {run_id}: "
                   f"{len(summary.changed)} left alone, {len(summary.failures)} not restored, "
                   f"{len(summary.mismatches)} differing", err=True)
    sys.exit(exitcodes.OK if summary.exact else exitcodes.NOT_RESTORED)


@click.command(name="close")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("run_id", type=int, required=False)
@click.option("--older-than", "older_than", metavar="AGE", default=None,
              help="Close every run that ended more than AGE ago: 90m, 12h, 30d, 2w.")
@state_option
def close_command(spec: Path, run_id: int | None, older_than: str | None, state: str | None) -> None:
    """End a run's rollback window: delete its pre-images from the state store (the
    crosswalk stays) and vacuum the file. The run can no longer be rolled back."""
    from crossmap.state.retention import describe_close, parse_age, select_older_than

    if (run_id is None) == (older_than is None):
        fail("name a RUN or pass --older-than AGE (one of them)", exitcodes.USAGE)
    with or_exit(), open_store(spec, state, existing=True) as store:
        run_ids = [run_id] if run_id is not None else select_older_than(store.runs(), parse_age(older_than or ""))
        report = store.close_runs(run_ids)
    for line in describe_close(report):
        click.echo(line)
    sys.exit(exitcodes.COULD_NOT_RUN if run_id is not None and report.still_running else exitcodes.OK)
