"""``crossmap demo``: the flagship migration end to end on the local systems.

A command of the flagship's plugin, registered through the ``crossmap.commands``
entry-point group: the core knows neither system. Kept light (the demo and the
local systems are imported when it runs), because ``crossmap --help`` loads it.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click

from crossmap import exitcodes
from crossmap.errors import CrossmapError

LOCAL_SYSTEMS_PACKAGES = frozenset({"starlette", "uvicorn", "trustme"})
"""What the ``local`` extra installs: the local org, the Q Dispatch simulator and the demo."""


@click.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A new or empty folder for the demo (default: a fresh temporary folder, kept).")
@click.option("--scale", type=click.IntRange(min=1), default=1, show_default=True,
              help="Size of the simulated Q Dispatch tenant (1 is about 530 records).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the simulated data.")
@click.option("--spec", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The flagship spec (default: specs/qdispatch_to_salesforce.xmap of the checkout).")
@click.option("--keep", is_flag=True,
              help="Keep the migrated records in the production org instead of rolling the migration back.")
@click.option("--serve", "serve_only", is_flag=True,
              help="Only start the local systems and keep them up (Ctrl-C stops them), to run each step "
                   "by hand as docs/tutorial.md does.")
def demo(folder: Path | None, scale: int, seed: int, spec: Path | None, keep: bool, serve_only: bool) -> None:
    """Migrate a simulated Q Dispatch tenant into a local Salesforce org, the whole
    workflow: preflight, schema, sample and its diff in a sandbox org, approval, full
    run, delta, reports, rollback, verified. Starts and stops the systems itself."""
    try:
        from crossmap_qdispatch.demo import FLAGSHIP_SPEC, DemoOptions, new_folder, run_demo, serve
    except ModuleNotFoundError as error:
        if error.name not in LOCAL_SYSTEMS_PACKAGES:
            raise
        click.echo(f"error: the demo runs on the local systems, which need {error.name}: "
                   "pip install 'crossmap[local]'", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN)

    options = DemoOptions(folder or new_folder(), scale=scale, seed=seed, spec=spec or FLAGSHIP_SPEC,
                          restore=not keep)
    try:
        if serve_only:
            serve(options, wait=_until_interrupted, say=click.echo)
            sys.exit(exitcodes.OK)
        result = run_demo(options, say=click.echo)
    except CrossmapError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN)
    sys.exit(exitcodes.OK if result.restored else exitcodes.COULD_NOT_RUN)


def _until_interrupted() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        click.echo("")
