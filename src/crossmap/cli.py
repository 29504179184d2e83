"""The ``crossmap`` command line. Exit codes: 0 ok, 1 spec errors, 2 usage errors."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import click

from crossmap.compiler import CompileResult, Plan, compile_spec, plan_to_json
from crossmap.connectors import ConnectorError, static_schema
from crossmap.errors import Diagnostic, SpecError, SpecFileError
from crossmap.functions import registry
from crossmap.syntax import ast, format_spec, load
from crossmap.syntax.parser import read_spec_text

EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE = 0, 1, 2

_spec_paths = click.argument(
    "specs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crossmap")
def main() -> None:
    """crossmap: declarative, checked, resumable CRM data migrations."""


@main.command()
@_spec_paths
@click.option("--json", "as_json", is_flag=True, help="Print diagnostics as JSON on stdout.")
def check(specs: tuple[Path, ...], as_json: bool) -> None:
    """Check specs and report every problem found, with its place and a hint."""
    diagnostics: list[Diagnostic] = []
    failed = False
    summaries = []
    unreadable: list[dict[str, str]] = []
    for path in specs:
        try:
            spec = load(path)
            result = compile_offline(spec)
        except SpecError as error:
            diagnostics.extend(error.diagnostics)
            failed = failed or bool(error.errors)
            continue
        except (SpecFileError, ConnectorError) as error:
            unreadable.append({"code": "XM100", "severity": "error", "message": str(error), "file": str(path)})
            failed = True
            continue
        diagnostics.extend(result.diagnostics)
        if result.plan is None:
            failed = True
        else:
            summaries.append(f"{path}: ok ({_summary(spec, result.plan)})")
    if as_json:
        click.echo(json.dumps([*unreadable, *(d.to_json() for d in diagnostics)], indent=2))
    else:
        for problem in unreadable:
            click.echo(f"error[XM100]: {problem['message']}", err=True)
        for diagnostic in diagnostics:
            click.echo(diagnostic.render() + "\n", err=True)
        for line in summaries:
            click.echo(line)
    sys.exit(EXIT_SPEC_ERRORS if failed else EXIT_OK)


@main.command()
@_spec_paths
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a file is not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Print what would change as a unified diff.")
def fmt(specs: tuple[Path, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite specs in canonical form, keeping comments."""
    unformatted = False
    for path in specs:
        try:
            text = read_spec_text(path)
            formatted = format_spec(text, path=str(path))
        except SpecError as error:
            click.echo(error.render() + "\n", err=True)
            unformatted = True
            continue
        except SpecFileError as error:
            click.echo(f"error: {error}", err=True)
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
    sys.exit(EXIT_SPEC_ERRORS if unformatted else EXIT_OK)


def _summary(spec: ast.Spec, plan: Plan) -> str:
    counts = [
        (len(plan.steps), "step"),
        (len(plan.waves), "wave"),
        (len(plan.resolutions), "resolution"),
        (len(plan.value_maps), "value map"),
        (len(plan.declarations), "object declaration"),
        (len(plan.tests), "test"),
    ]
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)


def compile_offline(spec: ast.Spec) -> CompileResult:
    """Compile against the schemas the spec's connectors ship (no connection)."""
    source = spec.connector("source")
    target = spec.connector("target")
    if source is None or target is None:
        missing = "source" if source is None else "target"
        raise SpecError([Diagnostic("XM201", f"the spec does not say its {missing}", spec.span,
                                    f"add `{missing} <connector>`")])
    try:
        source_schema = static_schema("source", source.name, _options(source))
    except ConnectorError as error:
        raise SpecError([Diagnostic("XM200", str(error), source.span)]) from None
    try:
        target_schema = static_schema("target", target.name, _options(target))
    except ConnectorError as error:
        raise SpecError([Diagnostic("XM200", str(error), target.span)]) from None
    return compile_spec(spec, source_schema=source_schema, target_schema=target_schema, functions=registry())


def _options(connector: ast.Connector) -> dict[str, object]:
    """A connector's literal options (the compiler reports any other kind)."""
    return {o.name: o.value.value for o in connector.options if isinstance(o.value, ast.Literal)}


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (it round-trips through cattrs).")
def plan(spec: Path, as_json: bool) -> None:
    """Print the execution plan: waves, steps, deferred lookups."""
    try:
        result = compile_offline(load(spec))
    except SpecError as error:
        click.echo(error.render() + "\n", err=True)
        sys.exit(EXIT_SPEC_ERRORS)
    except (SpecFileError, ConnectorError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_SPEC_ERRORS)
    if result.plan is None:
        click.echo(SpecError(result.diagnostics).render() + "\n", err=True)
        sys.exit(EXIT_SPEC_ERRORS)
    if as_json:
        click.echo(plan_to_json(result.plan))
        return
    click.echo(describe_plan(result.plan))


def describe_plan(plan: Plan) -> str:
    """The plan for people: what runs, in which order."""
    lines = [f"{plan.title or plan.spec}: {plan.source.name} -> {plan.target.name}"]
    if plan.declarations:
        lines.append("\nthe destination must have:")
        for decl in plan.declarations:
            kind = "new object" if decl.new else "fields on"
            lines.append(f"  {kind} {decl.object}: {', '.join(f.name for f in decl.fields)}")
    if plan.resolutions:
        lines.append("\nresolved before loading (matched, never created):")
        for resolution in plan.resolutions:
            fallback = f", fallback {resolution.fallback!r}" if resolution.fallback else ""
            lines.append(f"  {resolution.name} by {resolution.target_field}{fallback}")
    for number, wave in enumerate(plan.waves, 1):
        lines.append(f"\nwave {number}:")
        for name in wave:
            step = plan.step(name)
            mode = f"upsert on {step.external_id}" if step.mode == "upsert" else "insert"
            needs = f"  (after {', '.join(step.depends_on)})" if step.depends_on else ""
            lines.append(f"  {name}: {len(step.assignments)} fields, {mode}{needs}")
    if plan.deferred:
        lines.append("\ndeferred update pass:")
        lines.extend(f"  {name}" for name in plan.deferred)
    return "\n".join(lines)
