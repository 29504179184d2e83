"""The ``crossmap`` command line. Exit codes: ``crossmap.exitcodes`` (0 ok, 1 could
not run, 2 usage, 3 records failed, 4 rollback incomplete, 130 interrupted)."""

from __future__ import annotations

import difflib
import json
import logging
import signal
import sys
import threading
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import click

from crossmap import exitcodes
from crossmap.commandline import (
    open_store,
    prepare,
    publish,
    redact_option,
    report_options,
    state_option,
    state_path,
)
from crossmap.compiler import CompileResult, Plan, plan_to_json
from crossmap.connectors import ConnectorError, static_schema
from crossmap.connectors.protocols import DeployingDestination, capability
from crossmap.engine import Engine, RunOptions
from crossmap.engine import rollback as undo_run
from crossmap.errors import CrossmapError, Diagnostic, Span, SpecError, SpecFileError
from crossmap.progress import run_progress
from crossmap.reports import (
    audit_report,
    render_html,
    render_text,
    reports_folder,
    run_status,
)
from crossmap.reports.redact import redact_audit
from crossmap.syntax import ast, format_spec, load
from crossmap.syntax.parser import read_spec_text
from crossmap.systems import closing as _closing
from crossmap.systems import compile_offline, connector_options, open_systems

_spec_paths = click.argument(
    "specs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)


COMMANDS_GROUP = "crossmap.commands"
"""The entry-point group through which plugins add commands (``crossmap demo`` is
the flagship plugin's): each entry point names a ``click.Command``."""


def _plugin_commands() -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group=COMMANDS_GROUP)}


def _unavailable(name: str, entry: EntryPoint, error: Exception) -> click.Command:
    """A stand-in for a plugin command that cannot load: it says why."""
    dist = entry.dist.name if entry.dist is not None else "an unknown distribution"
    why = f"the command '{name}' of {dist} ({entry.value}) cannot load: {type(error).__name__}: {error}"

    def explain() -> None:
        click.echo(f"error: {why}", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN)

    return click.Command(name, callback=explain, help=f"(unavailable: {why})", add_help_option=False)


EXAMPLES: dict[str, tuple[str, ...]] = {
    "check": ("crossmap check specs/migration.xmap", "crossmap check --json specs/*.xmap > diagnostics.json"),
    "fmt": ("crossmap fmt --check specs/migration.xmap", "crossmap fmt specs/migration.xmap"),
    "plan": ("crossmap plan specs/migration.xmap", "crossmap plan --json specs/migration.xmap > plan.json"),
    "test": ("crossmap test specs/migration.xmap",),
    "run": ("crossmap run specs/migration.xmap", "crossmap run specs/migration.xmap --delta",
            "crossmap run specs/migration.xmap --resume 3"),
    "status": ("crossmap status specs/migration.xmap",),
    "report": ("crossmap report specs/migration.xmap 3", "crossmap report specs/migration.xmap 3 --redact"),
    "rollback": ("crossmap rollback specs/migration.xmap 3",),
    "close": ("crossmap close specs/migration.xmap 3", "crossmap close specs/migration.xmap --older-than 30d"),
    "scaffold": ("crossmap scaffold specs/migration.xmap --out metadata/",
                 "crossmap scaffold specs/migration.xmap --apply"),
    "preflight": ("crossmap preflight specs/migration.xmap", "crossmap preflight specs/migration.xmap --out metadata/"),
    "sample": ("crossmap sample specs/migration.xmap --size 200",),
    "approve": ("crossmap approve", "crossmap approve 4 --note 'diff reviewed'"),
    "propose": ("crossmap propose --source jsonl --source-option path=exports --target salesforce --out draft.xmap",),
    "verify": ("crossmap verify specs/migration.xmap", "crossmap verify specs/migration.xmap 3"),
    "demo": ("crossmap demo", "crossmap demo --scale 2 --keep"),
    "local-org": ("crossmap local-org --data-dir org/ --port 8443",),
}
"""What ``crossmap COMMAND --help`` shows at its end, for each command."""


def _with_examples(name: str, command: click.Command) -> click.Command:
    if command.epilog is None and name in EXAMPLES:
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[name])
    return command


class _Commands(click.Group):
    """The command group: crossmap's own commands and those plugins register (loaded
    when asked for, so a plugin that cannot load breaks only its own command). An
    exception a connector plugin raises becomes one line naming the plugin, not a
    traceback (a bug in crossmap itself still shows one)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_plugin_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        entry = _plugin_commands().get(cmd_name) if found is None else None
        if entry is None:
            return _with_examples(cmd_name, found) if found is not None else None
        try:
            command = entry.load()
        except Exception as error:  # noqa: BLE001 - whatever the plugin raised is the reason
            return _unavailable(cmd_name, entry, error)
        if not isinstance(command, click.Command):
            return _unavailable(cmd_name, entry, TypeError(f"{entry.value} is not a click command"))
        return _with_examples(cmd_name, command)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            from crossmap.connectors.registry import plugin_in_traceback

            found = plugin_in_traceback(error.__traceback__)
            if found is None:
                raise
            role, name, dist = found
            kind = "source" if role == "source" else "destination"
            click.echo(f"error: the {kind} connector '{name}' ({dist}) failed: "
                       f"{type(error).__name__}: {error}", err=True)
            sys.exit(exitcodes.COULD_NOT_RUN)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crossmap")
def main() -> None:
    """crossmap: declarative, checked, resumable CRM data migrations."""
    _show_file_warnings()


class _EchoToStderr(logging.Handler):
    """Library warnings about files others can read, as plain lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(record.getMessage(), err=True)


def _show_file_warnings() -> None:
    files_log = logging.getLogger("crossmap.files")
    if not any(isinstance(handler, _EchoToStderr) for handler in files_log.handlers):
        files_log.addHandler(_EchoToStderr(logging.WARNING))


main.epilog = "\b\nExit codes:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in exitcodes.MEANINGS.items())


@main.command()
@_spec_paths
@click.option("--json", "as_json", is_flag=True, help="Print diagnostics as JSON on stdout.")
@click.option("--live", is_flag=True,
              help="Connect to the spec's systems and check against what they describe now (the fields a "
                   "deploy created, a type an admin changed), not only against the schemas the connectors ship.")
def check(specs: tuple[Path, ...], as_json: bool, live: bool) -> None:
    """Check specs and report every problem found, with its place and a hint."""
    diagnostics: list[Diagnostic] = []
    failed = False
    summaries = []
    unreadable: list[dict[str, str]] = []
    for path in specs:
        try:
            result = _check_live(path) if live else compile_offline(load(path))
        except SpecError as error:
            diagnostics.extend(error.diagnostics)
            failed = failed or bool(error.errors)
            continue
        except CrossmapError as error:  # unreadable, or (--live) a system that cannot be reached
            unreadable.append({"code": "XM100", "severity": "error", "message": str(error), "file": str(path)})
            failed = True
            continue
        diagnostics.extend(result.diagnostics)
        if result.plan is None:
            failed = True
        else:
            summaries.append(f"{path}: ok ({_summary(result.plan)})")
    if as_json:
        click.echo(json.dumps([*unreadable, *(d.to_json() for d in diagnostics)], indent=2))
    else:
        for problem in unreadable:
            click.echo(f"error[XM100]: {problem['message']}", err=True)
        for diagnostic in diagnostics:
            click.echo(diagnostic.render() + "\n", err=True)
        for line in summaries:
            click.echo(line)
    sys.exit(exitcodes.COULD_NOT_RUN if failed else exitcodes.OK)


@main.command()
@_spec_paths
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a file is not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Print what would change as a unified diff.")
def fmt(specs: tuple[Path, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite specs in canonical form, keeping comments."""
    unformatted = False
    for path in specs:
        try:
            text = read_spec_text(path)
            formatted = format_spec(text, path=str(path))
        except SpecError as error:
            click.echo(error.render() + "\n", err=True)
            unformatted = True
            continue
        except SpecFileError as error:
            click.echo(f"error: {error}", err=True)
            unformatted = True
            continue
        if formatted == text:
            continue
        if show_diff:
            click.echo(
                "".join(
                    difflib.unified_diff(
                        text.splitlines(keepends=True),
                        formatted.splitlines(keepends=True),
                        f"{path} (original)",
                        f"{path} (formatted)",
                    )
                ),
                nl=False,
            )
        if check_only or show_diff:
            click.echo(f"{path}: not formatted", err=True)
            unformatted = True
        else:
            path.write_text(formatted, encoding="utf-8")
            click.echo(f"{path}: formatted")
    sys.exit(exitcodes.COULD_NOT_RUN if unformatted else exitcodes.OK)


def _check_live(path: Path) -> CompileResult:
    """The spec compiled against both systems' live schemas (``open_systems``), and
    each field or object it declares checked against what the destination has now
    (preflight's schema audit): one the destination lacks or types otherwise is an
    error, since the run would fail on it. Raises ``SpecError`` for a spec that does
    not compile."""
    from crossmap.preflight.audit import audit_schema

    systems = open_systems(path)
    with _closing(systems.source, systems.destination):
        audit = audit_schema(systems.plan.declarations, systems.destination.describe())
    spec = load(path)
    spans: dict[tuple[str, str | None], Span] = {(d.name, None): d.span for d in spec.of_type(ast.ObjectDecl)}
    spans |= {(d.name, f.name): f.span for d in spec.of_type(ast.ObjectDecl) for f in d.fields}
    deploy = (f"create it with `crossmap scaffold {path} --apply`, or deploy the package "
              f"`crossmap preflight {path} --out DIR` writes")
    found = [
        Diagnostic("XM241", f"the destination has no {'object' if m.field is None else 'field'} "
               f"'{m.object if m.field is None else f'{m.object}.{m.field}'}', which the spec declares",
               spans.get((m.object, m.field), spans.get((m.object, None), spec.span)), deploy)
        for m in audit.missing
    ] + [
        Diagnostic("XM242", f"'{m.object}.{m.field}' is declared {m.declared}, but the destination has "
               f"{m.actual}: {m.problem}", spans.get((m.object, m.field), spec.span),
               "change the declaration to what the destination has, or the field in the destination")
        for m in audit.mismatches
    ]
    return CompileResult(None if found else systems.plan, [*systems.diagnostics, *found])


def _summary(plan: Plan) -> str:
    counts = [
        (len(plan.steps), "step"),
        (len(plan.waves), "wave"),
        (len(plan.resolutions), "resolution"),
        (len(plan.value_maps), "value map"),
        (len(plan.declarations), "object declaration"),
        (len(plan.tests), "test"),
    ]
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (it round-trips through cattrs).")
def plan(spec: Path, as_json: bool) -> None:
    """Print the execution plan: waves, steps, deferred lookups."""
    try:
        result = compile_offline(load(spec))
    except SpecError as error:
        click.echo(error.render() + "\n", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN)
    except (SpecFileError, ConnectorError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN)
    if result.plan is None:
        click.echo(SpecError(result.diagnostics).render() + "\n", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN)
    if as_json:
        click.echo(plan_to_json(result.plan))
        return
    click.echo(describe_plan(result.plan))


def describe_plan(plan: Plan) -> str:
    """The plan for people: what runs, in which order."""
    lines = [f"{plan.title or plan.spec}: {plan.source.name} -> {plan.target.name}"]
    if plan.declarations:
        lines.append("\nthe destination must have:")
        for decl in plan.declarations:
            kind = "new object" if decl.new else "fields on"
            lines.append(f"  {kind} {decl.object}: {', '.join(f.name for f in decl.fields)}")
    if plan.resolutions:
        lines.append("\nresolved before loading (matched, never created):")
        for resolution in plan.resolutions:
            fallback = f", fallback {resolution.fallback!r}" if resolution.fallback else ""
            lines.append(f"  {resolution.name} by {resolution.target_field}{fallback}")
    for number, wave in enumerate(plan.waves, 1):
        lines.append(f"\nwave {number}:")
        for name in wave:
            step = plan.step(name)
            mode = f"upsert on {step.external_id}" if step.mode == "upsert" else "insert"
            # A step waits for earlier waves only; a cycle's lookups wait for the deferred pass.
            after = [d for d in step.depends_on if any(d in w for w in plan.waves[: number - 1])]
            needs = f"  (after {', '.join(after)})" if after else ""
            lines.append(f"  {name}: {len(step.assignments)} fields, {mode}{needs}")
    if plan.deferred:
        lines.append("\ndeferred update pass:")
        lines.extend(f"  {name}" for name in plan.deferred)
    if plan.dropped:
        lines.append("\nleft out (`?=` fields this destination does not let the spec write):")
        lines.extend(f"  {name}.{d.field} (line {d.line})" for name, d in plan.dropped)
    return "\n".join(lines)


@main.command(name="test")
@_spec_paths
@click.option("--json", "as_json", is_flag=True,
              help="Print the results as JSON on stdout (docs/cli.md says its shape).")
def spec_test(specs: tuple[Path, ...], as_json: bool) -> None:
    """Run the specs' `test` blocks; print a field-level diff for each failure."""
    from crossmap.spectest import run_spec_tests

    counts = {"passed": 0, "failed": 0}
    broken = False
    results: list[dict[str, Any]] = []
    for path in specs:
        try:
            spec = load(path)
            result = compile_offline(spec)
            source = spec.connector("source")
            source_schema = static_schema("source", source.name, connector_options(source)) if source else None
        except SpecError as error:
            click.echo(error.render() + "\n", err=True)
            broken = True
            continue
        except (SpecFileError, ConnectorError) as error:
            click.echo(f"error: {error}", err=True)
            broken = True
            continue
        if result.plan is None:
            click.echo(SpecError(result.diagnostics).render() + "\n", err=True)
            broken = True
            continue
        if not result.plan.tests:
            if not as_json:
                click.echo(f"{path}: no test blocks")
            continue
        for outcome in run_spec_tests(result.plan, source_schema=source_schema):
            counts["passed" if outcome.passed else "failed"] += 1
            if as_json:
                results.append(_test_json(outcome))
            elif outcome.passed:
                click.echo(f"PASS {outcome.location}  {outcome.name}")
            else:
                click.echo(f"FAIL {outcome.location}  {outcome.name}")
                click.echo("\n".join(outcome.render().splitlines()[1:]))
    total = counts["passed"] + counts["failed"]
    if as_json:
        click.echo(json.dumps({**counts, "tests": results}, indent=2, default=str))
    else:
        click.echo(f"{total} test{'' if total == 1 else 's'}: {counts['passed']} passed, {counts['failed']} failed")
    sys.exit(exitcodes.COULD_NOT_RUN if broken or counts["failed"] else exitcodes.OK)


def _test_json(outcome: Any) -> dict[str, Any]:
    """One spec test's result for ``crossmap test --json``."""
    return {
        "spec": outcome.spec, "line": outcome.line, "name": outcome.name, "passed": outcome.passed,
        "error": outcome.error,
        "expectations": [
            {"target": e.target, "passed": e.passed, "rows": e.rows,
             "diffs": [{"field": d.field, "expected": d.expected, "actual": d.actual} for d in e.diffs]}
            for e in outcome.expectations
        ],
    }


# ---- runs -------------------------------------------------------------------------------


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@state_option
@click.option("--delta", is_flag=True, help="Only what changed since the last successful run.")
@click.option("--resume", "resume_run", type=int, default=None, metavar="RUN",
              help="Go on with an interrupted run.")
@click.option("--retry-failed", "retry_run", type=int, default=None, metavar="RUN",
              help="Run again only what failed in RUN.")
@click.option("--batch-size", type=int, default=RunOptions().batch_size, show_default=True,
              help="Rows per destination call, for destinations without load streams (Salesforce sends each step as one Bulk API job whatever this is).")
@click.option("--without-approval", is_flag=True,
              help="Run even though no sample of this version of the spec is approved (recorded with the run).")
@click.option("--verify", "then_verify", is_flag=True,
              help="Then read back every record the run wrote and compare it (`crossmap verify SPEC RUN`).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the run's audit report as JSON on stdout (the shape `report` writes; with --verify, "
                   "{\"run\": ..., \"verify\": ...}).")
def run(spec: Path, state: str | None, delta: bool, resume_run: int | None, retry_run: int | None,
        batch_size: int, without_approval: bool, then_verify: bool, as_json: bool) -> None:
    """Run a migration: resolutions, then wave by wave, then the deferred pass.
    A spec whose target declares a `sandbox` needs an approved sample first."""
    from crossmap.sample import require_approval, sandbox_profile
    from crossmap.sample.command import spec_version

    plan, source, destination, findings = prepare(spec)
    with _closing(source, destination), open_store(spec, state) as store:
        if not without_approval:
            try:
                offline = compile_offline(load(spec)).plan
                require_approval(store, plan, version=spec_version(offline) if offline else None)
            except CrossmapError as error:
                click.echo(f"error: {error}", err=True)
                sys.exit(exitcodes.COULD_NOT_RUN)
        tags = {"without_approval": True} if without_approval and sandbox_profile(plan) else {}
        previous = _interrupt_on_sigterm()
        try:
            # The progress bars end before anything else is printed: a report printed
            # while they are live is glued to a bar or erased by a redraw.
            with run_progress() as progress:
                engine = Engine(plan, source, destination, store,
                                RunOptions(batch_size=batch_size, progress=progress, tags=tags))
                if resume_run is not None:
                    summary = engine.resume(resume_run)
                elif retry_run is not None:
                    summary = engine.retry_failed(retry_run)
                else:
                    summary = engine.run(delta=delta)
        except CrossmapError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(exitcodes.COULD_NOT_RUN)
        except KeyboardInterrupt:
            latest = next(iter(store.runs()), None)
            again = f"; go on with `crossmap run {spec} --resume {latest.id}`" if latest is not None else ""
            click.echo(f"\ninterrupted{again}", err=True)
            sys.exit(exitcodes.INTERRUPTED)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        audit = audit_report(plan, store, summary.run.id, findings)
        if not as_json:
            click.echo(render_text(audit))
        verified, checked = True, None
        if then_verify:
            from crossmap.verify.command import verify_and_report

            if not as_json:
                click.echo("")
            try:
                checked = verify_and_report(plan, source, destination, store, run_id=summary.run.id,
                                            show=not as_json)
                verified = checked.ok
            except CrossmapError as error:
                click.echo(f"error: {error}", err=True)
                verified = False
        if as_json:
            click.echo(audit.to_json() if checked is None else json.dumps(
                {"run": json.loads(audit.to_json()), "verify": json.loads(checked.to_json())}, indent=2))
    if summary.failed:
        sys.exit(exitcodes.RECORDS_FAILED)
    sys.exit(exitcodes.OK if verified else exitcodes.NOT_VERIFIED)


def _interrupt_on_sigterm() -> Any:
    """Make SIGTERM stop a run as Ctrl-C does (the run ends ``interrupted``, exit
    130); the handler it replaces, or ``None`` off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@state_option
@click.option("--json", "as_json", is_flag=True,
              help="Print the runs as JSON on stdout (docs/cli.md says its shape).")
def status(spec: Path, state: str | None, as_json: bool) -> None:
    """List the runs of a spec, newest first, under a header row."""
    with open_store(spec, state, existing=True) as store:
        holder = store.holder()
        runs: list[dict[str, Any]] = []
        for past in store.runs():
            counts = store.outcome_counts(past.id)
            runs.append({
                "id": past.id, "kind": past.kind, "status": run_status(past.status, counts),
                "started_at": f"{past.started_at:%Y-%m-%d %H:%M:%S}",
                "ended_at": f"{past.ended_at:%Y-%m-%d %H:%M:%S}" if past.ended_at else None,
                "records": sum(sum(c.values()) for c in counts.values()),
                "failed": sum(c.get("failed", 0) + c.get("held_back", 0) for c in counts.values()),
                "found_loaded": store.found_loaded(past.id), "closed": past.closed,
            })
    if as_json:
        click.echo(json.dumps({"holder": holder.describe() if holder else None, "runs": runs}, indent=2))
        return
    if holder is not None:
        click.echo(f"in use by {holder.describe()}")
    if not runs:
        click.echo("no runs yet")
        return
    rows = [("run", "kind", "status", "started", "records", "failed", "notes")]
    for r in runs:
        notes = [f"{r['found_loaded']} found already loaded" if r["found_loaded"] else "",
                 "closed: no rollback" if r["closed"] else ""]
        rows.append((str(r["id"]), str(r["kind"]), str(r["status"]), str(r["started_at"]), str(r["records"]),
                     str(r["failed"]), "; ".join(n for n in notes if n)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = {0, 4, 5}
    for row in rows:
        cells = [cell.rjust(w) if i in numeric else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        click.echo("  ".join(cells).rstrip())


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("run_id", type=int)
@state_option
@report_options(".crossmap/reports/run-N.json")
@redact_option
def report(spec: Path, run_id: int, state: str | None, as_json: bool, json_path: Path | None,
           html_path: Path | None, redact: bool) -> None:
    """The audit report of a run: counts per step and the errors grouped by cause."""
    plan, source, destination, findings = prepare(spec)
    with _closing(source, destination), open_store(spec, state, existing=True) as store:
        try:
            audit = audit_report(plan, store, run_id, findings)
        except CrossmapError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(exitcodes.COULD_NOT_RUN)
    shown = redact_audit(audit) if redact else audit
    publish(render_text(shown), shown.to_json(), render_html(shown), redact=redact, as_json=as_json,
            json_path=json_path or reports_folder(state_path(spec, state).parent) / f"run-{run_id}.json",
            html_path=html_path)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("run_id", type=int)
@state_option
def rollback(spec: Path, run_id: int, state: str | None) -> None:
    """Undo a run: delete what it created, restore what it overwrote, verify."""
    plan, source, destination, _ = prepare(spec)
    with _closing(source, destination), open_store(spec, state, existing=True) as store:
        try:
            with store.hold(f"crossmap rollback {run_id}", spec=plan.spec):
                summary = undo_run(plan, destination, store, run_id)
        except CrossmapError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(exitcodes.COULD_NOT_RUN)
    back = f", brought back {summary.undeleted}" if summary.undeleted else ""
    click.echo(f"run {run_id}: deleted {summary.deleted}, restored {summary.restored}{back}")
    for record in summary.changed:
        click.echo(f"  left alone, changed in the destination after the run: {record}", err=True)
    for line in (*summary.failures, *summary.mismatches):
        click.echo(f"  could not restore: {line}", err=True)
    if not summary.exact:
        click.echo(f"the destination is not back to its state before run {run_id}: "
                   f"{len(summary.changed)} left alone, {len(summary.failures)} not restored, "
                   f"{len(summary.mismatches)} differing", err=True)
    sys.exit(exitcodes.OK if summary.exact else exitcodes.NOT_RESTORED)


@main.command(name="close")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("run_id", type=int, required=False)
@click.option("--older-than", "older_than", metavar="AGE", default=None,
              help="Close every run that ended more than AGE ago: 90m, 12h, 30d, 2w.")
@state_option
def close_command(spec: Path, run_id: int | None, older_than: str | None, state: str | None) -> None:
    """End a run's rollback window: delete its pre-images from the state store (the
    crosswalk stays) and vacuum the file. The run can no longer be rolled back."""
    from crossmap.state.retention import describe_close, parse_age, select_older_than

    if (run_id is None) == (older_than is None):
        click.echo("error: name a RUN or pass --older-than AGE (one of them)", err=True)
        sys.exit(exitcodes.USAGE)
    try:
        with open_store(spec, state, existing=True) as store:
            run_ids = [run_id] if run_id is not None else select_older_than(store.runs(), parse_age(older_than or ""))
            report = store.close_runs(run_ids)
    except CrossmapError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN)
    for line in describe_close(report):
        click.echo(line)
    sys.exit(exitcodes.COULD_NOT_RUN if run_id is not None and report.still_running else exitcodes.OK)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write a deployable metadata package here.")
@click.option("--apply", "apply_", is_flag=True, help="Create the missing objects and fields in the destination.")
@click.option("--sandbox", is_flag=True, help="The sandbox org the target's `sandbox` option names.")
def scaffold(spec: Path, out: Path | None, apply_: bool, sandbox: bool) -> None:
    """What the destination must have before any record moves: the field-creation
    checklist, a metadata package (--out), or the objects and fields created (--apply)."""
    plan, source, destination, _ = prepare(spec, source_too=False, sandbox=sandbox)
    with _closing(source, destination):
        click.echo("the destination must have:")
        for decl in plan.declarations:
            kind = "new object" if decl.new else "fields on"
            click.echo(f"  {kind} {decl.object}: {', '.join(f.name for f in decl.fields)}")
        deploying = capability(destination, DeployingDestination)
        deploy = deploying.deploy_declarations if deploying is not None else None
        if out is None and not apply_:
            return
        if deploy is None:
            click.echo(f"error: the '{plan.target.name}' connector cannot write metadata", err=True)
            sys.exit(exitcodes.COULD_NOT_RUN)
        try:
            report = deploy(plan.declarations, folder=out, apply=apply_)
        except CrossmapError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(exitcodes.COULD_NOT_RUN)
    if out is not None:
        click.echo(f"metadata package written to {out}")
    if apply_:
        click.echo(f"created {len(report.created)}, already there {len(report.existing)}")
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN if report.problems else exitcodes.OK)


# The workflow commands live beside their code (their shared helpers are in
# crossmap.commandline).
from crossmap.preflight.command import preflight_command
from crossmap.propose.command import propose_command
from crossmap.sample.command import approve, sample
from crossmap.verify.command import verify_command

for _command in (preflight_command, sample, approve, propose_command, verify_command):
    main.add_command(_command)
