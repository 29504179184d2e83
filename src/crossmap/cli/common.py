"""What every command shares: where the state store is, opening it and the spec's
systems or exiting with the reason, the options several commands take, and the one
shape of "try it, or print the error and exit" (:func:`or_exit`).

Only the command modules of ``crossmap.cli`` use these: no library module imports
click or the CLI. Exit codes are ``crossmap.exitcodes``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from crossmap import exitcodes
from crossmap.compiler import Plan
from crossmap.errors import CrossmapError, Diagnostic, SpecError
from crossmap.reports import write_report
from crossmap.reports.redact import mark_redacted
from crossmap.state import StateStore
from crossmap.systems import open_systems

F = TypeVar("F", bound=Callable[..., Any])

state_option = click.option(
    "--state", type=str, default=None,
    help="The state store: a path or sqlite:///path (default: .crossmap/state.db beside the spec).",
)

redact_option = click.option(
    "--redact", is_flag=True,
    help="Mask every value in the reports (objects, fields, keys, error codes, types and lengths stay), "
         "to share them with people who must not see the data.")


def report_options(default: str) -> Callable[[F], F]:
    """``--json`` (the report as JSON on stdout instead of text), ``--json-file PATH``
    (``default`` when not given) and ``--html PATH`` (beside the JSON file)."""

    def add(command: F) -> F:
        for option in reversed((
            click.option("--json", "as_json", is_flag=True,
                         help="Print the report as JSON on stdout instead of text (its files are written all "
                              "the same)."),
            click.option("--json-file", "json_path", type=click.Path(dir_okay=False, path_type=Path),
                         default=None, help=f"Where to write the report as JSON (default: {default})."),
            click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                         help="Where to write it as a self-contained HTML page (default: beside the JSON)."),
        )):
            command = option(command)
        return command

    return add


def publish(text: str, json_text: str, page: str, *, json_path: Path, html_path: Path | None,
            redact: bool = False, as_json: bool = False, show: bool = True) -> None:
    """Print a report (its JSON with ``as_json``; nothing without ``show``) and write
    it as JSON and HTML. With ``redact`` every rendering says its values are masked.
    The ``written`` line goes to stderr when stdout carries JSON."""
    if redact:
        text, json_text, page = mark_redacted(text, json_text, page)
    if show:
        click.echo(json_text if as_json else text)
    written = write_report(json_text, page, json_path, html_path)
    click.echo(f"\nwritten: {written[0]}, {written[1]}", err=as_json or not show)


def fail(message: str, code: int = exitcodes.COULD_NOT_RUN) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def echo_error(error: CrossmapError) -> None:
    """Print an error on stderr: a ``SpecError`` with its diagnostics (place, caret,
    hint), any other as one ``error: ...`` line."""
    if isinstance(error, SpecError):
        click.echo(error.render() + "\n", err=True)
    else:
        click.echo(f"error: {error}", err=True)


@contextmanager
def or_exit(code: int = exitcodes.COULD_NOT_RUN) -> Iterator[None]:
    """Run the block; a ``CrossmapError`` it raises is printed (:func:`echo_error`)
    and the command exits with ``code``. Anything else (a bug) propagates."""
    try:
        yield
    except CrossmapError as error:
        echo_error(error)
        sys.exit(code)


def store_path(value: str | None, default: Path) -> Path:
    """A ``--state`` value (a path or a ``sqlite:///path`` URL), else ``default``."""
    if value is None:
        return default
    if value.startswith("sqlite:///"):
        return Path("/" + value.removeprefix("sqlite:///").lstrip("/"))
    return Path(value)


def state_path(spec: Path, state: str | None) -> Path:
    """The state store: ``--state``, else ``.crossmap/state.db`` beside the spec."""
    return store_path(state, spec.resolve().parent / ".crossmap" / "state.db")


def open_store(spec: Path, state: str | None, *, existing: bool = False) -> StateStore:
    """The state store, or exit with the reason (``COULD_NOT_RUN``). ``existing``:
    the store must already exist (``status``, ``report``, ``rollback``: a mistyped
    ``--state`` must not create an empty one). A folder ``--state`` names that does
    not exist is created, and said so."""
    path = state_path(spec, state)
    if existing and not path.is_file():
        hint = "check --state" if state is not None else "no run of this spec was recorded there"
        fail(f"there is no state store at {path} ({hint}); `crossmap run` creates one")
    if state is not None and not path.parent.exists():
        click.echo(f"note: the folder {path.parent} does not exist; creating it for the state store", err=True)
    with or_exit():
        store = StateStore.open(path)
    return store


def prepare(spec: Path, *, source_too: bool = True, sandbox: bool = False
            ) -> tuple[Plan, Any, Any, list[Diagnostic]]:
    """``open_systems``, or exit with the reason; the compiler's warnings come along
    for the audit report."""
    with or_exit():
        systems = open_systems(spec, source_too=source_too, sandbox=sandbox)
    return systems.plan, systems.source, systems.destination, systems.diagnostics
