"""The commands that read specs and touch no system (``--live`` aside): ``check``,
``fmt``, ``plan`` and ``test``."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any

import click

from crossmap import exitcodes
from crossmap.cli.common import echo_error, or_exit
from crossmap.compiler import plan_to_json
from crossmap.compiler.describe import describe_plan, summarize_plan
from crossmap.connectors import static_schema
from crossmap.errors import CrossmapError, Diagnostic, SpecError
from crossmap.syntax import format_spec, load
from crossmap.syntax.parser import read_spec_text
from crossmap.systems import compile_offline, connector_options

spec_paths = click.argument(
    "specs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)


@click.command(name="check")
@spec_paths
@click.option("--json", "as_json", is_flag=True, help="Print diagnostics as JSON on stdout.")
@click.option("--live", is_flag=True,
              help="Connect to the spec's systems and check against what they describe now (the fields a "
                   "deploy created, a type an admin changed), not only against the schemas the connectors ship.")
def check(specs: tuple[Path, ...], as_json: bool, live: bool) -> None:
    """Check specs and report every problem found, with its place and a hint."""
    from crossmap.preflight.live import check_live

    diagnostics: list[Diagnostic] = []
    failed = False
    summaries = []
    unreadable: list[dict[str, str]] = []
    for path in specs:
        try:
            result = check_live(path) if live else compile_offline(load(path))
        except SpecError as error:
            diagnostics.extend(error.diagnostics)
            failed = failed or bool(error.errors)
            continue
        except CrossmapError as error:  # unreadable, or (--live) a system that cannot be reached
            unreadable.append({"code": "XM100", "severity": "error", "message": str(error), "file": str(path)})
            failed = True
            continue
        diagnostics.extend(result.diagnostics)
        if result.plan is None:
            failed = True
        else:
            summaries.append(f"{path}: ok ({summarize_plan(result.plan)})")
    if as_json:
        click.echo(json.dumps([*unreadable, *(d.to_json() for d in diagnostics)], indent=2))
    else:
        for problem in unreadable:
            click.echo(f"error[XM100]: {problem['message']}", err=True)
        for diagnostic in diagnostics:
            click.echo(diagnostic.render() + "\n", err=True)
        for line in summaries:
            click.echo(line)
    sys.exit(exitcodes.COULD_NOT_RUN if failed else exitcodes.OK)


@click.command(name="fmt")
@spec_paths
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a file is not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Print what would change as a unified diff.")
def fmt(specs: tuple[Path, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite specs in canonical form, keeping comments."""
    unformatted = False
    for path in specs:
        try:
            text = read_spec_text(path)
            formatted = format_spec(text, path=str(path))
        except CrossmapError as error:
            echo_error(error)
            unformatted = True
            continue
        if formatted == text:
            continue
        if show_diff:
            click.echo(
                "".join(
                    difflib.unified_diff(
                        text.splitlines(keepends=True),
                        formatted.splitlines(keepends=True),
                        f"{path} (original)",
                        f"{path} (formatted)",
                    )
                ),
                nl=False,
            )
        if check_only or show_diff:
            click.echo(f"{path}: not formatted", err=True)
            unformatted = True
        else:
            path.write_text(formatted, encoding="utf-8")
            click.echo(f"{path}: formatted")
    sys.exit(exitcodes.COULD_NOT_RUN if unformatted else exitcodes.OK)


@click.command(name="plan")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (it round-trips through cattrs).")
def plan(spec: Path, as_json: bool) -> None:
    """Print the execution plan: waves, steps, deferred lookups."""
    with or_exit():
        result = compile_offline(load(spec))
        if result.plan is None:
            raise SpecError(result.diagnostics)
    if as_json:
        click.echo(plan_to_json(result.plan))
        return
    click.echo(describe_plan(result.plan))


@click.command(name="test")
@spec_paths
@click.option("--json", "as_json", is_flag=True,
              help="Print the results as JSON on stdout (docs/cli.md says its shape).")
def spec_test(specs: tuple[Path, ...], as_json: bool) -> None:
    """Run the specs' `test` blocks; print a field-level diff for each failure."""
    from crossmap.spectest import run_spec_tests

    counts = {"passed": 0, "failed": 0}
    broken = False
    results: list[dict[str, Any]] = []
    for path in specs:
        try:
            spec = load(path)
            result = compile_offline(spec)
            source = spec.connector("source")
            source_schema = static_schema("source", source.name, connector_options(source)) if source else None
            if result.plan is None:
                raise SpecError(result.diagnostics)
        except CrossmapError as error:
            echo_error(error)
            broken = True
            continue
        if not result.plan.tests:
            if not as_json:
                click.echo(f"{path}: no test blocks")
            continue
        for outcome in run_spec_tests(result.plan, source_schema=source_schema):
            counts["passed" if outcome.passed else "failed"] += 1
            if as_json:
                results.append(outcome.to_dict())
            elif outcome.passed:
                click.echo(f"PASS {outcome.location}  {outcome.name}")
            else:
                click.echo(f"FAIL {outcome.location}  {outcome.name}")
                click.echo("\n".join(outcome.render().splitlines()[1:]))
    total = counts["passed"] + counts["failed"]
    if as_json:
        click.echo(json.dumps({**counts, "tests": results}, indent=2, default=str))
    else:
        click.echo(f"{total} test{'' if total == 1 else 's'}: {counts['passed']} passed, {counts['failed']} failed")
    sys.exit(exitcodes.COULD_NOT_RUN if broken or counts["failed"] else exitcodes.OK)
