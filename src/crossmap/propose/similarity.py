"""How alike two names are, from their words.

Each name (and label) becomes word tuples — as written, and with synonyms rewritten
to their canonical phrase — and two names score the best agreement of any pair of
their forms. Words are paired by rapidfuzz's ``ratio`` (so ``adress`` still meets
``address`` and ``item`` meets ``items``); the score is the Dice share of paired
words, blended with rapidfuzz's order-insensitive ``token_sort_ratio`` so that near
words count a little even when they do not pair.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

from crossmap import schema
from crossmap.propose.names import singular_tokens, tokens
from crossmap.propose.synonyms import CORE, Vocabulary

WORD_CUTOFF = 88.0
"""rapidfuzz ``ratio`` at or above which two words count as the same word."""

SHORT_WORD = 4
"""Words shorter than this must match exactly (``no`` is not ``on``)."""

WEAK_WORDS: frozenset[str] = frozenset({"datetime", "date", "time", "id", "number", "code", "type", "name"})
"""Words that say what kind of value a field holds rather than what it is about:
they count half, so ``updated_at`` and ``ActivityDateTime`` do not pair on
``datetime`` alone."""

Words = tuple[str, ...]


def _weight(word: str) -> float:
    return 0.5 if word in WEAK_WORDS else 1.0


def _paired(a: Words, b: Words) -> float:
    left = list(b)
    matched = 0.0
    for word in a:
        if word in left:
            left.remove(word)
            matched += _weight(word)
            continue
        if len(word) < SHORT_WORD:
            continue
        long_enough = [w for w in left if len(w) >= SHORT_WORD]
        hit = process.extractOne(word, long_enough, scorer=fuzz.ratio, score_cutoff=WORD_CUTOFF)
        if hit is not None:
            left.remove(hit[0])
            matched += min(_weight(word), _weight(hit[0]))
    return matched


def word_similarity(a: Words, b: Words) -> float:
    """0..1: how far the words of ``a`` and ``b`` agree (Dice over weighted words,
    blended with rapidfuzz's ``token_sort_ratio``)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    total = sum(map(_weight, a)) + sum(map(_weight, b))
    dice = 2 * _paired(a, b) / total
    loose = fuzz.token_sort_ratio(" ".join(a), " ".join(b)) / 100
    return 0.85 * dice + 0.15 * loose


SYNONYM_WEIGHT = 0.97
"""A match found only through synonyms counts a little less than the same words
written alike, so ``Description`` beats ``Comments`` for a ``description``."""


def name_score(a_raw: list[Words], a_all: list[Words], b_raw: list[Words], b_all: list[Words]) -> float:
    """The name similarity of two fields: their own words, or (discounted) their
    words with synonyms rewritten."""
    return max(best(a_raw, b_raw), SYNONYM_WEIGHT * best(a_all, b_all))


def best(a_forms: Iterable[Words], b_forms: Iterable[Words]) -> float:
    """The best similarity of any pair of forms."""
    b_list = list(b_forms)
    return max((word_similarity(a, b) for a in a_forms for b in b_list), default=0.0)


def _strip_owner(words: Words, owner: Words) -> Words:
    # Labels repeat their object's name ("Account Phone", "Case Origin"); that says
    # nothing about the field.
    if len(words) > len(owner) and words[: len(owner)] == owner:
        return words[len(owner):]
    return words


def object_forms(
    obj: schema.ObjectSchema, system_prefix: str | None = None, vocabulary: Vocabulary = CORE,
    *, destination: bool = False,
) -> list[Words]:
    """Word forms of an object's name and label (singular, raw and canonical); a
    destination object also has the phrases its plugin's hints give it."""
    known = vocabulary.known
    raw = [singular_tokens(tokens(obj.name, system_prefix=system_prefix, known=known))]
    if obj.label:
        raw.append(singular_tokens(tokens(obj.label, system_prefix=system_prefix, known=known)))
    forms = raw + [vocabulary.canonical_object(w) for w in raw]
    if destination:
        # The destination's own phrases for this object, taken as they are (not
        # rewritten: "customer" names a Contact here, whatever group it is in).
        forms += [singular_tokens(tokens(p, known=known)) for p in vocabulary.hints.object_synonyms.get(obj.name, ())]
    return list(dict.fromkeys(f for f in forms if f))


def field_forms(
    field: schema.FieldSchema, owner: schema.ObjectSchema, system_prefix: str | None = None,
    *, reference: bool = False, synonyms: bool = True, vocabulary: Vocabulary = CORE,
    destination: bool = False,
) -> list[Words]:
    """Word forms of a field's name and label: raw, and with synonyms rewritten.
    A reference's trailing ``id`` is dropped and its words are read as object names
    too (``customer_id`` is about the customer, which may be an ``account``). A
    destination field also has the phrases its plugin's hints give it."""
    known = vocabulary.known
    own = singular_tokens(tokens(owner.name, system_prefix=system_prefix, known=known))
    raw = [tokens(field.name, system_prefix=system_prefix, known=known)]
    if field.label:
        raw.append(_strip_owner(tokens(field.label, system_prefix=system_prefix, known=known), own))
    if destination:
        raw += [tokens(p, known=known) for p in vocabulary.hints.field_aliases.get(f"{owner.name}.{field.name}", ())]
    if reference:
        raw = [w[:-1] if len(w) > 1 and w[-1] == "id" else w for w in raw]
        if synonyms:
            raw += [vocabulary.canonical_object(w) for w in raw]
    forms = raw + ([vocabulary.canonical_field(w) for w in raw] if synonyms else [])
    return list(dict.fromkeys(f for f in forms if f))
