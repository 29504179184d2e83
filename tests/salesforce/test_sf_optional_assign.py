"""``Field ?= expr`` against Salesforce: the static schema keeps the audit fields
read-only, and an emulated org's live describe decides whether they may be set on
create (moved here from tests/unit/test_optional_assign.py, which checks the
compiler, plan and engine with a schema of its own).

The audit fields are system fields, "read-only fields found on most objects ...
automatically updated during API operations" ("System Fields", SOAP API Developer
Guide, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm);
the org permission "Set Audit Fields upon Record Creation" makes them settable on
create only, as the local org models with ``OrgSettings(set_audit_fields=...)``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from crossmap import schema as s
from crossmap.codegen import Row, generate
from crossmap.compiler import compile_spec
from crossmap.connectors import static_schema
from crossmap.connectors.profiles import Profile
from crossmap.functions import registry
from crossmap.syntax import parse
from crossmap_salesforce.connector import ConnectorSettings, SalesforceDestination
from crossmap_salesforce.emulator import OrgSettings, running_org

SOURCE = s.Schema([
    s.ObjectSchema("jobs", [
        s.FieldSchema("id", s.String(20), nullable=False),
        s.FieldSchema("title", s.String(80)),
        s.FieldSchema("status", s.String(20)),
        s.FieldSchema("created_at", s.DateTime()),
        s.FieldSchema("completed_at", s.DateTime()),
    ], key="id"),
])

RECORD = {
    "id": "j1", "title": "No heat", "status": "Closed",
    "created_at": dt.datetime(2024, 1, 2, 9, 0, tzinfo=dt.UTC),
    "completed_at": dt.datetime(2024, 1, 3, 17, 30, tzinfo=dt.UTC),
}


def test_the_static_salesforce_schema_keeps_audit_fields_read_only() -> None:
    # Offline, `crossmap check` cannot know the org's permission: the spec compiles,
    # with the warning; a live describe decides at run time.
    text = "source qdispatch\ntarget salesforce\nmap jobs -> Case {\n  ClosedDate ?= completed_at\n}\n"
    result = compile_spec(parse(text), source_schema=static_schema("source", "qdispatch"),
                          target_schema=static_schema("target", "salesforce"), functions=registry())
    assert result.plan is not None
    assert [d.code for d in result.diagnostics] == ["XM233"]


def _destination(org: Any) -> SalesforceDestination:
    profile = Profile("test", {"auth": "token", "instance_url": org.instance_url, "ca_file": org.ca_file},
                      {"access_token": org.access_token})
    return SalesforceDestination.connect(profile, ConnectorSettings(retry_wait=0.0, lock_wait=0.0))


@pytest.mark.parametrize("audit", [True, False], ids=["set-audit-fields", "default-org"])
def test_the_org_permission_decides(tmp_path: Path, audit: bool) -> None:
    with running_org(tmp_path, settings=OrgSettings(set_audit_fields=audit)) as org:
        destination = _destination(org)
        target = destination.describe_objects(["Case", "Account"])
        case = target.object("Case")
        for name in ("ClosedDate", "CreatedDate", "LastModifiedDate"):
            assert case.fields[name].createable is audit, name
            assert case.fields[name].updateable is False, name
        assert target.object("Account").fields["CreatedDate"].createable is audit
        assert case.fields["IsClosed"].createable is False  # not an audit field

        text = ("source src\ntarget dst\nmap jobs -> Case {\n  Subject      = title\n  Status       = status\n"
                "  ClosedDate  ?= completed_at\n  CreatedDate ?= created_at\n}\n")
        result = compile_spec(parse(text), source_schema=SOURCE, target_schema=target, functions=registry())
        assert result.plan is not None
        assert [d.code for d in result.diagnostics] == ([] if audit else ["XM233", "XM233"])
        row = generate(result.plan)["jobs->Case"].apply(RECORD)
        assert isinstance(row, Row)
        [loaded] = destination.load("Case", "insert", [(row.key, row.values)])
        assert loaded.ok and loaded.id is not None, loaded
        [stored] = destination.read("Case", [loaded.id], ["ClosedDate", "CreatedDate", "IsClosed"])
        assert stored["IsClosed"] is True
        if audit:
            # The job's own timestamps, kept (the org does not stamp a ClosedDate it was given).
            assert stored["ClosedDate"] == "2024-01-03T17:30:00.000+0000"
            assert stored["CreatedDate"] == "2024-01-02T09:00:00.000+0000"
        else:
            # The org stamped both when the case was created closed: its own clock, not 2024.
            assert stored["ClosedDate"] == stored["CreatedDate"]
            assert not stored["ClosedDate"].startswith("2024-01-0")
