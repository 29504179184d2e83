""""Did you mean" for unknown object and field names.

CRM names differ from what people type mostly by case and by a suffix (``__c``), so
candidates are compared case-insensitively and returned in their real spelling.
Unlike ``crossmap.errors.did_you_mean`` (one sentence for a diagnostic) this gives
the names themselves, several of them, for messages that list choices.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_names(name: str, candidates: Iterable[str], *, n: int = 3) -> list[str]:
    """The candidates closest to ``name`` (best first, at most ``n``), in their own
    spelling. An exact case-insensitive match comes first on its own."""
    by_folded: dict[str, str] = {}
    for candidate in candidates:
        by_folded.setdefault(candidate.casefold(), candidate)
    folded = name.casefold()
    if folded in by_folded:
        return [by_folded[folded]]
    # 0.7 rather than difflib's 0.6: short CRM names (Contact, Account) are 0.6-similar
    # to many misspellings of each other, and one good suggestion beats three vague ones.
    matches = difflib.get_close_matches(folded, list(by_folded), n=n, cutoff=0.7)
    return [by_folded[m] for m in matches]


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """A message suffix such as ``" (did you mean 'LastName'?)"``, or ``""``."""
    close = close_names(name, candidates)
    if not close:
        return ""
    if len(close) == 1:
        return f" (did you mean {close[0]!r}?)"
    quoted = ", ".join(repr(c) for c in close[:-1])
    return f" (did you mean {quoted} or {close[-1]!r}?)"
