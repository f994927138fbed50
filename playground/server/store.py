"""Authorization codes, refresh tokens and live access tokens, in memory and thread-safe.

RFC 6749 §4.1.2: a code is short-lived and single-use; "If an authorization code is used more
than once, the authorization server MUST deny the request and SHOULD revoke (when possible) all
tokens previously issued based on that authorization code." §10.5: codes are bound to the client
and redirect URI; RFC 7636 §4.4 binds them to the code_challenge. RFC 9700 §4.14.2: refresh tokens
of public clients rotate, and reuse of a rotated token revokes the whole family.

Every record expires on the injected clock and every kind is capped, oldest evicted first
(playground.server.expiring), so memory and the cost of a request stay flat:

- codes live `code_ttl` + REPLAY_GRACE, so a replay shortly after expiry is still recognised as
  one; at most MAX_CODES. An evicted code is just unknown (invalid_grant); what it issued stays.
- refresh tokens live `refresh_ttl`, rotated ones too (for reuse detection); at most
  MAX_REFRESH_TOKENS. An evicted one is unknown (invalid_grant); reusing an evicted rotated token
  is refused but no longer revokes its family.
- access tokens: the jti of each live one, kept `access_ttl` from issue — its `exp`, after which
  it fails verification anyway; at most MAX_ACCESS_TOKENS. A jti not held counts as revoked:
  revoking a token drops it, and the cap makes the oldest tokens inactive early (userinfo answers
  invalid_token, introspection `active: false`; the client refreshes). Eviction never un-revokes.
- a token family is a `Family` object that every refresh token, access token and code descended
  from it points to; revoking marks it, which revokes them all at once (no member lists). It
  lives as long as the newest thing that points to it (its id index holds it weakly), so it
  needs no store of its own.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playground.core.clock import Clock
from playground.core.errors import InvalidGrant
from playground.server.expiring import ExpiringMap

REPLAY_GRACE = 600.0
MAX_CODES = 4096
MAX_REFRESH_TOKENS = 4096
MAX_ACCESS_TOKENS = 8192


@dataclass(frozen=True, slots=True)
class Grant:
    """What the user approved for a client: the basis of every token issued from it."""

    client_id: str
    sub: str
    scopes: tuple[str, ...]
    auth_time: int
    nonce: str | None = None
    audience: str | None = None  # RFC 8693 §2.1 `audience`/`resource`: whom the token is for
    act: dict[str, Any] | None = None  # RFC 8693 §4.1: the acting party, when delegated
    jkt: str | None = None  # RFC 9449 §6.1, §5: the DPoP key the tokens are bound to


@dataclass(slots=True, weakref_slot=True)
class Family:
    """Tokens that stand or fall together: revoking it revokes every token that points to it."""

    revoked: bool = False


@dataclass(slots=True)
class CodeRecord:
    code: str
    grant: Grant
    redirect_uri: str
    redirect_uri_given: bool
    challenge: str | None
    method: str | None
    expires_at: float
    redeemed: bool = False
    replayed: bool = False
    issued: Family = field(default_factory=Family)  # the access tokens the code issued
    families: list[Family] = field(default_factory=list)  # the refresh families it started


@dataclass(slots=True)
class RefreshRecord:
    token: str
    family: str  # the family's id
    grant: Grant
    expires_at: float
    lineage: Family = field(default_factory=Family)  # the family itself
    used: bool = False


class TokenStore:
    """Everything the server remembers between requests. One lock; every operation is O(1)."""

    def __init__(self, clock: Clock, code_ttl: float, refresh_ttl: float,
                 access_ttl: float, *, max_codes: int = MAX_CODES,
                 max_refresh: int = MAX_REFRESH_TOKENS,
                 max_access: int = MAX_ACCESS_TOKENS) -> None:
        self._clock = clock
        self.code_ttl = code_ttl
        self.refresh_ttl = refresh_ttl
        self._lock = threading.Lock()
        self._codes: ExpiringMap[str, CodeRecord] = ExpiringMap(
            clock, code_ttl + REPLAY_GRACE, max_codes)
        self._refresh: ExpiringMap[str, RefreshRecord] = ExpiringMap(
            clock, refresh_ttl, max_refresh)
        self._access: ExpiringMap[str, tuple[Family, ...]] = ExpiringMap(
            clock, access_ttl, max_access)
        self._families: weakref.WeakValueDictionary[str, Family] = weakref.WeakValueDictionary()

    def sizes(self) -> dict[str, int]:
        """How many of each record are held (families: those something still points to)."""
        with self._lock:
            return {"codes": len(self._codes), "refresh_tokens": len(self._refresh),
                    "access_tokens": len(self._access), "families": len(self._families)}

    # -- authorization codes ------------------------------------------------------------------
    def issue_code(self, grant: Grant, redirect_uri: str, redirect_uri_given: bool,
                   challenge: str | None, method: str | None) -> str:
        code = secrets.token_urlsafe(32)
        record = CodeRecord(code, grant, redirect_uri, redirect_uri_given, challenge, method,
                            self._clock.now() + self.code_ttl)
        with self._lock:
            self._codes.put(code, record)
        return code

    def redeem_code(self, code: str, validate: Callable[[CodeRecord], None]) -> CodeRecord:
        """Atomically check and consume `code`; `validate` raises on a binding mismatch.

        A second redemption of a consumed code fails and revokes what the first one issued.
        """
        with self._lock:
            record = self._codes.get(code)
            if record is None:
                raise InvalidGrant("the authorization code is unknown", rfc="RFC 6749 §5.2")
            if record.redeemed:
                self._revoke_code_tokens(record)
                raise InvalidGrant(
                    "the authorization code was already used; every token issued from it is "
                    "now revoked", rfc="RFC 6749 §4.1.2",
                )
            if self._clock.now() >= record.expires_at:
                raise InvalidGrant(
                    f"the authorization code expired (lifetime {self.code_ttl:g} s)",
                    rfc="RFC 6749 §4.1.2",
                )
            validate(record)
            record.redeemed = True
            return record

    def attach_to_code(self, record: CodeRecord, jti: str, family: str | None) -> None:
        """Remember what a code produced, so a replay can revoke it (even mid-race)."""
        with self._lock:
            started = self._families.get(family) if family else None
            if started is not None:
                record.families.append(started)
            self._link(jti, record.issued)
            if record.replayed:
                self._revoke_code_tokens(record)

    def revoke_code_tokens(self, record: CodeRecord) -> None:
        """A replayed code (or device code, RFC 8628 §3.5): revoke every token it issued."""
        with self._lock:
            self._revoke_code_tokens(record)

    @staticmethod
    def _revoke_code_tokens(record: CodeRecord) -> None:
        record.replayed = True
        record.issued.revoked = True
        for family in record.families:
            family.revoked = True

    # -- refresh tokens -----------------------------------------------------------------------
    def issue_refresh(self, grant: Grant, family: str | None = None) -> tuple[str, str]:
        """A new opaque refresh token, in `family` (a new family when None)."""
        token = secrets.token_urlsafe(32)
        family = family or secrets.token_urlsafe(12)
        with self._lock:
            lineage = self._families.get(family)
            if lineage is None:
                lineage = self._families[family] = Family()
            self._refresh.put(token, RefreshRecord(token, family, grant,
                                                   self._clock.now() + self.refresh_ttl, lineage))
        return token, family

    def use_refresh(self, token: str, client_id: str, rotate: bool,
                    validate: Callable[[RefreshRecord], None]) -> RefreshRecord:
        """Check a refresh token, then `validate` it; when `rotate`, mark it used.

        A second use of a rotated token revokes its whole family.
        """
        with self._lock:
            record = self._refresh.get(token)
            if record is None or record.grant.client_id != client_id:
                raise InvalidGrant("the refresh token is unknown or was issued to another client",
                                   rfc="RFC 6749 §5.2")
            if record.lineage.revoked:
                raise InvalidGrant("the refresh token was revoked", rfc="RFC 6749 §5.2")
            if record.used:
                record.lineage.revoked = True
                raise InvalidGrant(
                    "the refresh token was already used (rotated); reuse revokes the whole token "
                    "family", rfc="RFC 9700 §4.14.2",
                )
            if self._clock.now() >= record.expires_at:
                raise InvalidGrant("the refresh token expired", rfc="RFC 6749 §5.2")
            validate(record)
            if rotate:
                record.used = True
            return record

    def attach_to_family(self, family: str, jti: str) -> None:
        """Link an access token to its family: revoking the family revokes it too."""
        with self._lock:
            lineage = self._families.get(family)
            if lineage is not None:
                self._link(jti, lineage)

    def active_refresh(self, token: str) -> RefreshRecord | None:
        """The record of a refresh token that is still usable, else None (RFC 7662 §2.2)."""
        with self._lock:
            record = self._refresh.get(token)
            if record is None or record.used or record.lineage.revoked:
                return None
            return record if self._clock.now() < record.expires_at else None

    def revoke_refresh(self, token: str, client_id: str) -> bool:
        """RFC 7009 §2.1: revoke a refresh token (and its family); False if not the client's."""
        with self._lock:
            record = self._refresh.get(token)
            if record is None or record.grant.client_id != client_id:
                return False
            record.lineage.revoked = True
            return True

    # -- access tokens ------------------------------------------------------------------------
    def _link(self, jti: str, family: Family) -> None:
        """Hold `jti` as live, revoked with `family` (and whatever it was linked to before)."""
        self._access.put(jti, (*(self._access.get(jti) or ()), family))

    def hold_access(self, jti: str) -> None:
        """Hold an access token issued from no code or family (client_credentials): live
        until it expires or is revoked."""
        with self._lock:
            self._link(jti, Family())

    def is_revoked(self, jti: str) -> bool:
        """True for a revoked token, and for any jti not held (evicted, expired, never issued)."""
        with self._lock:
            families = self._access.get(jti)
            return families is None or any(family.revoked for family in families)

    def revoke_access(self, jti: str) -> None:
        with self._lock:
            self._access.pop(jti)
