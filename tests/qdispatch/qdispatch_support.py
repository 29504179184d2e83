"""Helpers shared by the Q Dispatch tests (a plain module: the test folders are not
packages, so conftest.py cannot be imported from)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from crossmap_qdispatch.clock import ManualClock
from crossmap_qdispatch.connector import Credentials, Options, QDispatchSource
from crossmap_qdispatch.generator import DATA_NOW, Generated, generate
from crossmap_qdispatch.simulator import Simulator

SEED = 7
SCALE = 1
START = DATA_NOW.timestamp() + 86400.0


def scale_from_env(default: int = 2) -> int:
    """``CROSSMAP_SCALE`` for slow tests (small by default so CI stays fast)."""
    return int(os.environ.get("CROSSMAP_SCALE", default))


def record_hash(record: Mapping[str, Any]) -> str:
    """A content hash of a wire record, independent of key order."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


def hashes_by_object(pairs: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, list[str]]:
    """Sorted record hashes per object."""
    out: dict[str, list[str]] = {}
    for obj, rec in pairs:
        out.setdefault(obj, []).append(record_hash(rec))
    return {k: sorted(v) for k, v in out.items()}


def expected(seed: int, scale: int) -> list[Generated]:
    """Every generated record (the simulator serves exactly the live ones)."""
    return list(generate(seed, scale))


def make_source(sim: Simulator, clock: ManualClock | None = None, **options: Any
                ) -> QDispatchSource:
    """A connector for ``sim``; on ``clock`` when given (pacing and backoff are then
    instantaneous)."""
    if clock is not None:
        options["clock"] = clock
    options.setdefault("page_size", 10)
    return QDispatchSource(sim.base_url, Credentials(sim.client_id, sim.client_secret),
                           sim.ca_file, Options(**options))


