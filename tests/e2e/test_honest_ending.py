"""An honest ending: a run whose records failed says so in its status and exit code
(``crossmap.exitcodes``), and a state store that cannot be used is an error, never a
traceback or a new empty database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_bad_source_values import _folder

from crossmap import exitcodes
from crossmap.cli import main
from crossmap.connectors.vocabulary import UPSERTED_DUPLICATE_HINT
from crossmap.engine import Engine
from crossmap.reports.audit import (
    MISSING_PARENT_HINT,
    _hint_template,
    run_status,
)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_the_exit_codes_are_distinct_and_documented() -> None:
    codes = [exitcodes.OK, exitcodes.COULD_NOT_RUN, exitcodes.USAGE, exitcodes.RECORDS_FAILED,
             exitcodes.NOT_RESTORED, exitcodes.NOT_VERIFIED, exitcodes.INTERRUPTED]
    assert len(set(codes)) == len(codes) and set(exitcodes.MEANINGS) == set(codes)
    code, out = cli("--help")
    assert code == 0 and "130  interrupted" in out and "3  completed, some records failed" in out
    running = (Path(__file__).resolve().parents[2] / "docs" / "running.md").read_text()
    for code in codes:
        assert f"| {code} |" in running


def test_a_run_with_failed_records_completes_with_them_and_exits_3(tmp_path: Path) -> None:
    spec = _folder(tmp_path, "jsonl")
    code, out = cli("run", str(spec))
    assert code == exitcodes.RECORDS_FAILED
    assert out.splitlines()[0].endswith(": completed with 1 failed, 1 held back")
    code, out = cli("status", str(spec))
    assert code == 0 and "completed with 1 failed, 1 held back" in out and "succeeded" not in out
    code, out = cli("report", str(spec), "1")
    assert code == 0 and "completed with 1 failed, 1 held back" in out


def test_a_run_with_no_failures_succeeds() -> None:
    assert run_status("succeeded", {"a->B": {"created": 3}}) == "succeeded"
    assert run_status("succeeded", {"a->B": {"created": 3, "held_back": 28}, "c->D": {"failed": 13}}) == \
        "completed with 13 failed, 28 held back"
    assert run_status("interrupted", {"a->B": {"failed": 1}}) == "interrupted"


def test_an_interrupted_run_exits_130_and_says_how_to_go_on(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _folder(tmp_path, "jsonl")

    def stop(self: Engine, *, delta: bool = False) -> None:
        self.store.begin_run(spec=self.plan.spec, spec_hash="x", kind="full", options={})
        raise KeyboardInterrupt

    monkeypatch.setattr(Engine, "run", stop)
    code, out = cli("run", str(spec))
    assert code == exitcodes.INTERRUPTED
    assert f"interrupted; go on with `crossmap run {spec} --resume 1`" in out and "Traceback" not in out


def test_sigterm_interrupts_a_run_as_ctrl_c_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    spec = _folder(tmp_path, "jsonl")

    def terminated(self: Engine, *, delta: bool = False) -> None:
        self.store.begin_run(spec=self.plan.spec, spec_hash="x", kind="full", options={})
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(Engine, "run", terminated)
    code, out = cli("run", str(spec))
    assert code == exitcodes.INTERRUPTED and "interrupted; go on with" in out
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back


def test_a_mistyped_state_creates_nothing(tmp_path: Path) -> None:
    spec = _folder(tmp_path, "jsonl")
    for command in (["status", str(spec)], ["report", str(spec), "1"], ["rollback", str(spec), "1"]):
        code, out = cli(*command, "--state", str(tmp_path / "typo.db"))
        assert code == exitcodes.COULD_NOT_RUN and "Traceback" not in out
        assert f"there is no state store at {tmp_path / 'typo.db'} (check --state)" in out
        assert not (tmp_path / "typo.db").exists()


def test_a_state_folder_that_does_not_exist_is_created_and_said_so(tmp_path: Path) -> None:
    spec = _folder(tmp_path, "jsonl")
    code, out = cli("run", str(spec), "--state", str(tmp_path / "new" / "state.db"))
    assert code == exitcodes.RECORDS_FAILED
    assert f"note: the folder {tmp_path / 'new'} does not exist; creating it for the state store" in out


def test_a_file_that_is_not_a_state_store_is_an_error(tmp_path: Path) -> None:
    spec = _folder(tmp_path, "jsonl")
    (tmp_path / "notes.db").write_text("these are my notes, not a database " * 20)
    for command in (["run", str(spec)], ["status", str(spec)]):
        code, out = cli(*command, "--state", str(tmp_path / "notes.db"))
        assert code == exitcodes.COULD_NOT_RUN and "Traceback" not in out
        assert "is not a crossmap state database" in out


@pytest.mark.skipif(not Path("/dev/full").exists() or sys.platform != "linux", reason="needs /dev/full")
def test_a_state_store_on_a_full_device_is_an_error(tmp_path: Path) -> None:
    spec = _folder(tmp_path, "jsonl")
    code, out = cli("run", str(spec), "--state", "/dev/full")
    assert code == exitcodes.COULD_NOT_RUN and "Traceback" not in out
    assert "error: cannot open the state database /dev/full" in out


def test_hints_fit_the_cause(tmp_path: Path) -> None:
    from crossmap.compiler import compile
    from crossmap.functions import registry
    from crossmap.schema import FieldSchema, Id, ObjectSchema, Schema, String

    source = Schema([ObjectSchema("people", [FieldSchema("id", String(10), nullable=False)], key="id")])
    target = Schema([ObjectSchema("P", [
        FieldSchema("Id", Id(), nullable=False, createable=False, updateable=False, defaulted_on_create=True),
        FieldSchema("K", String(10), external_id=True, unique=True)], key="Id")])
    upserting = compile("source memory\ntarget memory\nmap people -> P {\n  upsert on K\n  K = id\n}\n",
                        source_schema=source, target_schema=target, functions=registry())
    inserting = compile("source memory\ntarget memory\nmap people -> P {\n  K = id\n}\n",
                        source_schema=source, target_schema=target, functions=registry())
    # The built-in destinations' duplicate (the spec targets `memory`)...
    assert _hint_template(upserting, "people->P", "NOT_UNIQUE", "dup") == UPSERTED_DUPLICATE_HINT
    assert "upsert on it" in (_hint_template(inserting, "people->P", "NOT_UNIQUE", "dup") or "")
    missing = _hint_template(upserting, "people->P", "TRANSFORM", "no Account was loaded for customers 'c6'")
    assert missing == MISSING_PARENT_HINT and "`missing` policy" in missing and "on_error" not in missing
    # ...and Salesforce's, whose hints come from its own table, with the same care (issue 20).
    from crossmap_salesforce.hints import VOCABULARY

    assert _hint_template(upserting, "people->P", "DUPLICATE_VALUE", "dup", VOCABULARY) == UPSERTED_DUPLICATE_HINT
    assert "upsert on the external id" in (_hint_template(inserting, "people->P", "DUPLICATE_VALUE", "dup",
                                                          VOCABULARY) or "")
