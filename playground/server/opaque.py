"""Opaque access tokens (RFC 6749 §1.4), for clients registered with `accessTokenFormat: "opaque"`.

RFC 6749 §1.4: an access token is "usually opaque to the client"; here it is a random string of
256 bits (§10.10: guessing it must be infeasible) and its claims — those an RFC 9068 JWT would
carry: `iss sub aud client_id scope iat exp jti`, `cnf`, `act` and any extra ones — stay on the
server, where a resource server reads them by introspection (RFC 7662 §2.2).

Records are keyed by the SHA-256 of the token, so the store never holds a usable token. They
live the access token's lifetime and at most MAX_OPAQUE_TOKENS are kept, oldest evicted first
(playground.server.expiring); an evicted token is unknown, so inactive. Revocation is not kept
here: each record's `jti` is held and revoked by the TokenStore, exactly like a JWT's.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from typing import Any

from playground.core.clock import Clock
from playground.server.expiring import ExpiringMap
from playground.server.store import MAX_ACCESS_TOKENS

MAX_OPAQUE_TOKENS = MAX_ACCESS_TOKENS
TOKEN_BYTES = 32  # RFC 6749 §10.10; base64url, so never a '.' (a JWS has two, RFC 7515 §7.1)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class OpaqueTokens:
    """The claims of each live opaque access token, by the hash of the token. Thread-safe."""

    def __init__(self, clock: Clock, ttl: float, max_size: int = MAX_OPAQUE_TOKENS) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max_size = max_size
        self._lock = threading.Lock()
        self._records: ExpiringMap[bytes, dict[str, Any]] = ExpiringMap(clock, ttl, max_size)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def issue(self, claims: dict[str, Any]) -> str:
        """A new opaque token standing for `claims` (RFC 6749 §1.4)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._lock:
            self._records.put(_digest(token), dict(claims))
        return token

    def claims(self, token: str) -> dict[str, Any] | None:
        """A copy of the claims of `token`, or None when it is unknown, evicted or dropped by
        age (its `exp` is the caller's to check)."""
        with self._lock:
            record = self._records.get(_digest(token))
            return dict(record) if record is not None else None

    def update(self, token: str, changes: dict[str, Any]) -> bool:
        """Change the claims of a held token in place (the `tokens-expired` fault moves its
        `exp` back); False when the token is not held here."""
        with self._lock:
            record = self._records.get(_digest(token))
            if record is not None:
                record.update(changes)
            return record is not None

    def clear(self) -> None:
        """Forget every token (the server's reset)."""
        with self._lock:
            self._records = ExpiringMap(self._clock, self._ttl, self._max_size)
