"""How the CLI shows a run's progress: rich progress bars on a terminal, one
structured log line per step and page otherwise (CI logs, files)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

log = logging.getLogger("crossmap.run")


@contextmanager
def run_progress(stream: TextIO | None = None) -> Iterator[Callable[[str, int], None]]:
    """A progress callback for ``RunOptions.progress``."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        yield lambda step, done: log.info("step=%s records=%d", step, done)
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(file=stream), transient=False) as bars:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int) -> None:
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=None)
            bars.update(tasks[step], completed=done)

        yield update
