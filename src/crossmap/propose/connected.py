"""A proposal from two connectors: their shipped schemas, extended by what a connected
system describes (``--live-target``) and by a profile of the source's values
(``--sample``). What ``crossmap propose`` asks for once it has parsed its options."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from itertools import islice
from typing import Any

from crossmap.connectors import ConnectorError, open_connector, static_schema
from crossmap.propose.hints import destination_hints
from crossmap.propose.match import nested_objects
from crossmap.propose.model import Proposal
from crossmap.propose.proposal import DEFAULT_THRESHOLD, propose
from crossmap.schema import Schema


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


def propose_connected(
    source_name: str, target_name: str, *, source_options: Mapping[str, Any], target_options: Mapping[str, Any],
    given_source_options: Mapping[str, str], given_target_options: Mapping[str, str],
    source_profile: str | None = None, target_profile: str | None = None, objects: list[str] | None = None,
    sample: int | None = None, live_target: bool = False, threshold: float = DEFAULT_THRESHOLD,
    prefix: str | None = None,
) -> Proposal:
    """Propose a spec from connectors ``source_name`` to ``target_name``. The source
    is opened only to profile up to ``sample`` records per object, the target only
    with ``live_target``; both are closed before this returns. ``*_options`` are
    what the connectors are opened with, ``given_*_options`` what the user typed
    (the draft repeats those)."""
    with ExitStack() as stack:
        source = open_connector("source", source_name, source_options) if sample else None
        target = open_connector("target", target_name, target_options) if live_target else None
        for connected in (source, target):
            if connected is not None and hasattr(connected, "close"):
                stack.callback(connected.close)
        source_schema = _schema("source", source_name, source_options, source)
        target_schema = _schema("target", target_name, target_options, target)
        samples = None
        if source is not None and sample is not None:
            # An unknown name is left to propose, which says "did you mean".
            names = ([n for n in objects if source_schema.find_object(n) is not None] if objects else
                     [o.name for o in source_schema if o.name not in nested_objects(source_schema)])
            samples = sample_records(source, names, sample)
        return propose(
            source_schema, target_schema, source_system=source_name, target_system=target_name,
            source_profile=source_profile, target_profile=target_profile, objects=objects,
            threshold=threshold, samples=samples, prefix=prefix,
            source_options=given_source_options, target_options=given_target_options,
            hints=destination_hints(target_name),
        )


def summarize_proposal(proposal: Proposal) -> str:
    """How much a proposal holds, in one line."""
    fields = sum(1 for o in proposal.objects for f in o.fields if f.kind in ("field", "lookup"))
    customs = sum(len(o.custom_fields) for o in proposal.objects)
    todos = sum(len(o.todos) for o in proposal.objects)
    return (f"{len(proposal.objects)} object pairs, {fields} matched fields, {customs} proposed custom "
            f"fields, {todos} TODOs")
