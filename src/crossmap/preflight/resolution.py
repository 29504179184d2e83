"""Resolve blocks checked before the run: which source records match a destination
record, which match none, several, or an inactive one, and whether the fallback
exists — the same matching the engine does (the generated key functions), read-only.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

from crossmap.codegen.program import Program, ResolutionProgram
from crossmap.compiler import Plan
from crossmap.connectors import Destination, Source
from crossmap.connectors.protocols import ActivityDestination, capability
from crossmap.engine.run import uses_fallback

SAMPLE = 1000
"""Keys kept per list (the counts stay exact beyond it)."""


@frozen
class ResolutionCheck:
    """The outcome of one resolve block against the destination as it is now.

    ``unmatched`` / ``ambiguous`` / ``inactive`` hold source keys (``ambiguous`` with
    how many destination records match); ``fallback_found`` and ``fallback_active``
    are None when the block declares no fallback (or activity is unknown);
    ``needs_fallback`` says whether some mapping falls back (``missing fallback``)."""

    name: str
    source: str
    target: str
    by: str
    total: int
    matched: int
    unmatched_count: int
    unmatched: tuple[str, ...]
    ambiguous: tuple[tuple[str, int], ...]
    inactive: tuple[str, ...]
    fallback: str | None
    fallback_found: bool | None
    fallback_active: bool | None
    needs_fallback: bool
    active_field: str | None = None
    destination_records: int = 0
    """How many destination records were read to match against."""

    @property
    def blocker(self) -> str | None:
        """Why the run would stop (the engine's own rules), or None."""
        if self.fallback is not None and not self.fallback_found:
            return (f"the fallback {self.target} {self.fallback!r} of '{self.name}' does not exist in the "
                    "destination: create it (or change the spec's fallback)")
        if self.unmatched_count and self.fallback is not None and self.fallback_active is False:
            return (f"the fallback {self.target} {self.fallback!r} is inactive, and {self.unmatched_count} "
                    f"{self.source} records would fall back to it")
        if self.unmatched_count and self.fallback is None and self.needs_fallback:
            return (f"{self.unmatched_count} {self.source} records match no {self.target} and the spec "
                    "declares no fallback: create the records or add a `fallback` line")
        return None


def check_resolutions(plan: Plan, program: Program, source: Source, destination: Destination, *,
                      matched: dict[str, set[str]] | None = None) -> list[ResolutionCheck]:
    """Every resolve block of ``plan``, matched as the engine would match it; with
    ``matched``, each block's matched source keys are put there by its name."""
    return [check_resolution(plan, p, source, destination,
                             matched=None if matched is None else matched.setdefault(name, set()))
            for name, p in program.resolutions.items()]


def check_resolution(plan: Plan, program: ResolutionProgram, source: Source, destination: Destination, *,
                     matched: set[str] | None = None) -> ResolutionCheck:
    """One resolve block: the destination's records indexed by the block's key, then
    every source record looked up in that index (``matched`` collects the keys that
    match, for the coverage's simulated crosswalk)."""
    resolution = program.resolution
    activity = capability(destination, ActivityDestination)
    active_field = activity.active_field(resolution.target) if activity is not None else None
    fields = ["Id", resolution.target_field, *([active_field] if active_field else [])]
    index: dict[object, list[bool | None]] = {}
    read = 0
    for record in destination.read(resolution.target, None, fields):
        read += 1
        value = program.target_key(record.get(resolution.target_field))
        if value is not None:
            index.setdefault(value, []).append(_active(record, active_field))
    fallback = None if resolution.fallback is None else str(resolution.fallback)
    found_fallback = None if fallback is None else index.get(program.target_key(fallback))
    key_field = _key_field(source, resolution.source)
    total = matches = unmatched_count = 0
    unmatched: list[str] = []
    ambiguous: list[tuple[str, int]] = []
    inactive: list[str] = []
    for page in source.extract(resolution.source):
        for record in page:
            total += 1
            key = str(record.get(key_field))
            value, _ = program.match_key(record)  # a key that cannot be computed matches nothing
            candidates = None if value is None else index.get(value)
            if not candidates:
                unmatched_count += 1
                if len(unmatched) < SAMPLE:
                    unmatched.append(key)
                continue
            matches += 1
            if matched is not None:
                matched.add(key)
            if len(candidates) > 1 and len(ambiguous) < SAMPLE:
                ambiguous.append((key, len(candidates)))
            # The engine takes the first match, so that one's activity is what counts.
            if candidates[0] is False and len(inactive) < SAMPLE:
                inactive.append(key)
    return ResolutionCheck(
        resolution.name, resolution.source, resolution.target, resolution.target_field, total, matches,
        unmatched_count, tuple(sorted(unmatched)), tuple(sorted(ambiguous)), tuple(sorted(inactive)),
        fallback, None if fallback is None else found_fallback is not None,
        None if not found_fallback or found_fallback[0] is None else bool(found_fallback[0]),
        uses_fallback(plan, resolution.name), active_field, read,
    )


def _active(record: Mapping[str, object], field: str | None) -> bool | None:
    if field is None:
        return None
    value = record.get(field)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return None if value is None else bool(value)


def _key_field(source: Source, obj: str) -> str:
    found = source.schema().find_object(obj)
    return (found.key if found is not None else None) or "id"
