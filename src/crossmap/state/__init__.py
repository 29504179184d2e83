"""The run store: runs, the crosswalk, the rollback ledger, watermarks and outcomes.

SQLite from the standard library in WAL mode, one file (by default
``.crossmap/state.db`` beside the spec). ``StateStore`` is the entry point; see
``docs/state.md`` for what is stored and how to inspect it.
"""

from crossmap.state.approvals import Approval
from crossmap.state.errors import StateError
from crossmap.state.lock import Holder, StoreBusy
from crossmap.state.migrations import MIGRATIONS, SCHEMA_VERSION, Migration
from crossmap.state.outcomes import OUTCOMES, ErrorGroup, Outcome
from crossmap.state.retention import ClosedRun, CloseReport, RunClosedError
from crossmap.state.runs import END_STATUSES, RUN_KINDS, RUN_STATUSES, Run
from crossmap.state.store import StateStore

__all__ = [
    "END_STATUSES",
    "MIGRATIONS",
    "OUTCOMES",
    "RUN_KINDS",
    "RUN_STATUSES",
    "SCHEMA_VERSION",
    "Approval",
    "CloseReport",
    "ClosedRun",
    "ErrorGroup",
    "Holder",
    "Migration",
    "Outcome",
    "Run",
    "RunClosedError",
    "StateError",
    "StateStore",
    "StoreBusy",
]
