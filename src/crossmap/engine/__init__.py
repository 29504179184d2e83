"""The engine: runs a plan between a source and a destination, answering for every record."""

from crossmap.engine.migrate import migrate
from crossmap.engine.options import RunOptions
from crossmap.engine.reconcile import UnreconciledWrites
from crossmap.engine.rollback import RollbackSummary, rollback
from crossmap.engine.run import Engine, RunError, RunSummary

__all__ = ["Engine", "RollbackSummary", "RunError", "RunOptions", "RunSummary", "UnreconciledWrites", "migrate", "rollback"]
