"""Lookups through the crosswalk of the state store, with a bounded cache.

A transform asks for one key at a time; the engine prefetches the keys of a whole
page first (one query per step and chunk), so the per-record path is a dict hit.
The cache is bounded, so memory stays flat however many records a run moves.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from crossmap.state import StateStore

CACHE_SIZE = 20_000
"""Crosswalk entries kept in memory per run (least recently used are dropped)."""


class CrosswalkLookups:
    """``Lookups`` backed by the state store's crosswalk."""

    def __init__(self, store: StateStore, fallbacks: dict[str, str] | None = None, size: int = CACHE_SIZE) -> None:
        self.store = store
        self.fallbacks = dict(fallbacks or {})
        self.size = size
        self.merges: dict[str, dict[str, str]] = {}
        """step -> {merged-away source key: the key it was merged into}"""
        self._cache: OrderedDict[tuple[str, str], str | None] = OrderedDict()

    def find(self, step: str, key: object) -> str | None:
        if key is None:
            return None
        text = key if isinstance(key, str) else str(key)
        entry = (step, text)
        cache = self._cache
        if entry in cache:
            cache.move_to_end(entry)
            return cache[entry]
        found = self.store.id_for(step, text)
        if found is None:
            survivor = self.merges.get(step, {}).get(text)
            if survivor is not None and survivor != text:
                # A record merged into another: its children follow the merge.
                found = self.find(step, survivor)
        self._remember(entry, found)
        return found

    def fallback(self, step: str) -> str | None:
        return self.fallbacks.get(step)

    def prefetch(self, step: str, keys: Iterable[object]) -> None:
        """Load the ids of ``keys`` in one round trip (absent ones cached as absent)."""
        cache = self._cache
        wanted = {
            text for text in (k if isinstance(k, str) else str(k) for k in keys if k is not None)
            if (step, text) not in cache
        }
        if not wanted:
            return
        found = self.store.ids(step, wanted)
        merged = self.merges.get(step, {})
        for key in wanted:
            if key in found or key not in merged:  # a merged-away key is resolved by find()
                self._remember((step, key), found.get(key))

    def learn(self, step: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Ids just loaded by this run, so children of the same run find them."""
        for key, id in pairs:
            self._remember((step, key), id)

    def _remember(self, entry: tuple[str, str], value: str | None) -> None:
        cache = self._cache
        cache[entry] = value
        cache.move_to_end(entry)
        if len(cache) > self.size:
            cache.popitem(last=False)
