"""``crossmap.sample.gate_run``, the approval gate ``crossmap run`` asks before a
production run: no sandbox, no gate; a sandbox and no approved sample of this version
of the spec, refused unless passed over, and passing over is recorded as a tag."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crossmap.sample import ApprovalRequired, gate_run, spec_version, version_hash
from crossmap.state import StateStore
from crossmap.syntax import load
from crossmap.systems import compile_offline

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _spec(folder: Path, *, sandbox: bool) -> Path:
    shutil.copytree(SPECS / "data", folder / "data", ignore=shutil.ignore_patterns("*.jsonl", ".jsonl-ids.json"))
    text = (SPECS / "csv_to_jsonl.xmap").read_text(encoding="utf-8")
    if sandbox:
        text = text.replace('  schema = "data/jsonl/schema.json"\n}',
                            '  schema = "data/jsonl/schema.json"\n  sandbox = "sbx"\n}', 1)
        assert 'sandbox = "sbx"' in text
    spec = folder / "csv_to_jsonl.xmap"
    spec.write_text(text, encoding="utf-8")
    return spec


def _plan(spec: Path):  # type: ignore[no-untyped-def]
    plan = compile_offline(load(spec)).plan
    assert plan is not None
    return plan


def test_no_sandbox_no_gate_and_nothing_to_record(tmp_path: Path) -> None:
    spec = _spec(tmp_path, sandbox=False)
    with StateStore.open(tmp_path / "state.db") as store:
        assert gate_run(store, _plan(spec), spec) == {}
        assert gate_run(store, _plan(spec), spec, without_approval=True) == {}


def test_a_sandbox_without_an_approved_sample_is_refused(tmp_path: Path) -> None:
    spec = _spec(tmp_path, sandbox=True)
    with StateStore.open(tmp_path / "state.db") as store, pytest.raises(ApprovalRequired) as refused:
        gate_run(store, _plan(spec), spec)
    assert spec_version(spec) in str(refused.value) and "--without-approval" in str(refused.value)


def test_passing_over_the_gate_is_recorded(tmp_path: Path) -> None:
    spec = _spec(tmp_path, sandbox=True)
    with StateStore.open(tmp_path / "state.db") as store:
        assert gate_run(store, _plan(spec), spec, without_approval=True) == {"without_approval": True}


def test_an_approval_of_the_offline_version_opens_the_gate(tmp_path: Path) -> None:
    spec = _spec(tmp_path, sandbox=True)
    version = spec_version(spec)
    assert version == version_hash(_plan(spec))
    with StateStore.open(tmp_path / "state.db") as store:
        store.approve(spec=str(spec), spec_hash=version, sample_run=1, sample_store=str(tmp_path / "sandbox.db"),
                      approver="ana", note=None)
        assert gate_run(store, _plan(spec), spec) == {}
