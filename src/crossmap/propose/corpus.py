"""An evaluation corpus: exports, each with the spec a person would write for it.

An export is a folder holding ``export.toml`` (the source connector, its options,
the prefix of proposed external ids, and what the export is), the connector's data
(``data/``), and ``expected.xmap``, the reference spec. ``run_export`` samples the
data as ``crossmap propose --sample`` does, proposes against a destination schema,
and scores the proposal (``crossmap.propose.evaluate``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from attrs import frozen

from crossmap.connectors import open_connector
from crossmap.errors import CrossmapError
from crossmap.propose.evaluate import ExportQuality, evaluate_all
from crossmap.propose.hints import NO_HINTS, DestinationHints
from crossmap.propose.match import nested_objects
from crossmap.propose.model import Proposal
from crossmap.propose.proposal import propose
from crossmap.schema import Schema
from crossmap.syntax import ast, load
from crossmap.systems import close

DEFAULT_SAMPLE = 200
"""Records sampled per object, as ``--sample 200``."""


class CorpusError(CrossmapError):
    """An export folder of a corpus is incomplete or malformed."""


@frozen
class Export:
    """One export of the corpus (see the module docstring)."""

    name: str
    folder: Path
    connector: str
    options: Mapping[str, str]
    prefix: str
    domain: str
    vendor: str
    reference: ast.Spec


@frozen
class ExportResult:
    """The proposal made for an export and its scores."""

    export: Export
    proposal: Proposal
    source: Schema
    quality: ExportQuality


def load_export(folder: Path) -> Export:
    """The export in ``folder``; CorpusError when a file is missing or malformed."""
    settings_path = folder / "export.toml"
    reference_path = folder / "expected.xmap"
    for path in (settings_path, reference_path):
        if not path.is_file():
            raise CorpusError(f"{folder}: an export needs {path.name}")
    try:
        settings: dict[str, Any] = tomllib.loads(settings_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CorpusError(f"{settings_path}: not valid TOML ({error})") from None
    missing = [k for k in ("connector", "prefix") if not isinstance(settings.get(k), str)]
    if missing:
        raise CorpusError(f"{settings_path}: '{missing[0]}' must be given as text")
    options = settings.get("options", {})
    return Export(
        name=folder.name,
        folder=folder,
        connector=settings["connector"],
        options={str(k): str(v) for k, v in options.items()},
        prefix=settings["prefix"],
        domain=str(settings.get("domain", "")),
        vendor=str(settings.get("vendor", folder.name)),
        reference=load(reference_path),
    )


def load_corpus(root: Path) -> list[Export]:
    """Every export under ``root`` (the folders holding an ``export.toml``), by name."""
    return [load_export(p.parent) for p in sorted(root.glob("*/export.toml"))]


def sample_export(export: Export, size: int) -> tuple[Schema, dict[str, list[dict[str, object]]]]:
    """The export's source schema and up to ``size`` records of each object."""
    options = {"spec_dir": str(export.folder.resolve()), **export.options}
    source = open_connector("source", export.connector, options)
    try:
        source_schema: Schema = source.schema()
        nested = nested_objects(source_schema)
        samples: dict[str, list[dict[str, object]]] = {}
        for obj in source_schema:
            if obj.name in nested:
                continue
            records: list[dict[str, object]] = []
            for page in source.extract(obj.name):
                records.extend(page[: size - len(records)])
                if len(records) >= size:
                    break
            samples[obj.name] = records
    finally:
        close(source)
    return source_schema, samples


def run_export(
    export: Export, target: Schema, *, target_system: str, hints: DestinationHints | None = None,
    sample: int | None = DEFAULT_SAMPLE, threshold: float | None = None,
) -> ExportResult:
    """Propose ``export`` into ``target`` (sampling ``sample`` records per object, or
    from the schema alone when None) and score the proposal."""
    source_schema, samples = sample_export(export, sample or 1)
    extra: dict[str, Any] = {} if threshold is None else {"threshold": threshold}
    proposal = propose(
        source_schema, target, source_system=export.connector, target_system=target_system,
        samples=samples if sample else None, prefix=export.prefix, hints=hints, **extra,
    )
    naming = (hints or NO_HINTS).naming
    quality = evaluate_all(proposal, export.reference, source_schema, target, export.prefix, naming)
    return ExportResult(export, proposal, source_schema, quality)


def averages(results: Sequence[ExportResult]) -> dict[str, tuple[float, float]]:
    """(precision, recall) of objects, fields and lookups, each averaged over the
    exports (every export weighs the same)."""
    out: dict[str, tuple[float, float]] = {}
    if not results:
        return out
    for part in ("objects", "fields", "lookups"):
        scores = [getattr(r.quality, part) for r in results]
        out[part] = (sum(s.precision for s in scores) / len(scores), sum(s.recall for s in scores) / len(scores))
    return out
