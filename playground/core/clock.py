"""Injectable time, so tests and the UI can move the clock (codes and tokens expire on it).

Waiting is on the clock too: `sleep_on(clock, s)` waits in real time, except on a clock that
passes time itself (`SimulatedClock`), so a test or a lab scenario polls a device code every
5 s (RFC 8628 §3.5) without sleeping.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Protocol, runtime_checkable


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class AdjustableClock:
    """The wall clock plus an offset that can only be moved forward or back explicitly."""

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def set(self, epoch: float) -> None:
        """From now on the clock reads `epoch` (and runs on from there)."""
        with self._lock:
            self._offset = epoch - time.time()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


class SimulatedClock:
    """Time that passes when slept: `sleep(s)` moves `base` (e.g. the embedded server's
    `AdjustableClock`, so the server sees the same time pass) forward `s` seconds at once."""

    def __init__(self, base: AdjustableClock) -> None:
        self.base = base
        self.slept = 0.0

    def now(self) -> float:
        return self.base.now()

    async def sleep(self, seconds: float) -> None:
        self.base.advance(seconds)
        self.slept += seconds
        await asyncio.sleep(0)  # let other tasks run, as a real wait would


@runtime_checkable
class SleepingClock(Protocol):
    """A clock that does its own waiting (`SimulatedClock`, or a test's)."""

    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


async def sleep_on(clock: Clock, seconds: float) -> None:
    """Wait `seconds` on `clock`: as the clock waits when it can (`SleepingClock`), else in
    real time."""
    if isinstance(clock, SleepingClock):
        await clock.sleep(seconds)
    else:
        await asyncio.sleep(seconds)
