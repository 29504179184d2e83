"""Scoring and one-to-one assignment of objects and fields.

A field pair's confidence is the product of three factors, each explained in
``docs/propose.md``:

- **name**: the best word similarity of the two fields' names and labels
  (``similarity``), synonyms rewritten;
- **type**: 0 when the compiler would reject the assignment (``compiler.types.
  assignable``), less than 1 for a widening (integer into decimal) or free text
  into a picklist; raised when both sides have the same value shape (email, phone,
  date, money), lowered when their shapes disagree;
- **values**: for picklists, ``0.55 + 0.45 × overlap`` of the source values found
  among the destination's.

References are matched by structure: a source reference to an object matched to
``Y`` pairs with a destination reference that can point at ``Y``
(``0.7 + 0.3 × name``). Objects score by name (with object synonyms), by how many
of their fields find a partner, and by structure (references mirrored). Every
assignment is one-to-one, best pair first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from crossmap import schema
from crossmap.compiler import types as t
from crossmap.propose.conversions import Conversion, find_conversion
from crossmap.propose.profile import ValueProfile, field_shape
from crossmap.propose.similarity import Words, best, field_forms, name_score, object_forms
from crossmap.propose.synonyms import CORE, Vocabulary
from crossmap.propose.valuemaps import overlap

OBJECT_THRESHOLD = 0.7
"""Object pairs scoring below this are not proposed."""

VALUE_MATCH = 0.8
"""Value overlap at which a picklist pair counts even without similar names..."""

VALUE_FLOOR = 0.6
"""...as if the names were this alike."""

SOLE_SHAPE = 0.6
"""The name score given to the only field of a value shape (email, phone, url,
money) on each side of a pair."""

SOLE_BLOB = 0.8
"""The name score given to the only binary field of each side of a pair."""

TEXT_SHAPES: frozenset[str] = frozenset({"email", "phone", "url", "money"})
"""Shapes that add to a match when both sides have them (dates add nothing the
type does not already say)."""

CONVERTED = 0.95
"""The type factor of text that converts to the destination's type."""

CONVERTIBLE: frozenset[str] = frozenset({"decimal", "integer", "date", "datetime", "boolean"})
"""Destination value kinds sampled text may be converted to (``conversions``)."""

STRUCTURE_BASE = 0.7
"""The confidence a reference earns by pointing at the matched object alone."""


def nested_objects(source: schema.Schema) -> set[str]:
    """Objects that exist only inside another's nested list (not extractable)."""
    return {f.type.object for o in source for f in o if isinstance(f.type, schema.ListOf)}


def greedy(scored: Iterable[tuple[float, str, str]], threshold: float) -> list[tuple[float, str, str]]:
    """Best-first one-to-one pairs at or above ``threshold``: a pair is taken when
    neither side is taken yet (ties broken by name, so the result is stable)."""
    taken_left: set[str] = set()
    taken_right: set[str] = set()
    chosen = []
    for score, left, right in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if score < threshold or left in taken_left or right in taken_right:
            continue
        taken_left.add(left)
        taken_right.add(right)
        chosen.append((score, left, right))
    return chosen


class FieldScorer:
    """Scores field pairs of one source object and one destination object."""

    def __init__(
        self,
        source: schema.ObjectSchema,
        target: schema.ObjectSchema,
        *,
        prefix: str,
        profiles: Mapping[str, ValueProfile] | None = None,
        vocabulary: Vocabulary = CORE,
    ) -> None:
        self.vocabulary = vocabulary
        self.source = source
        self.target = target
        self.prefix = prefix
        self.profiles = profiles or {}
        self._forms: dict[tuple[str, str, bool, bool], list[Words]] = {}
        self._counts: dict[str, dict[str | None, int]] = {}

    def forms(
        self, side: str, field: schema.FieldSchema, *, reference: bool = False, synonyms: bool = True,
    ) -> list[Words]:
        """Cached word forms of a field of the source (``side="s"``) or target."""
        key = (side, field.name, reference, synonyms)
        if key not in self._forms:
            owner = self.source if side == "s" else self.target
            prefix = self.prefix if side == "t" else None
            self._forms[key] = field_forms(field, owner, prefix, reference=reference, synonyms=synonyms,
                                           vocabulary=self.vocabulary, destination=side == "t")
        return self._forms[key]

    def name(self, s: schema.FieldSchema, d: schema.FieldSchema, *, reference: bool = False) -> float:
        """How alike the two fields' names and labels are."""
        return name_score(
            self.forms("s", s, reference=reference, synonyms=False), self.forms("s", s, reference=reference),
            self.forms("t", d, reference=reference, synonyms=False), self.forms("t", d, reference=reference),
        )

    def source_values(self, field: schema.FieldSchema) -> tuple[str, ...] | None:
        """The values a source field holds: its enum's, else the sampled ones."""
        if isinstance(field.type, schema.Enum) and field.type.values:
            return tuple(field.type.values)
        profile = self.profiles.get(field.name)
        return profile.values if profile is not None else None

    def plain(self, s: schema.FieldSchema, d: schema.FieldSchema) -> tuple[float, tuple[str, ...]]:
        """Confidence and reasons for ``d = s`` (not a reference)."""
        type_factor, reasons = self._type_factor(s, d)
        if type_factor == 0:
            return 0.0, ()
        name = self.name(s, d)
        if isinstance(s.type, schema.Blob) and isinstance(d.type, schema.Blob) and self._sole_blobs():
            # One file per record on each side: the content goes to the content.
            name = max(name, SOLE_BLOB)
            reasons += ("only file",)
        if self._sole_shape(s, d) is not None:
            # The only email-shaped fields of the two sides hold the same thing,
            # whatever they are called.
            name = max(name, SOLE_SHAPE)
        value_factor = 1.0
        targets = d.type.values if isinstance(d.type, schema.Enum) else ()
        values = self.source_values(s)
        if targets and values:
            share = overlap(values, tuple(targets))
            value_factor = 0.55 + 0.45 * share
            reasons += (f"values {share:.0%}",)
            if share >= VALUE_MATCH and len(values) >= 2:
                # Nearly every value is a value of this picklist: the same list,
                # whatever the fields are called.
                name = max(name, VALUE_FLOOR)
        if name == 0:
            return 0.0, ()
        return min(1.0, name * type_factor * value_factor), ("name", *reasons)

    def shape(self, side: str, field: schema.FieldSchema) -> str | None:
        """A field's value shape (declared, else sampled for the source)."""
        profile = self.profiles.get(field.name) if side == "s" else None
        return field_shape(field, self.forms(side, field)[0], profile)

    def _sole_shape(self, s: schema.FieldSchema, d: schema.FieldSchema) -> str | None:
        shape = self.shape("s", s)
        if shape not in TEXT_SHAPES or self.shape("t", d) != shape:
            return None
        if self._shape_counts("s").get(shape) == 1 and self._shape_counts("t").get(shape) == 1:
            return shape
        return None

    def _shape_counts(self, side: str) -> dict[str | None, int]:
        counts = self._counts.get(side)
        if counts is None:
            owner = self.source if side == "s" else self.target
            counts = {}
            for field in owner:
                if side == "s" or writable(field):
                    shape = self.shape(side, field)
                    counts[shape] = counts.get(shape, 0) + 1
            self._counts[side] = counts
        return counts

    def _sole_blobs(self) -> bool:
        return all(sum(isinstance(f.type, schema.Blob) for f in o) == 1 for o in (self.source, self.target))

    def _type_factor(self, s: schema.FieldSchema, d: schema.FieldSchema) -> tuple[float, tuple[str, ...]]:
        if isinstance(d.type, schema.Reference | schema.Id | schema.ListOf) or isinstance(
            s.type, schema.Reference | schema.ListOf | schema.Any
        ):
            return 0.0, ()
        value = t.from_field_type(s.type, nullable=False)
        wanted = t.from_field_type(d.type, nullable=False)
        if not t.assignable(value, wanted):
            conversion = self.conversion(s, d)
            if conversion is None:
                return 0.0, ()
            # Text that reads as the destination's type once cleaned ("$1,200.50").
            return CONVERTED, ("type", f"converted from {conversion.label}")
        factor = 0.9 if value.kind != wanted.kind else 1.0
        if isinstance(d.type, schema.Enum) and not isinstance(s.type, schema.Enum) and self.source_values(s) is None:
            factor *= 0.85  # free text into a picklist: possible, not likely
        reasons: tuple[str, ...] = ("type",)
        s_shape = self.shape("s", s)
        d_shape = self.shape("t", d)
        if s_shape is not None and d_shape is not None:
            if s_shape == d_shape:
                if s_shape in TEXT_SHAPES:
                    factor *= 1.15
                    reasons += (f"{s_shape}-shaped",)
            elif {s_shape, d_shape} != {"date", "datetime"}:
                factor *= 0.4
        return factor, reasons

    def conversion(self, s: schema.FieldSchema, d: schema.FieldSchema) -> Conversion | None:
        """How the sampled text of ``s`` converts to the type of ``d``, if it does."""
        profile = self.profiles.get(s.name)
        if profile is None or not profile.texts or not isinstance(s.type, schema.String | schema.Any):
            return None
        kind = t.from_field_type(d.type, nullable=False).kind
        return find_conversion(profile.texts, kind) if kind in CONVERTIBLE else None

    def reference(self, s: schema.FieldSchema, d: schema.FieldSchema, matched_target: str) -> float:
        """Confidence for ``d = lookup(<referenced object>, s)``."""
        if not isinstance(d.type, schema.Reference) or matched_target not in d.type.targets:
            return 0.0
        name = self.name(s, d, reference=True)
        return STRUCTURE_BASE + (1 - STRUCTURE_BASE) * name


def writable(field: schema.FieldSchema) -> bool:
    """Can a migration set this destination field on create?"""
    return field.createable and not isinstance(field.type, schema.Id)


def score_objects(
    sources: list[schema.ObjectSchema],
    targets: list[schema.ObjectSchema],
    *,
    prefix: str,
    threshold: float,
    profiles: Mapping[str, Mapping[str, ValueProfile]],
    vocabulary: Vocabulary = CORE,
) -> list[tuple[float, str, str, tuple[str, ...]]]:
    """Object pairs, best first, one-to-one: (confidence, source, target, reasons)."""
    names: dict[tuple[str, str], float] = {}
    coverage: dict[tuple[str, str], float] = {}
    target_forms = {d.name: object_forms(d, prefix, vocabulary, destination=True) for d in targets}
    for s in sources:
        s_forms = object_forms(s, None, vocabulary)
        for d in targets:
            name = best(s_forms, target_forms[d.name])
            if name < 0.5:
                continue
            names[s.name, d.name] = name
            coverage[s.name, d.name] = _coverage(s, d, prefix, threshold, profiles.get(s.name, {}), vocabulary)

    def score(pair: tuple[str, str], structure: float | None) -> float:
        base = 0.75 * names[pair] + 0.25 * coverage[pair]
        return base if structure is None else 0.6 * names[pair] + 0.2 * coverage[pair] + 0.2 * structure

    # First the pairs the names settle, then the rest with the help of structure:
    # references mirrored between pairs already matched.
    first = greedy(((score(p, None), *p) for p in names if names[p] >= 0.9), OBJECT_THRESHOLD)
    matched = {s: d for _, s, d in first}
    by_name = {s.name: s for s in sources}
    target_by_name = {d.name: d for d in targets}
    rest = []
    for pair in names:
        if pair[0] in matched or pair[1] in matched.values():
            continue
        structure = _structure(by_name[pair[0]], target_by_name[pair[1]], matched)
        rest.append((score(pair, structure), *pair))
    second = greedy(rest, OBJECT_THRESHOLD)
    out = []
    for confidence, s_name, d_name in first + second:
        reasons = ["name"]
        if coverage[s_name, d_name] > 0:
            reasons.append(f"fields {coverage[s_name, d_name]:.0%}")
        out.append((confidence, s_name, d_name, tuple(reasons)))
    return out


def _coverage(
    s: schema.ObjectSchema, d: schema.ObjectSchema, prefix: str, threshold: float,
    profiles: Mapping[str, ValueProfile], vocabulary: Vocabulary,
) -> float:
    scorer = FieldScorer(s, d, prefix=prefix, profiles=profiles, vocabulary=vocabulary)
    candidates = [f for f in s if f.name != s.key and not isinstance(f.type, schema.Reference | schema.ListOf)]
    if not candidates:
        return 0.0
    writable_fields = [f for f in d if writable(f)]
    # How well the fields find partners: each field's best confidence at or above
    # the threshold (0 below it), averaged. A billing_address_city meets an
    # Account's BillingCity better than a Contact's MailingCity, though both pass.
    found = 0.0
    for field in candidates:
        top = max((scorer.plain(field, other)[0] for other in writable_fields), default=0.0)
        found += top if top >= threshold else 0.0
    return found / len(candidates)


def _structure(s: schema.ObjectSchema, d: schema.ObjectSchema, matched: Mapping[str, str]) -> float:
    refs = [f.type.targets for f in s if isinstance(f.type, schema.Reference)]
    relevant = [targets for targets in refs if any(x in matched for x in targets)]
    if not relevant:
        return 0.0
    d_targets = {x for f in d if isinstance(f.type, schema.Reference) for x in f.type.targets}
    mirrored = sum(1 for targets in relevant if any(matched.get(x) in d_targets for x in targets))
    return mirrored / len(relevant)
