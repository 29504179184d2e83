"""The ``crossmap`` command line. Exit codes: 0 ok, 1 spec errors, 2 usage errors."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import click

from crossmap.errors import Diagnostic, SpecError, SpecFileError
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
        except SpecError as error:
            diagnostics.extend(error.diagnostics)
            failed = failed or bool(error.errors)
            continue
        except SpecFileError as error:
            unreadable.append({"code": "XM100", "severity": "error", "message": str(error), "file": str(path)})
            failed = True
            continue
        summaries.append(f"{path}: ok ({_summary(spec)})")
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


def _summary(spec: ast.Spec) -> str:
    counts = [
        (len(spec.of_type(ast.Mapping)), "mapping"),
        (len(spec.of_type(ast.Resolve)), "resolve block"),
        (len(spec.of_type(ast.ValueMap)), "value map"),
        (len(spec.of_type(ast.ObjectDecl)), "object declaration"),
        (len(spec.of_type(ast.Test)), "test"),
    ]
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)
