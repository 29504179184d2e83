"""The ``crossmap propose`` command: offline from the shipped schemas, with
--sample against a jsonl folder and against the Q Dispatch simulator, and its
errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossmap.cli import main
from crossmap.connectors.profiles import PROFILE_FILE
from crossmap_qdispatch.simulator import Simulator

from .conftest import ROOT

DOC = ROOT / "docs" / "propose.md"
EXAMPLE = re.compile(r"<!-- example: (crossmap propose [^>]*) -->\n```xmap\n(.*?)```", re.DOTALL)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_worked_example_in_the_docs_is_what_the_command_writes(tmp_path: Path) -> None:
    found = EXAMPLE.search(DOC.read_text(encoding="utf-8"))
    assert found is not None, "docs/propose.md has a worked example"
    command, shown = found.groups()
    out = tmp_path / "draft.xmap"
    code, _, err = cli(*command.split()[1:], "--out", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == shown
    assert "1 object pairs" in err


def test_offline_to_standard_output(tmp_path: Path) -> None:
    code, out, err = cli("propose", "--source", "qdispatch", "--target", "salesforce", "--objects",
                         "customers, jobs", "--threshold", "0.9", "--prefix", "QDX")
    assert code == 0, err
    assert "map customers -> Account {\n  upsert on QDX_Customer_Id__c" in out
    assert "# Field pairs below confidence 0.90 are not proposed." in out
    assert "  AccountId " in out and "lookup(customers, customer_id) missing fail" in out
    # Priority's value overlap puts it below 0.9: a custom field instead.
    assert "  Urgency__c" in out
    assert "map contacts" not in out


def test_sampling_a_jsonl_folder(tmp_path: Path) -> None:
    data = tmp_path / "export"
    data.mkdir()
    rows = [{"id": f"c{i}", "company": f"Acme {i}", "reach": f"ops{i}@acme.example",
             "band": ["hot", "warm", "cold"][i % 3], "tel": f"+1 555 010{i}"} for i in range(9)]
    (data / "clients.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "draft.xmap"
    code, _, err = cli("propose", "--source", "jsonl", "--source-option", "path=export", "--target", "salesforce",
                       "--sample", "6", "--out", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert 'source jsonl {\n  path = "export"' in text
    # The sampled values show an email column and a picklist-like one.
    assert re.search(r"^  Reach__c: +email$", text, re.MULTILINE)
    assert re.search(r"^  Rating +:?= band \| account_rating$", text, re.MULTILINE)
    assert 'valuemap account_rating {\n  "cold" -> "Cold"' in text
    code, _, err = cli("check", str(out))
    assert code == 1
    assert set(re.findall(r"error\[(XM\d+)\]", err)) == {"XM240"}
    assert "TODO: Account requires Name" in err
    code, _, err = cli("propose", "--source", "jsonl", "--source-option", f"path={data}", "--target",
                       "salesforce", "--sample", "6", "--objects", "client")
    assert code == 1 and "did you mean 'clients'" in err


def test_a_live_target_is_described(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    # The jsonl destination offers no vocabulary (propose_hints): objects pair by
    # their own names.
    (tmp_path / "export" / "accounts.jsonl").write_text('{"id": "c1", "tel": "+1 555 0100"}\n', encoding="utf-8")
    (tmp_path / "crm").mkdir()
    (tmp_path / "crm" / "Account.jsonl").write_text('{"Id": "A1", "Phone": "+1 555 0199"}\n', encoding="utf-8")
    code, out, err = cli("propose", "--source", "jsonl", "--source-option", f"path={tmp_path / 'export'}",
                         "--target", "jsonl", "--target-option", f"path={tmp_path / 'crm'}", "--live-target")
    assert code == 0, err
    assert "map accounts -> Account {" in out
    assert re.search(r"^  Phone += tel$", out, re.MULTILINE)


def test_sampling_the_q_dispatch_simulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Simulator(seed=5, scale=1) as sim:
        monkeypatch.setenv("XP_QD_SECRET", sim.client_secret)
        (tmp_path / PROFILE_FILE).write_text(
            f"[profiles.qd_live]\nbase_url = \"{sim.base_url}\"\nca_file = \"{sim.ca_file}\"\n"
            f"client_id = \"{sim.client_id}\"\nclient_secret_env = \"XP_QD_SECRET\"\n",
            encoding="utf-8",
        )
        out = tmp_path / "draft.xmap"
        code, _, err = cli("propose", "--source", "qdispatch", "--source-profile", "qd_live", "--target",
                           "salesforce", "--objects", "contacts,jobs", "--sample", "25", "--out", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert 'profile = "qd_live"' in text
    assert "map jobs -> Case" in text and "Priority" in text
    code, _, err = cli("check", str(out))
    assert set(re.findall(r"error\[(XM\d+)\]", err)) == {"XM240"}


def test_errors(tmp_path: Path) -> None:
    code, _, err = cli("propose", "--source", "qdispach", "--target", "salesforce")
    assert code == 1 and "no source connector named 'qdispach'" in err and "qdispatch" in err
    code, _, err = cli("propose", "--source", "qdispatch", "--target", "salesforce", "--objects", "job")
    assert code == 1 and "the source has no object 'job'" in err and "did you mean 'jobs'" in err
    code, _, err = cli("propose", "--source", "qdispatch", "--target", "salesforce", "--source-option", "nokey")
    assert code == 2 and "expected KEY=VALUE" in err
    code, _, err = cli("propose", "--source", "qdispatch", "--target", "salesforce", "--sample", "5",
                       "--profile-dir", str(tmp_path))
    assert code == 1 and "crossmap.toml" in err
