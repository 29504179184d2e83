"""Shared test helpers."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    """The repository's top folder."""
    return ROOT


@pytest.fixture
def permissive_umask() -> Iterator[int]:
    """Run the test under umask 000, the worst case for file modes (crossmap must
    set its own); the previous umask comes back afterwards."""
    previous = os.umask(0)
    try:
        yield 0
    finally:
        os.umask(previous)


def _assert_owner_only(folder: Path) -> list[Path]:
    wrong = [f"{path} {stat.S_IMODE(path.stat().st_mode):04o}"
             for path in (folder, *folder.rglob("*"))
             if stat.S_IMODE(path.stat().st_mode) != (0o700 if path.is_dir() else 0o600)]
    assert not wrong, "not owner-only: " + ", ".join(wrong)
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def owner_only() -> Callable[[Path], list[Path]]:
    """A check that a folder and everything under it is owner-only (folders 0700,
    files 0600); it returns the files it checked, so a test can also assert what
    was there."""
    return _assert_owner_only


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Give Hypothesis its own printer back. schemathesis (the Q Dispatch contract
    test's, in the dev extra) swaps it, process-wide, for one that prints nothing, to
    speed up its own runs: every failing property of this suite would then show a
    blank counterexample (``property_of_step(record=,)``). Its patch is applied once
    and remembered, so it is applied here first and then undone."""
    try:
        from hypothesis import core
        from hypothesis.vendor import pretty
        from schemathesis.generation.hypothesis import setup
    except ImportError:
        return
    setup()
    core.RepresentationPrinter = pretty.RepresentationPrinter  # type: ignore[misc]
