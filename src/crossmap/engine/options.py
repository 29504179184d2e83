"""How a run behaves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import attrs
from attrs import frozen


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@frozen
class RunOptions:
    """Options of a run.

    ``batch_size``: rows per ``load`` call, for a destination without load streams
    (a destination with them, such as Salesforce, takes each step's rows as one unit
    of work) and for the deferred pass's updates; ``overlap``: how far before the
    last watermark a delta run looks again, to catch records changed during the
    previous run; ``sample``: stop each step after this many source records (a
    sample run); ``now``: the clock (injected in tests); ``progress``: see below.
    """

    batch_size: int = 10_000
    overlap: dt.timedelta = dt.timedelta(hours=48)
    sample: int | None = None
    now: Callable[[], dt.datetime] = _utc_now
    prefetch: int = 2
    """Pages extracted ahead of loading, in a background thread (0: none)."""
    parallel: int = 4
    """Steps of one wave run at once, each in its own thread (1: one after another)."""
    progress: Callable[[str, int], None] | None = None
    """Called with (step, records done so far) after each page; the CLI draws
    progress bars with it on a terminal and logs otherwise."""
    tags: Mapping[str, str | int | bool | None] = attrs.field(factory=dict)
    """Extra entries stored with the run's options (the CLI records there that a run
    went ahead ``without_approval``; a sample records its selection)."""
