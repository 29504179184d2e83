"""docs/tutorial.md, followed command by command against the systems `crossmap demo
--serve` starts: every command it shows runs and does what the tutorial says."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crossmap.cli import main
from crossmap_qdispatch.demo import DemoOptions, serve

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorial.md"


def commands() -> list[list[str]]:
    """The `crossmap ...` commands of the tutorial's walk-through, in order (the
    server itself and the section on real systems aside)."""
    text = TUTORIAL.read_text(encoding="utf-8").split("## Pointing it at real systems")[0]
    found = re.findall(r"^\$ crossmap (.+)$", text, flags=re.MULTILINE)
    return [line.split() for line in found if not line.startswith("demo")]


def sf_lines() -> list[str]:
    """The tutorial's Salesforce CLI lines after the full run (log in, trust the CA,
    query)."""
    text = TUTORIAL.read_text(encoding="utf-8").split("## Pointing it at real systems")[0]
    return re.findall(r"^\$ ((?:python -m crossmap_salesforce\.sf_login|export NODE_EXTRA_CA_CERTS=|sf ).+)$",
                      text, flags=re.MULTILINE)


def _sf_binary() -> Path | None:
    """The pinned Salesforce CLI, or None where Node.js is missing (under CI, a
    missing CLI fails: tests/emulator/sf_cli_support.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emulator"))
    from sf_cli_support import SfCliUnavailable, ensure_sf_cli

    try:
        return ensure_sf_cli()
    except SfCliUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs the Salesforce CLI: {exc}")
        return None


def _run_sf_lines(folder: Path, sf: Path, home: Path) -> list[subprocess.CompletedProcess[str]]:
    from sf_cli_support import QUIET  # on sys.path since _sf_binary

    env = {**os.environ, **QUIET, "HOME": str(home),
           "PATH": os.pathsep.join([str(sf.parent), os.environ.get("PATH", "")])}
    done = []
    for line in sf_lines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = value.replace("$PWD", str(folder))
            continue
        argv = shlex.split(line)
        if argv[0] == "python":
            argv = [sys.executable, *argv[1:], "--sf", str(sf)]
        else:
            argv = [str(sf), *argv[1:], "--json"]
        done.append(subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True,
                                   timeout=180, check=False))
    return done


def test_the_tutorial_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "tutorial"
    results: list[tuple[list[str], Result]] = []
    sf = _sf_binary()
    sf_results: list[subprocess.CompletedProcess[str]] = []

    def walk_through() -> None:
        monkeypatch.chdir(folder)  # `cd tutorial`
        runner = CliRunner()
        for argv in commands():
            if "RUN" in argv:  # the tutorial's placeholder: roll back the newest run first
                for run in (3, 2, 1):  # the delta, the second run, the full run
                    results.append((argv, runner.invoke(main, [a if a != "RUN" else str(run) for a in argv])))
                continue
            results.append((argv, runner.invoke(main, argv)))
            if argv[0] == "run" and sum(a[0] == "run" for a, _ in results) == 2 and sf is not None:
                # After the full run (and its repeat): the Salesforce CLI looks at the org.
                sf_results.extend(_run_sf_lines(folder, sf, tmp_path / "sf-home"))

    serve(DemoOptions(folder), wait=walk_through)
    if sf is not None:
        login, query = sf_results
        assert login.returncode == 0, login.stderr
        assert "NODE_EXTRA_CA_CERTS" in login.stdout
        accounts = json.loads(query.stdout)["result"]
        assert accounts["totalSize"] == 13, query.stdout[-2000:]
        assert all(r["QD_Customer_Id__c"] for r in accounts["records"])
    codes = {" ".join(argv[:2] + [a for a in argv[2:] if a.startswith("-")]): r.exit_code for argv, r in results}
    out = {" ".join(argv[:1]): r.output for argv, r in results}
    assert [argv[0] for argv, _ in results][:4] == ["check", "test", "plan", "preflight"]
    # Preflight blocks until the schema exists, then passes once it was applied.
    assert codes["preflight qdispatch_to_salesforce.xmap"] == 1
    assert codes["preflight qdispatch_to_salesforce.xmap --apply"] == 0
    assert codes["preflight qdispatch_to_salesforce.xmap --sandbox --apply"] == 0
    for name in ("check", "test", "plan", "sample", "approve", "status"):
        assert all(r.exit_code == 0 for argv, r in results if argv[0] == name), out.get(name)
    runs = [r for argv, r in results if argv[0] == "run"]
    assert len(runs) == 3  # full, again, delta
    # The full run loads; the second changes nothing (every record matched or updated in place).
    first, again, delta = (r.output for r in runs)
    assert re.search(r"customers->Account\s+13\s+13\s", first), first
    assert re.search(r"customers->Account\s+13\s+0\s", again), again
    assert "run 3 (delta)" in delta
    # Verify of every run, then of the delta alone: all of it read back, as written.
    verifies = [r for argv, r in results if argv[0] == "verify"]
    assert [r.exit_code for r in verifies] == [0, 0], [r.output for r in verifies]
    assert ", every run, against" in verifies[0].output and "the runs that wrote them: runs 2, 1" in verifies[0].output
    assert ", run 3, against" in verifies[1].output and "the runs that wrote them: runs 3, 2, 1" in verifies[1].output
    assert all("verified" in r.output and "API calls" in r.output for r in verifies)
    assert (folder / ".crossmap" / "reports" / "verify-3.json").exists()
    rollbacks = [r for argv, r in results if argv[0] == "rollback"]
    assert [r.exit_code for r in rollbacks] == [0, 0, 0], [r.output for r in rollbacks]
    reports = folder / ".crossmap" / "reports"
    sample = json.loads(next(reports.glob("sample-*.json")).read_text())
    assert sample["totals"]["equal"] > 0
