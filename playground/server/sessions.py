"""Pending interactions: an authorization request waiting for the user to sign in and consent.

Each interaction is bound to the user agent that started it by a cookie (RFC 6749 §10.12: the
login and consent steps must not be completable by another party), and its forms carry a CSRF
token. Interactions expire on the injected clock.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from playground.core.clock import Clock

if TYPE_CHECKING:
    from playground.server.authorize import AuthorizationRequest

COOKIE = "pg_interaction"
SESSION_COOKIE = "pg_session"
SESSION_TTL = 8 * 3600.0


@dataclass(slots=True)
class Interaction:
    uid: str
    request: AuthorizationRequest
    binding: str
    csrf: str
    expires_at: float
    user: str | None = None
    auth_time: int = 0
    done: bool = field(default=False)

    @property
    def prompt(self) -> str:
        return "login" if self.user is None else "consent"

    @property
    def path(self) -> str:
        return f"/interaction/{self.uid}"


class InteractionStore:
    def __init__(self, clock: Clock, ttl: float) -> None:
        self._clock = clock
        self._ttl = ttl
        self._lock = threading.Lock()
        self._items: dict[str, Interaction] = {}

    def create(self, request: AuthorizationRequest) -> Interaction:
        item = Interaction(
            uid=secrets.token_urlsafe(16), request=request, binding=secrets.token_urlsafe(24),
            csrf=secrets.token_urlsafe(24), expires_at=self._clock.now() + self._ttl,
        )
        with self._lock:
            self._prune()
            self._items[item.uid] = item
        return item

    def get(self, uid: str) -> Interaction | None:
        item = self._items.get(uid)
        if item is None or item.done or self._clock.now() >= item.expires_at:
            return None
        return item

    def finish(self, item: Interaction) -> bool:
        """Mark `item` completed; False when another request already completed it."""
        with self._lock:
            if item.done:
                return False
            item.done = True
            self._items.pop(item.uid, None)
            return True

    def _prune(self) -> None:
        if len(self._items) < 1024:
            return
        now = self._clock.now()
        self._items = {k: v for k, v in self._items.items() if v.expires_at > now}


@dataclass(frozen=True, slots=True)
class LoginSession:
    """A remembered sign-in (OIDC Core §3.1.2.1 `prompt=none` needs one to succeed)."""

    sub: str
    auth_time: int
    expires_at: float


class LoginSessions:
    """Remembered sign-ins by session id (the `pg_session` cookie)."""

    def __init__(self, clock: Clock, ttl: float = SESSION_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._lock = threading.Lock()
        self._items: dict[str, LoginSession] = {}

    def create(self, sub: str, auth_time: int) -> str:
        sid = secrets.token_urlsafe(24)
        with self._lock:
            if len(self._items) >= 1024:
                now = self._clock.now()
                self._items = {k: v for k, v in self._items.items() if v.expires_at > now}
            self._items[sid] = LoginSession(sub, auth_time, self._clock.now() + self._ttl)
        return sid

    def get(self, sid: str | None) -> LoginSession | None:
        session = self._items.get(sid) if sid else None
        if session is None or self._clock.now() >= session.expires_at:
            return None
        return session

    def cookie(self, sid: str) -> str:
        return f"{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax; Max-Age={int(self._ttl)}"
