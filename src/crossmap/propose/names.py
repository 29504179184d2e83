"""Names and labels as comparable token lists.

``billing_address_line1``, ``BillingStreet``, ``QD_Completed_At__c`` and
``"Billing Zip/Postal Code"`` are all split into lower-case words, stripped of the
decoration systems add (``__c``, ``custom_``), with abbreviations expanded, so that
two systems' spellings of one idea compare equal. The tables are data: each entry is
ordinary CRM vocabulary, not a pair taken from any one spec.
"""

from __future__ import annotations

import re

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "qty": ("quantity",),
    "addr": ("address",),
    "desc": ("description",),
    "descr": ("description",),
    "num": ("number",),
    "no": ("number",),
    "nbr": ("number",),
    "amt": ("amount",),
    "tel": ("phone",),
    "telephone": ("phone",),
    "cell": ("mobile",),
    "fname": ("first", "name"),
    "lname": ("last", "name"),
    "firstname": ("first", "name"),
    "lastname": ("last", "name"),
    "zip": ("postal", "code"),
    "zipcode": ("postal", "code"),
    "postcode": ("postal", "code"),
    "dob": ("birth", "date"),
    "birthdate": ("birth", "date"),
    "dt": ("date",),
    "ts": ("datetime",),
    "msg": ("message",),
    "cust": ("customer",),
    "acct": ("account",),
    "org": ("organization",),
    "dept": ("department",),
    "mgr": ("manager",),
    "tech": ("technician",),
    "appt": ("appointment",),
    "pct": ("percent",),
    "ext": ("extension",),
    "ids": ("id",),
}
"""Short forms → the words they stand for."""

PREFIXES: tuple[str, ...] = ("custom", "cf", "x", "is", "has")
"""Leading words that decorate a field name without adding meaning (``custom_``
properties, ``is_``/``has_`` booleans); dropped unless nothing else is left."""

SUFFIX_WORDS: dict[str, tuple[str, ...]] = {
    "at": ("datetime",),
    "on": ("date",),
}
"""A trailing ``_at`` / ``_on`` is the common spelling of a timestamp / a date."""

NOISE: frozenset[str] = frozenset({"the", "of", "a", "an", "to", "for", "c"})
"""Words that carry no meaning in a field name or label."""

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_CUSTOM_SUFFIX = re.compile(r"__(c|r|mdt|e|x)$", re.IGNORECASE)


def split_words(text: str) -> list[str]:
    """Raw lower-case words of an identifier or label: camelCase, snake_case,
    kebab, spaces and ``/`` all split; ``__c`` and like suffixes are dropped."""
    text = _CUSTOM_SUFFIX.sub("", text)
    words: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", text):
        words.extend(w.lower() for w in _CAMEL.findall(chunk))
    return words


def _join_compounds(words: list[str]) -> list[str]:
    # "Date Time" and "DateTime" are one idea; so is "line 1" (an address line).
    out: list[str] = []
    for word in words:
        if out and out[-1] == "date" and word == "time":
            out[-1] = "datetime"
        elif out and out[-1] == "line" and word.isdigit():
            out[-1] = "line" + word
        else:
            out.append(word)
    return out


MIN_GLUED = 6
"""Shortest all-lower-case word that may be several words written together."""


def segment(word: str, known: frozenset[str]) -> tuple[str, ...]:
    """``word`` cut into words of ``known`` where it is several written together
    (``numberofemployees`` → ``number of employees``, ``mobilephone`` → ``mobile
    phone``), else ``(word,)``. One unknown piece of three or more letters is
    allowed when known words make up most of ``word`` (``jobtitle`` → ``job
    title``), so exports that glue words meet a destination that spells them out."""
    if len(word) < MIN_GLUED or word in known or not word.isalpha():
        return (word,)
    n = len(word)
    # best[i]: (cost, pieces, unknown letters) of the best cut of word[:i].
    best: list[tuple[float, tuple[str, ...], int] | None] = [None] * (n + 1)
    best[0] = (0.0, (), 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - 24), end):
            before = best[start]
            if before is None:
                continue
            piece = word[start:end]
            if piece in known and len(piece) >= 2:
                candidate = (before[0] + 1, (*before[1], piece), before[2])
            elif len(piece) >= 3 and before[2] == 0:
                candidate = (before[0] + 1 + len(piece) / 2, (*before[1], piece), len(piece))
            else:
                continue
            current = best[end]
            if current is None or candidate[0] < current[0]:
                best[end] = candidate
    found = best[n]
    if found is None or len(found[1]) < 2 or found[2] > 0.6 * n:
        return (word,)
    return found[1]


def tokens(
    text: str, *, system_prefix: str | None = None, known: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """The comparable words of a name or label.

    ``system_prefix`` (``qd``) is a leading word a migration stamps on its own
    custom fields; it is dropped like ``custom_``. ``known`` are the words glued
    words are cut into (``segment``).
    """
    split = split_words(text)
    if known:
        split = [piece for word in split for piece in
                 (segment(word, known) if word not in ABBREVIATIONS else (word,))]
    words = _join_compounds(split)
    expanded: list[str] = []
    for word in words:
        expanded.extend(ABBREVIATIONS.get(word, (word,)))
    if len(expanded) > 1 and expanded[-1] in SUFFIX_WORDS:
        expanded[-1:] = SUFFIX_WORDS[expanded[-1]]
    drop = set(PREFIXES) | ({system_prefix.lower()} if system_prefix else set())
    while len(expanded) > 1 and expanded[0] in drop:
        expanded.pop(0)
    kept = [w for w in expanded if w not in NOISE]
    return tuple(kept or expanded)


def singular(word: str) -> str:
    """A plural English noun made singular, well enough for object names."""
    lowered = word.lower()
    if lowered.endswith("ies") and len(word) > 4:
        return word[:-3] + ("Y" if word[-3:].isupper() else "y")
    if lowered.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if lowered.endswith("s") and not lowered.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def singular_tokens(words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` with the last one singular (``line items`` → ``line item``)."""
    if not words:
        return words
    return (*words[:-1], singular(words[-1]))


def title_identifier(words: list[str] | tuple[str, ...]) -> str:
    """``["equipment", "model"]`` → ``Equipment_Model`` (the way custom field API
    names are usually written)."""
    return "_".join(w[:1].upper() + w[1:] for w in words if w)


def field_words(name: str) -> list[str]:
    """The words a custom field named after the source field ``name`` is built
    from: the raw words, without a ``custom_`` prefix."""
    words = split_words(name)
    while len(words) > 1 and words[0] in ("custom", "cf"):
        words.pop(0)
    return words
