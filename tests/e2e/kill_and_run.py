"""Run the engine's test spec into a jsonl folder, killing the process with SIGKILL
after a given number of destination calls (the kill -9 test's child process).

    python kill_and_run.py STATE_DB JSONL_DIR CUSTOMERS KILL_AFTER
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from engine_support import SOURCE, TARGET, big_dataset, plan

from crossmap.connectors.builtin.jsonl import JsonlDestination
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.state import StateStore


class Killing(JsonlDestination):
    """Dies, without cleaning up, on the n-th load call."""

    calls = 0
    kill_after = 0

    def load(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        Killing.calls += 1
        if Killing.calls == Killing.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().load(*args, **kwargs)


def main() -> None:
    state, folder, customers, kill_after = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    Killing.kill_after = kill_after
    with StateStore.open(state) as store:
        destination = Killing(folder, schema=TARGET)
        Engine(plan(), MemorySource(big_dataset(customers), SOURCE), destination, store,
               RunOptions(batch_size=50)).run()
        destination.close()


if __name__ == "__main__":
    main()
