"""The optional capabilities the engine and preflight may ask of a connector are
protocols in ``crossmap.connectors.protocols``, looked up with ``capability`` (issue
25): the shipped connectors have the ones they implement, and the modules that ask
for them never reach for ``getattr(connector, name, None)``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crossmap.connectors import protocols as p
from crossmap.connectors.builtin.jsonl import JsonlDestination
from crossmap.connectors.builtin.memory import MemoryDestination

SRC = Path(__file__).resolve().parents[3] / "src" / "crossmap"


@pytest.mark.plugins
def test_the_shipped_connectors_have_their_capabilities() -> None:
    # Imported here: the other tests of this module run without the plugins.
    from crossmap_qdispatch.connector import QDispatchSource
    from crossmap_salesforce.connector import SalesforceDestination
    from crossmap_salesforce.stream import BulkStream

    for capability in (p.JobReconciling, p.FetchingDestination, p.SnapshotDestination, p.PricingDestination,
                       p.BudgetedDestination, p.DeployingDestination, p.StreamingDestination,
                       p.ActivityDestination, p.Closeable):
        assert issubclass(SalesforceDestination, capability), capability
    assert issubclass(BulkStream, p.JobReporting)
    for capability in (p.CountingSource, p.RequestCountingSource, p.RateLimitedSource, p.GapReportingSource):
        assert issubclass(QDispatchSource, capability), capability
    for builtin in (JsonlDestination, MemoryDestination):  # read back through Destination.read
        assert not issubclass(builtin, p.JobReconciling) and not issubclass(builtin, p.SnapshotDestination)


def test_capability_gives_the_connector_or_none() -> None:
    destination = MemoryDestination()
    assert p.capability(destination, p.SnapshotDestination) is None
    assert p.capability(destination, p.Destination) is destination


def test_no_module_looks_a_capability_up_with_getattr() -> None:
    lookup = re.compile(r"getattr\((source|destination|connector|target|sink|opened\w*), \"")
    found = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
             if lookup.search(path.read_text(encoding="utf-8"))]
    assert found == [], f"capabilities found with getattr (declare a protocol, use capability()): {found}"
