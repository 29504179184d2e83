"""Golden fixtures: every bad spec under tests/fixtures/bad with its exact diagnostics.

Run with CROSSMAP_UPDATE_GOLDEN=1 to rewrite the .expected files after a deliberate
change of wording; review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crossmap.errors import CrossmapError, SpecError
from crossmap.syntax import load

BAD = Path(__file__).resolve().parents[2] / "fixtures" / "bad"
CASES = sorted(p.name for p in BAD.glob("*.xmap"))


def render(name: str) -> str:
    try:
        load(name)
    except SpecError as error:
        return error.render() + "\n"
    except CrossmapError as error:
        return f"{type(error).__name__}: {error}\n"
    raise AssertionError(f"{name} was accepted")


def test_there_are_enough_fixtures() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", CASES)
def test_bad_spec_diagnostics(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    actual = render(name)
    expected_path = BAD / (name.removesuffix(".xmap") + ".expected")
    if os.environ.get("CROSSMAP_UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")
