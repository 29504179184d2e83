"""The ``crossmap propose`` command: draft a spec from two connectors' schemas."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import Any

import click

from crossmap import exitcodes
from crossmap.connectors import ConnectorError, open_connector, static_schema
from crossmap.errors import CrossmapError
from crossmap.propose.draft import render
from crossmap.propose.hints import destination_hints
from crossmap.propose.match import nested_objects
from crossmap.propose.model import Proposal
from crossmap.propose.proposal import DEFAULT_THRESHOLD, propose
from crossmap.schema import Schema


def _pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, not {value!r}", param_hint=flag)
        options[key.strip()] = setting.strip()
    return options


def _schema(role: str, name: str, options: Mapping[str, Any], connected: Any | None) -> Schema:
    """The shipped schema, extended by what a connected system describes."""
    live: Schema | None = None
    if connected is not None:
        live = connected.schema() if role == "source" else connected.describe()
    try:
        shipped = static_schema(role, name, options)  # type: ignore[arg-type]
    except ConnectorError:
        if live is None:
            raise
        return live
    return shipped if live is None else shipped.merged(live)


def sample_records(source: Any, objects: list[str], size: int) -> dict[str, list[dict[str, Any]]]:
    """Up to ``size`` records of each object, read from the start of its extract."""

    def records(name: str) -> Iterator[dict[str, Any]]:
        for page in source.extract(name):
            yield from page

    return {name: list(islice(records(name), size)) for name in objects}


def _summary(proposal: Proposal) -> str:
    fields = sum(1 for o in proposal.objects for f in o.fields if f.kind in ("field", "lookup"))
    customs = sum(len(o.custom_fields) for o in proposal.objects)
    todos = sum(len(o.todos) for o in proposal.objects)
    return (f"{len(proposal.objects)} object pairs, {fields} matched fields, {customs} proposed custom "
            f"fields, {todos} TODOs")


@click.command(name="propose")
@click.option("--source", "source_name", required=True, help="The source connector (entry-point name).")
@click.option("--target", "target_name", required=True, help="The destination connector (entry-point name).")
@click.option("--source-profile", default=None, help="Connection profile of the source (default: its name).")
@click.option("--target-profile", default=None, help="Connection profile of the target (default: its name).")
@click.option("--source-option", "source_options", multiple=True, metavar="KEY=VALUE",
              help="A source connector option (e.g. path=data/ for jsonl); repeatable.")
@click.option("--target-option", "target_options", multiple=True, metavar="KEY=VALUE",
              help="A target connector option; repeatable.")
@click.option("--objects", default=None, help="Comma-separated source objects to propose (default: all).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the draft here (default: standard output).")
@click.option("--sample", type=click.IntRange(min=1), default=None,
              help="Connect to the source and profile up to N records per object.")
@click.option("--live-target", is_flag=True, help="Connect to the target and use what it describes.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=DEFAULT_THRESHOLD,
              show_default=True, help="Lowest confidence of a proposed field match.")
@click.option("--prefix", default=None, help="Prefix of proposed external ids (default: from the source name).")
@click.option("--profile-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding crossmap.toml (default: the --out folder, else the current one).")
def propose_command(
    source_name: str, target_name: str, source_profile: str | None, target_profile: str | None,
    source_options: tuple[str, ...], target_options: tuple[str, ...], objects: str | None,
    out: Path | None, sample: int | None, live_target: bool, threshold: float, prefix: str | None,
    profile_dir: Path | None,
) -> None:
    """Draft a mapping spec from the source's and the target's schemas (and, with
    --sample, the source's values) for a person to review. Every open decision is a
    todo(...) that fails `crossmap check` until it is resolved."""
    base = profile_dir or (out.parent if out is not None else Path.cwd())
    spec_dir = str(base.resolve())
    s_given = _pairs(source_options, "--source-option")
    t_given = _pairs(target_options, "--target-option")
    s_options = {"spec_dir": spec_dir, "profile": source_profile or source_name, **s_given}
    t_options = {"spec_dir": spec_dir, "profile": target_profile or target_name, **t_given}
    wanted = [o.strip() for o in objects.split(",") if o.strip()] if objects else None
    try:
        with ExitStack() as stack:
            source = open_connector("source", source_name, s_options) if sample else None
            target = open_connector("target", target_name, t_options) if live_target else None
            for connected in (source, target):
                if connected is not None and hasattr(connected, "close"):
                    stack.callback(connected.close)
            source_schema = _schema("source", source_name, s_options, source)
            target_schema = _schema("target", target_name, t_options, target)
            samples = None
            if source is not None and sample is not None:
                # An unknown name is left to propose, which says "did you mean".
                names = ([n for n in wanted if source_schema.find_object(n) is not None] if wanted else
                         [o.name for o in source_schema if o.name not in nested_objects(source_schema)])
                samples = sample_records(source, names, sample)
            proposal = propose(
                source_schema, target_schema, source_system=source_name, target_system=target_name,
                source_profile=source_profile, target_profile=target_profile, objects=wanted,
                threshold=threshold, samples=samples, prefix=prefix,
                source_options=s_given, target_options=t_given, hints=destination_hints(target_name),
            )
        text = render(proposal, path=str(out) if out is not None else "<draft>")
    except CrossmapError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exitcodes.COULD_NOT_RUN)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"draft written to {out}", err=True)
    click.echo(f"proposed {_summary(proposal)}; review it, then run `crossmap check`", err=True)
