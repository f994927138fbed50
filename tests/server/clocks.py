"""A clock for store tests: it moves only when told, and counts how often it is read."""

from __future__ import annotations


class ManualClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.t = start
        self.reads = 0

    def now(self) -> float:
        self.reads += 1
        return self.t
