"""``crossmap scaffold``: what the destination must have before any record moves, as a
checklist, a metadata package, or objects and fields created."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crossmap import exitcodes
from crossmap.cli.common import fail, or_exit, prepare
from crossmap.compiler.describe import describe_declarations
from crossmap.connectors.protocols import DeployingDestination, capability
from crossmap.systems import closing


@click.command(name="scaffold")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write a deployable metadata package here.")
@click.option("--apply", "apply_", is_flag=True, help="Create the missing objects and fields in the destination.")
@click.option("--sandbox", is_flag=True, help="The sandbox org the target's `sandbox` option names.")
def scaffold(spec: Path, out: Path | None, apply_: bool, sandbox: bool) -> None:
    """What the destination must have before any record moves: the field-creation
    checklist, a metadata package (--out), or the objects and fields created (--apply)."""
    plan, source, destination, _ = prepare(spec, source_too=False, sandbox=sandbox)
    with closing(source, destination):
        click.echo("the destination must have:")
        for line in describe_declarations(plan):
            click.echo(line)
        if out is None and not apply_:
            return
        deploying = capability(destination, DeployingDestination)
        if deploying is None:
            fail(f"the '{plan.target.name}' connector cannot write metadata")
        with or_exit():
            report = deploying.deploy_declarations(plan.declarations, folder=out, apply=apply_)
    if out is not None:
        click.echo(f"metadata package written to {out}")
    if apply_:
        click.echo(f"created {len(report.created)}, already there {len(report.existing)}")
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN if report.problems else exitcodes.OK)
