"""Synonyms: phrases two CRM systems use for one thing.

Each group lists equivalent phrases; the first is the canonical one every other is
rewritten to before names are compared. The groups are general CRM and
field-service vocabulary (what a customer, a job, a visit is called in different
products), not pairs read off any particular spec. Keep them small: a wrong synonym
costs precision everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

OBJECT_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("account", "customer", "client", "company", "organization", "household"),
    ("case", "job", "work order", "ticket", "service request", "incident", "issue"),
    ("event", "appointment", "visit", "meeting", "booking", "calendar entry"),
    ("user", "technician", "employee", "staff member", "agent", "worker", "resource"),
    ("contact", "customer contact", "person", "client contact"),
    ("comment", "note", "remark"),
    ("content version", "attachment", "file", "document", "upload"),
    ("task", "communication", "call", "activity", "interaction", "to do"),
    ("opportunity", "deal", "estimate", "quote request"),
    ("lead", "prospect", "inquiry"),
    ("product", "part", "sku"),
)
"""Object names (already tokenised and singular)."""

FIELD_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("street", "address line1", "address1", "line1", "street address"),
    ("street 2", "address line2", "address2", "line2"),
    ("city", "address city", "town", "locality"),
    ("state", "address region", "address state", "region", "province", "county"),
    ("postal code", "address postal code", "zip code", "postcode"),
    ("country", "address country", "nation"),
    ("description", "note", "notes", "details", "remarks"),
    ("subject", "title", "headline", "file name", "summary"),
    ("priority", "urgency", "severity", "importance"),
    ("origin", "channel", "source channel", "intake channel"),
    ("name", "company name", "account name", "organization name", "business name"),
    ("phone", "phone number", "telephone number", "business phone"),
    ("mobile phone", "mobile", "cell phone", "mobile number"),
    ("email", "email address", "e mail"),
    ("comment body", "body", "comment text", "note body"),
    ("start datetime", "starts datetime", "begin datetime", "scheduled start datetime"),
    ("end datetime", "ends datetime", "finish datetime", "scheduled end datetime"),
    ("all day event", "all day", "full day"),
    ("quantity", "count of units", "units"),
    ("active", "enabled"),
    ("website", "web site", "url", "homepage"),
)
"""Field names and labels (already tokenised)."""


def _index(groups: Iterable[tuple[str, ...]]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    # Longest phrase first, so "address line1" is rewritten before "line1".
    pairs = [(tuple(p.split()), tuple(group[0].split())) for group in groups for p in group]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


_OBJECTS = _index(OBJECT_SYNONYMS)
_FIELDS = _index(FIELD_SYNONYMS)


def _rewrite(words: tuple[str, ...], table: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> tuple[str, ...]:
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


def canonical_object(words: tuple[str, ...]) -> tuple[str, ...]:
    """Object-name words with every synonym phrase rewritten to its canonical form."""
    return _rewrite(words, _OBJECTS)


def canonical_field(words: tuple[str, ...]) -> tuple[str, ...]:
    """Field-name words with every synonym phrase rewritten to its canonical form."""
    return _rewrite(words, _FIELDS)
