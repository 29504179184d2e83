"""Value maps drafted from value overlap, and the overlap score itself.

Values are compared case-insensitively and with separators ignored (``walk_in`` is
``Walk In``), and then fuzzily with rapidfuzz (``Cancelled`` meets ``Canceled``).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from crossmap.propose.model import ValueMapDraft

VALUE_CUTOFF = 85.0
"""rapidfuzz ``ratio`` at or above which two picklist values are the same value."""


def _fold(value: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", value.casefold()).strip()


def pair_values(source: tuple[str, ...], target: tuple[str, ...]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Each source value paired with its destination counterpart, and the source
    values that have none."""
    folded = {_fold(t): t for t in reversed(target)}
    pairs: list[tuple[str, str]] = []
    unmatched: list[str] = []
    for value in source:
        key = _fold(value)
        if key in folded:
            pairs.append((value, folded[key]))
            continue
        hit = process.extractOne(key, list(folded), scorer=fuzz.ratio, score_cutoff=VALUE_CUTOFF)
        if hit is not None:
            pairs.append((value, folded[hit[0]]))
        else:
            unmatched.append(value)
    return tuple(pairs), tuple(unmatched)


def overlap(source: tuple[str, ...], target: tuple[str, ...]) -> float:
    """The share of source values that have a destination counterpart (0..1)."""
    if not source or not target:
        return 0.0
    pairs, _ = pair_values(source, target)
    return len(pairs) / len(source)


def draft_value_map(
    name: str, source: tuple[str, ...], target: tuple[str, ...], *,
    source_closed: bool, target_restricted: bool,
) -> ValueMapDraft | None:
    """A value map from ``source`` values to ``target`` values, or None when none is
    needed (every source value is already a destination value, spelled the same).

    ``source_closed``: the source can hold no other values. An open source, or
    values left unmatched, need an ``else``: ``keep`` for an open picklist, ``null``
    for a restricted one (where an unknown value would be rejected)."""
    pairs, unmatched = pair_values(source, target)
    if not unmatched and all(s == t for s, t in pairs) and (source_closed or not target_restricted):
        return None
    if source_closed and not unmatched:
        otherwise = "error"
    else:
        otherwise = "null" if target_restricted else "keep"
    return ValueMapDraft(name, pairs, unmatched, otherwise)  # type: ignore[arg-type]
