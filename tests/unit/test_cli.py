"""The command line: exit codes, diagnostics on stderr, --json, fmt --check."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from crossmap.cli import main

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "specs" / "qdispatch_to_salesforce.xmap"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_accepts_the_flagship_spec() -> None:
    code, out, _ = run("check", str(FLAGSHIP))
    assert code == 0
    assert "ok (11 steps, 4 waves, 1 resolution" in out


def test_check_reports_every_error_with_a_caret(tmp_path: Path) -> None:
    spec = tmp_path / "bad.xmap"
    spec.write_text("map a -> B {\n  X == 1\n  Y: 2\n}\n")
    code, out, err = run("check", str(spec))
    assert code == 1
    assert f"{spec}:2:5: error[XM105]" in err
    assert f"{spec}:3:4: error[XM106]" in err
    assert "    |     ^^" in err
    assert out == ""


def test_check_json(tmp_path: Path) -> None:
    spec = tmp_path / "bad.xmap"
    spec.write_text('map a -> B {\n  X = "open\n}\n')
    code, out, _ = run("check", "--json", str(spec))
    assert code == 1
    (diagnostic,) = json.loads(out)
    assert diagnostic["code"] == "XM103"
    assert (diagnostic["line"], diagnostic["column"]) == (2, 7)
    assert diagnostic["hint"]


def test_check_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    binary = tmp_path / "binary.xmap"
    binary.write_bytes(b"map \xff\xfe")
    code, _, err = run("check", str(binary), str(tmp_path / "missing.xmap"))
    assert code == 1
    assert "not UTF-8 text" in err
    assert "cannot read the spec" in err
    code, out, _ = run("check", "--json", str(binary))
    assert code == 1
    assert json.loads(out)[0]["code"] == "XM100"


def test_usage_errors_exit_2() -> None:
    assert run("check")[0] == 2
    assert run("no-such-command")[0] == 2


def test_fmt_check_and_rewrite(tmp_path: Path) -> None:
    spec = tmp_path / "messy.xmap"
    spec.write_text("map a->B{X=1}\n")
    code, _, err = run("fmt", "--check", str(spec))
    assert code == 1 and "not formatted" in err
    assert spec.read_text() == "map a->B{X=1}\n"
    code, out, _ = run("fmt", "--diff", str(spec))
    assert code == 1 and "+map a -> B {" in out
    assert run("fmt", str(spec))[0] == 0
    assert spec.read_text() == "map a -> B {\n  X = 1\n}\n"
    assert run("fmt", "--check", str(spec))[0] == 0


def test_fmt_refuses_a_spec_with_errors(tmp_path: Path) -> None:
    spec = tmp_path / "bad.xmap"
    spec.write_text("map a B {}\n")
    code, _, err = run("fmt", str(spec))
    assert code == 1 and "XM119" in err
    assert spec.read_text() == "map a B {}\n"
