"""Registering generated source with ``linecache``, so tracebacks show it (as
cattrs does in ``cattrs/gen/_lc.py``)."""

from __future__ import annotations

import linecache
import uuid


def register(source: str, description: str) -> str:
    """A unique file name for ``source``, registered so tracebacks can show its lines."""
    filename = f"<crossmap generated {description} {uuid.uuid4().hex[:8]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    return filename
