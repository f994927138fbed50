"""Enqueued behaviour: what a test asks the next matching token response to do.

A test enqueues "the next token for client X carries `acr=Level4`" or "the next token request of
user bob fails with `invalid_grant`". Each `Behaviour` has a `Match` (client, user, scope, grant
type; an absent field matches anything) and any of: claims added to or overriding the access
token's and id_token's (`claims`, or per token), a forced error (RFC 6749 §5.2 code, HTTP status,
description), a delay. At a token response the first queued behaviour that matches is taken out
of the queue and applied: behaviours are consumed in order, one per response.

A behaviour is applied once the grant is known (after the code, refresh token or device code was
redeemed), so a forced error spends the code, as a real server's late failure would. The queue
is bounded (`MAX_QUEUED`) and each entry expires (`ttl`, an hour by default), so a test that
enqueues and never requests leaves nothing behind for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from playground.core.clock import Clock
from playground.core.errors import OAuthError
from playground.server.store import Grant
from playground.server.tokens import Extra
from playground.server.trace import TraceBuilder

MAX_QUEUED = 1000
DEFAULT_TTL = 3600.0
MAX_DELAY = 60.0
CONTROL_RULE = "control API (/_playground/behaviours)"


@dataclass(frozen=True, slots=True)
class Match:
    """Which token responses a behaviour applies to; None matches any."""

    client_id: str | None = None
    sub: str | None = None
    scope: str | None = None  # one scope the grant must include
    grant_type: str | None = None

    def fits(self, grant: Grant, grant_type: str) -> bool:
        return ((self.client_id is None or self.client_id == grant.client_id)
                and (self.sub is None or self.sub == grant.sub)
                and (self.scope is None or self.scope in grant.scopes)
                and (self.grant_type is None or self.grant_type == grant_type))

    def given(self) -> dict[str, str]:
        """The fields that narrow the match."""
        return {k: v for k, v in (("client_id", self.client_id), ("sub", self.sub),
                                  ("scope", self.scope), ("grant_type", self.grant_type))
                if v is not None}

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.given().items()) or "any token response"


@dataclass(frozen=True, slots=True)
class ForcedError:
    """An RFC 6749 §5.2 error answer: the code, the HTTP status and the description."""

    error: str
    status: int = 400
    description: str = ""

    def exception(self) -> OAuthError:
        kind = type("EnqueuedError", (OAuthError,), {"error": self.error,
                                                      "status_code": self.status})
        return kind(self.description or f"enqueued error {self.error}",  # type: ignore[no-any-return]
                    rfc=CONTROL_RULE)


@dataclass(frozen=True, slots=True)
class Behaviour:
    id: str
    match: Match = field(default_factory=Match)
    access_token_claims: dict[str, Any] = field(default_factory=dict)
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    error: ForcedError | None = None
    delay: float = 0.0
    expires_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "match": self.match.given(),
            "access_token_claims": self.access_token_claims,
            "id_token_claims": self.id_token_claims,
            "error": None if self.error is None else {
                "error": self.error.error, "status": self.error.status,
                "error_description": self.error.description},
            "delay": self.delay, "expires_at": self.expires_at,
        }


class QueueFull(ValueError):
    """MAX_QUEUED behaviours wait already."""


class BehaviourQueue:
    """The queued behaviours, oldest first; thread-safe (tests enqueue from their own thread)."""

    def __init__(self, clock: Clock, ttl: float = DEFAULT_TTL, limit: int = MAX_QUEUED) -> None:
        self._clock = clock
        self._ttl = ttl
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: list[Behaviour] = []
        self._counter = 0

    def __len__(self) -> int:
        return len(self._queue)

    def new_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"b{self._counter}"

    def add(self, behaviour: Behaviour) -> Behaviour:
        """Queue `behaviour` (stamped with its expiry); QueueFull when the queue is full."""
        with self._lock:
            self._drop_expired()
            if len(self._queue) >= self._limit:
                raise QueueFull(f"{self._limit} behaviours are queued already; reset or "
                                "clear them first")
            stamped = replace(behaviour, expires_at=self._clock.now() + self._ttl)
            self._queue.append(stamped)
            return stamped

    def take(self, grant: Grant, grant_type: str) -> Behaviour | None:
        """Remove and return the first queued behaviour that matches."""
        with self._lock:
            self._drop_expired()
            for i, behaviour in enumerate(self._queue):
                if behaviour.match.fits(grant, grant_type):
                    return self._queue.pop(i)
        return None

    def list(self) -> list[Behaviour]:
        with self._lock:
            self._drop_expired()
            return list(self._queue)

    def clear(self) -> int:
        with self._lock:
            count, self._queue = len(self._queue), []
            return count

    def _drop_expired(self) -> None:
        now = self._clock.now()
        self._queue = [b for b in self._queue if b.expires_at > now]


_GRANT_TYPE: contextvars.ContextVar[str] = contextvars.ContextVar("grant_type", default="")


@contextlib.contextmanager
def grant_type(name: str) -> Iterator[None]:
    """The grant type of the token request being answered (the token endpoint sets it)."""
    token = _GRANT_TYPE.set(name)
    try:
        yield
    finally:
        _GRANT_TYPE.reset(token)


def current_grant_type() -> str:
    return _GRANT_TYPE.get()


async def apply(behaviour: Behaviour | None, trace: TraceBuilder) -> Extra:
    """Wait, fail or return the claims `behaviour` asks for (nothing when None)."""
    if behaviour is None:
        return Extra()
    trace.check(f"enqueued behaviour {behaviour.id} applies", True, behaviour.match.describe(),
                CONTROL_RULE)
    if behaviour.delay > 0:
        trace.finding("control:delay", f"answered after an enqueued delay of "
                      f"{behaviour.delay:g} s", CONTROL_RULE, "nothing to fix: a test asked for it",
                      "info")
        await asyncio.sleep(behaviour.delay)
    if behaviour.error is not None:
        error = behaviour.error.exception()
        trace.require("no enqueued error", False, error)
    return Extra(dict(behaviour.access_token_claims), dict(behaviour.id_token_claims))
