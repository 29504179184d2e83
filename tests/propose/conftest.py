"""Shared fixtures: the flagship's two static schemas and the proposal made from
them (computed once; proposing is pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossmap.connectors import static_schema
from crossmap.propose import Proposal, propose
from crossmap.propose.hints import DestinationHints, destination_hints
from crossmap.schema import Schema

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "specs" / "qdispatch_to_salesforce.xmap"


@pytest.fixture(scope="session")
def qdispatch_schema() -> Schema:
    return static_schema("source", "qdispatch")


@pytest.fixture(scope="session")
def salesforce_schema() -> Schema:
    return static_schema("target", "salesforce")


@pytest.fixture(scope="session")
def salesforce_hints() -> DestinationHints:
    return destination_hints("salesforce")


@pytest.fixture(scope="session")
def flagship_proposal(
    qdispatch_schema: Schema, salesforce_schema: Schema, salesforce_hints: DestinationHints,
) -> Proposal:
    return propose(qdispatch_schema, salesforce_schema, source_system="qdispatch", target_system="salesforce",
                   hints=salesforce_hints)
