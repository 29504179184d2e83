"""The ``crossmap`` command line: the ``main`` group, the commands plugins add through
the ``crossmap.commands`` entry points, and the examples each command's ``--help``
ends with. Exit codes: ``crossmap.exitcodes`` (0 ok, 1 could not run, 2 usage, 3
records failed, 4 rollback incomplete, 5 not verified, 130 interrupted).

Each command lives in a small module of this package and only parses its options,
asks the library, prints and exits; what the commands share is ``cli.common``.
Nothing outside this package imports it (``tests/test_layering.py``)."""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import click

from crossmap import exitcodes
from crossmap.cli import preflight, propose, rollback, run, sample, scaffold, spec, status, verify
from crossmap.cli.common import fail

__all__ = ["COMMANDS_GROUP", "EXAMPLES", "main"]


COMMANDS_GROUP = "crossmap.commands"
"""The entry-point group through which plugins add commands (``crossmap demo`` is
the flagship plugin's): each entry point names a ``click.Command``."""


def _plugin_commands() -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group=COMMANDS_GROUP)}


def _unavailable(name: str, entry: EntryPoint, error: Exception) -> click.Command:
    """A stand-in for a plugin command that cannot load: it says why."""
    dist = entry.dist.name if entry.dist is not None else "an unknown distribution"
    why = f"the command '{name}' of {dist} ({entry.value}) cannot load: {type(error).__name__}: {error}"

    def explain() -> None:
        fail(why)

    return click.Command(name, callback=explain, help=f"(unavailable: {why})", add_help_option=False)


EXAMPLES: dict[str, tuple[str, ...]] = {
    "check": ("crossmap check specs/migration.xmap", "crossmap check --json specs/*.xmap > diagnostics.json"),
    "fmt": ("crossmap fmt --check specs/migration.xmap", "crossmap fmt specs/migration.xmap"),
    "plan": ("crossmap plan specs/migration.xmap", "crossmap plan --json specs/migration.xmap > plan.json"),
    "test": ("crossmap test specs/migration.xmap",),
    "run": ("crossmap run specs/migration.xmap", "crossmap run specs/migration.xmap --delta",
            "crossmap run specs/migration.xmap --resume 3"),
    "status": ("crossmap status specs/migration.xmap",),
    "report": ("crossmap report specs/migration.xmap 3", "crossmap report specs/migration.xmap 3 --redact"),
    "rollback": ("crossmap rollback specs/migration.xmap 3",),
    "close": ("crossmap close specs/migration.xmap 3", "crossmap close specs/migration.xmap --older-than 30d"),
    "scaffold": ("crossmap scaffold specs/migration.xmap --out metadata/",
                 "crossmap scaffold specs/migration.xmap --apply"),
    "preflight": ("crossmap preflight specs/migration.xmap", "crossmap preflight specs/migration.xmap --out metadata/"),
    "sample": ("crossmap sample specs/migration.xmap --size 200",),
    "approve": ("crossmap approve", "crossmap approve 4 --note 'diff reviewed'"),
    "propose": ("crossmap propose --source jsonl --source-option path=exports --target salesforce --out draft.xmap",),
    "verify": ("crossmap verify specs/migration.xmap", "crossmap verify specs/migration.xmap 3"),
    "demo": ("crossmap demo", "crossmap demo --scale 2 --keep"),
    "local-org": ("crossmap local-org --data-dir org/ --port 8443",),
}
"""What ``crossmap COMMAND --help`` shows at its end, for each command."""


def _with_examples(name: str, command: click.Command) -> click.Command:
    if command.epilog is None and name in EXAMPLES:
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[name])
    return command


class _Commands(click.Group):
    """The command group: crossmap's own commands and those plugins register (loaded
    when asked for, so a plugin that cannot load breaks only its own command). An
    exception a connector plugin raises becomes one line naming the plugin, not a
    traceback (a bug in crossmap itself still shows one)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_plugin_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        entry = _plugin_commands().get(cmd_name) if found is None else None
        if entry is None:
            return _with_examples(cmd_name, found) if found is not None else None
        try:
            command = entry.load()
        except Exception as error:  # noqa: BLE001 - whatever the plugin raised is the reason
            return _unavailable(cmd_name, entry, error)
        if not isinstance(command, click.Command):
            return _unavailable(cmd_name, entry, TypeError(f"{entry.value} is not a click command"))
        return _with_examples(cmd_name, command)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            from crossmap.connectors.registry import plugin_in_traceback

            found = plugin_in_traceback(error.__traceback__)
            if found is None:
                raise
            role, name, dist = found
            kind = "source" if role == "source" else "destination"
            fail(f"the {kind} connector '{name}' ({dist}) failed: {type(error).__name__}: {error}")


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crossmap")
def main() -> None:
    """crossmap: declarative, checked, resumable CRM data migrations."""
    _show_file_warnings()


class _EchoToStderr(logging.Handler):
    """Library warnings about files others can read, as plain lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(record.getMessage(), err=True)


def _show_file_warnings() -> None:
    files_log = logging.getLogger("crossmap.files")
    if not any(isinstance(handler, _EchoToStderr) for handler in files_log.handlers):
        files_log.addHandler(_EchoToStderr(logging.WARNING))


main.epilog = "\b\nExit codes:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in exitcodes.MEANINGS.items())


for _command in (spec.check, spec.fmt, spec.plan, spec.spec_test, run.run, status.status, status.report,
                 rollback.rollback, rollback.close_command, scaffold.scaffold, preflight.preflight_command,
                 sample.sample, sample.approve, propose.propose_command, verify.verify_command):
    main.add_command(_command)
