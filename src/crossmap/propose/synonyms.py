"""Synonyms: phrases two systems use for one thing.

Each group lists equivalent phrases; the first is the canonical one every other is
rewritten to before names are compared. The core's groups are plain English field
vocabulary (a street is an address line, a town is a city); the words that name a
particular destination's objects and fields come from that destination's plugin
(``crossmap.propose.hints``) and are added to them in a ``Vocabulary``. Keep the
groups small: a wrong synonym costs precision everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from crossmap.propose.hints import NO_HINTS, DestinationHints

FIELD_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("street", "address line1", "address1", "line1", "street address"),
    ("street 2", "address line2", "address2", "line2"),
    ("city", "address city", "town", "locality"),
    ("state", "address region", "address state", "region", "province", "county"),
    ("postal code", "address postal code", "zip code", "postcode"),
    ("country", "address country", "nation"),
    ("description", "note", "notes", "details", "remarks"),
    ("priority", "urgency", "severity", "importance"),
    ("phone", "phone number", "telephone number", "business phone"),
    ("mobile phone", "mobile", "cell phone", "mobile number"),
    ("email", "email address", "e mail"),
    ("quantity", "count of units", "units"),
    ("active", "enabled"),
    ("website", "web site", "url", "homepage"),
)
"""Field names and labels (already tokenised): general vocabulary."""

Table = list[tuple[tuple[str, ...], tuple[str, ...]]]


def _index(groups: Iterable[tuple[str, ...]]) -> Table:
    # Longest phrase first, so "address line1" is rewritten before "line1".
    pairs = [(tuple(p.split()), tuple(group[0].split())) for group in groups for p in group]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def _rewrite(words: tuple[str, ...], table: Table) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, canonical in table:
            if words[i:i + len(phrase)] == phrase:
                out.extend(canonical)
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


class Vocabulary:
    """The synonym groups in force: the core's field groups and a destination's."""

    def __init__(self, hints: DestinationHints = NO_HINTS, known: frozenset[str] = frozenset()) -> None:
        self.hints = hints
        self.known = known
        """Words glued source words are cut into (``names.segment``)."""
        self._objects = _index(hints.object_groups)
        # The destination's groups first: its phrase wins where both name one.
        self._fields = _index((*hints.field_groups, *FIELD_SYNONYMS))

    def canonical_object(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """Object-name words with every synonym phrase rewritten to its canonical form."""
        return _rewrite(words, self._objects)

    def canonical_field(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """Field-name words with every synonym phrase rewritten to its canonical form."""
        return _rewrite(words, self._fields)


CORE = Vocabulary()
"""The core's groups alone (no destination's)."""
