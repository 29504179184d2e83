"""A source object whose type column splits it between destination objects.

Activity exports mix kinds of record in one file: HubSpot's engagements hold calls,
meetings, notes and emails in one table, told apart by ``engagement_type``. A
destination may keep them apart (Salesforce: meetings are Events, the rest Tasks).
The destination's hints (``DestinationHints.split_objects``) give the words of the
type values that go to each of its objects; a sampled picklist-like column most of
whose values carry those words, for two objects or more, splits the source object:
one mapping per destination object, each skipping the records of the others.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

from crossmap import schema
from crossmap.propose.names import split_words
from crossmap.propose.profile import ValueProfile
from crossmap.propose.spelling import ref

COVERED = 0.5
"""The share of a column's values that must name a destination object."""

TYPE_WORDS = frozenset({"type", "kind", "category", "class", "activity"})
"""Words that make a column a type column when several qualify."""


@frozen
class Split:
    """``column`` sends ``values`` to ``target``; ``rest`` is the object that takes
    every value not sent elsewhere (unknown ones included)."""

    column: str
    target: str
    values: tuple[str, ...]
    rest: bool

    def skip_when(self, others: tuple[str, ...]) -> tuple[str, str]:
        """The ``skip when`` condition and reason of this split's mapping;
        ``others`` are the values sent to the other objects."""
        column = ref(self.column)
        if self.rest:
            listed = ", ".join(_quoted(v) for v in others)
            condition = f"{column} == {_quoted(others[0])}" if len(others) == 1 else f"{column} in [{listed}]"
            return condition, f"{' and '.join(others)} records are mapped elsewhere"
        listed = ", ".join(_quoted(v) for v in self.values)
        condition = (f"{column} != {_quoted(self.values[0])}" if len(self.values) == 1
                     else f"not ({column} in [{listed}])")
        return condition, f"only {' and '.join(self.values)} records are {self.target} records"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _target_of(value: str, words: Mapping[str, tuple[str, ...]]) -> str | None:
    said = split_words(value)
    phrase = " ".join(said)
    hits = {target for target, phrases in words.items()
            if any(p == phrase or p in said for p in phrases)}
    return next(iter(hits)) if len(hits) == 1 else None


def find_split(
    obj: schema.ObjectSchema, profiles: Mapping[str, ValueProfile], words: Mapping[str, tuple[str, ...]],
) -> list[Split] | None:
    """How ``obj`` splits between destination objects, or None when no column of
    its sampled values says so. The object taking the most values takes the rest."""
    if len(words) < 2:
        return None
    best: tuple[tuple[int, int, int], str, dict[str, list[str]]] | None = None
    for field in obj:
        profile = profiles.get(field.name)
        values = (tuple(field.type.values) if isinstance(field.type, schema.Enum) and field.type.values
                  else profile.values if profile is not None else None)
        if not values:
            continue
        sent: dict[str, list[str]] = {}
        for value in values:
            target = _target_of(value, words)
            if target is not None:
                sent.setdefault(target, []).append(value)
        covered = sum(len(v) for v in sent.values())
        if len(sent) < 2 or covered < COVERED * len(values):
            continue
        rank = (int(bool(TYPE_WORDS & set(split_words(field.name)))), covered, -len(values))
        if best is None or rank > best[0]:
            best = (rank, field.name, sent)
    if best is None:
        return None
    _, column, sent = best
    rest = max(sent, key=lambda t: (len(sent[t]), t))
    return [Split(column, target, tuple(values), target == rest) for target, values in sorted(sent.items())]
