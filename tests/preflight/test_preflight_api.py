"""The preflight package's public surface is complete, and the Python API is the
one the docs show."""

from __future__ import annotations

import types

import crossmap.preflight as preflight_package


def test_all_is_complete() -> None:
    exported = set(preflight_package.__all__)
    assert all(hasattr(preflight_package, name) for name in exported)
    public = {n for n, v in vars(preflight_package).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)
              and getattr(v, "__module__", "").startswith("crossmap")}
    assert public - exported == set()


def test_the_command_is_registered_on_the_cli() -> None:
    from crossmap.cli import main
    from crossmap.cli.preflight import preflight_command

    assert main.commands["preflight"] is preflight_command
    assert {p.name for p in preflight_command.params} >= {"spec", "json_path", "html_path", "out", "apply_"}
