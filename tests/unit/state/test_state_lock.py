"""One run at a time per state store, checked with real processes: a live holder is
named and refused; a holder killed with SIGKILL is taken over; two specs sharing a
store are refused too (their crosswalks share step names: not proven safe)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossmap.cli import main
from crossmap.state import StateStore, StoreBusy

HOLD = """
import sys
from crossmap.state import StateStore
with StateStore.open(sys.argv[1]) as store, store.hold(sys.argv[2], spec=sys.argv[3]):
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A second process holding the store at tmp_path/state.db as `crossmap run` of a.xmap."""
    db = tmp_path / "state.db"
    with subprocess.Popen([sys.executable, "-c", HOLD, str(db), "crossmap run", "a.xmap"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        yield child, db
        if child.poll() is None:
            child.kill()


def test_a_live_holder_is_named_and_refused(holder: tuple[subprocess.Popen[str], Path]) -> None:
    child, db = holder
    with StateStore.open(db) as store:
        found = store.holder()
        assert found is not None and (found.pid, found.host) == (child.pid, socket.gethostname())
        for spec in ("a.xmap", "b.xmap"):  # the same spec, and another one: both refused
            with pytest.raises(StoreBusy) as refused, store.hold("crossmap run", spec=spec):
                pass
            message = str(refused.value)
            assert f"pid {child.pid}" in message and "`crossmap run` of a.xmap" in message
            assert socket.gethostname() in message and "since 20" in message


def test_a_killed_holder_is_taken_over(holder: tuple[subprocess.Popen[str], Path]) -> None:
    child, db = holder
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    with StateStore.open(db) as store:
        assert store.holder() is None  # the kernel dropped the dead process's lock
        with store.hold("crossmap run", spec="a.xmap") as previous:
            assert previous is not None and previous.pid == child.pid  # whose lock it took over
            me = store.holder()
            assert me is not None and me.pid == os.getpid()
        assert store.holder() is None


def test_the_lock_is_reentrant_within_one_store(tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "state.db") as store:
        with store.hold("crossmap run"), store.hold("crossmap run") as inner:
            assert inner is None
        with (StateStore.open(tmp_path / "state.db") as other, store.hold("crossmap run"),
              pytest.raises(StoreBusy), other.hold("crossmap rollback 1")):
            pass


def test_the_cli_refuses_run_and_rollback_on_a_held_store(
        holder: tuple[subprocess.Popen[str], Path]) -> None:
    child, db = holder
    specs = Path(__file__).resolve().parents[3] / "specs"
    spec = specs / "csv_to_jsonl.xmap"
    for args in (["run", str(spec), "--state", str(db)], ["rollback", str(spec), "1", "--state", str(db)]):
        result = CliRunner().invoke(main, args)
        out = result.stdout + result.stderr
        assert result.exit_code == 1, out
        assert out.startswith("error: the state store") and f"pid {child.pid}" in out, out
        assert "Traceback" not in out
