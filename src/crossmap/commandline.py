"""What every command shares: where the state store is, opening it and the spec's
systems or exiting with the reason, and the options several commands take.

Command modules (``crossmap.cli`` and the workflow commands beside their code) use
these; none imports back from ``crossmap.cli``. Exit codes are ``crossmap.exitcodes``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from crossmap import exitcodes
from crossmap.compiler import Plan
from crossmap.errors import CrossmapError, Diagnostic, SpecError
from crossmap.state import StateStore
from crossmap.systems import open_systems

state_option = click.option(
    "--state", type=str, default=None,
    help="The state store: a path or sqlite:///path (default: .crossmap/state.db beside the spec).",
)

redact_option = click.option(
    "--redact", is_flag=True,
    help="Mask every value in the reports (objects, fields, keys, error codes, types and lengths stay), "
         "to share them with people who must not see the data.")


def fail(message: str, code: int = exitcodes.COULD_NOT_RUN) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
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
    try:
        return StateStore.open(path)
    except CrossmapError as error:
        fail(str(error))


def prepare(spec: Path, *, source_too: bool = True, sandbox: bool = False
            ) -> tuple[Plan, Any, Any, list[Diagnostic]]:
    """``open_systems``, or exit with the reason; the compiler's warnings come along
    for the audit report."""
    try:
        systems = open_systems(spec, source_too=source_too, sandbox=sandbox)
    except SpecError as error:
        click.echo(error.render() + "\n", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN)
    except CrossmapError as error:
        fail(str(error))
    return systems.plan, systems.source, systems.destination, systems.diagnostics
