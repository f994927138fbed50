"""Authorization codes, refresh tokens and revocations, in memory and thread-safe.

RFC 6749 §4.1.2: a code is short-lived and single-use; "If an authorization code is used more
than once, the authorization server MUST deny the request and SHOULD revoke (when possible) all
tokens previously issued based on that authorization code." §10.5: codes are bound to the client
and redirect URI; RFC 7636 §4.4 binds them to the code_challenge. RFC 9700 §4.14.2: refresh tokens
of public clients rotate, and reuse of a rotated token revokes the whole family.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from playground.core.clock import Clock
from playground.core.errors import InvalidGrant


@dataclass(frozen=True, slots=True)
class Grant:
    """What the user approved for a client: the basis of every token issued from it."""

    client_id: str
    sub: str
    scopes: tuple[str, ...]
    auth_time: int
    nonce: str | None = None


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
    access_jtis: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefreshRecord:
    token: str
    family: str
    grant: Grant
    expires_at: float
    used: bool = False


@dataclass(slots=True)
class Family:
    access_jtis: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    revoked: bool = False


class TokenStore:
    """Everything the server remembers between requests. One lock; every operation is short."""

    def __init__(self, clock: Clock, code_ttl: float, refresh_ttl: float) -> None:
        self._clock = clock
        self.code_ttl = code_ttl
        self.refresh_ttl = refresh_ttl
        self._lock = threading.Lock()
        self._codes: dict[str, CodeRecord] = {}
        self._refresh: dict[str, RefreshRecord] = {}
        self._families: dict[str, Family] = {}
        self._revoked: dict[str, float] = {}
        self._writes = 0

    # -- authorization codes ------------------------------------------------------------------
    def issue_code(self, grant: Grant, redirect_uri: str, redirect_uri_given: bool,
                   challenge: str | None, method: str | None) -> str:
        code = secrets.token_urlsafe(32)
        record = CodeRecord(code, grant, redirect_uri, redirect_uri_given, challenge, method,
                            self._clock.now() + self.code_ttl)
        with self._lock:
            self._codes[code] = record
            self._tick()
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
            record.access_jtis.append(jti)
            if family:
                record.families.append(family)
            if record.replayed:
                self._revoke_code_tokens(record)

    def _revoke_code_tokens(self, record: CodeRecord) -> None:
        record.replayed = True
        for jti in record.access_jtis:
            self._revoked[jti] = self._clock.now() + 86400
        for family in record.families:
            self._revoke_family(family)

    # -- refresh tokens -----------------------------------------------------------------------
    def issue_refresh(self, grant: Grant, family: str | None = None) -> tuple[str, str]:
        """A new opaque refresh token, in `family` (a new family when None)."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            if family is None:
                family = secrets.token_urlsafe(12)
                self._families[family] = Family()
            self._families[family].tokens.append(token)
            self._refresh[token] = RefreshRecord(token, family, grant,
                                                 self._clock.now() + self.refresh_ttl)
            self._tick()
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
            family = self._families[record.family]
            if family.revoked:
                raise InvalidGrant("the refresh token was revoked", rfc="RFC 6749 §5.2")
            if record.used:
                self._revoke_family(record.family)
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
        with self._lock:
            fam = self._families.get(family)
            if fam is not None:
                fam.access_jtis.append(jti)
                if fam.revoked:
                    self._revoked[jti] = self._clock.now() + 86400

    def _revoke_family(self, family_id: str) -> None:
        family = self._families.get(family_id)
        if family is None:
            return
        family.revoked = True
        for jti in family.access_jtis:
            self._revoked[jti] = self._clock.now() + 86400

    def active_refresh(self, token: str) -> RefreshRecord | None:
        """The record of a refresh token that is still usable, else None (RFC 7662 §2.2)."""
        with self._lock:
            record = self._refresh.get(token)
            if record is None or record.used or self._families[record.family].revoked:
                return None
            return record if self._clock.now() < record.expires_at else None

    def revoke_refresh(self, token: str, client_id: str) -> bool:
        """RFC 7009 §2.1: revoke a refresh token (and its family); False if not the client's."""
        with self._lock:
            record = self._refresh.get(token)
            if record is None or record.grant.client_id != client_id:
                return False
            self._revoke_family(record.family)
            return True

    # -- access tokens ------------------------------------------------------------------------
    def is_revoked(self, jti: str) -> bool:
        return jti in self._revoked

    def revoke_access(self, jti: str) -> None:
        with self._lock:
            self._revoked[jti] = self._clock.now() + 86400

    def _tick(self) -> None:
        """Every 256 writes, drop expired codes (kept 10 min more, for replay detection)."""
        self._writes += 1
        if self._writes % 256:
            return
        now = self._clock.now()
        self._codes = {k: v for k, v in self._codes.items() if v.expires_at + 600 > now}
        self._refresh = {k: v for k, v in self._refresh.items() if v.expires_at > now}
