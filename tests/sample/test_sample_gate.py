"""Approvals and the production gate: the state migration, the Python API, and the
CLI (`crossmap run` / `sample` / `approve`) on the CSV → JSON-lines example."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from crossmap.cli import main
from crossmap.compiler import ConnectorRef
from crossmap.sample import ApprovalRequired, SampleError, approve, require_approval, version_hash
from crossmap.state import MIGRATIONS, SCHEMA_VERSION, StateStore
from tests.sample.sample_support import plan

SPECS = Path(__file__).resolve().parents[2] / "specs"


def with_sandbox(name: str = "sbx"):  # type: ignore[no-untyped-def]
    base = plan()
    return attrs.evolve(base, target=ConnectorRef(base.target.name, {"sandbox": name}))


def sample_run(store: StateStore, the_plan, status: str = "succeeded") -> int:  # type: ignore[no-untyped-def]
    run = store.begin_run(spec=the_plan.spec, spec_hash="engine-hash", kind="sample",
                          options={"version": version_hash(the_plan)})
    if status != "running":
        store.end_run(run.id, status)
    return run.id


def test_a_store_of_version_3_gains_approvals_and_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    connection.execute("INSERT INTO schema_version VALUES (3)")
    for migration in MIGRATIONS[:3]:
        for statement in migration.statements:
            connection.execute(statement)
    connection.execute("INSERT INTO runs (spec, spec_hash, kind, options, started_at, status)"
                       " VALUES ('x.xmap', 'h', 'full', '{}', '2025-01-01T00:00:00+00:00', 'succeeded')")
    connection.close()
    with StateStore.open(path) as store:
        assert store.run(1).kind == "full"
        assert store.approvals() == []
        approval = store.approve(spec="x.xmap", spec_hash="h", sample_run=7, sample_store="/s.db",
                                 approver="ana", note="ok")
        assert store.approval_for("h") == approval and store.approval_for("other") is None
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION >= 4
    connection.close()


def test_no_sandbox_no_gate(tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "state.db") as store:
        assert require_approval(store, plan()) is None


def test_the_gate_waits_for_an_approved_sample_of_this_version(tmp_path: Path) -> None:
    the_plan = with_sandbox()
    with StateStore.open(tmp_path / "state.db") as production, StateStore.open(tmp_path / "sandbox.db") as sandbox:
        with pytest.raises(ApprovalRequired) as refused:
            require_approval(production, the_plan)
        message = str(refused.value)
        assert "sandbox 'sbx'" in message and "crossmap sample" in message and "crossmap approve" in message
        assert "--without-approval" in message

        run_id = sample_run(sandbox, the_plan)
        approval = approve(production, sandbox, run_id, approver="ana", note="looks right")
        assert (approval.approver, approval.note, approval.sample_run) == ("ana", "looks right", run_id)
        assert approval.sample_store == str((tmp_path / "sandbox.db").resolve())
        assert require_approval(production, the_plan) == approval
        # the same spec reached by another path is the same version
        moved = attrs.evolve(the_plan, spec="elsewhere/" + Path(the_plan.spec).name)
        assert require_approval(production, moved) == approval

        changed = attrs.evolve(the_plan, steps=the_plan.steps[:-1])
        with pytest.raises(ApprovalRequired, match="other versions of it"):
            require_approval(production, changed)


def test_only_a_finished_sample_can_be_approved(tmp_path: Path) -> None:
    the_plan = with_sandbox()
    with StateStore.open(tmp_path / "state.db") as production, StateStore.open(tmp_path / "sandbox.db") as sandbox:
        full = sandbox.begin_run(spec="x", spec_hash="h", kind="full", options={})
        with pytest.raises(SampleError, match="is a full run, not a sample"):
            approve(production, sandbox, full.id, approver="ana")
        running = sample_run(sandbox, the_plan, status="running")
        with pytest.raises(SampleError, match="is running"):
            approve(production, sandbox, running, approver="ana")
        interrupted = sample_run(sandbox, the_plan, status="interrupted")
        with pytest.raises(SampleError, match="is interrupted"):
            approve(production, sandbox, interrupted, approver="ana")
        assert production.approvals() == []


# ---- through the CLI -----------------------------------------------------------------


def copy_example(folder: Path) -> Path:
    text = (SPECS / "csv_to_jsonl.xmap").read_text()
    text = text.replace('  schema = "data/jsonl/schema.json"\n}',
                        '  schema = "data/jsonl/schema.json"\n  sandbox = "sbx"\n}', 1)
    assert 'sandbox = "sbx"' in text
    (folder / "csv_to_jsonl.xmap").write_text(text)
    shutil.copytree(SPECS / "data", folder / "data", ignore=shutil.ignore_patterns("*.jsonl", ".jsonl-ids.json"))
    return folder / "csv_to_jsonl.xmap"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_run_sample_approve_run_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = copy_example(tmp_path)
    code, out = cli("run", str(spec))
    assert code == 1 and "no sample of this version" in out and f"crossmap sample {spec}" in out, out
    assert "Traceback" not in out

    code, out = cli("run", str(spec), "--without-approval")
    assert code == 0, out
    with StateStore.open(tmp_path / ".crossmap" / "state.db") as store:
        assert store.runs()[0].options["without_approval"] is True

    code, out = cli("sample", str(spec), "--size", "10")
    assert code == 0, out
    assert "sample run 1 (succeeded)" in out and "field-level diff:" in out
    report = json.loads((tmp_path / ".crossmap" / "reports" / "sample-1.json").read_text())
    assert report["profile"] == "sbx" and report["records"]
    assert (tmp_path / ".crossmap" / "reports" / "sample-1.html").exists()

    monkeypatch.chdir(tmp_path)  # the stores are found in ./.crossmap without --spec
    code, out = cli("approve")
    assert code == 0 and "    1  succeeded" in out and "no approvals" in out, out
    code, out = cli("approve", "5")
    assert code == 1 and "unknown run 5" in out
    monkeypatch.setattr("getpass.getuser", lambda: "reviewer")
    code, out = cli("approve", "1", "--note", "checked")
    assert code == 0 and "approved sample run 1" in out and "as reviewer" in out, out
    code, out = cli("approve")
    assert "approved" in out.splitlines()[1] and "by reviewer" in out and "checked" in out

    code, out = cli("run", str(spec))
    assert code == 0, out
    with StateStore.open(tmp_path / ".crossmap" / "state.db") as store:
        assert "without_approval" not in store.runs()[0].options

    spec.write_text(spec.read_text().replace("truncate(trim(title), 255)", "truncate(trim(title), 200)"))
    code, out = cli("run", str(spec))
    assert code == 1 and "other versions of it" in out, out


def test_sample_needs_a_sandbox(tmp_path: Path) -> None:
    spec = copy_example(tmp_path)
    spec.write_text(spec.read_text().replace('  sandbox = "sbx"\n', ""))
    code, out = cli("sample", str(spec))
    assert code == 1 and "declares no sandbox" in out and "sandbox = " in out
    code, out = cli("run", str(spec))  # and then there is no gate
    assert code == 0, out


def test_the_commands_are_registered() -> None:
    from crossmap.cli.sample import approve as approve_command
    from crossmap.cli.sample import sample as sample_command

    assert main.commands["sample"] is sample_command and main.commands["approve"] is approve_command
    assert "without_approval" in {p.name for p in main.commands["run"].params}


def test_a_version_given_by_the_caller_is_what_is_approved(tmp_path: Path) -> None:
    the_plan = with_sandbox()
    with StateStore.open(tmp_path / "state.db") as production, StateStore.open(tmp_path / "sandbox.db") as sandbox:
        run = sandbox.begin_run(spec=the_plan.spec, spec_hash="live-sandbox", kind="sample",
                                options={"version": "offline-v1"})
        sandbox.end_run(run.id, "succeeded")
        assert approve(production, sandbox, run.id, approver="ana").spec_hash == "offline-v1"
        assert require_approval(production, the_plan, version="offline-v1") is not None
        with pytest.raises(ApprovalRequired, match="offline-v2"):
            require_approval(production, the_plan, version="offline-v2")
