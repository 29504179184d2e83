"""``propose``: two schemas (and, optionally, sampled source records) → a ``Proposal``.

The steps: pick the source objects, pair them with destination objects, then for
each pair match fields one-to-one, draft value maps, propose an external id and
custom fields, and write down what is left for a person as TODOs. A destination
object that needs many required fields no source field fills (a user, say) is
proposed as a ``resolve`` (match existing records) instead of a ``map``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from crossmap import schema
from crossmap.compiler import types as t
from crossmap.errors import CrossmapError, did_you_mean
from crossmap.propose import custom
from crossmap.propose.conversions import find_conversion
from crossmap.propose.hints import NO_HINTS, DestinationHints
from crossmap.propose.match import FieldScorer, greedy, nested_objects, score_objects, writable
from crossmap.propose.model import (
    Candidate,
    CustomField,
    FieldMatch,
    ObjectMatch,
    Proposal,
    Todo,
    ValueMapDraft,
)
from crossmap.propose.names import split_words
from crossmap.propose.profile import ValueProfile, field_shape, profile_records
from crossmap.propose.references import InferredReference, infer_references, with_references
from crossmap.propose.similarity import best, object_forms
from crossmap.propose.spelling import ref
from crossmap.propose.splits import Split, find_split
from crossmap.propose.synonyms import Vocabulary
from crossmap.propose.valuemaps import draft_value_map
from crossmap.schema.types import describe_type

DEFAULT_THRESHOLD = 0.6
"""Field pairs below this confidence are not proposed as matches."""

RESOLVE_AT = 3
"""A destination object with this many required fields left unfilled is resolved
(existing records matched), not created."""


NEAR_MISS = 0.3
"""A custom field's comment names the best existing field when it scored this much."""


class ProposeError(CrossmapError):
    """``propose`` was asked for something the schemas do not have."""


def default_prefix(source_system: str) -> str:
    """The prefix of proposed external ids: the source system's first two letters."""
    letters = [c for c in source_system if c.isalnum()]
    return "".join(letters[:2]).upper() or "SRC"


def propose(
    source: schema.Schema,
    target: schema.Schema,
    *,
    source_system: str,
    target_system: str,
    source_profile: str | None = None,
    target_profile: str | None = None,
    objects: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    samples: Mapping[str, Iterable[dict[str, object]]] | None = None,
    prefix: str | None = None,
    source_options: Mapping[str, str] | None = None,
    target_options: Mapping[str, str] | None = None,
    hints: DestinationHints | None = None,
) -> Proposal:
    """Propose a mapping from ``source`` to ``target``.

    ``objects`` limits the source objects considered; ``samples`` are source records
    by object name, profiled to recognise value shapes and picklist-like fields;
    ``source_options`` / ``target_options`` are written into the draft's header;
    ``hints`` are the destination plugin's vocabulary (``destination_hints``).
    Raises ProposeError for an unknown object name.
    """
    if not 0 < threshold <= 1:
        raise ProposeError(f"the threshold is a confidence between 0 and 1, not {threshold}")
    prefix = prefix or default_prefix(source_system)
    sampled = {name: list(records) for name, records in samples.items()} if samples is not None else None
    profiles = {name: profile_records(records) for name, records in (sampled or {}).items()}
    nested = nested_objects(source)
    chosen = [o for o in source if o.name not in nested]
    if objects:
        by_name = {o.name: o for o in chosen}
        missing = [name for name in objects if name not in by_name]
        if missing:
            hint = did_you_mean(missing[0], by_name) or f"known: {', '.join(sorted(by_name))}"
            raise ProposeError(f"the source has no object '{missing[0]}' ({hint})")
        chosen = [by_name[name] for name in dict.fromkeys(objects)]
    targets = [o for o in target if o.createable]
    vocabulary = Vocabulary(hints or NO_HINTS, known_words(target))
    inferred = infer_references(source, sampled, vocabulary, objects=[o.name for o in chosen])
    source = with_references(source, inferred)
    chosen = [source.object(o.name) for o in chosen]
    pairs = score_objects(chosen, targets, prefix=prefix, threshold=threshold, profiles=profiles,
                          vocabulary=vocabulary)

    def proposer(s_name: str, d_name: str, object_map: Mapping[str, str], split: frozenset[str]) -> _ObjectProposer:
        return _ObjectProposer(
            source.object(s_name), target.object(d_name), object_map, source,
            prefix=prefix, threshold=threshold, system_label=source_system,
            profiles=profiles.get(s_name, {}), vocabulary=vocabulary, inferred=inferred.get(s_name, {}),
            split=split,
        )

    pairs = _creatable_instead(pairs, chosen, targets, prefix, vocabulary, proposer)
    object_map = {s: d for _, s, d, _ in pairs}
    splits = _splits(pairs, source, target, profiles, vocabulary)
    split_sources = frozenset(s for s, _ in splits)
    order = {o.name: i for i, o in enumerate(chosen)}
    matches: list[ObjectMatch] = []
    value_maps: list[ValueMapDraft] = []
    planned = [(c, s, d, r, splits.get((s, d))) for c, s, d, r in pairs]
    planned += [(c, s, extra, (*r, f"split by {found.column}"), found)
                for c, s, d, r in pairs for (s2, extra), found in splits.items() if s2 == s and extra != d]
    for confidence, s_name, d_name, reasons, found in sorted(planned, key=lambda p: (order[p[1]], p[2])):
        match = proposer(s_name, d_name, object_map, split_sources).propose(confidence, reasons)
        if found is not None:
            others = tuple(v for (s2, d2), f in splits.items() if s2 == s_name and d2 != d_name for v in f.values)
            match = attrs.evolve(match, skip=found.skip_when(others))
        matches.append(match)
        value_maps += [f.value_map for f in match.fields if f.value_map is not None]
    return Proposal(
        source_system=source_system,
        target_system=target_system,
        source_profile=source_profile or source_system,
        target_profile=target_profile or target_system,
        threshold=threshold,
        objects=tuple(matches),
        unmatched_objects=tuple(o.name for o in chosen if o.name not in object_map),
        value_maps=tuple(value_maps),
        source_options=tuple((source_options or {}).items()),
        target_options=tuple((target_options or {}).items()),
    )


ALTERNATIVE = 0.9
"""How well another destination object's name must fit a source object that would
otherwise be resolved, for it to be mapped there instead."""


def _creatable_instead(
    pairs: list[tuple[float, str, str, tuple[str, ...]]], chosen: Sequence[schema.ObjectSchema],
    targets: Sequence[schema.ObjectSchema], prefix: str, vocabulary: Vocabulary,
    proposer: Callable[[str, str, Mapping[str, str], frozenset[str]], _ObjectProposer],
) -> list[tuple[float, str, str, tuple[str, ...]]]:
    """Pairs whose destination records would have to exist already (a resolve)
    moved to another destination object the source's name fits as well and whose
    records the draft can create (an export's ``users`` are mostly the customers a
    help desk served: ``Contact`` records, not ``User`` logins)."""
    object_map = {s: d for _, s, d, _ in pairs}
    taken = set(object_map.values())
    by_name = {o.name: o for o in chosen}
    out = []
    for confidence, s_name, d_name, reasons in pairs:
        if not proposer(s_name, d_name, object_map, frozenset()).propose(confidence, reasons).resolve:
            out.append((confidence, s_name, d_name, reasons))
            continue
        s_forms = object_forms(by_name[s_name], None, vocabulary)
        options = sorted(
            ((best(s_forms, object_forms(d, prefix, vocabulary, destination=True)), d.name) for d in targets
             if d.name not in taken),
            reverse=True,
        )
        for fit, alternative in (o for o in options if o[0] >= ALTERNATIVE):
            trial = {**object_map, s_name: alternative}
            if not proposer(s_name, alternative, trial, frozenset()).propose(confidence, reasons).resolve:
                out.append((confidence * fit, s_name, alternative,
                            (*reasons, f"{d_name} would need existing records")))
                taken.add(alternative)
                object_map = trial
                break
        else:
            out.append((confidence, s_name, d_name, reasons))
    return out


def _splits(
    pairs: list[tuple[float, str, str, tuple[str, ...]]], source: schema.Schema, target: schema.Schema,
    profiles: Mapping[str, Mapping[str, ValueProfile]], vocabulary: Vocabulary,
) -> dict[tuple[str, str], Split]:
    """(source, destination) → its share of a split source object, for every
    matched source object a type column splits (``splits.find_split``) whose
    destination is one of the split's objects."""
    words = {d: w for d, w in vocabulary.hints.split_objects.items() if target.find_object(d) is not None}
    out: dict[tuple[str, str], Split] = {}
    for _, s_name, d_name, _ in pairs:
        if d_name not in words:
            continue
        found = find_split(source.object(s_name), profiles.get(s_name, {}), words)
        if found is not None and d_name in {f.target for f in found}:
            out.update({(s_name, f.target): f for f in found})
    return out


def known_words(target: schema.Schema) -> frozenset[str]:
    """The words of the destination's object and field names and labels: what glued
    source names are cut into (``names.segment``)."""
    words: set[str] = set()
    for obj in target:
        for text in (obj.name, obj.label or ""):
            words.update(split_words(text))
        for field in obj:
            for text in (field.name, field.label or ""):
                words.update(split_words(text))
    return frozenset(w for w in words if len(w) >= 2 and w.isalpha())


def _snake(name: str) -> str:
    return "_".join(split_words(name))


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _ObjectProposer:
    """Fields, keys, custom fields and TODOs for one object pair."""

    def __init__(
        self,
        source: schema.ObjectSchema,
        target: schema.ObjectSchema,
        object_map: Mapping[str, str],
        source_schema: schema.Schema,
        *,
        prefix: str,
        threshold: float,
        system_label: str,
        profiles: Mapping[str, ValueProfile],
        vocabulary: Vocabulary,
        inferred: Mapping[str, InferredReference],
        split: frozenset[str] = frozenset(),
    ) -> None:
        self.inferred = inferred
        self.split = split
        self.source = source
        self.target = target
        self.object_map = object_map
        self.source_schema = source_schema
        self.prefix = prefix
        self.threshold = threshold
        self.system_label = system_label
        self.profiles = profiles
        self.scorer = FieldScorer(source, target, prefix=prefix, profiles=profiles, vocabulary=vocabulary)
        self.naming = vocabulary.hints.naming

    def propose(self, confidence: float, reasons: tuple[str, ...]) -> ObjectMatch:
        scored, best_of = self._score()
        chosen = greedy(scored, self.threshold)
        assigned = {d for _, _, d in chosen}
        unfilled = [n for n in self.target.required_on_create if n not in assigned]
        resolve_by = self._resolve_by(chosen)
        if len(unfilled) >= RESOLVE_AT and resolve_by is not None:
            return ObjectMatch(self.source.name, self.target.name, confidence, reasons,
                               resolve=True, resolve_by=resolve_by, unfilled=tuple(unfilled))
        fields: list[FieldMatch] = []
        customs: list[CustomField] = []
        todos: list[Todo] = []
        upsert_key = None
        key = custom.key_field(self.source, self.prefix, self.system_label, self.naming)
        if key is not None and self.target.find_field(key[0].name) is None:
            declared, expression = key
            customs.append(declared)
            upsert_key = declared.name
            fields.append(FieldMatch(self.source.key or "", declared.name, 1.0, "key", ("external id",),
                                     expression))
        for score, s_name, d_name in chosen:
            fields.append(self._field(score, self.source.fields[s_name], self.target.fields[d_name], todos))
        used = {f.source for f in fields}
        taken = set(self.target.fields) | {c.name for c in customs}
        for field in self.source:
            if field.name in used or field.name == self.source.key:
                continue
            proposed = self._custom(field, taken, best_of.get(field.name), todos)
            if proposed is not None:
                declared, match = proposed
                customs.append(declared)
                taken.add(declared.name)
                fields.append(match)
        for name in unfilled:
            field = self.target.fields[name]
            todos.append(Todo(
                f"{self.target.name} requires {name} ({describe_type(field.type)}), which no source "
                f"field was matched to: assign a source field or a constant", target=name))
        key_todo = None
        if self.source.key is None:
            key_todo = (f"{self.source.name} has no key field: say what identifies one of its records "
                        f"(a column, or several joined), or the draft cannot tell which record became which")
        return ObjectMatch(self.source.name, self.target.name, confidence, reasons, tuple(fields),
                           tuple(customs), tuple(todos), upsert_key, key_todo=key_todo)

    # ---- scoring ------------------------------------------------------------------------

    def _score(self) -> tuple[list[tuple[float, str, str]], dict[str, Candidate]]:
        scored: list[tuple[float, str, str]] = []
        best_of: dict[str, Candidate] = {}
        targets = [d for d in self.target if writable(d)]
        for s in self.source:
            if s.name == self.source.key and self.scorer.shape("s", s) is None:
                # A key goes to the external id; one that is also a value (an email
                # address keying a mailing list) may fill a field as well.
                continue
            for d in targets:
                if isinstance(s.type, schema.Reference):
                    via = self._lookup_object(s)
                    score = 0.0 if via is None else self.scorer.reference(s, d, self.object_map[via])
                    found = self.inferred.get(s.name)
                    if found is not None and score > 0:
                        # Found in the values or the name: as sure as that is, and among
                        # fields pointing where this one does, the likelier by name, then
                        # the one reaching more of the parents.
                        score = found.confidence * (0.9 + 0.1 * score) * (0.98 + 0.02 * found.coverage)
                else:
                    score = self.scorer.plain(s, d)[0]
                if score > 0:
                    scored.append((score, s.name, d.name))
                    if s.name not in best_of or score > best_of[s.name].confidence:
                        best_of[s.name] = Candidate(s.name, d.name, score)
        return scored, best_of

    def _converted(self, field: schema.FieldSchema) -> tuple[str, str] | None:
        """A typed custom field for sampled text that reads as datetimes, dates or
        money (``conversions``), with its conversion; None for anything else. Epoch
        numbers and plain numbers stay as they are: an id or a postal code written
        in digits is not a number."""
        profile = self.profiles.get(field.name)
        if not isinstance(field.type, schema.String | schema.Untyped) or profile is None or not profile.texts:
            return None
        for kind in ("datetime", "date"):
            found = find_conversion(profile.texts, kind)
            if found is not None and not found.label.startswith("epoch") and found.note is None:
                return kind, found.render(ref(field.name))
        if profile.shape == "money":
            found = find_conversion(profile.texts, "decimal")
            if found is not None:
                return "currency(18, 2)", found.render(ref(field.name))
        return None

    def _via(self, via: str) -> str:
        # A source object mapped to several destination objects: name the mapping.
        return f"{ref(via)} -> {ref(self.object_map[via])}" if via in self.split else ref(via)

    def _lookup_object(self, field: schema.FieldSchema) -> str | None:
        assert isinstance(field.type, schema.Reference)
        return next((x for x in field.type.targets if x in self.object_map), None)

    def _resolve_by(self, chosen: list[tuple[float, str, str]]) -> tuple[str, str] | None:
        # Existing records are matched on something that identifies a person or a
        # thing: an email address, or a field the destination keeps unique.
        for _, s_name, d_name in chosen:
            s, d = self.source.fields[s_name], self.target.fields[d_name]
            shape = field_shape(d, (), None)
            if shape == "email" or d.unique or d.external_id:
                return s.name, d.name
        return None

    # ---- expressions --------------------------------------------------------------------

    def _field(self, score: float, s: schema.FieldSchema, d: schema.FieldSchema, todos: list[Todo]) -> FieldMatch:
        if isinstance(s.type, schema.Reference):
            via = self._lookup_object(s)
            assert via is not None
            missing = "null" if s.nullable and not d.required_on_create else "fail"
            expression = f"lookup({self._via(via)}, {ref(s.name)}) missing {missing}"
            found = self.inferred.get(s.name)
            if found is not None:
                return FieldMatch(s.name, d.name, found.confidence, "lookup", (found.reason, "structure"),
                                  expression, lookup_object=via)
            return FieldMatch(s.name, d.name, score, "lookup", ("structure", "name"), expression, lookup_object=via)
        _, reasons = self.scorer.plain(s, d)
        expression = ref(s.name)
        value_map = None
        conversion = self.scorer.conversion(s, d) if isinstance(s.type, schema.String | schema.Untyped) else None
        if conversion is not None and not t.assignable(t.from_field_type(s.type, nullable=False),
                                                        t.from_field_type(d.type, nullable=False)):
            expression = conversion.render(ref(s.name))
            if conversion.note is not None:
                todos.append(Todo(f"{self.source.name}.{s.name} → {self.target.name}.{d.name}: read as "
                                  f"{conversion.label}, but {conversion.note}: check the format"))
            if s.nullable and d.required_on_create:
                expression = self._default(expression, d)
            return FieldMatch(s.name, d.name, score, "field", reasons, expression)
        if isinstance(d.type, schema.Enum) and d.type.values:
            values = self.scorer.source_values(s)
            if values:
                value_map = draft_value_map(
                    f"{_snake(self.target.name)}_{_snake(d.name)}", values, tuple(d.type.values),
                    source_closed=isinstance(s.type, schema.Enum) and s.type.restricted,
                    target_restricted=d.type.restricted,
                )
            if value_map is not None:
                expression = f"{ref(s.name)} | {value_map.name}"
                if value_map.unmatched:
                    shown = ", ".join(repr(v) for v in value_map.unmatched)
                    todos.append(Todo(f"value map {value_map.name}: choose {self.target.name}.{d.name} "
                                      f"values for {shown}"))
        limit = getattr(d.type, "max_length", None)
        known = getattr(s.type, "max_length", None)
        if limit is not None and isinstance(s.type, schema.String | schema.Text) and (known is None or known > limit):
            expression = f"truncate({expression}, {limit})"
        if s.nullable and d.required_on_create:
            expression = self._default(expression, d)
        return FieldMatch(s.name, d.name, score, "field", reasons, expression, value_map=value_map)

    def _default(self, expression: str, d: schema.FieldSchema) -> str:
        # A required destination field fed from a field that may be empty.
        if isinstance(d.type, schema.String | schema.Text):
            words = " ".join(split_words(d.label or d.name))
            return f"{expression} ?? {_quoted(f'(no {words})')}"
        if isinstance(d.type, schema.Boolean):
            return f"{expression} ?? false"
        message = f"{self.target.name}.{d.name} is required but the source value may be empty: give a default"
        return f"{expression} ?? todo({_quoted(message)})"

    def _custom(
        self, field: schema.FieldSchema, taken: set[str], best: Candidate | None, todos: list[Todo],
    ) -> tuple[CustomField, FieldMatch] | None:
        lookup_target = None
        via = None
        if isinstance(field.type, schema.Reference):
            via = self._lookup_object(field)
            lookup_target = self.object_map[via] if via is not None else None
        words = tuple(split_words(field.name))
        found = self._converted(field) or custom.declaration(field, words, lookup_target, self.scorer.shape("s", field))
        where = f"{self.source.name}.{field.name}"
        if found is None:
            if isinstance(field.type, schema.Reference):
                why = (f"refers to {' or '.join(field.type.targets)}, which this draft does not map: "
                       f"map that object too, or delete this line")
            else:
                why = (f"({describe_type(field.type)}) has no destination field and no custom field can "
                       f"hold it: map it another way, or delete this line")
            todos.append(Todo(f"source field {where} {why}"))
            return None
        declared_type, expression = found
        naming = self.naming
        name = custom.custom_name(self.source.name, field, taken, self.prefix, naming)
        number = 2
        while name in taken:
            name = naming.base(name) + f"_{number}" + naming.custom_suffix
            number += 1
        if via is not None:
            expression = f"lookup({self._via(via)}, {ref(field.name)}) missing null"
        reasons: tuple[str, ...] = ("custom field",)
        if best is not None and best.confidence >= NEAR_MISS:
            reasons += (f"best existing {best.target} {best.confidence:.2f}",)
        label = field.label if field.label and len(field.label) <= naming.max_label else None
        declaration = declared_type + (f" label {_quoted(label)}" if label else "")
        return (CustomField(name, declaration, label),
                FieldMatch(field.name, name, 0.0, "custom", reasons, expression,
                           lookup_object=via))
