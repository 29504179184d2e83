"""The bulk export the Q Dispatch connector downloads holds whole customer records:
owner-only while it exists, whatever the umask, and gone once the connector closes."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from qdispatch_support import START, make_source

from crossmap_qdispatch.clock import ManualClock
from crossmap_qdispatch.simulator import Limits, Simulator


def test_the_bulk_export_is_owner_only_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   permissive_umask: int,
                                                   owner_only: Callable[[Path], list[Path]]) -> None:
    exports = tmp_path / "tmp"
    exports.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(exports))
    clock = ManualClock(START)
    with Simulator(5, 1, clock=clock, limits=Limits(per_minute=600, per_day=1_000_000)) as sim:
        with make_source(sim, clock, typed=False, mode="bulk") as source:
            pages = list(source.extract("customers"))
            assert sum(len(page) for page in pages) > 0
            [bundle] = [p for p in exports.iterdir() if p.name.startswith("qdispatch-export-")]
            assert any(f.suffix == ".ndjson" for f in owner_only(bundle))
        assert not bundle.exists()
