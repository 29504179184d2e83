"""References a source does not declare, found in its values or its names.

An export often types every column as text: ``contacts.associatedcompanyid`` is a
string, though each of its values is some company's ``hs_object_id``. With sampled
records, a field whose values are (almost) all keys of another source object is a
reference to that object, with the share of its values found among those keys (the
*containment*) as its confidence. Without samples, names say it at a lower
confidence: a field ending in ``id`` whose other words name a source object
(``organization_id``, ``associatedcompanyid``), or a ``parent_*`` field (a reference
to its own object).

The references found are written into the source schema (``with_references``), so
the rest of ``propose`` matches them as it matches declared ones: to a destination
reference that can point at the object the referenced one maps to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs
from attrs import frozen

from crossmap import schema
from crossmap.propose.names import singular_tokens, tokens
from crossmap.propose.synonyms import Vocabulary

CONTAINMENT = 0.9
"""The share of a field's sampled values that must be keys of one object."""

MIN_VALUES = 3
"""Fewer sampled values than this say nothing."""

NAME_CONFIDENCE = 0.7
"""The confidence of a reference found by its name alone."""

ID_WORDS = frozenset({"id", "ids", "key", "ref", "number"})
"""Last words of a name that make it a reference to the object its other words name."""


@frozen
class InferredReference:
    """``field`` of a source object points at the records of ``target`` (a source
    object). ``confidence`` is the containment (or ``NAME_CONFIDENCE``);
    ``coverage`` the share of ``target``'s sampled keys the field's values reach
    (which tells the main reference from a side one when both are contained)."""

    field: str
    target: str
    confidence: float
    coverage: float
    reason: str


def _text(value: object) -> str | None:
    if value is None or value == "" or isinstance(value, bool | list | dict):
        return None
    return str(value).strip()


def _keys(obj: schema.ObjectSchema, records: Iterable[Mapping[str, object]]) -> set[str]:
    if obj.key is None:
        return set()
    return {t for r in records if (t := _text(r.get(obj.key))) is not None}


def _distinctive(keys: set[str]) -> bool:
    """Are these keys unlike ordinary small numbers (most are not 1-4 digits)?"""
    small = sum(1 for k in keys if k.isdigit() and len(k) <= 4)
    return small * 2 < len(keys)


def _by_values(
    obj: schema.ObjectSchema, field: schema.FieldSchema, records: Sequence[Mapping[str, object]],
    keys: Mapping[str, set[str]], known: frozenset[str], by_name: InferredReference | None,
) -> InferredReference | None:
    values = [t for r in records if (t := _text(r.get(field.name))) is not None]
    if len(values) < MIN_VALUES:
        return None
    distinct = set(values)
    # A field repeating its own record's key (a row number, a copy of the id) is
    # not a reference to its own object.
    echoes = obj.key is not None and sum(
        1 for r in records if _text(r.get(field.name)) is not None
        and _text(r.get(field.name)) == _text(r.get(obj.key))) * 2 >= len(values)
    found: list[tuple[float, float, str]] = []
    for target, target_keys in keys.items():
        if not target_keys or (target == obj.name and (field.name == obj.key or echoes)):
            continue
        contained = sum(1 for v in values if v in target_keys) / len(values)
        if contained >= CONTAINMENT:
            found.append((contained, len(distinct & target_keys) / len(target_keys), target))
    # Small numbers (1, 2, ... 9999) are keys of many a table and counts of many a
    # column: values alone prove nothing there, the name has to say "id" as well.
    named = len(words := tokens(field.name, known=known)) > 1 and words[-1] in ID_WORDS
    found = [f for f in found if named or _distinctive(keys[f[2]])]
    if not found:
        return None
    contained, coverage, target = max(found)
    tied = {f[2] for f in found if f[:2] == (contained, coverage)}
    if len(tied) > 1:
        # Several objects share these keys (ids 1, 2, 3 ... in every table): the
        # values do not say which, the name may ("Activity - Person ID").
        named_target = by_name.target if by_name is not None else None
        if named_target not in tied:
            return None
        target = named_target
    return InferredReference(field.name, target, round(contained, 4), coverage,
                             f"{contained:.0%} of values are {target} keys")


def _object_words(source: schema.Schema, vocabulary: Vocabulary) -> dict[str, list[tuple[str, ...]]]:
    words: dict[str, list[tuple[str, ...]]] = {}
    for obj in source:
        own = singular_tokens(tokens(obj.name, known=vocabulary.known))
        forms = [own, vocabulary.canonical_object(own)]
        if obj.label:
            label = singular_tokens(tokens(obj.label, known=vocabulary.known))
            forms += [label, vocabulary.canonical_object(label)]
        words[obj.name] = [f for f in dict.fromkeys(forms) if f]
    return words


def _by_name(
    obj: schema.ObjectSchema, field: schema.FieldSchema, objects: Mapping[str, list[tuple[str, ...]]],
    vocabulary: Vocabulary,
) -> InferredReference | None:
    words = tokens(field.name, known=vocabulary.known)
    if len(words) > 1 and words[0] == "parent":
        return InferredReference(field.name, obj.name, NAME_CONFIDENCE, 0.0, "a parent_ field")
    if len(words) < 2 or words[-1] not in ID_WORDS:
        return None
    about = words[:-1]
    matches = []
    for target, forms in objects.items():
        for form in forms:
            for candidate in (about, vocabulary.canonical_object(about)):
                if candidate[-len(form):] == form:
                    matches.append((len(form), target))
    if not matches:
        return None
    _, target = max(matches)
    if target == obj.name:
        return None  # "job_id" on jobs is its own key, not a reference
    return InferredReference(field.name, target, NAME_CONFIDENCE, 0.0, f"the name names {target}")


def infer_references(
    source: schema.Schema, samples: Mapping[str, Sequence[Mapping[str, object]]] | None, vocabulary: Vocabulary,
    *, objects: Iterable[str] | None = None,
) -> dict[str, dict[str, InferredReference]]:
    """The undeclared references of each source object (of ``objects``, else all):
    from ``samples`` where a field has sampled values, from names otherwise."""
    keys = {o.name: _keys(o, (samples or {}).get(o.name, ())) for o in source}
    words = _object_words(source, vocabulary)
    wanted = set(objects) if objects is not None else {o.name for o in source}
    found: dict[str, dict[str, InferredReference]] = {}
    for obj in source:
        if obj.name not in wanted:
            continue
        records = list((samples or {}).get(obj.name, ()))
        for field in obj:
            if field.name == obj.key or not isinstance(
                field.type, schema.String | schema.Integer | schema.Id | schema.Any
            ):
                continue
            sampled = any(_text(r.get(field.name)) is not None for r in records)
            named = _by_name(obj, field, words, vocabulary)
            inferred = _by_values(obj, field, records, keys, vocabulary.known, named) if sampled else named
            if inferred is not None:
                found.setdefault(obj.name, {})[field.name] = inferred
    return found


def with_references(
    source: schema.Schema, inferred: Mapping[str, Mapping[str, InferredReference]],
) -> schema.Schema:
    """``source`` with each inferred reference typed as a ``Reference`` to its object."""
    objects = []
    for obj in source:
        found = inferred.get(obj.name, {})
        if not found:
            objects.append(obj)
            continue
        fields = [attrs.evolve(f, type=schema.Reference(found[f.name].target)) if f.name in found else f
                  for f in obj]
        objects.append(attrs.evolve(obj, fields=fields))
    return schema.Schema(objects)
