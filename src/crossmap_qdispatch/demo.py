"""``crossmap demo``: the flagship migration, Q Dispatch → Salesforce, end to end on
local systems.

In one folder it starts the Q Dispatch simulator (seeded) and a local Salesforce org
(the emulator) on 127.0.0.1, seeds the org with the Users the technicians should
match (plus the fallback user), writes a ``crossmap.toml`` whose secrets come from
environment variables set in this process only, deploys the spec's declarations,
compiles the flagship spec against the live schemas, runs it and verifies what it
wrote, changes a few records in Q Dispatch, runs a delta and verifies it, rolls the
delta back and checks that the org is back to its pre-delta state. Both servers stop
when it ends.

Library code never prints: narration goes to the ``say`` callback (the CLI passes
``click.echo``), and everything the demo found is returned as a :class:`DemoResult`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from attrs import frozen

from crossmap.compiler import CompileResult, Plan, compile_spec
from crossmap.connectors.profiles import PROFILE_FILE
from crossmap.engine import Engine, RollbackSummary, RunOptions, RunSummary, rollback
from crossmap.engine.diff import PROBLEM_KINDS
from crossmap.errors import CrossmapError, SpecError
from crossmap.functions import registry
from crossmap.preflight import PreflightReport, preflight
from crossmap.preflight import render_html as preflight_html
from crossmap.private_files import private_dir, write_private
from crossmap.reports import AuditReport, audit_report, render_html, render_text, write_report
from crossmap.sample import SampleReport, approve, require_approval, take_sample, version_hash
from crossmap.sample import render_html as sample_html
from crossmap.schema import Blob as BlobType
from crossmap.state import StateStore
from crossmap.syntax import ast, load
from crossmap.systems import compile_offline
from crossmap.verify import VerifyReport, verify
from crossmap.verify import render_html as render_verify_html
from crossmap_qdispatch.connector import QDispatchSource
from crossmap_qdispatch.generator import salesforce_user_emails
from crossmap_qdispatch.simulator import Simulator
from crossmap_qdispatch.simulator.store import Store
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle, OrgSettings, running_org

__all__ = ["FALLBACK_USER", "FLAGSHIP_SPEC", "DemoError", "DemoOptions",
           "DemoResult", "Snapshot", "differences", "new_folder", "run_demo", "serve", "snapshot"]

FLAGSHIP_SPEC = Path(__file__).resolve().parents[2] / "specs" / "qdispatch_to_salesforce.xmap"
"""The flagship spec in a source checkout (``--spec`` points elsewhere)."""

FALLBACK_USER = "dispatch.manager@example.com"
"""The user the spec's ``resolve technicians`` block falls back to."""

# The variables the demo's crossmap.toml names; set in this process only, never printed.
_ENV = {
    "qd_secret": "CROSSMAP_DEMO_QDISPATCH_SECRET",
    "sf_username": "CROSSMAP_DEMO_SF_USERNAME",
    "sf_password": "CROSSMAP_DEMO_SF_PASSWORD",
    "sf_token": "CROSSMAP_DEMO_SF_TOKEN",
    "sandbox_username": "CROSSMAP_DEMO_SANDBOX_USERNAME",
    "sandbox_password": "CROSSMAP_DEMO_SANDBOX_PASSWORD",
}

Say = Callable[[str], None]
Snapshot = Mapping[str, Mapping[str, Mapping[str, Any]]]
"""Destination records the spec writes: object → Id → mapped field → value."""


class DemoError(CrossmapError):
    """The demo cannot run (a folder in use, a spec that does not compile...)."""


@frozen
class DemoOptions:
    """Where and how big: ``folder`` must be empty or new; ``scale`` and ``seed``
    shape the simulated Q Dispatch tenant (scale 1 is about 530 records)."""

    folder: Path
    scale: int = 1
    seed: int = 1
    spec: Path = FLAGSHIP_SPEC
    batch_size: int = 200
    sample_size: int = 200
    """About how many records the sample loads into the sandbox."""
    restore: bool = True
    """Roll the whole migration back at the end, leaving the production org as it was
    before it; ``False`` keeps the full run's records there to look at (the delta is
    rolled back either way)."""


@frozen
class DemoResult:
    """Everything the demo did and found."""

    folder: Path
    plan: Plan
    full: RunSummary
    delta: RunSummary
    undo: RollbackSummary
    reports: tuple[AuditReport, AuditReport]
    matched_technicians: Mapping[str, str]
    """Technician id → the Salesforce User Id it matched by email."""
    unmatched_technicians: tuple[str, ...]
    fallback_user_id: str
    orphans: Mapping[tuple[str, str], str | None]
    """Parents missing from Q Dispatch that records of the full run point at:
    (object, id) → the id it was merged into, or ``None`` when it was deleted."""
    mutations: tuple[str, ...]
    """What was changed in Q Dispatch before the delta run, one line each."""
    before_delta: Snapshot
    after_delta: Snapshot
    after_rollback: Snapshot
    pre_migration: Snapshot
    """The production org before the full run."""
    undo_full: RollbackSummary | None = None
    """The rollback of the full run (``None`` when ``restore`` was off)."""
    at_end: Snapshot | None = None
    """The production org once the full run was rolled back too."""
    verified: tuple[VerifyReport, ...] = ()
    """``crossmap verify`` of the full run, then of the delta run."""

    @property
    def restored(self) -> bool:
        """Is the org back where the demo promised: as it was before the delta, and
        (with ``restore``) as it was before the migration?"""
        return self.after_rollback == self.before_delta and (
            self.undo_full is None or self.at_end == self.pre_migration)


# ---- the story -----------------------------------------------------------------------


def run_demo(options: DemoOptions, say: Say = lambda _line: None) -> DemoResult:
    """Run the whole demo in ``options.folder``; narrate through ``say``."""
    with _systems(options, say) as stage:
        result = stage.play()
    say(f"\nall three servers stopped; reports, state and the orgs' data are in {options.folder.resolve()}")
    return result


def serve(options: DemoOptions, wait: Callable[[], None], say: Say = lambda _line: None) -> None:
    """Start the demo's three local systems in ``options.folder`` with the spec, the
    profiles and a ``.env`` file holding the profiles' variables, and keep them up
    until ``wait`` returns (the CLI waits for Ctrl-C), so each step of the workflow
    can be run by hand (``docs/tutorial.md``)."""
    with _systems(options, say) as stage:
        env = stage.folder / ".env"
        write_private(env, "".join(f"{name}={value}\n" for name, value in sorted(_secrets(
            stage.sim, *stage.orgs).items())))
        say(f"\nwrote {env} (readable by you only): the variables the profiles name")
        say(f"in another terminal:\n  cd {stage.folder}\n  set -a; . ./.env; set +a\n"
            f"  crossmap preflight {options.spec.name}\n")
        say("the systems stay up until you press Ctrl-C")
        wait()
    say("all three servers stopped")


@contextmanager
def _systems(options: DemoOptions, say: Say) -> Iterator[_Stage]:
    """The three local systems, started in the demo folder with the spec copied and the
    profiles written; stopped when the block ends."""
    folder = options.folder.resolve()
    if folder.exists() and any(folder.iterdir()):
        raise DemoError(f"{folder} is not empty: the demo needs a new or empty folder")
    # The orgs' data, the state stores and the reports go in here: owner-only.
    private_dir(folder)
    spec_path = _copy_spec(options.spec, folder)
    with ExitStack() as stack:
        say(f"demo folder: {folder}")
        sim = stack.enter_context(Simulator(seed=options.seed, scale=options.scale))
        say(f"Q Dispatch simulator: {sim.base_url} (seed {options.seed}, scale {options.scale})")
        # Both orgs let a migration set audit fields (CreatedDate, Case.ClosedDate), as
        # orgs being migrated into usually do: the spec's `?=` lines write them.
        audit = OrgSettings(set_audit_fields=True)
        sandbox = stack.enter_context(running_org(folder / "sandbox-org", settings=audit))
        production = stack.enter_context(running_org(folder / "org", settings=audit))
        say(f"Salesforce sandbox org (local emulator): {sandbox.instance_url}")
        say(f"Salesforce production org (local emulator): {production.instance_url}, data in {folder / 'org'}")
        stack.enter_context(_environment(_secrets(sim, sandbox, production)))
        _write_profiles(folder, sim, sandbox, production)
        say(f"wrote {folder / PROFILE_FILE}: profiles 'qdispatch', 'salesforce' (production) and "
            "'salesforce_sandbox', secrets from environment variables set in this process")
        for org in (sandbox, production):
            emails = _seed_users(org, options.seed, options.scale)
        say(f"created, in both orgs, {len(emails) - 1} Users for the technicians with a company email "
            f"(the others have none) and the fallback user {FALLBACK_USER}")
        yield _Stage(options, folder, load(spec_path), sim, (sandbox, production),
                     stack.enter_context(_open_source(folder)),
                     stack.enter_context(_open_target(folder, "salesforce_sandbox")),
                     stack.enter_context(_open_target(folder, "salesforce")), say)


@frozen
class _Stage:
    """The systems the story plays on, and the story."""

    options: DemoOptions
    folder: Path
    spec: ast.Spec
    sim: Simulator
    orgs: tuple[OrgHandle, OrgHandle]
    """The sandbox and the production org."""
    source: QDispatchSource
    sandbox: SalesforceDestination
    production: SalesforceDestination
    say: Say

    def play(self) -> DemoResult:
        say, folder = self.say, self.folder
        offline = compile_offline(self.spec).plan
        if offline is None:
            raise DemoError("the flagship spec does not compile against the shipped schemas; "
                            "run `crossmap check` on it")
        version = version_hash(offline)

        say("\n== 1. preflight: both systems checked, nothing moves ==")
        checked = preflight(_compiled(self._compile(self.production)), self.source, self.production)
        self._write("preflight", checked.to_json(), preflight_html(checked))
        for line in _preflight_summary(checked):
            say(line)

        say("\n== 2. the schema the spec needs ==")
        for name, org in (("sandbox", self.sandbox), ("production", self.production)):
            deployed = org.deploy_declarations(offline.declarations, folder=folder / "metadata")
            if not deployed.ok:
                raise DemoError(f"deploying the spec's declarations to the {name} org left problems: "
                                + "; ".join(deployed.problems))
            say(f"{name} org: {len(deployed.created)} objects and fields created")
        say(f"the same declarations as a deployable metadata package: {folder / 'metadata'}")

        with StateStore.open(folder / ".crossmap" / "state.db") as store:
            with StateStore.open(folder / ".crossmap" / "sandbox.db") as sandbox_store:
                say("\n== 3. a sample in the sandbox, and its field-level diff ==")
                sampled = take_sample(_compiled(self._compile(self.sandbox)), self.source, self.sandbox,
                                      sandbox_store, size=self.options.sample_size, profile="salesforce_sandbox",
                                      version=version)
                self._write(f"sample-{sampled.run_id}", sampled.to_json(), sample_html(sampled))
                for line in _sample_summary(sampled):
                    say(line)

                say("\n== 4. approval ==")
                approval = approve(store, sandbox_store, sampled.run_id, approver="crossmap demo",
                                   note="diff reviewed: the differences are the org's own stamps and formats")
                say(f"sample run {approval.sample_run} approved for version {approval.spec_hash} of the spec")

            compiled = self._compile(self.production)
            plan = _compiled(compiled)
            require_approval(store, plan, version=version)
            say(f"\ncompiled against the production org: {len(plan.steps)} steps in {len(plan.waves)} waves "
                "(the steps of a wave load at once), "
                + (", ".join(f"{name}.{d.field} left out" for name, d in plan.dropped) or "every field writable"))
            return self._migrate(plan, compiled, store)

    def _compile(self, org: SalesforceDestination) -> CompileResult:
        """The spec compiled against the source's and ``org``'s live schemas."""
        return compile_spec(self.spec, source_schema=self.source.schema(), target_schema=org.describe(),
                            functions=registry())

    def _write(self, name: str, json_text: str, html: str) -> None:
        """A report as JSON and HTML under .crossmap/reports."""
        _, page = write_report(json_text, html, self.folder / ".crossmap" / "reports" / f"{name}.json")
        self.say(f"report: {page} (and .json)")

    def _migrate(self, plan: Plan, compiled: CompileResult, store: StateStore) -> DemoResult:
        """Full run, changes in Q Dispatch, delta run, rollbacks, verification."""
        say, folder, destination = self.say, self.folder, self.production
        run_options = RunOptions(batch_size=self.options.batch_size)
        pre_migration = snapshot(plan, destination)
        say("\n== 5. the full run, into production ==")
        full = Engine(plan, self.source, destination, store, run_options).run()
        full_report = _report(plan, store, full, compiled, folder, say)
        full_verified = self._verify(plan, store, full.run.id)
        matched, unmatched = _resolution(plan, store, full)
        fallback = _fallback_id(destination)
        say(f"technicians: {len(matched)} matched a User by email; {len(unmatched)} unmatched "
            f"({', '.join(unmatched) or 'none'}): their work is owned by {FALLBACK_USER}")
        orphans = _orphans(self.source, store, full)
        if orphans:
            say("findings: records whose parent Q Dispatch no longer has (they fail, with their "
                "children held back; children of a merged record follow the merge):")
            for (obj, key), (merged, count) in sorted(orphans.items()):
                fate = f"merged into {merged}, which did not load either" if merged else "deleted"
                say(f"  {obj} {key}: {fate} ({count} records point at it)")

        before = snapshot(plan, destination)
        say("\n== 6. meanwhile, changes in Q Dispatch ==")
        mutations = _mutate(self.sim.store, store)
        for line in mutations:
            say(f"  {line}")

        say("\n== 7. the delta run: what changed since ==")
        delta = Engine(plan, self.source, destination, store, run_options).run(delta=True)
        delta_report = _report(plan, store, delta, compiled, folder, say)
        delta_verified = self._verify(plan, store, delta.run.id)
        after = snapshot(plan, destination)

        say("\n== 8. the reports ==")
        for path in sorted((folder / ".crossmap" / "reports").glob("*.html")):
            say(f"  {path}")
        say(f"\n== 9. rollback of the delta run (run {delta.run.id}) ==")
        undo, restored = self._rollback(plan, store, delta.run.id, before, "pre-delta")
        undo_full, at_end = None, None
        if self.options.restore:
            say(f"\n== 10. rollback of the full run (run {full.run.id}): the org as before the migration ==")
            undo_full, at_end = self._rollback(plan, store, full.run.id, pre_migration, "pre-migration")
        return DemoResult(folder, plan, full, delta, undo, (full_report, delta_report),
                          matched, unmatched, fallback, {k: m for k, (m, _) in orphans.items()},
                          tuple(mutations), before, after, restored, pre_migration, undo_full, at_end,
                          (full_verified, delta_verified))

    def _verify(self, plan: Plan, store: StateStore, run_id: int) -> VerifyReport:
        """``crossmap verify SPEC RUN``: every record the run wrote read back from
        production and compared, field by field, with what the run wrote."""
        self.say(f"\nverify run {run_id}: every record it wrote, read back from production")
        report = verify(plan, self.production, store, source=self.source, run_id=run_id)
        for line in _verify_summary(report):
            self.say(line)
        self._write(f"verify-{run_id}", report.to_json(), render_verify_html(report))
        return report

    def _rollback(self, plan: Plan, store: StateStore, run_id: int, expected: Snapshot,
                  state: str) -> tuple[RollbackSummary, Snapshot]:
        """Roll run ``run_id`` back and compare the org with ``expected``."""
        say = self.say
        undo = rollback(plan, self.production, store, run_id)
        say(f"deleted {undo.deleted}, restored {undo.restored}; verification "
            f"{'passed' if undo.ok else 'found problems'}")
        for line in (*undo.failures, *undo.mismatches):
            say(f"  {line}")
        for record in undo.changed:
            say(f"  left alone, changed in the org after the run: {record}")
        now = snapshot(plan, self.production)
        if now == expected:
            held = (f"{_size(expected)} records compared" if _size(expected)
                    else "the objects the spec writes hold no record")
            say(f"the org is back to its {state} state ({held})")
        else:
            say(f"the org is NOT back to its {state} state:")
            for line in differences(expected, now):
                say(f"  {line}")
        return undo, now


def _preflight_summary(report: PreflightReport) -> Iterator[str]:
    """Preflight in a few lines (the report has the rest)."""
    yield (f"Q Dispatch holds {sum(report.counts.values())} records in {len(report.counts)} objects; "
           f"complexity {report.grade.letter} ({report.grade.label}): "
           + "; ".join(reason.reason for reason in report.grade.reasons))
    for check in report.resolutions:
        yield (f"{check.name}: {check.matched} of {check.total} match a User by {check.by}; unmatched: "
               f"{', '.join(check.unmatched) or 'none'}; fallback {check.fallback or '(none)'} "
               f"{'exists' if check.fallback_found else 'is MISSING'}")
    steps = report.coverage.steps
    rows = sum(step.rows for step in steps)
    yield f"coverage: the transforms ran over every source record, {rows} rows checked against the org's schema"
    yield (f"the run predicted: {sum(s.would_load for s in steps)} records would load, "
           f"{sum(s.would_fail for s in steps)} would fail, {sum(s.held_back for s in steps)} be held back with "
           f"a failing parent, {sum(s.skipped for s in steps)} be skipped ({report.coverage.not_predicted})")
    for issue in report.coverage.issues:
        values = ", ".join(f"{value} x{count}" for value, count in issue.values[:3])
        yield f"  {issue.severity}: {issue.object}.{issue.field or '-'} {issue.code} x{issue.count}" + (
            f" ({values})" if values else "")
    estimate = report.estimate
    left = f" of {estimate.budget_remaining:,} left today" if estimate.budget_remaining is not None else ""
    yield f"about {estimate.total_calls} API calls{left}, about {estimate.seconds:.0f} s"
    yield "to rebuild natively: " + "; ".join(gap.title for gap in (*report.native_gaps, *report.unmapped_objects))
    for blocker in report.blockers:
        yield f"blocks the run: {blocker}"


def _verify_summary(report: VerifyReport) -> Iterator[str]:
    """The verification in a few lines: the verdict and cost, record problems, classes."""
    checked = sum(s.checked for s in report.steps)
    cost = f"{report.api_calls} API calls" if report.api_calls is not None else f"{report.reads} reads"
    yield (f"{'verified' if report.ok else 'NOT verified'}: {checked} records checked, {report.missing} missing, "
           f"{report.extra} extra, {report.wrong_parent} pointing at a wrong parent ({cost})")
    yield "fields: " + (", ".join(f"{n} {k}" for k, n in report.totals().items()) or "none compared")
    for field in report.fields:
        for kind, examples in field.examples.items():
            if kind in PROBLEM_KINDS:
                e = examples[0]
                yield (f"  {kind} {field.step} {field.field}: {field.counts[kind]} (e.g. {e.key}: "
                       f"{e.computed} -> {e.stored}{'; ' + e.note if e.note else ''})")


def _sample_summary(report: SampleReport) -> Iterator[str]:
    """The sample and its diff in a few lines (the HTML page has every cell)."""
    yield (f"selected {report.size} connected records (seed {report.seed}): "
           + ", ".join(f"{obj} {count}" for obj, count in report.selected.items()))
    yield "field-level diff: " + ", ".join(f"{count} {kind}" for kind, count in report.totals().items())
    for field in report.summary():
        other = {kind: count for kind, count in field.counts.items() if kind != "equal"}
        if other:
            yield (f"  {field.target}.{field.field}: "
                   + ", ".join(f"{count} {kind}" for kind, count in other.items()))
    if report.problems:
        yield f"{len(report.problems)} sample records did not load (they are in the report, with reasons)"


def _report(plan: Plan, store: StateStore, summary: RunSummary, compiled: CompileResult, folder: Path,
            say: Say) -> AuditReport:
    """Print the run's audit report and write it as JSON and HTML."""
    report = audit_report(plan, store, summary.run.id, compiled.diagnostics)
    say(render_text(report))
    written = write_report(report.to_json(), render_html(report),
                           folder / ".crossmap" / "reports" / f"run-{summary.run.id}.json")
    say(f"written: {written[0]}, {written[1]}")
    return report


# ---- setting the stage ------------------------------------------------------------------


def _copy_spec(spec: Path, folder: Path) -> Path:
    """Copy the spec and the files it includes into the folder, so the profile file
    sits beside it as ``crossmap run`` expects."""
    if not spec.is_file():
        raise DemoError(f"the flagship spec is not at {spec}; pass its path")
    target = folder / spec.name
    shutil.copy(spec, target)
    for include in load(spec).of_type(ast.Include):
        relative = Path(include.path)
        if relative.is_absolute() or ".." in relative.parts:
            continue
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(spec.parent / relative, folder / relative)
    return target


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the demo's lifetime, then put back what was there."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _secrets(sim: Simulator, sandbox: OrgHandle, production: OrgHandle) -> dict[str, str]:
    """The values the demo's ``crossmap.toml`` names by variable."""
    return {
        _ENV["qd_secret"]: sim.client_secret,
        _ENV["sf_username"]: production.username, _ENV["sf_password"]: production.password,
        _ENV["sandbox_username"]: sandbox.username, _ENV["sandbox_password"]: sandbox.password,
        _ENV["sf_token"]: "",
    }


def _write_profiles(folder: Path, sim: Simulator, sandbox: OrgHandle, production: OrgHandle) -> None:
    """``crossmap.toml`` for the three local systems. Paths are relative to the file,
    and only variable names go in: profile files get committed."""
    # The simulator's CA lives in a temporary folder of its own; keep a copy beside
    # the profile so the file stands alone.
    shutil.copy(sim.ca_file, folder / "qdispatch-ca.pem")

    def org_profile(name: str, org: OrgHandle, username: str, password: str) -> str:
        ca = Path(org.ca_file).resolve()
        ca_text = ca.relative_to(folder) if ca.is_relative_to(folder) else ca
        return (f"[profiles.{name}]\n"
                'auth = "password"\n'
                f'login_url = "{org.instance_url}"\n'
                f'ca_file = "{ca_text}"\n'
                f'username_env = "{_ENV[username]}"\n'
                f'password_env = "{_ENV[password]}"\n'
                f'security_token_env = "{_ENV["sf_token"]}"\n')

    (folder / PROFILE_FILE).write_text(
        "# Written by `crossmap demo`: the three local systems it started.\n"
        "[profiles.qdispatch]\n"
        f'base_url = "{sim.base_url}"\n'
        'ca_file = "qdispatch-ca.pem"\n'
        f'client_id = "{sim.client_id}"\n'
        f'client_secret_env = "{_ENV["qd_secret"]}"\n\n'
        + org_profile("salesforce", production, "sf_username", "sf_password") + "\n"
        + org_profile("salesforce_sandbox", sandbox, "sandbox_username", "sandbox_password"),
        encoding="utf-8",
    )


def _open_source(folder: Path) -> QDispatchSource:
    """The Q Dispatch source from the 'qdispatch' profile, as `crossmap run` opens it."""
    return QDispatchSource.from_options({"profile": "qdispatch", "spec_dir": str(folder)})


def _open_target(folder: Path, profile: str) -> SalesforceDestination:
    """A Salesforce org from its profile, as `crossmap run` opens it."""
    return SalesforceDestination.from_options({"profile": profile, "spec_dir": str(folder)})


def _seed_users(org: OrgHandle, seed: int, scale: int) -> list[str]:
    """Create a User for every technician email at the company's domain (the others
    stay unmatched) and the fallback user; returns the emails."""
    profiles = org.sf.query("SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"]
    if not profiles:
        raise DemoError("the org has no 'Standard User' profile")
    emails = sorted(set(salesforce_user_emails(seed, scale))) + [FALLBACK_USER]
    users = []
    for number, email in enumerate(emails, 1):
        local = email.split("@")[0]
        users.append({
            "attributes": {"type": "User"}, "Username": email, "Email": email,
            "FirstName": local.split(".")[0].title() if "." in local else None,
            "LastName": local.split(".")[-1].title(), "Alias": f"tech{number}"[:8],
            "ProfileId": profiles[0]["Id"], "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US",
        })
    answers: list[dict[str, Any]] = []
    for start in range(0, len(users), 200):  # sObject Collections take 200 records a call
        answers += org.sf.restful("composite/sobjects", method="POST",
                                  data=json.dumps({"allOrNone": True, "records": users[start:start + 200]})) or []
    refused = [a for a in answers if not a.get("success")]
    if refused:
        raise DemoError(f"the org refused the demo's Users: {refused[0].get('errors')}")
    return emails


def _compiled(result: CompileResult) -> Plan:
    if result.plan is None:
        raise DemoError("the flagship spec does not compile:\n" + SpecError(result.diagnostics).render())
    return result.plan


def _fallback_id(destination: SalesforceDestination) -> str:
    for user in destination.read("User", None, ["Id", "Username"]):
        if str(user.get("Username", "")).lower() == FALLBACK_USER:
            return str(user["Id"])
    raise DemoError(f"the fallback user {FALLBACK_USER} is missing")


def _resolution(plan: Plan, store: StateStore, run: RunSummary) -> tuple[dict[str, str], tuple[str, ...]]:
    """The technicians matched to Users (from the crosswalk) and those left unmatched."""
    matched: dict[str, str] = {}
    unmatched: set[str] = set()
    for resolution in plan.resolutions:
        matched.update(store.crosswalk(resolution.name))
        unmatched |= store.failed_keys(run.run.id, resolution.name, outcomes=("skipped",))
    return matched, tuple(sorted(unmatched))


# The codegen's reason for a lookup whose parent never loaded ends like this.
_MISSING_PARENT = re.compile(r"was loaded for (\w+) '([^']+)'$")


def _orphans(source: QDispatchSource, store: StateStore, run: RunSummary
             ) -> dict[tuple[str, str], tuple[str | None, int]]:
    """Parents that failed records point at and that Q Dispatch deleted or merged away:
    (object, id) → (merged into, how many records point at it)."""
    pointing: Counter[tuple[str, str]] = Counter()
    for outcome in store.failures(run.run.id):
        found = _MISSING_PARENT.search(outcome.reason or "")
        if found is not None:
            pointing[(found.group(1), found.group(2))] += 1
    orphans: dict[tuple[str, str], tuple[str | None, int]] = {}
    for obj in sorted({obj for obj, _ in pointing}):
        for tomb in source.tombstones(obj):
            if (obj, tomb.key) in pointing:
                orphans[(obj, tomb.key)] = (tomb.merged_into, pointing[(obj, tomb.key)])
    return orphans


# ---- the delta ----------------------------------------------------------------------------


def _mutate(qd: Store, store: StateStore) -> list[str]:
    """A few changes as Q Dispatch users make them, on records the full run loaded."""

    def loaded(step: str) -> str:
        return min(key for key, _ in store.crosswalk(step))

    lines = []
    customer = loaded("customers->Account")
    qd.update("customers", customer, {"company_name": "Harbor View Property Management"})
    lines.append(f"customer {customer}: renamed to 'Harbor View Property Management'")
    contact = loaded("contacts->Contact")
    qd.update("contacts", contact, {"phone": "+1 415 555 0142"})
    lines.append(f"contact {contact}: phone changed to +1 415 555 0142")
    item = qd.get("line_items", loaded("line_items->Work_Order_Line_Item__c"))
    quantity = Decimal(str(item.get("quantity") or "1")) + 1
    qd.update("line_items", item["id"], {"quantity": str(quantity),
                                         "total_cents": int((Decimal(item["rate_cents"]) * quantity)
                                                            .quantize(Decimal(1), ROUND_HALF_UP))})
    lines.append(f"line item {item['id']}: quantity {item.get('quantity')} -> {quantity}")
    job = loaded("jobs->Case")
    note = qd.create("job_notes", {"job_id": job, "author_id": None, "visibility": "internal",
                                   "body": "Customer called: gate code changed to 4471."})
    lines.append(f"job {job}: new note {note['id']}")
    return lines


def snapshot(plan: Plan, destination: SalesforceDestination) -> Snapshot:
    """Every record of the objects the plan writes, with the fields it maps (file
    bytes aside), as the org holds them now."""
    schema = destination.describe()
    fields: dict[str, set[str]] = {}
    for step in plan.steps:
        target = schema.find_object(step.target)
        if target is None:
            continue
        wanted = fields.setdefault(target.name, set())
        wanted.update(a.field for a in step.assignments
                      if a.field in target.fields and not isinstance(target.fields[a.field].type, BlobType))
    return {obj: {str(r["Id"]): {f: r.get(f) for f in sorted(names)}
                  for r in destination.read(obj, None, ["Id", *sorted(names)])}
            for obj, names in sorted(fields.items())}


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What differs between two snapshots, one line per record."""
    lines = []
    for obj in sorted(set(before) | set(after)):
        old, new = before.get(obj, {}), after.get(obj, {})
        lines += [f"{obj} {rid}: missing" for rid in sorted(set(old) - set(new))]
        lines += [f"{obj} {rid}: extra" for rid in sorted(set(new) - set(old))]
        for rid in sorted(set(old) & set(new)):
            changed = [f for f in old[rid] if old[rid][f] != new[rid].get(f)]
            if changed:
                lines.append(f"{obj} {rid}: " + ", ".join(
                    f"{f} {old[rid][f]!r} -> {new[rid].get(f)!r}" for f in changed))
    return lines


def _size(shot: Snapshot) -> int:
    return sum(len(records) for records in shot.values())


def new_folder() -> Path:
    """A fresh folder for a demo run (kept afterwards: the reports are in it)."""
    return Path(tempfile.mkdtemp(prefix="crossmap-demo-"))

