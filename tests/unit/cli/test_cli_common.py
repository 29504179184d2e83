"""The one shape every command uses for "try it, or print the error and exit"
(``crossmap.cli.common.or_exit``), and the ``--state`` value's parsing."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crossmap import exitcodes
from crossmap.cli.common import or_exit, store_path
from crossmap.errors import CrossmapError, SpecError
from crossmap.syntax import parse


def _command(error: Exception, code: int = exitcodes.COULD_NOT_RUN) -> click.Command:
    @click.command()
    def raising() -> None:
        with or_exit(code):
            raise error
        click.echo("not reached")

    return raising


def test_a_crossmap_error_is_one_line_on_stderr_and_the_exit_code() -> None:
    result = CliRunner().invoke(_command(CrossmapError("the store is busy: try later")))
    assert result.exit_code == exitcodes.COULD_NOT_RUN
    assert result.stderr == "error: the store is busy: try later\n" and result.stdout == ""


def test_the_exit_code_is_the_callers() -> None:
    result = CliRunner().invoke(_command(CrossmapError("no"), exitcodes.USAGE))
    assert result.exit_code == exitcodes.USAGE


def test_a_spec_error_shows_its_diagnostics() -> None:
    with pytest.raises(SpecError) as raised:
        parse("xmap 1\nmap customers -> Account {\n  Name = \n}\n", path="bad.xmap")
    error = raised.value
    result = CliRunner().invoke(_command(error))
    assert result.exit_code == exitcodes.COULD_NOT_RUN
    assert result.stderr == error.render() + "\n\n"
    assert result.stderr.startswith("bad.xmap:4:1: error[XM101]: unexpected '}'")


def test_a_bug_is_not_turned_into_a_message() -> None:
    result = CliRunner().invoke(_command(ZeroDivisionError("a bug")))
    assert isinstance(result.exception, ZeroDivisionError)
    assert "error:" not in result.stderr


def test_nothing_raised_nothing_printed() -> None:
    @click.command()
    def fine() -> None:
        with or_exit():
            value = 2
        click.echo(f"value {value}")

    result = CliRunner().invoke(fine)
    assert (result.exit_code, result.output) == (0, "value 2\n")


@pytest.mark.parametrize(("value", "expected"), [
    (None, Path("/default/state.db")),
    ("runs/state.db", Path("runs/state.db")),
    ("sqlite:///tmp/state.db", Path("/tmp/state.db")),
    ("sqlite:////tmp/state.db", Path("/tmp/state.db")),
])
def test_a_state_value_is_a_path_or_a_sqlite_url(value: str | None, expected: Path) -> None:
    assert store_path(value, Path("/default/state.db")) == expected
