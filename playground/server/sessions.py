"""Pending interactions (an authorization request waiting for sign-in and consent), login sessions.

Each interaction is bound to the user agent that started it by a cookie (RFC 6749 §10.12: the
login and consent steps must not be completable by another party), and its forms carry a CSRF
token. Interactions expire on the injected clock.

Both stores are `ExpiringMap`s (playground.server.expiring): pruned a few entries at a time on
each write, never rebuilt, and capped, oldest evicted first:

- interactions live `interaction_ttl` (ServerConfig, 10 min); at most MAX_INTERACTIONS pending.
  A finished one is dropped at once. An evicted one is unknown: its page answers "this
  sign-in request is unknown, finished or expired", and the client starts a new authorization.
- login sessions live SESSION_TTL (8 h); at most MAX_SESSIONS. An evicted session is a sign-out:
  the user signs in again, and `prompt=none` answers `login_required` (OIDC Core §3.1.2.6).
  `end` is the sign-out itself (OIDC RP-Initiated Logout §2, playground.server.logout); each
  session carries the CSRF token of its sign-out confirmation form (§5).
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field

from playground.core.clock import Clock
from playground.server.authorization_request import AuthorizationRequest
from playground.server.expiring import ExpiringMap

COOKIE = "pg_interaction"
SESSION_COOKIE = "pg_session"
SESSION_TTL = 8 * 3600.0
MAX_INTERACTIONS = 4096
MAX_SESSIONS = 4096


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
    device: tuple[str, str] | None = None  # RFC 8628: (device_code, user code as shown)
    base: str = ""  # the issuer's path: a tenant's, or a configured issuer's (`/idp`)

    @property
    def prompt(self) -> str:
        return "login" if self.user is None else "consent"

    @property
    def path(self) -> str:
        return f"{self.base}/interaction/{self.uid}"


class InteractionStore:
    """Pending interactions by uid; `items` is the map, for its size and work counters."""

    def __init__(self, clock: Clock, ttl: float, max_size: int = MAX_INTERACTIONS,
                 base: str = "") -> None:
        self._clock = clock
        self._ttl = ttl
        self._base = base
        self._lock = threading.Lock()
        self.items: ExpiringMap[str, Interaction] = ExpiringMap(clock, ttl, max_size)

    def create(self, request: AuthorizationRequest,
               device: tuple[str, str] | None = None) -> Interaction:
        """A pending sign-in for `request`; `device` when it answers a device code instead of
        redirecting (RFC 8628 §3.3)."""
        item = Interaction(
            uid=secrets.token_urlsafe(16), request=request, binding=secrets.token_urlsafe(24),
            csrf=secrets.token_urlsafe(24), expires_at=self._clock.now() + self._ttl,
            device=device, base=self._base,
        )
        with self._lock:
            self.items.put(item.uid, item)
        return item

    def get(self, uid: str) -> Interaction | None:
        with self._lock:
            item = self.items.get(uid)
        if item is None or item.done or self._clock.now() >= item.expires_at:
            return None
        return item

    def finish(self, item: Interaction) -> bool:
        """Mark `item` completed; False when another request already completed it."""
        with self._lock:
            if item.done:
                return False
            item.done = True
            self.items.pop(item.uid)
            return True


@dataclass(frozen=True, slots=True)
class LoginSession:
    """A remembered sign-in (OIDC Core §3.1.2.1 `prompt=none` needs one to succeed)."""

    sub: str
    auth_time: int
    expires_at: float
    csrf: str = ""  # of the sign-out confirmation form (OIDC RP-Initiated Logout §5)


class LoginSessions:
    """Remembered sign-ins by session id (the `pg_session` cookie); `items` is the map.

    Under an issuer with a path (`base`, a tenant's) the cookie is `pg_session_<path>` with
    that `Path`, so each tenant's sign-in is its own: one name at two paths would reach the
    server as two cookies of one name, of which a parser keeps one."""

    def __init__(self, clock: Clock, ttl: float = SESSION_TTL,
                 max_size: int = MAX_SESSIONS, base: str = "") -> None:
        self._clock = clock
        self._ttl = ttl
        self.name = SESSION_COOKIE + (re.sub(r"[^A-Za-z0-9]", "_", base) if base else "")
        self._path = base or "/"
        self._lock = threading.Lock()
        self.items: ExpiringMap[str, LoginSession] = ExpiringMap(clock, ttl, max_size)

    def create(self, sub: str, auth_time: int) -> str:
        sid = secrets.token_urlsafe(24)
        with self._lock:
            self.items.put(sid, LoginSession(sub, auth_time, self._clock.now() + self._ttl,
                                             secrets.token_urlsafe(24)))
        return sid

    def end(self, sid: str) -> LoginSession | None:
        """Drop the session (a sign-out); the session it was, if it was live."""
        with self._lock:
            return self.items.pop(sid)

    def get(self, sid: str | None) -> LoginSession | None:
        if not sid:
            return None
        with self._lock:
            session = self.items.get(sid)
        if session is None or self._clock.now() >= session.expires_at:
            return None
        return session

    def cookie(self, sid: str) -> str:
        return (f"{self.name}={sid}; Path={self._path}; HttpOnly; SameSite=Lax; "
                f"Max-Age={int(self._ttl)}")

    def clear_cookie(self) -> str:
        """The Set-Cookie that makes the user agent forget its session cookie."""
        return f"{self.name}=; Path={self._path}; HttpOnly; SameSite=Lax; Max-Age=0"
