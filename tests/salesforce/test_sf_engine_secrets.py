"""A run into the local org through the engine: records land, and the session's
secret reaches neither the state store, nor the audit report, nor the logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sf_support import destination, org_at

from crossmap import schema as s
from crossmap.compiler import compile
from crossmap.connectors.builtin.memory import MemorySource
from crossmap.engine import Engine, RunOptions
from crossmap.functions import registry
from crossmap.reports import audit_report, render_html, render_text
from crossmap.state import StateStore

SOURCE = s.Schema([s.ObjectSchema("customers", [
    s.FieldSchema("id", s.String(10), nullable=False), s.FieldSchema("name", s.String(40), nullable=False),
], key="id")])
SPEC = 'source memory\ntarget salesforce\nmap customers -> Account {\n  Name = name\n  Description = "from " + id\n}\n'


def test_engine_into_the_org_keeps_secrets_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with org_at(tmp_path / "org") as org:
        target = destination(org)
        plan = compile(SPEC, source_schema=SOURCE, target_schema=target.describe(), functions=registry())
        data = {"customers": [{"id": f"c{i}", "name": f"Customer {i}"} for i in range(30)]}
        with StateStore.open(tmp_path / "state.db") as store:
            summary = Engine(plan, MemorySource(data, SOURCE), target, store, RunOptions(batch_size=10)).run()
            report = audit_report(plan, store, summary.run.id)
        assert summary.counts == {"customers->Account": {"created": 30}}
        names = {r["Name"] for r in org.sf.query_all("SELECT Name FROM Account")["records"]}
        assert {f"Customer {i}" for i in range(30)} <= names
        secret = org.access_token
        stored = b"".join(p.read_bytes() for p in tmp_path.glob("state.db*"))
        assert secret.encode() not in stored
        assert secret not in render_text(report) and secret not in render_html(report) and secret not in report.to_json()
        assert secret not in caplog.text
        assert secret not in repr(target)
