"""`crossmap preflight` through the CLI against the local systems: the Q Dispatch
simulator (seeded) and a local Salesforce org, with the Users the technicians should
match. The expected numbers come from the seeded generator, not from the run."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crossmap.cli import main
from crossmap.syntax import ast, load
from crossmap_qdispatch.generator import generate, salesforce_user_emails
from crossmap_qdispatch.simulator import Simulator
from crossmap_qdispatch.simulator.ratelimit import Limits
from crossmap_salesforce.emulator import OrgHandle, running_org

SEED, SCALE = 3, 1
FLAGSHIP = Path(__file__).resolve().parents[2] / "specs" / "qdispatch_to_salesforce.xmap"
FALLBACK = "dispatch.manager@example.com"
INACTIVE = 1
"""How many of the technicians' Users are created inactive."""
ENV = {"qd": "PREFLIGHT_TEST_QD_SECRET", "user": "PREFLIGHT_TEST_SF_USER", "password": "PREFLIGHT_TEST_SF_PASSWORD",
       "token": "PREFLIGHT_TEST_SF_TOKEN"}


@pytest.fixture(scope="module")
def systems(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """The folder holding the spec and its profiles, with both systems up; and the
    emails of the inactive Users."""
    folder = tmp_path_factory.mktemp("preflight")
    spec = folder / FLAGSHIP.name
    shutil.copy(FLAGSHIP, spec)
    for include in load(FLAGSHIP).of_type(ast.Include):
        (folder / include.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FLAGSHIP.parent / include.path, folder / include.path)
    # A generous rate limit keeps the test fast; the pacing itself is tested elsewhere.
    with Simulator(seed=SEED, scale=SCALE, limits=Limits(per_minute=20_000)) as sim, \
            running_org(folder / "org") as org:
        shutil.copy(sim.ca_file, folder / "qdispatch-ca.pem")
        (folder / "crossmap.toml").write_text(
            "[profiles.qdispatch]\n"
            f'base_url = "{sim.base_url}"\nca_file = "qdispatch-ca.pem"\nclient_id = "{sim.client_id}"\n'
            f'client_secret_env = "{ENV["qd"]}"\n\n'
            "[profiles.salesforce]\n"
            f'auth = "password"\nlogin_url = "{org.instance_url}"\nca_file = "{Path(org.ca_file).resolve()}"\n'
            f'username_env = "{ENV["user"]}"\npassword_env = "{ENV["password"]}"\n'
            f'security_token_env = "{ENV["token"]}"\n', encoding="utf-8")
        inactive = _seed_users(org)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in ((ENV["qd"], sim.client_secret), (ENV["user"], org.username),
                                (ENV["password"], org.password), (ENV["token"], "")):
                patch.setenv(name, value)
            yield folder, inactive


def _seed_users(org: OrgHandle) -> list[str]:
    """A User per technician email at the company's domain (the first ``INACTIVE``
    inactive) and the fallback user; returns the inactive Users' emails."""
    profile = org.sf.query("SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"][0]["Id"]
    emails = sorted(set(salesforce_user_emails(SEED, SCALE)))
    users = [{"attributes": {"type": "User"}, "Username": email, "Email": email, "LastName": f"Tech {n}",
              "Alias": f"tech{n}"[:8], "ProfileId": profile, "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
              "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US", "IsActive": n > INACTIVE}
             for n, email in enumerate([*emails, FALLBACK], 1)]
    answers = org.sf.restful("composite/sobjects", method="POST",
                             data=json.dumps({"allOrNone": True, "records": users}))
    assert all(a.get("success") for a in answers), answers
    return emails[:INACTIVE]


def _live() -> dict[str, list[dict[str, Any]]]:
    live: dict[str, list[dict[str, Any]]] = {}
    for g in generate(SEED, SCALE):
        if g.live:
            live.setdefault(g.object, []).append(g.record)
    return live


def _preflight(folder: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    out = folder / "out.json"
    result = CliRunner().invoke(main, ["preflight", str(folder / FLAGSHIP.name), "--json-file", str(out), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output, json.loads(out.read_text(encoding="utf-8"))


def test_preflight_against_the_local_systems(systems: tuple[Path, list[str]]) -> None:
    folder, inactive = systems
    live = _live()
    technicians = {t["id"]: t for t in live["technicians"]}
    users = set(salesforce_user_emails(SEED, SCALE))

    # Before the schema exists: the audit's checklist blocks the run.
    code, output, report = _preflight(folder, "--out", str(folder / "package"))
    assert code == 1, output
    assert report["schema"]["missing"] and not report["ok"]
    missing = {(m["object"], m["field"]) for m in report["schema"]["missing"]}
    assert ("Job_Technician__c", None) in missing and ("Case", "Work_Order_Status__c") in missing
    assert any("declared objects or fields" in b for b in report["blockers"])
    assert (folder / "package").is_dir() and any((folder / "package").rglob("*.object*"))
    assert "[ ] object Job_Technician__c" in output

    # --apply creates it; nothing else blocks (the fallback user exists).
    code, output, report = _preflight(folder, "--apply")
    assert report["schema"]["missing"] == [] and report["schema"]["applied"], output
    assert report["blockers"] == [] and code == 0, output

    # Counts are the simulator's.
    for obj, records in live.items():
        assert report["counts"][obj] == len(records), obj

    # Technicians: the unmatched ones are those without a User; the inactive one is named.
    (check,) = report["resolutions"]
    expected = sorted(k for k, t in technicians.items() if (t.get("email") or "").strip().lower() not in users)
    assert check["unmatched"] == expected and check["unmatched_count"] == len(expected) > 0
    assert check["matched"] + check["unmatched_count"] == check["total"] == len(technicians)
    assert check["inactive"] == sorted(k for k, t in technicians.items()
                                       if (t.get("email") or "").strip().lower() in inactive)
    assert check["inactive"] and check["fallback_found"] is True and check["fallback_active"] is True

    # Native gaps: the recurring appointments, and invoices and payments left behind.
    gaps = {g["title"]: g for g in report["native_gaps"]}
    recurring = sum(1 for a in live["appointments"] if a.get("recurrence_rule"))
    assert gaps["Recurring appointments"]["count"] == recurring > 0
    assert gaps["Invoice and payment reconciliation"]["count"] == len(live["invoices"]) + len(live["payments"])
    unmapped = {g["detail"].split("'")[1] for g in report["unmapped_objects"]}
    assert {"invoices", "payments"} <= unmapped

    # Coverage: every step read every record of its source object.
    for step in report["coverage"]["steps"]:
        if "." not in step["step"].split("->")[0]:
            assert step["records"] == len(live[step["source"]]), step
    # The budget: the emulator's limits answered, and the calls fit.
    estimate = report["estimate"]
    assert estimate["budget_remaining"] is not None and estimate["total_calls"] <= estimate["budget_remaining"]
    assert estimate["extraction_requests"] > 0 and estimate["requests_per_minute"] > 0
    assert report["grade"]["letter"] in "ABCD" and report["grade"]["reasons"]

    # The default report files beside the spec, as `crossmap report` writes them.
    result = CliRunner().invoke(main, ["preflight", str(folder / FLAGSHIP.name)])
    assert result.exit_code == 0, result.output
    written = sorted((folder / ".crossmap" / "reports").glob("preflight-*"))
    assert {p.suffix for p in written} == {".json", ".html"}
    page = next(p for p in written if p.suffix == ".html").read_text(encoding="utf-8")
    assert "<h2>Resolution</h2>" in page and expected[0] in page


def test_the_connectors_preflight_capabilities(systems: tuple[Path, list[str]]) -> None:
    from crossmap_qdispatch.connector import QDispatchSource
    from crossmap_salesforce.connector import SalesforceDestination

    folder, _ = systems
    live = _live()
    with QDispatchSource.from_options({"profile": "qdispatch", "spec_dir": str(folder)}) as source:
        # The page-numbered endpoint answers with a total; cursor endpoints cannot say cheaply.
        assert source.count("communications") == len(live["communications"])
        assert source.count("jobs") is None
        assert source.extraction_requests("jobs", 250) == 2  # pages of 200, the API's most
        assert source.extraction_requests("attachments", 17) == 1 + 17  # a page, and each file's content
        assert source.extraction_requests("jobs", 0) == 1
        assert source.requests_per_minute() == pytest.approx(20_000 * 0.95)
        gaps = {g.title: g for g in source.native_gaps({"technicians": 5, "invoices": 2, "payments": 1})}
        assert gaps["Invoice and payment reconciliation"].count == 3
        assert gaps["Route optimisation"].count is None and gaps["Route optimisation"].rebuild_with
    with SalesforceDestination.from_options({"profile": "salesforce", "spec_dir": str(folder)}) as org:
        assert org.active_field("User") == "IsActive"
        assert org.active_field("Account") is None


def test_preflight_writes_owner_only_files(systems: tuple[Path, list[str]], permissive_umask: int,
                                           owner_only: Callable[[Path], list[Path]]) -> None:
    """Under umask 000, the metadata package (--out) and the reports in the default
    folder are owner-only: folders 0700, files 0600."""
    folder, _ = systems
    result = CliRunner().invoke(main, ["preflight", str(folder / FLAGSHIP.name), "--out",
                                       str(folder / "private" / "package")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "package.xml" in {f.name for f in owner_only(folder / "private")}
    written = {f.suffix for f in owner_only(folder / ".crossmap" / "reports")}
    assert written == {".json", ".html"}


def test_a_redacted_preflight_shows_no_failing_value(systems: tuple[Path, list[str]]) -> None:
    """The values coverage found failing, and the sample messages quoting them, are
    masked in the terminal, JSON and HTML; objects, fields, keys and codes stay."""
    folder, _ = systems
    _, _, plain = _preflight(folder)
    issues = plain["coverage"]["issues"]
    values = {value for issue in issues for value, _ in issue["values"]
              if len(value) > 4 and value != "(other values)"}
    assert values, "the flagship's source has values its destination refuses"
    out = folder / "redacted.json"
    result = CliRunner().invoke(main, ["preflight", str(folder / FLAGSHIP.name), "--redact", "--json-file", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    forms = (result.output, out.read_text(encoding="utf-8"), out.with_suffix(".html").read_text(encoding="utf-8"))
    for form in forms:
        assert not {value for value in values if value in form}
        assert not {i["message"] for i in issues if i["message"] and i["message"] in form}
    redacted = json.loads(forms[1])
    assert redacted["redacted"] is True
    assert [(i["object"], i["field"], i["code"], i["sample_keys"]) for i in redacted["coverage"]["issues"]] == [
        (i["object"], i["field"], i["code"], i["sample_keys"]) for i in issues]
