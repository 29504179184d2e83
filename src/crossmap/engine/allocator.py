"""Keeping a long run's resident memory near what it actually holds.

glibc's malloc gives each thread that allocates at the same time as another an arena
of its own (up to eight per core), and once a large block is freed it raises the
size from which blocks are mapped instead of carved from a heap. A multi-threaded
batch process then keeps the high-water mark of every thread's heap: measured on the
flagship benchmark (docs/performance.md, B2), about 60 MB more at 100,000 records
than the run needs. Before its threads start, a run therefore caps the arenas at two
and fixes the mapping threshold at 128 KiB, so large buffers (a page of files, a
request body) are mapped and given back whole.

Python's own objects are not affected (pymalloc keeps arenas of its own), and the GIL
keeps malloc contention between threads low. Nothing is changed on other C
libraries, nor for a knob the environment sets itself (``MALLOC_ARENA_MAX``,
``MALLOC_MMAP_THRESHOLD_``): the operator's choice wins.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Mapping
from typing import Any

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
"""``mallopt`` parameters, from glibc's ``malloc.h``."""

ARENA_MAX = 2
MMAP_THRESHOLD = 128 * 1024

_SETTINGS = (("MALLOC_ARENA_MAX", M_ARENA_MAX, ARENA_MAX),
             ("MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def limit_retained_memory(environ: Mapping[str, str] = os.environ, libc: Any = None) -> dict[str, int]:
    """Apply the settings above where they apply; returns those applied (by the name
    of their environment variable). Safe to call more than once."""
    if libc is None:
        libc = _glibc()
        if libc is None:
            return {}
    applied = {}
    for name, parameter, value in _SETTINGS:
        if name not in environ and libc.mallopt(parameter, value) == 1:
            applied[name] = value
    return applied


def _glibc() -> Any:
    try:
        version = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        return None
    if not version.startswith("glibc"):
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None
