"""Limits on wrong user codes at the verification page: RFC 8628 §5.1.

§5.1: a user code is short enough to be guessed, so "the authorization server MUST rate-limit
user code attempts": with 34.5 bits (§6.1) and a limit of a few guesses per session, finding a
live code is hopeless. Two limits, both on the injected clock:

- per browser session (the `pg_device` cookie): after MAX_WRONG wrong codes it may try no code,
  right or wrong, until LOCKOUT seconds after its last wrong one;
- in total (an attacker can drop the cookie): at most MAX_WRONG_PER_MINUTE wrong codes in any
  60 s, after which every session waits for the oldest of them to age out.

Both are `ExpiringMap`s, so they are bounded and forget by time.
"""

from __future__ import annotations

import itertools
import threading

from playground.core.clock import Clock
from playground.server.expiring import ExpiringMap

MAX_WRONG = 5
LOCKOUT = 300.0
MAX_WRONG_PER_MINUTE = 30
MAX_SESSIONS = 4096


class UserCodeAttempts:
    """Counts wrong user codes per session and in total; says when to refuse a try."""

    def __init__(self, clock: Clock, *, max_wrong: int = MAX_WRONG, lockout: float = LOCKOUT,
                 per_minute: int = MAX_WRONG_PER_MINUTE, max_sessions: int = MAX_SESSIONS) -> None:
        self.max_wrong = max_wrong
        self.lockout = lockout
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._wrong: ExpiringMap[str, int] = ExpiringMap(clock, lockout, max_sessions)
        self._recent: ExpiringMap[int, None] = ExpiringMap(clock, 60.0, per_minute)
        self._ids = itertools.count()

    def sizes(self) -> dict[str, int]:
        with self._lock:
            return {"sessions": len(self._wrong), "last_minute": len(self._recent)}

    def refusal(self, session: str) -> str | None:
        """Why `session` may not try a code now, or None."""
        with self._lock:
            if (self._wrong.get(session) or 0) >= self.max_wrong:
                return (f"{self.max_wrong} wrong codes were entered in this browser; wait "
                        f"{self.lockout / 60:g} minutes before trying again")
            self._recent.prune()
            if len(self._recent) >= self.per_minute:
                return ("too many wrong codes were entered on this server in the last minute; "
                        "wait a minute before trying again")
            return None

    def wrong(self, session: str) -> int:
        """Count a wrong code; how many tries `session` has left."""
        with self._lock:
            count = (self._wrong.get(session) or 0) + 1
            self._wrong.put(session, count)
            self._recent.put(next(self._ids), None)
            return max(0, self.max_wrong - count)
