"""A map whose entries expire on the injected clock, pruned incrementally, with a size cap.

Every store the server keeps between requests — codes, refresh tokens, live access tokens,
pending interactions, login sessions, decision traces — is one of these, so the server's memory
and its cost per request stay flat however long it runs (RFC 6749 §4.1.2 asks for short-lived
codes; RFC 9700 §4.14.2 bounds refresh tokens by lifetime too).

All entries of one map share one lifetime, `ttl`, so insertion order is expiry order: the oldest
entry is the first to expire. A write prunes by popping from the front while the front has
expired, and past `max_size` it evicts from the front (oldest first). Each entry is popped once,
so pruning costs O(1) amortised per operation and never rebuilds the map. An `OrderedDict`, not a
`dict`: finding a dict's first item after many deletions from its front walks the holes they left.

The clock is the server's injected one: moving it forward expires entries. Moving it back
(`AdjustableClock.reset`) can put an entry that expires later in front of one that expires
sooner; the sooner one is then dropped when it is read, when everything in front of it has
expired, or by the cap — it is never returned after its expiry.

Not thread-safe: each store holds its own lock around a whole operation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from playground.core.clock import Clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringMap(Generic[K, V]):
    """Entries live `ttl` seconds from their last `put`; at most `max_size` are kept.

    `examined` counts the entries pruning looked at and `evicted` those dropped by the cap, so
    tests can check the work done per operation without timing anything.
    """

    __slots__ = ("_clock", "_entries", "evicted", "examined", "max_size", "ttl")

    def __init__(self, clock: Clock, ttl: float, max_size: int) -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be at least 1, not {max_size}")
        self._clock = clock
        self.ttl = ttl
        self.max_size = max_size
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self.examined = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, key: K, value: V) -> None:
        """Store `value` under `key`, expiring `ttl` from now (a present key moves to the back)."""
        now = self._clock.now()
        self._entries[key] = (now + self.ttl, value)
        self._entries.move_to_end(key)
        self._prune(now)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)
            self.evicted += 1

    def get(self, key: K) -> V | None:
        """The value under `key`, or None when it is absent or expired (then it is dropped)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock.now() >= entry[0]:
            del self._entries[key]
            return None
        return entry[1]

    def pop(self, key: K) -> V | None:
        """Remove `key`; its value if it was present and unexpired."""
        entry = self._entries.pop(key, None)
        if entry is None or self._clock.now() >= entry[0]:
            return None
        return entry[1]

    def values(self) -> list[V]:
        """The unexpired values, oldest first (O(n): for listings, not per request)."""
        now = self._clock.now()
        return [value for expires_at, value in self._entries.values() if now < expires_at]

    def prune(self) -> None:
        """Drop the expired entries at the front (writes do this themselves)."""
        self._prune(self._clock.now())

    def _prune(self, now: float) -> None:
        entries = self._entries
        while entries:
            self.examined += 1
            oldest = next(iter(entries))
            if now < entries[oldest][0]:
                return
            del entries[oldest]
